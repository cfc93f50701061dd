/**
 * Merges many time-ordered packet sources into one time-ordered stream with a binary heap, and starts new
 * sources from Poisson arrival processes. Memory is bounded by the number of live sources, not by the output.
 */

export interface TimedFrame {
  /** Nanoseconds since the start of the capture. */
  t: number;
  frame: Buffer;
  /** Captured length when smaller than the frame (snaplen cut). */
  capLen?: number;
}

/** A source yields its frames in non-decreasing time order. */
export type FrameSource = Iterator<TimedFrame, void, undefined>;

export interface Arrival {
  name: string;
  /** Mean time between two starts, ns. */
  meanGapNs: number;
  /** Background arrivals stop when the capture is large enough; foreground ones too, but their sources finish. */
  background: boolean;
  start(t: number): FrameSource;
}

interface Live {
  next: TimedFrame;
  source: FrameSource;
  background: boolean;
  seq: number;
}

class Heap {
  private items: Live[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): Live | undefined {
    return this.items[0];
  }

  push(item: Live): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(a[i] as Live, a[p] as Live)) break;
      [a[i], a[p]] = [a[p] as Live, a[i] as Live];
      i = p;
    }
  }

  pop(): Live | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && less(a[l] as Live, a[m] as Live)) m = l;
        if (r < a.length && less(a[r] as Live, a[m] as Live)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Live, a[i] as Live];
        i = m;
      }
    }
    return top;
  }

  /** Drops every item the predicate rejects. */
  retain(keep: (item: Live) => boolean): void {
    const kept = this.items.filter(keep);
    this.items = [];
    for (const item of kept) this.push(item);
  }
}

function less(a: Live, b: Live): boolean {
  return a.next.t < b.next.t || (a.next.t === b.next.t && a.seq < b.seq);
}

export class Scheduler {
  private readonly heap = new Heap();
  private readonly arrivals: { arrival: Arrival; nextAt: number }[] = [];
  private seq = 0;
  private stopped = false;

  constructor(private readonly gap: (meanNs: number) => number) {}

  addArrival(arrival: Arrival, firstAt = this.gap(arrival.meanGapNs)): void {
    this.arrivals.push({ arrival, nextAt: firstAt });
  }

  /** Starts a source now (for sources that must exist from the first frame). */
  addSource(source: FrameSource, background: boolean): void {
    const first = source.next();
    if (!first.done) this.heap.push({ next: first.value, source, background, seq: this.seq++ });
  }

  /** Stops every arrival and drops the background sources; foreground sources run to their end. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.arrivals.length = 0;
    this.heap.retain((item) => !item.background);
  }

  get liveSources(): number {
    return this.heap.size;
  }

  /** The next frame in time order, or null when nothing is left. */
  next(): TimedFrame | null {
    for (;;) {
      let soonest: { arrival: Arrival; nextAt: number } | undefined;
      for (const a of this.arrivals) if (!soonest || a.nextAt < soonest.nextAt) soonest = a;
      const top = this.heap.peek();
      if (soonest && (!top || soonest.nextAt <= top.next.t)) {
        const at = soonest.nextAt;
        soonest.nextAt = at + this.gap(soonest.arrival.meanGapNs);
        const source = soonest.arrival.start(at);
        const first = source.next();
        if (!first.done) {
          this.heap.push({
            next: first.value,
            source,
            background: soonest.arrival.background,
            seq: this.seq++,
          });
        }
        continue;
      }
      const item = this.heap.pop();
      if (!item) return null;
      const out = item.next;
      const following = item.source.next();
      if (!following.done) {
        if (following.value.t < out.t)
          throw new Error(`source went back in time (${following.value.t} < ${out.t})`);
        item.next = following.value;
        this.heap.push(item);
      }
      return out;
    }
  }
}
