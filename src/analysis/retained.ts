/**
 * Finished records kept for the result. On a live interface running for days they would grow without end,
 * so past `max` the oldest tenth goes at once and is counted (dropped: a state limit, the clients' outcomes
 * are then not complete). A live capture also retires the records of clients judged and long quiet
 * (retire: on purpose, counted apart). With `keysOf`, the records are also found by key (a client's MAC,
 * its address), so one client's records can be read and retired without walking all of them.
 */
export class Retained<T> {
  /** In the order they were kept (a Set, so a retired record leaves from the middle at no cost). */
  private readonly kept = new Set<T>();
  dropped = 0;
  /** Records taken out by retire(). */
  retired = 0;
  private readonly index = new Map<string, T[]>();

  constructor(
    private readonly max: number,
    private readonly keysOf?: (item: T) => readonly string[],
    /** Sees each record dropped past `max` (whose client's outcome is then not complete). */
    private readonly onDrop?: (item: T) => void,
  ) {}

  /** Every record kept, oldest first. */
  get items(): T[] {
    return [...this.kept];
  }

  /** The records kept, oldest first, without copying them. */
  [Symbol.iterator](): IterableIterator<T> {
    return this.kept.values();
  }

  get size(): number {
    return this.kept.size;
  }

  push(item: T): void {
    this.kept.add(item);
    if (this.keysOf !== undefined) {
      for (const key of this.keysOf(item)) {
        const list = this.index.get(key);
        if (list === undefined) this.index.set(key, [item]);
        else list.push(item);
      }
    }
    if (this.kept.size > this.max) {
      const n = Math.max(1, Math.ceil(this.max / 10));
      const gone: T[] = [];
      for (const old of this.kept) {
        if (gone.length >= n) break;
        gone.push(old);
      }
      for (const old of gone) this.remove(old);
      this.dropped += n;
      if (this.onDrop !== undefined) for (const old of gone) this.onDrop(old);
    }
  }

  /** The records under `key`, oldest first (empty without `keysOf`). */
  withKey(key: string): readonly T[] {
    return this.index.get(key) ?? [];
  }

  /** Takes out the records under `key` that `which` accepts; returns how many. */
  retire(key: string, which: (item: T) => boolean = () => true): number {
    const gone = this.withKey(key).filter(which);
    for (const item of gone) this.remove(item);
    this.retired += gone.length;
    return gone.length;
  }

  private remove(item: T): void {
    if (!this.kept.delete(item) || this.keysOf === undefined) return;
    for (const key of this.keysOf(item)) {
      const list = this.index.get(key);
      if (list === undefined) continue;
      // The oldest go first, so the record is usually at the front of its lists.
      const i = list[0] === item ? 0 : list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.index.delete(key);
    }
  }
}
