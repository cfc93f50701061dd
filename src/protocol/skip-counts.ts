/**
 * Why frames were not decoded as DHCP/TFTP, for the capture summary: reasons in the order first seen, with
 * their counts. The three reasons that the decoder's fast path gives for most frames are counted in plain
 * fields (a Map update per frame costs more than the rest of that path).
 */

/** Why frames were not decoded as DHCP/TFTP: reported in the capture summary. */
export interface SkipCounts {
  [reason: string]: number;
}

export const SKIP_IPV6 = 'IPv6';
export const SKIP_NOT_UDP = 'not UDP';
export const SKIP_OTHER_UDP = 'UDP, other ports';

export class SkipCounter {
  /** Reasons in the order first seen; the fast-path ones enter with 0 to take their place in the order. */
  private readonly reasons = new Map<string, number>();
  ipv6 = 0;
  notUdp = 0;
  otherUdp = 0;

  add(reason: string, n = 1): void {
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  /** A fast-path count: call with the count before it was increased (its first one takes its place). */
  fast(reason: string, before: number): void {
    if (before === 0) this.add(reason, 0);
  }

  get counts(): SkipCounts {
    const counts: SkipCounts = {};
    for (const [reason, n] of this.reasons) {
      const extra =
        reason === SKIP_IPV6
          ? this.ipv6
          : reason === SKIP_NOT_UDP
            ? this.notUdp
            : reason === SKIP_OTHER_UDP
              ? this.otherUdp
              : 0;
      counts[reason] = n + extra;
    }
    return counts;
  }
}
