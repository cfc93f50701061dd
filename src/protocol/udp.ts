/**
 * UDP header (RFC 768): zero-allocation decoder for the hot path, encoder with the IPv4 pseudo-header
 * checksum for the server and tests, and a checksum verifier for reports (not for the hot path).
 */
import { toIpNumber } from './addr.js';
import { finishChecksum, sumWords } from './checksum.js';
import { IPPROTO_UDP } from './ipv4.js';

export const UDP_OK = 0;
/**
 * The length field claims more bytes than there are. When the IP datagram was itself truncated by the
 * capture this is just the snaplen; otherwise the length field is wrong (tshark: "Bad length value").
 */
export const UDP_SHORT = 1;
/** Fewer than 8 bytes: no header. */
export const UDP_HEADER_TRUNCATED = 2;
/** Length field below 8. */
export const UDP_BAD_LENGTH = 3;
export type UdpStatus = 0 | 1 | 2 | 3;

export interface UdpHeader {
  status: UdpStatus;
  srcPort: number;
  dstPort: number;
  length: number;
  checksum: number;
  /** Payload range in the buffer: [payloadOffset, payloadEnd), clipped to what was captured. */
  payloadOffset: number;
  payloadEnd: number;
}

export function createUdpHeader(): UdpHeader {
  return { status: UDP_OK, srcPort: 0, dstPort: 0, length: 0, checksum: 0, payloadOffset: 0, payloadEnd: 0 };
}

/** Source port of the UDP header at `offset`: for the cheap "is it port 67/68/69/4011" test. */
export function udpSrcPort(data: Uint8Array, offset: number): number {
  return (data[offset] << 8) | data[offset + 1];
}

export function udpDstPort(data: Uint8Array, offset: number): number {
  return (data[offset + 2] << 8) | data[offset + 3];
}

/**
 * Decodes the UDP header at `offset` of a datagram ending at `end` (the IP payload end) into `out`.
 * Trailing bytes past the UDP length (padding) are excluded from the payload.
 */
export function decodeUdpInto(data: Uint8Array, offset: number, end: number, out: UdpHeader): UdpStatus {
  if (end > data.length) end = data.length;
  if (end - offset < 8) return (out.status = UDP_HEADER_TRUNCATED);
  out.srcPort = (data[offset] << 8) | data[offset + 1];
  out.dstPort = (data[offset + 2] << 8) | data[offset + 3];
  out.length = (data[offset + 4] << 8) | data[offset + 5];
  out.checksum = (data[offset + 6] << 8) | data[offset + 7];
  out.payloadOffset = offset + 8;
  if (out.length < 8) {
    out.payloadEnd = end;
    return (out.status = UDP_BAD_LENGTH);
  }
  if (offset + out.length > end) {
    out.payloadEnd = end;
    return (out.status = UDP_SHORT);
  }
  out.payloadEnd = offset + out.length;
  return (out.status = UDP_OK);
}

/** Allocating form of decodeUdpInto. */
export function decodeUdpHeader(data: Uint8Array, offset: number, end: number = data.length): UdpHeader {
  const out = createUdpHeader();
  decodeUdpInto(data, offset, end, out);
  return out;
}

function pseudoHeaderSum(src: number, dst: number, udpLength: number): number {
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + IPPROTO_UDP + udpLength;
}

/**
 * The checksum for the UDP datagram [start, end) (header + payload, with its checksum field taken as
 * zero), over the IPv4 pseudo-header. A computed 0 is sent as 0xffff (RFC 768).
 */
export function udpChecksum(
  src: number,
  dst: number,
  data: Uint8Array,
  start = 0,
  end = data.length,
): number {
  let sum = pseudoHeaderSum(src, dst, end - start);
  sum = sumWords(data, start, start + 6, sum);
  sum = sumWords(data, start + 8, end, sum);
  const c = finishChecksum(sum);
  return c === 0 ? 0xffff : c;
}

export type UdpChecksumStatus = 'ok' | 'bad' | 'none' | 'unverifiable';

/**
 * Checks the checksum of the UDP datagram at [offset, offset + length field). 'none' when the sender
 * left it 0 (allowed over IPv4); 'unverifiable' when the capture does not hold the whole datagram.
 */
export function verifyUdpChecksum(
  src: number,
  dst: number,
  data: Uint8Array,
  offset: number,
): UdpChecksumStatus {
  if (offset + 8 > data.length) return 'unverifiable';
  const length = (data[offset + 4] << 8) | data[offset + 5];
  if (length < 8 || offset + length > data.length) return 'unverifiable';
  const stored = (data[offset + 6] << 8) | data[offset + 7];
  if (stored === 0) return 'none';
  return udpChecksum(src, dst, data, offset, offset + length) === stored ? 'ok' : 'bad';
}

/** UDP header + payload with the checksum computed over the pseudo-header. */
export function encodeUdp(
  srcIp: string | number,
  dstIp: string | number,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array,
): Uint8Array {
  for (const port of [srcPort, dstPort]) {
    if (!Number.isInteger(port) || port < 0 || port > 0xffff)
      throw new RangeError(`UDP port out of range: ${port}`);
  }
  const length = 8 + payload.length;
  // 0xffff is the largest UDP length; an IPv4 header still has to fit, encodeIpv4 checks that.
  if (length > 0xffff) throw new RangeError(`UDP datagram too long: ${length} bytes`);
  const out = new Uint8Array(length);
  out[0] = srcPort >> 8;
  out[1] = srcPort & 0xff;
  out[2] = dstPort >> 8;
  out[3] = dstPort & 0xff;
  out[4] = length >> 8;
  out[5] = length & 0xff;
  out.set(payload, 8);
  const checksum = udpChecksum(toIpNumber(srcIp), toIpNumber(dstIp), out);
  out[6] = checksum >> 8;
  out[7] = checksum & 0xff;
  return out;
}
