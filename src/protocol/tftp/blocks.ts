/**
 * Block numbers are 16 bits on the wire. Past 65535 blocks (a 32 MiB file at 512-byte blocks) senders wrap
 * either to 0 (tftp-hpa, dnsmasq, most) or to 1 (some firmware; the non-standard "rollover=1" option).
 */

/**
 * The absolute block number for `wire16`, chosen as the one nearest to `prevAbsolute` (the previous
 * absolute block of the same transfer, 0 at its start), so retransmissions a little back also map right.
 * `wrapTo` says whether the sender continues 65535 → 0 (default) or 65535 → 1.
 */
export function unwrapBlock(prevAbsolute: number, wire16: number, wrapTo: 0 | 1 = 0): number {
  const wire = wire16 & 0xffff;
  if (wrapTo === 1 && wire !== 0) {
    // Values 1..65535 repeat with period 65535.
    const cycle = 65535;
    const base = prevAbsolute - 1;
    let delta = (wire - 1 - (((base % cycle) + cycle) % cycle)) % cycle;
    if (delta > cycle / 2) delta -= cycle;
    else if (delta < -cycle / 2) delta += cycle;
    const result = prevAbsolute + delta;
    return result < 1 ? wire : result;
  }
  // Signed 16-bit distance from the previous block (Wireshark's determine_full_blocknum does the same).
  let delta = (wire - (prevAbsolute & 0xffff)) & 0xffff;
  if (delta >= 0x8000) delta -= 0x10000;
  const result = prevAbsolute + delta;
  return result < 0 ? wire : result;
}

/**
 * A transfer's running block count: unwraps each DATA and ACK number near the highest DATA block seen so far,
 * learning the sender's wrap style at its first wrap (block 1 right after 65535 means it wraps to 1).
 */
export class BlockUnwrapper {
  /** Block number that follows 65535 on this transfer, once seen. */
  private wrapsTo: 0 | 1 | null = null;
  /** Highest unwrapped DATA block so far: the reference the next number is placed near. */
  private high = 0;

  /** Unwraps a DATA block number (and moves the reference forward). */
  data(wire16: number): number {
    let v = unwrapBlock(this.high, wire16, this.wrapsTo ?? 0);
    if (this.wrapsTo === null && v > 65535) {
      if (wire16 === 1 && this.high === 65535) {
        this.wrapsTo = 1;
        v = 65536;
      } else this.wrapsTo = 0;
    }
    if (v > this.high) this.high = v;
    return v;
  }

  /** Unwraps an ACK block number against the DATA seen so far. */
  ack(wire16: number): number {
    return unwrapBlock(this.high, wire16, this.wrapsTo ?? 0);
  }
}
