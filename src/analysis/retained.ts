/**
 * Finished records kept for the result. On a live interface running for days they would grow without end,
 * so past `max` the oldest tenth goes at once (one splice, not one shift per record) and is counted.
 * With `keysOf`, the records are also found by key (a client's MAC, its address), so one client's records
 * can be read without walking all of them.
 */
export class Retained<T> {
  readonly items: T[] = [];
  dropped = 0;
  private readonly index = new Map<string, T[]>();

  constructor(
    private readonly max: number,
    private readonly keysOf?: (item: T) => readonly string[],
    /** Sees each record dropped past `max` (whose client's outcome is then not complete). */
    private readonly onDrop?: (item: T) => void,
  ) {}

  push(item: T): void {
    this.items.push(item);
    if (this.keysOf !== undefined) {
      for (const key of this.keysOf(item)) {
        const list = this.index.get(key);
        if (list === undefined) this.index.set(key, [item]);
        else list.push(item);
      }
    }
    if (this.items.length > this.max) {
      const n = Math.max(1, Math.ceil(this.max / 10));
      const gone = this.items.splice(0, n);
      this.dropped += n;
      if (this.keysOf !== undefined) for (const old of gone) this.unindex(old, this.keysOf(old));
      if (this.onDrop !== undefined) for (const old of gone) this.onDrop(old);
    }
  }

  /** The records under `key`, oldest first (empty without `keysOf`). */
  withKey(key: string): readonly T[] {
    return this.index.get(key) ?? [];
  }

  private unindex(item: T, keys: readonly string[]): void {
    for (const key of keys) {
      const list = this.index.get(key);
      if (list === undefined) continue;
      // The oldest go first, so the record is at the front of its lists.
      const i = list[0] === item ? 0 : list.indexOf(item);
      if (i >= 0) list.splice(i, 1);
      if (list.length === 0) this.index.delete(key);
    }
  }
}
