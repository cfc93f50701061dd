/**
 * Which UDP datagrams are DHCP or TFTP, decided as tshark decides: its UDP port table (the lower port first),
 * the ports other dissectors claim first, and Wireshark's heuristic for a TFTP request on any other port.
 */

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;
export const PXE_BOOT_SERVER_PORT = 4011;
export const TFTP_PORT = 69;

/** Captured DHCP payloads shorter than op … chaddr are not decoded as DHCP by tshark. */
export const MIN_DHCP_PAYLOAD = 34;

/**
 * UDP ports below 67 that tshark gives to other protocols: it tries the lower port first, so a datagram
 * between one of these and a DHCP/TFTP port is not DHCP/TFTP (e.g. DNS 53 ↔ 67).
 */
const LOWER_CLAIMED_PORTS = new Set([7, 9, 13, 17, 19, 37, 42, 49, 53]);

/** The dissector tshark's UDP port table picks: lower port first, then the higher. */
export function portDissector(sp: number, dp: number): 'dhcp' | 'tftp' | null {
  const low = sp < dp ? sp : dp;
  const high = sp < dp ? dp : sp;
  if (isDhcpPort(low)) return 'dhcp';
  if (low === TFTP_PORT) return 'tftp';
  if (LOWER_CLAIMED_PORTS.has(low)) return null;
  if (isDhcpPort(high)) return 'dhcp';
  if (high === TFTP_PORT) return 'tftp';
  return null;
}

/**
 * Wireshark's test for a TFTP request (packet-tftp.c is_valid_request_body): after the opcode, only printable
 * ASCII or NUL, an even non-zero number of NULs, the last byte a NUL, and a mode of netascii, octet or mail.
 * Rejects binary traffic within the first bytes, so it is cheap enough for every unclaimed UDP datagram.
 */
export function looksLikeTftpRequest(data: Uint8Array, start: number, end: number): boolean {
  if (end <= start || data[end - 1] !== 0) return false;
  let nuls = 0;
  let firstNul = -1;
  let secondNul = -1;
  for (let i = start; i < end; i++) {
    const b = data[i];
    if (b === 0) {
      nuls++;
      if (firstNul < 0) firstNul = i;
      else if (secondNul < 0) secondNul = i;
    } else if (b < 0x20 || b > 0x7e) {
      return false;
    }
  }
  if (nuls === 0 || nuls % 2 !== 0 || secondNul < 0) return false;
  const modeLength = secondNul - firstNul - 1;
  if (modeLength !== 4 && modeLength !== 5 && modeLength !== 8) return false;
  let mode = '';
  for (let i = firstNul + 1; i < secondNul; i++) mode += String.fromCharCode(data[i] | 0x20);
  return mode === 'octet' || mode === 'netascii' || mode === 'mail';
}

function isDhcpPort(p: number): boolean {
  return p === DHCP_SERVER_PORT || p === DHCP_CLIENT_PORT || p === PXE_BOOT_SERVER_PORT;
}

export function isInterestingPort(p: number): boolean {
  return isDhcpPort(p) || p === TFTP_PORT;
}
