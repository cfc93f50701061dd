/**
 * The clients whose records were dropped at a state limit (an open transaction or transfer evicted, a
 * finished one dropped past the retention bound), by key: `mac <MAC>` and `ip <address>`. A sniff running for
 * weeks reaches the limits; only the verdicts of these clients lose their footing ("unknown"), not every
 * later client's. Bounded itself: past `max` keys the oldest marks go (those clients are long gone by then).
 */
export class EvictedClients {
  private readonly keys = new Set<string>();
  /** list() while no key is marked: a live verdict reads it per session. */
  private cached: string[] | null = null;

  constructor(private readonly max = 100_000) {}

  get size(): number {
    return this.keys.size;
  }

  mark(keys: Iterable<string>): void {
    this.cached = null;
    for (const key of keys) {
      this.keys.delete(key);
      this.keys.add(key);
    }
    while (this.keys.size > this.max) {
      const oldest = this.keys.values().next();
      if (oldest.done === true) break;
      this.keys.delete(oldest.value);
    }
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** The keys marked, oldest first (the same array until another is marked; treat it as read-only). */
  list(): string[] {
    return (this.cached ??= [...this.keys]);
  }
}
