/** Doubled DATA+ACK blocks in a row, to the end, before calling it the sorcerer's apprentice bug. */
const APPRENTICE_MIN_BLOCKS = 8;

/**
 * The sorcerer's apprentice bug doubles every DATA and every ACK from some block on. Counts DATA and ACK per
 * recent block (lock-step transfers only) and judges a block two blocks later, when its late duplicate ACK
 * has had time to arrive. Memory: the few blocks not yet judged.
 */
export class ApprenticeWatch {
  private recent = new Map<number, { data: number; ack: number }>();
  private streakStart: number | null = null;
  private streakLength = 0;

  /** A DATA or ACK of `block`; `highest` is the highest DATA block before this packet. */
  count(block: number, kind: 'data' | 'ack', highest: number): void {
    const counts = this.recent.get(block);
    if (counts === undefined) {
      if (kind === 'data' && block >= highest) this.recent.set(block, { data: 1, ack: 0 });
      return;
    }
    counts[kind]++;
  }

  /** A new DATA block arrived: the blocks two behind it are judged. */
  advance(newest: number): void {
    for (const [block, counts] of this.recent) {
      if (block > newest - 2) break;
      this.recent.delete(block);
      this.judge(block, counts);
    }
  }

  /** The block from which every DATA and ACK was doubled to the end, judging what is left (not `lastBlock`). */
  finish(lastBlock: number | null): number | null {
    for (const [block, counts] of this.recent) if (block !== lastBlock) this.judge(block, counts);
    this.recent.clear();
    return this.streakLength >= APPRENTICE_MIN_BLOCKS ? this.streakStart : null;
  }

  /** An independent copy (for previews that finish without touching the live state). */
  clone(): ApprenticeWatch {
    const copy = new ApprenticeWatch();
    copy.recent = new Map([...this.recent].map(([block, counts]) => [block, { ...counts }]));
    copy.streakStart = this.streakStart;
    copy.streakLength = this.streakLength;
    return copy;
  }

  private judge(block: number, counts: { data: number; ack: number }): void {
    if (counts.data >= 2 && counts.ack >= 2) {
      this.streakStart ??= block;
      this.streakLength++;
    } else {
      this.streakStart = null;
      this.streakLength = 0;
    }
  }
}
