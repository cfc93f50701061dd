/**
 * A Set that forgets its oldest member past `max` (members keep their first place when added again), so what
 * a long live capture remembers — keys told once, servers, address pairs — stays flat in memory.
 */
export class BoundedSet<T> {
  private readonly items = new Set<T>();

  constructor(private readonly max: number) {}

  has(item: T): boolean {
    return this.items.has(item);
  }

  /** Adds `item`: true when it was not there (recently), false when it was. */
  add(item: T): boolean {
    if (this.items.has(item)) return false;
    this.items.add(item);
    if (this.items.size > this.max) {
      const oldest = this.items.values().next();
      if (oldest.done !== true) this.items.delete(oldest.value);
    }
    return true;
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }
}
