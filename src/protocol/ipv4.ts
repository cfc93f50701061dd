/**
 * IPv4 header (RFC 791): a zero-allocation decoder for the analyzer's hot path, an allocating convenience
 * form, and the encoder (with header checksum) the server and tests share. Addresses stay uint32 numbers;
 * addr.ts turns them into text for the packets that matter.
 */
import { readIp, toIpNumber, writeIp } from './addr.js';
import { internetChecksum } from './checksum.js';

export const IPPROTO_ICMP = 1;
/** IPv4 in IPv4 (tunnels, some relays). */
export const IPPROTO_IPIP = 4;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const IPV4_OK = 0;
/** The capture cut the datagram (snaplen or a short frame): header usable, payload incomplete. */
export const IPV4_TRUNCATED = 1;
/** Fewer captured bytes than the header needs: nothing usable. */
export const IPV4_HEADER_TRUNCATED = 2;
export const IPV4_BAD_VERSION = 3;
/** IHL below 5 words. */
export const IPV4_BAD_HEADER_LENGTH = 4;
/** Total length smaller than the header. */
export const IPV4_BAD_TOTAL_LENGTH = 5;
export type Ipv4Status = 0 | 1 | 2 | 3 | 4 | 5;

const STATUS_TEXT: readonly string[] = [
  'ok',
  'IPv4 datagram truncated by the capture',
  'IPv4 header truncated',
  'not IPv4 (bad version)',
  'IPv4 header length below 20 bytes',
  'IPv4 total length smaller than its header',
];

export function ipv4StatusText(status: Ipv4Status): string {
  return STATUS_TEXT[status];
}

/** Decoded IPv4 header. Reused by decodeIpv4Into between packets: copy what you keep. */
export interface Ipv4Header {
  status: Ipv4Status;
  version: number;
  /** Header length in 32-bit words. */
  ihl: number;
  /** Header length in bytes (ihl * 4). */
  headerLength: number;
  tos: number;
  /** Total length field; with TSO captures (field 0) the captured length is used instead, see `tso`. */
  totalLength: number;
  id: number;
  /** The 3 flag bits: 0x4 reserved, 0x2 don't fragment, 0x1 more fragments. */
  flags: number;
  df: boolean;
  mf: boolean;
  /** Fragment offset in bytes (the field times 8; tshark's ip.frag_offset field is the raw 8-byte count). */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  /** uint32 addresses. */
  src: number;
  dst: number;
  /** Offset of the payload in the frame, and its end (exclusive), clipped to the captured bytes. */
  payloadOffset: number;
  payloadEnd: number;
  /** Payload length the header announces (totalLength - headerLength); more than captured when truncated. */
  payloadLength: number;
  /** Total length was 0: a TCP segmentation offload capture, length taken from the capture (tshark does too). */
  tso: boolean;
}

export function createIpv4Header(): Ipv4Header {
  return {
    status: IPV4_OK,
    version: 0,
    ihl: 0,
    headerLength: 0,
    tos: 0,
    totalLength: 0,
    id: 0,
    flags: 0,
    df: false,
    mf: false,
    fragmentOffset: 0,
    ttl: 0,
    protocol: 0,
    checksum: 0,
    src: 0,
    dst: 0,
    payloadOffset: 0,
    payloadEnd: 0,
    payloadLength: 0,
    tso: false,
  };
}

/**
 * Decodes the IPv4 header at `offset` into `out` and returns its status (also in out.status). Zero
 * allocation. On IPV4_OK and IPV4_TRUNCATED every field is valid and [payloadOffset, payloadEnd) is the
 * captured payload (Ethernet padding after totalLength excluded).
 */
