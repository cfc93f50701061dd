/**
 * Finished records kept for the result. On a live interface running for days they would grow without end,
 * so past `max` the oldest tenth goes at once (one splice, not one shift per record) and is counted.
 */
export class Retained<T> {
  readonly items: T[] = [];
  dropped = 0;

  constructor(private readonly max: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.max) {
      const n = Math.max(1, Math.ceil(this.max / 10));
      this.items.splice(0, n);
      this.dropped += n;
    }
  }
}
