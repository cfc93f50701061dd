import type { RawTimestamp } from './types.js';

/** A timestamp split into whole seconds and a fraction in units of 10^-digits seconds. */
export interface Timestamp {
  seconds: number;
  /** Fraction of a second as an integer with `digits` decimal digits. */
  fraction: number;
  digits: number;
}

const TWO_32 = 4294967296n;

/** Converts a raw timestamp; exact (BigInt) for pcapng's 64-bit unit counts. */
export function toTimestamp(raw: RawTimestamp): Timestamp {
  if (!raw.combined) {
    const scale = 10 ** raw.digits;
    const frac = Math.round((raw.low * scale) / raw.unitsPerSecond);
    return { seconds: raw.high + raw.offsetSeconds, fraction: frac, digits: raw.digits };
  }
  const total = BigInt(raw.high) * TWO_32 + BigInt(raw.low);
  const ups = BigInt(Math.round(raw.unitsPerSecond));
  const seconds = total / ups;
  const rem = total % ups;
  const scale = 10n ** BigInt(raw.digits);
  const fraction = (rem * scale) / ups;
  return { seconds: Number(seconds) + raw.offsetSeconds, fraction: Number(fraction), digits: raw.digits };
}

/** Epoch seconds as a decimal string with the file's precision, e.g. "1700000000.123456789". */
export function formatEpoch(ts: Timestamp): string {
  if (ts.digits === 0) return String(ts.seconds);
  return `${ts.seconds}.${String(ts.fraction).padStart(ts.digits, '0')}`;
}

/** Seconds from `origin` to `ts` as a float (for relative times and durations). */
export function secondsBetween(origin: Timestamp, ts: Timestamp): number {
  return ts.seconds - origin.seconds + ts.fraction / 10 ** ts.digits - origin.fraction / 10 ** origin.digits;
}

export function timestampToNumber(ts: Timestamp): number {
  return ts.seconds + ts.fraction / 10 ** ts.digits;
}
