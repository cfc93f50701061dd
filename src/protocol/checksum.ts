/**
 * The Internet checksum (RFC 1071): one's complement of the one's complement sum of 16-bit words.
 * Used for the IPv4 header and the UDP pseudo-header; never on the hot path of the analyzer.
 */

/**
 * Adds the bytes [start, end) as big-endian 16-bit words to `sum` (an odd last byte is padded with zero).
 * The result is not folded: chain calls, then fold once with finishChecksum.
 */
export function sumWords(data: Uint8Array, start: number, end: number, sum = 0): number {
  let i = start;
  for (; i + 1 < end; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (i < end) sum += data[i] << 8;
  // Fold early enough that a 64 KiB datagram cannot lose precision (2^53 is far away, but keep it small).
  return sum > 0xffffffff ? (sum & 0xffff) + Math.floor(sum / 0x10000) : sum;
}

/** Folds a word sum to 16 bits and complements it: the value to put in a checksum field. */
export function finishChecksum(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return ~sum & 0xffff;
}

/** Checksum of [start, end). Over a header that includes its own correct checksum the result is 0. */
export function internetChecksum(data: Uint8Array, start = 0, end = data.length): number {
  return finishChecksum(sumWords(data, start, end));
}
