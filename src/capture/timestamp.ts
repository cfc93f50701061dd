import type { RawTimestamp } from './types.js';

/** A timestamp split into whole seconds and a fraction in units of 10^-digits seconds. */
export interface Timestamp {
  seconds: number;
  /** Fraction of a second as an integer with `digits` decimal digits. */
  fraction: number;
  digits: number;
}

const TWO_32 = 4294967296n;
/** Units per second up to which the limb division in toTimestamp stays exact (remainder × 2^16 < 2^53). */
const MAX_LIMB_DIVISOR = 2 ** 36;
/** Below this many 32-bit "high" words a pcapng unit count still fits a double exactly (2^53). */
const EXACT_HIGH_LIMIT = 2 ** 21;

/**
 * Display digits tshark 4.0 uses for a timestamp unit: the coarsest of 0, 1, 2, 3, 6, 9 digits that still
 * shows one unit (10^-4 s → 3, 2^-20 s → 6). Matching it keeps our times lined up with `tshark -t e`.
 */
export function digitsForUnits(unitsPerSecond: number): number {
  if (unitsPerSecond >= 1e9) return 9;
  if (unitsPerSecond >= 1e6) return 6;
  if (unitsPerSecond >= 1e3) return 3;
  if (unitsPerSecond >= 100) return 2;
  if (unitsPerSecond >= 10) return 1;
  return 0;
}

/**
 * Converts a raw timestamp; exact (BigInt when needed) for pcapng's 64-bit unit counts. Fractions are
 * truncated, not rounded, as tshark does. A pcap sub-second field that is out of range (≥ 1e6 µs or ≥ 1e9 ns,
 * which only broken writers produce) is carried into the seconds instead of printing an impossible fraction.
 * `digits` defaults to the file's display precision; pass 9 to keep every nanosecond the file holds (what
 * `tshark -T fields -e frame.time_epoch` prints, e.g. .123400000 for a 10^-4 interface shown as .123).
 * `into`: written there and returned (a hot path that keeps no timestamp builds no object).
 */
export function toTimestamp(raw: RawTimestamp, digits: number = raw.digits, into?: Timestamp): Timestamp {
  const ups = raw.unitsPerSecond;
  if (!raw.combined) {
    let seconds = raw.high;
    let low = raw.low;
    if (low >= ups) {
      seconds += Math.floor(low / ups);
      low %= ups;
    }
    const frac = Math.floor((low * 10 ** digits) / ups);
    return timestamp(seconds + raw.offsetSeconds, frac, digits, into);
  }
  const scale = 10 ** digits;
  if (raw.high < EXACT_HIGH_LIMIT && ups * scale <= Number.MAX_SAFE_INTEGER) {
    // Fast path (µs pcapng and coarser): every intermediate value is an exact integer double.
    const total = raw.high * 4294967296 + raw.low;
    const seconds = Math.floor(total / ups);
    const rem = total - seconds * ups;
    return timestamp(seconds + raw.offsetSeconds, Math.floor((rem * scale) / ups), digits, into);
  }
  if (
    ups <= MAX_LIMB_DIVISOR &&
    Number.isInteger(ups) &&
    (ups === scale || ups * scale <= Number.MAX_SAFE_INTEGER)
  ) {
    // Nanosecond pcapng (what tshark and dumpcap write): long division of the 64-bit count in 32+16+16-bit
    // limbs, each step exact in a double; BigInt would cost more than the rest of a packet's decoding.
    const high = raw.high;
    const low = raw.low;
    const q1 = Math.floor(high / ups);
    const x = (high - q1 * ups) * 65536 + (low >>> 16);
    const q2 = Math.floor(x / ups);
    const y = (x - q2 * ups) * 65536 + (low & 0xffff);
    const q3 = Math.floor(y / ups);
    const rem = y - q3 * ups;
    const seconds = q1 * 4294967296 + q2 * 65536 + q3;
    const fraction = ups === scale ? rem : Math.floor((rem * scale) / ups);
    return timestamp(seconds + raw.offsetSeconds, fraction, digits, into);
  }
  const total = BigInt(raw.high) * TWO_32 + BigInt(raw.low);
  const bigUps = BigInt(Math.round(ups));
  const seconds = total / bigUps;
  const rem = total % bigUps;
  const fraction = (rem * 10n ** BigInt(digits)) / bigUps;
  return timestamp(Number(seconds) + raw.offsetSeconds, Number(fraction), digits, into);
}

function timestamp(
  seconds: number,
  fraction: number,
  digits: number,
  into: Timestamp | undefined,
): Timestamp {
  if (into === undefined) return { seconds, fraction, digits };
  into.seconds = seconds;
  into.fraction = fraction;
  into.digits = digits;
  return into;
}

/**
 * Epoch seconds as a decimal string, e.g. "1700000000.123456789". By default with the file's precision
 * (like `tshark -t e`); pass `digits` to choose, e.g. 9 to match `tshark -T fields -e frame.time_epoch`,
 * which always prints nanoseconds. Extra digits are zeros, fewer digits truncate.
 */
export function formatEpoch(ts: Timestamp, digits: number = ts.digits): string {
  let fraction = ts.fraction;
  if (digits > ts.digits) fraction *= 10 ** (digits - ts.digits);
  else if (digits < ts.digits) fraction = Math.floor(fraction / 10 ** (ts.digits - digits));
  if (digits === 0) return String(ts.seconds);
  return `${ts.seconds}.${String(fraction).padStart(digits, '0')}`;
}

/** Seconds from `origin` to `ts` as a float (for relative times and durations). */
export function secondsBetween(origin: Timestamp, ts: Timestamp): number {
  return (
    ts.seconds - origin.seconds + ts.fraction / pow10(ts.digits) - origin.fraction / pow10(origin.digits)
  );
}

export function timestampToNumber(ts: Timestamp): number {
  return ts.seconds + ts.fraction / pow10(ts.digits);
}

/** Powers of ten for the digit counts timestamps have (0–9 and a few more); called for every packet. */
const POW10 = Array.from({ length: 20 }, (_, i) => 10 ** i);

function pow10(digits: number): number {
  return POW10[digits] ?? 10 ** digits;
}
