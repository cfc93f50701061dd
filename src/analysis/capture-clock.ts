/**
 * The analyzer's clock: seconds since the capture's time zero for each record, the first and last
 * timestamps, where the capture ends, and the warning when timestamps jump back.
 */
import { secondsBetween, timestampToNumber, type Timestamp } from '../capture/timestamp.js';
import type { CaptureInput } from './analyzer-options.js';
import { endOfCapture, pickTs } from './capture-extent.js';

/** Rounded to the nanosecond, so JSON stays readable. */
export const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;

const TIME_JUMP_PREFIX = 'timestamps jump back ';

/** true for the analyzer's own warning about time going backwards (not a problem of the file's records). */
export function isTimeJumpWarning(w: string): boolean {
  return w.startsWith(TIME_JUMP_PREFIX);
}

/** `ts` copied into `into` (an object only this clock holds, read right away by whoever gets it), or a new one. */
function copyTimestamp(ts: Timestamp, into: Timestamp | null): Timestamp {
  if (into === null) return { ...ts };
  into.seconds = ts.seconds;
  into.fraction = ts.fraction;
  into.digits = ts.digits;
  return into;
}

/** Seconds timestamps may step back without a warning: interfaces of one capture interleave slightly. */
const JUMP_BACK = 1;

export class CaptureClock {
  private first: Timestamp | null = null;
  private last: Timestamp | null = null;
  /** timestampToNumber of first and last, computed once. */
  private firstAt = 0;
  private lastAt = 0;
  /**
   * The clock that idle timeouts run on: the time of the latest record or tick. It follows time backwards
   * (files joined out of order, a clock step), so that what arrives after a jump is not taken for long idle.
   */
  now = 0;
  /** The latest time seen, whatever the order: where the capture ends. */
  private latest = 0;
  /** The first backward jump of the timestamps (and how many more), for a capture warning. */
  private jumpBack: { frame: number; seconds: number; more: number } | null = null;

  /** Time zero of the capture (its first frame, or the first record or tick). */
  constructor(public origin: Timestamp | null) {}

  /** Seconds since time zero of a record at `ts` (rounded to the nanosecond, so JSON stays readable). */
  time(ts: Timestamp, frame: number): number {
    // Copies: `ts` may be rewritten for the next frame (Analyzer.addTftpBlock).
    this.origin ??= { ...ts };
    const at = timestampToNumber(ts);
    if (this.first === null || at < this.firstAt) {
      this.first = copyTimestamp(ts, this.first);
      this.firstAt = at;
    }
    if (this.last === null || at > this.lastAt) {
      this.last = copyTimestamp(ts, this.last);
      this.lastAt = at;
    }
    const t = round9(secondsBetween(this.origin, ts));
    if (this.latest - t > JUMP_BACK) {
      if (this.jumpBack === null) this.jumpBack = { frame, seconds: this.now - t, more: 0 };
      else if (this.now - t > JUMP_BACK) this.jumpBack.more++;
    }
    this.now = t;
    if (t > this.latest) this.latest = t;
    return t;
  }

  /** The clock moves on with no record (a quiet live interface). */
  tick(now: Timestamp): void {
    this.origin ??= now;
    const t = round9(secondsBetween(this.origin, now));
    this.now = t;
    if (t > this.latest) this.latest = t;
  }

  /** Seconds since time zero of `ts`, changing nothing (null before time zero is known). */
  at(ts: Timestamp): number | null {
    return this.origin === null ? null : round9(secondsBetween(this.origin, ts));
  }

  /** The capture's first and last timestamps: the reader's when it has them, else the records'. */
  firstTs(capture: CaptureInput): Timestamp | null {
    return pickTs(capture.firstTs, this.first, (a, b) => a < b);
  }

  lastTs(capture: CaptureInput): Timestamp | null {
    return pickTs(capture.lastTs, this.last, (a, b) => a > b);
  }

  /** Where the capture ends in capture time: its last frame, or the clock when that is later. */
  captureEnd(capture: CaptureInput): number {
    const lastTs = endOfCapture(capture, this.lastTs(capture));
    const origin = this.origin ?? this.firstTs(capture);
    if (lastTs === null || origin === null) return this.latest;
    return Math.max(this.latest, round9(secondsBetween(origin, lastTs)));
  }

  warnings(): string[] {
    const j = this.jumpBack;
    if (j === null) return [];
    const more = j.more > 0 ? ` (and ${j.more} more time(s) later)` : '';
    return [
      `${TIME_JUMP_PREFIX}${j.seconds.toFixed(3)} s at frame ${j.frame}${more}: files joined out of time ` +
        'order or a clock step; each exchange is followed by its own times',
    ];
  }
}
