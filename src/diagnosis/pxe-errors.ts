/**
 * What PXE clients print when a boot fails, per firmware family, so findings can quote the line the user saw.
 * Legacy BIOS texts follow the Intel PXE ROM code list (the number is the PXENV_STATUS code: E32 = 0x32
 * TFTP open timeout, E3B = 0x3B file not found …); UEFI texts are EDK2's UefiPxeBcDxe; iPXE texts are its
 * error strings with the code it prints (posix | file | PXENV_STATUS, e.g. 2d12603b = ENOENT from tftp.c,
 * status 0x3B), as seen on the lab consoles.
 */

/** Legacy BIOS PXE ROMs (Intel/Broadcom-style base code). */
export const BIOS = {
  arpTimeout: 'PXE-E11: ARP timeout',
  tftpOpenTimeout: 'PXE-E32: TFTP open timeout',
  tftpReadTimeout: 'PXE-E35: TFTP read timeout',
  tftpErrorReceived: 'PXE-E36: Error received from TFTP server',
  tftpFileNotFound: 'PXE-E3B: TFTP Error - File not found',
  tftpAccessViolation: 'PXE-E3C: TFTP Error - Access violation',
  tftpPacketSize: 'PXE-E3F: TFTP packet size is invalid',
  noOffers: 'PXE-E51: No DHCP or proxyDHCP offers were received',
  proxyOnly: 'PXE-E52: proxyDHCP offers were received. No DHCP offers were received',
  noBootFilename: 'PXE-E53: No boot filename received',
  proxy4011: 'PXE-E55: proxyDHCP service did not reply to request on port 4011',
  noBootServer: 'PXE-E78: Could not locate boot server',
  nbpTooBig: 'PXE-E79: NBP is too big to fit in free base memory',
  missingTftpServer: 'PXE-E7B: Missing MTFTP server IP address',
} as const;

/**
 * PXE-T0n echoes a TFTP ERROR packet: n is the TFTP error code, the text is the server's message
 * (T01 file not found, T02 access violation, T04 illegal operation).
 */
export function biosTftpEcho(code: number, serverText: string): string {
  const text = serverText.trim() === '' ? '(no message)' : serverText.trim();
  return `PXE-T${String(code).padStart(2, '0')}: ${text}`;
}

/** UEFI firmware PXE (EDK2 UefiPxeBcDxe, as printed by OVMF and most vendor firmware). */
export const UEFI = {
  noValidOffer: 'PXE-E16: No valid offer received.',
  serverTimeout: 'PXE-E18: Server response timeout.',
  bootCancelled: 'PXE-E21: Remote boot cancelled.',
  icmpError: 'PXE-E22: Client received ICMP error from server.',
  tftpError: 'PXE-E23: Client received TFTP error from server.',
  noBootFilename: 'PXE-E53: No boot filename received.',
  /** What OVMF prints when its RRQ is answered by ICMP port unreachable. */
  unexpectedNetworkError: 'PXE-E99: Unexpected network error.',
  /** The download worked; the firmware then cannot start the image (not a PE/COFF for its CPU). */
  loadFailed:
    'NBP file downloaded successfully. / BdsDxe: failed to load Boot#### "UEFI PXEv4 (MAC:…)" … Not Found',
  /** EDK2 stays on this line while it waits for DHCP / boot server replies. */
  startPxe: '>>Start PXE over IPv4.',
} as const;

/**
 * iPXE (ROMs, undionly.kpxe, ipxe.efi, snponly.efi). The codes are the ones the lab consoles printed; the
 * middle digits name the source file, so the same POSIX error differs between TFTP (…1260…) and PXE boot
 * server discovery (…1060…).
 */
export const IPXE = {
  noConfiguration: 'No configuration methods succeeded (https://ipxe.org/040ee119)',
  nothingToBoot: 'Nothing to boot: No such file or directory (https://ipxe.org/2d03e13b)',
  fileNotFound: 'No such file or directory (https://ipxe.org/2d12603b)',
  /** A TFTP download that never gets (or stops getting) answers, ARP for the server included. */
  tftpTimedOut: 'Connection timed out (https://ipxe.org/4c126035)',
  /** PXE boot server discovery (udp/4011) without an answer. */
  pxebsTimedOut: 'PXEBS (net0 type 128)… Connection timed out (https://ipxe.org/4c106035)',
  connectionRefused: 'Connection refused',
  /** A bare filename with no next-server: iPXE cannot build a tftp:// URI. */
  noNextServer: 'Operation not supported (https://ipxe.org/3c092003)',
  /** iPXE EFI handed a BIOS program. */
  execFormat: 'Could not boot image: Exec format error (https://ipxe.org/2e008081)',
  /** iPXE BIOS handed an EFI program: it runs it as a BIOS NBP and hangs. */
  efiAsNbp: '<file> : <size> bytes [PXE-NBP (may be EFI?)], then the machine hangs',
  permissionDenied: 'Permission denied',
} as const;

/**
 * Who is talking on the client side: the firmware's PXE stack (BIOS ROM or UEFI), iPXE, or a loaded
 * boot program ('loader': pxelinux, grub …) whose messages are its own.
 */
export type ClientFamily = 'bios' | 'uefi' | 'ipxe' | 'loader' | 'unknown';

export interface ClientTexts {
  bios?: readonly string[];
  uefi?: readonly string[];
  ipxe?: readonly string[];
}

/**
 * The line(s) the client prints, for its family. When the family is unknown, the BIOS and UEFI texts are
 * both given, since those are the two a user is likely to be looking at.
 */
export function clientMessage(family: ClientFamily, texts: ClientTexts): string | null {
  const join = (t: readonly string[] | undefined): string | null =>
    t && t.length > 0 ? t.join(' / ') : null;
  switch (family) {
    case 'bios':
      return join(texts.bios);
    case 'uefi':
      return join(texts.uefi);
    case 'ipxe':
      return join(texts.ipxe);
    case 'loader':
      return null;
    case 'unknown': {
      const parts = [join(texts.bios), join(texts.uefi) === null ? null : `UEFI: ${join(texts.uefi)}`];
      const present = parts.filter((p): p is string => p !== null);
      return present.length > 0 ? present.join(' (') + (present.length > 1 ? ')' : '') : null;
    }
  }
}
