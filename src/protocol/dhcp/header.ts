import { colonHex, encodeText, fieldText, fromHex, readIpv4, readU16, readU32, writeIpv4 } from './bytes.js';
import type { DhcpMessage } from './types.js';

/** BOOTP fixed header layout (RFC 951 / 2131 section 2). */
export const HEADER_LENGTH = 236;
export const COOKIE_OFFSET = 236;
export const OPTIONS_OFFSET = 240;
export const CHADDR_OFFSET = 28;
export const CHADDR_LENGTH = 16;
export const SNAME_OFFSET = 44;
export const SNAME_LENGTH = 64;
export const FILE_OFFSET = 108;
export const FILE_LENGTH = 128;
export const MAGIC_COOKIE = Uint8Array.of(99, 130, 83, 99);
export const BROADCAST_FLAG = 0x8000;

export type HeaderFields = Pick<
  DhcpMessage,
  | 'op'
  | 'htype'
  | 'hlen'
  | 'hops'
  | 'xid'
  | 'secs'
  | 'flags'
  | 'broadcast'
  | 'ciaddr'
  | 'yiaddr'
  | 'siaddr'
  | 'giaddr'
  | 'chaddr'
  | 'sname'
  | 'file'
>;

/** The chaddr text for a header: hlen bytes, at most the 16 of the field, fewer if the packet was cut. */
export function chaddrText(header: Uint8Array, hlen: number): string {
  const end = Math.min(CHADDR_OFFSET + Math.min(hlen, CHADDR_LENGTH), header.length);
  return end > CHADDR_OFFSET ? colonHex(header.subarray(CHADDR_OFFSET, end)) : '';
}

/**
 * Some firmware (EDK2's PXE among others) writes `secs` little-endian: 1, 2, 3 s arrive as 256, 512, 768.
 * Like Wireshark, a value above 255 whose low byte is zero is read byte-swapped (see secsByteSwapped).
 */
export function secsAsSent(raw: number): number {
  return secsByteSwapped(raw) ? raw >>> 8 : raw;
}

export function secsByteSwapped(raw: number): boolean {
  return raw > 0xff && (raw & 0xff) === 0;
}

/**
 * Reads the fixed header. A packet cut inside it reads as if zero-padded, so re-encoding the fields and cutting
 * at the same length gives back the same bytes.
 */
export function readHeader(header: Uint8Array): HeaderFields {
  const b = header;
  const flags = readU16(b, 10);
  const hlen = b[2] ?? 0;
  return {
    op: b[0] ?? 0,
    htype: b[1] ?? 0,
    hlen,
    hops: b[3] ?? 0,
    xid: readU32(b, 4),
    secs: b.length >= 10 ? secsAsSent(readU16(b, 8)) : readU16(b, 8),
    flags,
    broadcast: (flags & BROADCAST_FLAG) !== 0,
    ciaddr: readIpv4(b, 12),
    yiaddr: readIpv4(b, 16),
    siaddr: readIpv4(b, 20),
    giaddr: readIpv4(b, 24),
    chaddr: chaddrText(b, hlen),
    sname: fieldText(b.subarray(SNAME_OFFSET, SNAME_OFFSET + SNAME_LENGTH)),
    file: fieldText(b.subarray(FILE_OFFSET, FILE_OFFSET + FILE_LENGTH)),
  };
}

/** Writes the numeric and address fields (not chaddr, sname, file) into a 236-byte header. */
export function writeHeaderNumbers(h: Uint8Array, m: HeaderFields): void {
  const flags = (m.flags & ~BROADCAST_FLAG & 0xffff) | (m.broadcast ? BROADCAST_FLAG : 0);
  h[0] = m.op;
  h[1] = m.htype;
  h[2] = m.hlen;
  h[3] = m.hops;
  h[4] = m.xid >>> 24;
  h[5] = m.xid >>> 16;
  h[6] = m.xid >>> 8;
  h[7] = m.xid;
  h[8] = m.secs >>> 8;
  h[9] = m.secs;
  h[10] = flags >>> 8;
  h[11] = flags;
  writeIpv4(h, 12, m.ciaddr);
  writeIpv4(h, 16, m.yiaddr);
  writeIpv4(h, 20, m.siaddr);
  writeIpv4(h, 24, m.giaddr);
}

/** chaddr text to bytes, zero-filled to the 16-byte field. */
export function writeChaddr(h: Uint8Array, chaddr: string): void {
  const bytes = fromHex(chaddr);
  if (bytes.length > CHADDR_LENGTH) throw new TypeError(`chaddr longer than 16 bytes: ${chaddr}`);
  h.fill(0, CHADDR_OFFSET, CHADDR_OFFSET + CHADDR_LENGTH);
  h.set(bytes, CHADDR_OFFSET);
}

/** A NUL-terminated text field; text longer than the field is cut so that a NUL still ends it. */
export function writeField(h: Uint8Array, offset: number, length: number, text: string): void {
  const bytes = encodeText(text).subarray(0, length - 1);
  h.fill(0, offset, offset + length);
  h.set(bytes, offset);
}
