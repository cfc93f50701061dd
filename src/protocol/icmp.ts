/**
 * ICMP echo request / reply (RFC 792, types 8 and 0): what a DHCP server's ping check of a candidate address
 * looks like on the wire (dnsmasq, ISC dhcpd ping-check, Kea's ping_check hook). One codec both ways: the
 * decoder reads what encode writes, so tests and tools build echoes with the same code the analysis reads.
 */
import { internetChecksum } from './checksum.js';

export const ICMP_ECHO_REPLY = 0;
export const ICMP_ECHO_REQUEST = 8;

export interface IcmpEcho {
  kind: 'request' | 'reply';
  identifier: number;
  sequence: number;
  /** Bytes after the 8-byte header (servers put a timestamp or a pattern there). */
  payloadLength: number;
}

/** The echo in the ICMP message at data[offset, end), or null when it is another ICMP type or cut short. */
export function decodeIcmpEcho(data: Uint8Array, offset: number, end: number): IcmpEcho | null {
  if (end - offset < 8) return null;
  const type = data[offset];
  if ((type !== ICMP_ECHO_REQUEST && type !== ICMP_ECHO_REPLY) || data[offset + 1] !== 0) return null;
  return {
    kind: type === ICMP_ECHO_REQUEST ? 'request' : 'reply',
    identifier: (data[offset + 4] << 8) | data[offset + 5],
    sequence: (data[offset + 6] << 8) | data[offset + 7],
    payloadLength: end - offset - 8,
  };
}

/** The ICMP message (header with its checksum, then the payload) for an echo. */
export function encodeIcmpEcho(
  echo: Omit<IcmpEcho, 'payloadLength'>,
  payload: Uint8Array = new Uint8Array(0),
): Uint8Array {
  const b = new Uint8Array(8 + payload.length);
  b[0] = echo.kind === 'request' ? ICMP_ECHO_REQUEST : ICMP_ECHO_REPLY;
  b[4] = (echo.identifier >> 8) & 0xff;
  b[5] = echo.identifier & 0xff;
  b[6] = (echo.sequence >> 8) & 0xff;
  b[7] = echo.sequence & 0xff;
  b.set(payload, 8);
  const sum = internetChecksum(b);
  b[2] = sum >> 8;
  b[3] = sum & 0xff;
  return b;
}
