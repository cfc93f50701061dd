/**
 * A Map kept in least-recently-active order, so that expiring idle entries (and evicting the stalest one when
 * the bound is hit) only looks at the entries that actually go: live mode runs for days and must not rescan.
 */
const NONE: readonly never[] = [];

export class IdleMap<K, V extends { lastSeen: number }> {
  private readonly map = new Map<K, V>();
  /**
   * The most recently touched entry, whose place is already last: a transfer's packets touch the same entry
   * again and again, and moving it each time (delete + set) would cost more than the rest of its bookkeeping.
   */
  private newestKey: K | undefined = undefined;
  private newestValue: V | undefined = undefined;
  /**
   * The first (least recently active) entry when known: expire() runs for every packet and nearly always finds
   * it still active, which this answers without starting an iteration. Forgotten whenever that entry moves or
   * goes (only then can another one become first).
   */
  private frontKey: K | undefined = undefined;
  private frontValue: V | undefined = undefined;

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Inserts or refreshes an entry; it moves to the most recently active end. */
  touch(key: K, value: V): void {
    if (value === this.newestValue && key === this.newestKey) return;
    if (key === this.frontKey) this.forgetFront();
    this.map.delete(key);
    this.map.set(key, value);
    this.newestKey = key;
    this.newestValue = value;
  }

  delete(key: K): boolean {
    if (key === this.newestKey) this.forgetNewest();
    if (key === this.frontKey) this.forgetFront();
    return this.map.delete(key);
  }

  private forgetNewest(): void {
    this.newestKey = undefined;
    this.newestValue = undefined;
  }

  private forgetFront(): void {
    this.frontKey = undefined;
    this.frontValue = undefined;
  }

  /** Removes and returns every entry idle for more than `idle` seconds at capture time `now`. */
  expire(now: number, idle: number): readonly V[] {
    if (this.frontValue === undefined) {
      const first = this.map.entries().next();
      if (first.done === true) return NONE;
      this.frontKey = first.value[0];
      this.frontValue = first.value[1];
    }
    if (now - this.frontValue.lastSeen <= idle) return NONE;
    const out: V[] = [];
    for (const [key, value] of this.map) {
      if (now - value.lastSeen <= idle) break;
      this.delete(key);
      out.push(value);
    }
    return out;
  }

  /** Removes and returns the least recently active entry. */
  evictOldest(): V | undefined {
    const first = this.map.entries().next();
    if (first.done === true) return undefined;
    this.delete(first.value[0]);
    return first.value[1];
  }

  /** Removes and returns everything (end of capture). */
  drain(): V[] {
    const out = [...this.map.values()];
    this.map.clear();
    this.forgetNewest();
    this.forgetFront();
    return out;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