export function decodeIpv4Into(data: Uint8Array, offset: number, out: Ipv4Header): Ipv4Status {
  const available = data.length - offset;
  if (available < 20) return (out.status = IPV4_HEADER_TRUNCATED);
  const b0 = data[offset];
  out.version = b0 >> 4;
  out.ihl = b0 & 0x0f;
  out.headerLength = out.ihl * 4;
  if (out.version !== 4) return (out.status = IPV4_BAD_VERSION);
  if (out.ihl < 5) return (out.status = IPV4_BAD_HEADER_LENGTH);
  if (available < out.headerLength) return (out.status = IPV4_HEADER_TRUNCATED);
  out.tos = data[offset + 1];
  let total = (data[offset + 2] << 8) | data[offset + 3];
  out.tso = total === 0;
  if (out.tso) total = available > 0xffff ? 0xffff : available;
  out.totalLength = total;
  out.id = (data[offset + 4] << 8) | data[offset + 5];
  const fragWord = (data[offset + 6] << 8) | data[offset + 7];
  out.flags = fragWord >> 13;
  out.df = (fragWord & 0x4000) !== 0;
  out.mf = (fragWord & 0x2000) !== 0;
  out.fragmentOffset = (fragWord & 0x1fff) * 8;
  out.ttl = data[offset + 8];
  out.protocol = data[offset + 9];
  out.checksum = (data[offset + 10] << 8) | data[offset + 11];
  out.src = readIp(data, offset + 12);
  out.dst = readIp(data, offset + 16);
  out.payloadOffset = offset + out.headerLength;
  if (total < out.headerLength) {
    out.payloadEnd = out.payloadOffset;
    out.payloadLength = 0;
    return (out.status = IPV4_BAD_TOTAL_LENGTH);
  }
  out.payloadLength = total - out.headerLength;
  if (total > available) {
    out.payloadEnd = data.length;
    return (out.status = IPV4_TRUNCATED);
  }
  out.payloadEnd = offset + total;
  return (out.status = IPV4_OK);
}

/** peekIpv4Udp: not IPv4/UDP (or no room for the headers). */
export const IPV4_PEEK_OTHER = -1;
/** peekIpv4Udp: a UDP fragment, for decodeIpv4Into and the reassembler. */
export const IPV4_PEEK_FRAGMENT = -2;

/**
 * Hot-path triage, a few byte reads and no writes: the offset of the UDP header when `data` holds an
 * unfragmented IPv4/UDP datagram at `offset` with the whole UDP header captured, IPV4_PEEK_FRAGMENT for a
 * UDP fragment, IPV4_PEEK_OTHER for anything else. Read the ports (udpSrcPort/udpDstPort) and call
 * decodeIpv4Into only for the interesting ones; lengths are not checked here, so malformed datagrams to
 * interesting ports still reach the full decoder and its notes.
 */
export function peekIpv4Udp(data: Uint8Array, offset: number): number {
  if (data.length - offset < 20) return IPV4_PEEK_OTHER;
  const b0 = data[offset];
  if (b0 >> 4 !== 4 || (b0 & 0x0f) < 5 || data[offset + 9] !== IPPROTO_UDP) return IPV4_PEEK_OTHER;
  const udp = offset + (b0 & 0x0f) * 4;
  if (udp > data.length) return IPV4_PEEK_OTHER;
  // MF set or a non-zero fragment offset.
  if ((data[offset + 6] & 0x3f) !== 0 || data[offset + 7] !== 0) return IPV4_PEEK_FRAGMENT;
  return udp + 8 <= data.length ? udp : IPV4_PEEK_OTHER;
}

/** Allocating form of decodeIpv4Into; check `status` before trusting the fields. */
export function decodeIpv4Header(data: Uint8Array, offset: number): Ipv4Header {
  const out = createIpv4Header();
  decodeIpv4Into(data, offset, out);
  return out;
}

/** True when the datagram is a fragment (more fragments follow, or it is not the first). */
export function isFragment(header: Ipv4Header): boolean {
  return header.mf || header.fragmentOffset !== 0;
}

/** Verifies the header checksum of the header at `offset` (not on the hot path). */
export function ipv4HeaderChecksumOk(data: Uint8Array, offset: number): boolean {
  const headerLength = (data[offset] & 0x0f) * 4;
  if (headerLength < 20 || offset + headerLength > data.length) return false;
  return internetChecksum(data, offset, offset + headerLength) === 0;
}

