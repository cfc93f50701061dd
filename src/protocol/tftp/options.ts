/** Option checks (RFC 2347 extension, 2348 blksize, 2349 timeout/tsize, 7440 windowsize). */
import type { TftpPacket } from './types.js';

export const BLKSIZE_MIN = 8;
export const BLKSIZE_MAX = 65464;

const RANGES: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['blksize', [BLKSIZE_MIN, BLKSIZE_MAX]],
  ['windowsize', [1, 65535]],
  ['timeout', [1, 255]],
  ['tsize', [0, Number.MAX_SAFE_INTEGER]],
]);

/** Strict decimal: what a server that follows the RFCs accepts. NaN otherwise. */
export function parseOptionNumber(value: string): number {
  return /^[0-9]{1,15}$/.test(value) ? Number(value) : NaN;
}

/** A note for an option value out of its RFC range, or null when it is fine (or not one we check). */
export function checkTftpOption(name: string, value: string): string | null {
  const lower = name.toLowerCase();
  const range = RANGES.get(lower);
  if (range === undefined) return null;
  const n = parseOptionNumber(value);
  if (Number.isNaN(n)) return `${lower} is not a number: "${value}"`;
  if (n < range[0] || n > range[1]) return `${lower} ${n} outside ${range[0]}–${range[1]}`;
  return null;
}

/** A numeric option of a request or OACK ("blksize", "tsize", …), or null when absent or not a number. */
export function tftpNumericOption(pkt: TftpPacket, name: string): number | null {
  const key = name.toLowerCase();
  // hasOwn: plain objects inherit "constructor" and friends.
  if (pkt.options === undefined || !Object.hasOwn(pkt.options, key)) return null;
  const n = parseOptionNumber(pkt.options[key]);
  return Number.isNaN(n) ? null : n;
}
