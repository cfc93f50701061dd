import type { ArpQuery, FrameRef } from './types.js';

export interface ArpView {
  frame: number;
  op: 'request' | 'reply' | 'other';
  senderIp: string;
  targetIp: string;
}

const MAX_REQUESTS_KEPT = 32;

/**
 * ARP requests per (asker, target) with whether the target answered: "RRQ to 10.77.0.9 but nobody answered
 * ARP for 10.77.0.9" is the on-link signature of a wrong next-server (PXE-E11). Announcements and probes
 * are not questions and are left out. Bounded: the oldest query goes when `max` are kept.
 */
export class ArpTracker {
  evicted = 0;
  private readonly queries = new Map<string, ArpQuery>();

  constructor(private readonly max: number) {}

  add(a: ArpView, t: number): void {
    const at: FrameRef = { frame: a.frame, t };
    if (a.op === 'request') {
      // Gratuitous ARP (sender = target) announces, a probe (sender 0.0.0.0) checks for conflicts.
      if (a.senderIp === a.targetIp || a.senderIp === '0.0.0.0') return;
      const key = `${a.senderIp}>${a.targetIp}`;
      let q = this.queries.get(key);
      if (q !== undefined && q.answered !== null && t - q.answered.t > 1) {
        // Asked again well after an answer: a new question (the old entry stays as it was).
        this.queries.delete(key);
        this.queries.set(`${key}@${q.requests[0].frame}`, q);
        q = undefined;
      }
      if (q === undefined) {
        if (this.queries.size >= this.max) this.evictOldest();
        q = { targetIp: a.targetIp, askedBy: a.senderIp, requests: [], answered: null };
        this.queries.set(key, q);
      }
      if (q.requests.length < MAX_REQUESTS_KEPT) q.requests.push(at);
      return;
    }
    if (a.op === 'reply') {
      const q = this.queries.get(`${a.targetIp}>${a.senderIp}`);
      if (q !== undefined && q.answered === null) q.answered = at;
    }
  }

  private evictOldest(): void {
    const first = this.queries.keys().next();
    if (first.done === true) return;
    this.queries.delete(first.value);
    this.evicted++;
  }

  all(): ArpQuery[] {
    return [...this.queries.values()].sort((a, b) => a.requests[0].t - b.requests[0].t);
  }
}