export interface Ipv4Fields {
  src: string | number;
  dst: string | number;
  protocol: number;
  id?: number;
  /** Default 64. */
  ttl?: number;
  tos?: number;
  df?: boolean;
  mf?: boolean;
  /** Reserved ("evil") bit. */
  reserved?: boolean;
  /** Fragment offset in bytes; a multiple of 8. */
  fragmentOffset?: number;
  /** Option bytes; padded with zeros (end of option list) to a multiple of 4. */
  options?: Uint8Array;
  /** Tests only: write this total length instead of the real one (malformed packets). */
  totalLengthOverride?: number;
  /** Tests only: write this checksum instead of computing it. */
  checksumOverride?: number;
}

function checkRange(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max)
    throw new RangeError(`${name} out of range: ${value}`);
}

/** Header + payload with a correct header checksum. Throws RangeError on impossible field values. */
export function encodeIpv4(fields: Ipv4Fields, payload: Uint8Array): Uint8Array {
  const options = fields.options ?? new Uint8Array(0);
  const optionLength = (options.length + 3) & ~3;
  const headerLength = 20 + optionLength;
  if (headerLength > 60) throw new RangeError(`IPv4 options too long: ${options.length} bytes`);
  const total = headerLength + payload.length;
  if (total > 0xffff) throw new RangeError(`IPv4 datagram too long: ${total} bytes`);
  const fragmentOffset = fields.fragmentOffset ?? 0;
  if (fragmentOffset % 8 !== 0)
    throw new RangeError(`fragment offset not a multiple of 8: ${fragmentOffset}`);
  checkRange('fragment offset', fragmentOffset / 8, 0x1fff);
  const id = fields.id ?? 0;
  const ttl = fields.ttl ?? 64;
  const tos = fields.tos ?? 0;
  checkRange('IP id', id, 0xffff);
  checkRange('TTL', ttl, 0xff);
  checkRange('TOS', tos, 0xff);
  checkRange('protocol', fields.protocol, 0xff);
  const out = new Uint8Array(total);
  out[0] = 0x40 | (headerLength >> 2);
  out[1] = tos;
  const lengthField = fields.totalLengthOverride ?? total;
  checkRange('total length', lengthField, 0xffff);
  out[2] = lengthField >> 8;
  out[3] = lengthField & 0xff;
  out[4] = id >> 8;
  out[5] = id & 0xff;
  const flags =
    (fields.reserved === true ? 4 : 0) | (fields.df === true ? 2 : 0) | (fields.mf === true ? 1 : 0);
  const fragWord = (flags << 13) | (fragmentOffset / 8);
  out[6] = fragWord >> 8;
  out[7] = fragWord & 0xff;
  out[8] = ttl;
  out[9] = fields.protocol;
  writeIp(out, 12, toIpNumber(fields.src));
  writeIp(out, 16, toIpNumber(fields.dst));
  out.set(options, 20);
  const checksum = fields.checksumOverride ?? internetChecksum(out, 0, headerLength);
  out[10] = checksum >> 8;
  out[11] = checksum & 0xff;
  out.set(payload, headerLength);
  return out;
}

/**
 * Splits `payload` into fragments that each fit `mtu` bytes (header included), like a sending host
 * would: every fragment but the last carries a multiple of 8 payload bytes and MF. Options are copied
 * into every fragment (fine for tests; RFC 791 copies only some).
 */
export function fragmentIpv4(fields: Ipv4Fields, payload: Uint8Array, mtu: number): Uint8Array[] {
  const headerLength = 20 + (((fields.options?.length ?? 0) + 3) & ~3);
  const chunk = (mtu - headerLength) & ~7;
  if (chunk <= 0) throw new RangeError(`MTU ${mtu} too small for fragments`);
  const base = fields.fragmentOffset ?? 0;
  const out: Uint8Array[] = [];
  for (let start = 0; start < payload.length || start === 0; start += chunk) {
    const end = Math.min(payload.length, start + chunk);
    const last = end >= payload.length;
    out.push(
      encodeIpv4(
        { ...fields, fragmentOffset: base + start, mf: last ? fields.mf === true : true },
        payload.subarray(start, end),
      ),
    );
    if (last) break;
  }
  return out;
}
