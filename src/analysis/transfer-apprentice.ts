/** Doubled DATA+ACK blocks in a row, to the end, before calling it the sorcerer's apprentice bug. */
const APPRENTICE_MIN_BLOCKS = 8;

interface Counts {
  block: number;
  data: number;
  ack: number;
}

/**
 * The sorcerer's apprentice bug doubles every DATA and every ACK from some block on. Counts DATA and ACK per
 * recent block (lock-step transfers only) and judges a block two blocks later, when its late duplicate ACK
 * has had time to arrive. Memory: the few blocks not yet judged, in a short list in ascending block order (a
 * block is only added when no higher DATA block was seen before it), so a packet costs no Map entry.
 */
export class ApprenticeWatch {
  private recent: Counts[] = [];
  private streakStart: number | null = null;
  private streakLength = 0;

  /** A DATA or ACK of `block`; `highest` is the highest DATA block before this packet. */
  count(block: number, kind: 'data' | 'ack', highest: number): void {
    const recent = this.recent;
    for (let i = recent.length - 1; i >= 0; i--) {
      const c = recent[i];
      if (c.block === block) {
        c[kind]++;
        return;
      }
    }
    if (kind === 'data' && block >= highest) recent.push({ block, data: 1, ack: 0 });
  }

  /** A new DATA block arrived: the blocks two behind it are judged. */
  advance(newest: number): void {
    const recent = this.recent;
    let judged = 0;
    while (judged < recent.length && recent[judged].block <= newest - 2) this.judge(recent[judged++]);
    if (judged > 0) recent.splice(0, judged);
  }

  /** The block from which every DATA and ACK was doubled to the end, judging what is left (not `lastBlock`). */
  finish(lastBlock: number | null): number | null {
    for (const c of this.recent) if (c.block !== lastBlock) this.judge(c);
    this.recent = [];
    return this.streakLength >= APPRENTICE_MIN_BLOCKS ? this.streakStart : null;
  }

  /** An independent copy (for previews that finish without touching the live state). */
  clone(): ApprenticeWatch {
    const copy = new ApprenticeWatch();
    copy.recent = this.recent.map((c) => ({ ...c }));
    copy.streakStart = this.streakStart;
    copy.streakLength = this.streakLength;
    return copy;
  }

  private judge(counts: Counts): void {
    if (counts.data >= 2 && counts.ack >= 2) {
      this.streakStart ??= counts.block;
      this.streakLength++;
    } else {
      this.streakStart = null;
      this.streakLength = 0;
    }
  }
}
