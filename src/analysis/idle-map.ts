/**
 * A Map kept in least-recently-active order, so that expiring idle entries (and evicting the stalest one when
 * the bound is hit) only looks at the entries that actually go: live mode runs for days and must not rescan.
 */
export class IdleMap<K, V extends { lastSeen: number }> {
  private readonly map = new Map<K, V>();

  get size(): number {
    return this.map.size;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  /** Inserts or refreshes an entry; it moves to the most recently active end. */
  touch(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Removes and returns every entry idle for more than `idle` seconds at capture time `now`. */
  expire(now: number, idle: number): V[] {
    const out: V[] = [];
    for (const [key, value] of this.map) {
      if (now - value.lastSeen <= idle) break;
      this.map.delete(key);
      out.push(value);
    }
    return out;
  }

  /** Removes and returns the least recently active entry. */
  evictOldest(): V | undefined {
    const first = this.map.entries().next();
    if (first.done === true) return undefined;
    this.map.delete(first.value[0]);
    return first.value[1];
  }

  /** Removes and returns everything (end of capture). */
  drain(): V[] {
    const out = [...this.map.values()];
    this.map.clear();
    return out;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
