/** Keys remembered to tell something once; the oldest are forgotten first, so memory stays flat. */
export class RecentKeys {
  private readonly keys = new Set<string>();

  constructor(private readonly max = 20000) {}

  /** true the first time `key` is seen (recently). */
  first(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.max) {
      const oldest = this.keys.values().next();
      if (oldest.done !== true) this.keys.delete(oldest.value);
    }
    return true;
  }
}
