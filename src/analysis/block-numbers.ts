/**
 * TFTP block numbers are 16 bits. Files over 65535 blocks wrap: after 65535 most servers (dnsmasq, tftp-hpa
 * by default) go on with block 0, some with block 1. This turns wire block numbers into a running count,
 * learning the wrap style at the first wrap from the DATA that follows block 65535.
 */
export class BlockUnwrapper {
  /** Block number that follows 65535 on this transfer, once seen. */
  private wrapsTo: 0 | 1 | null = null;
  /** Highest unwrapped DATA block so far: the reference the next number is placed near. */
  private high = 0;

  /** Unwraps a DATA block number (and moves the reference forward). */
  data(raw: number): number {
    let v = this.nearest(raw);
    if (this.wrapsTo === null && v > 65535) {
      if (raw === 1 && this.high === 65535) {
        this.wrapsTo = 1;
        v = 65536;
      } else this.wrapsTo = 0;
    }
    if (v > this.high) this.high = v;
    return v;
  }

  /** Unwraps an ACK block number against the DATA seen so far. */
  ack(raw: number): number {
    return this.nearest(raw);
  }

  private nearest(raw: number): number {
    const size = this.wrapsTo === 1 ? 65535 : 65536;
    const cycle =
      this.wrapsTo === 1 ? Math.floor(Math.max(this.high - 1, 0) / size) : Math.floor(this.high / size);
    let best = raw;
    let bestDistance = Infinity;
    for (let k = cycle - 1; k <= cycle + 1; k++) {
      if (k < 0) continue;
      const v = k * size + raw;
      const distance = Math.abs(v - this.high);
      if (distance < bestDistance) {
        best = v;
        bestDistance = distance;
      }
    }
    return best;
  }
}
