/**
 * Capture statistics a pcapng file carries: Interface Statistics Blocks (what the capturing program counted
 * for each interface, written by dumpcap when the capture closes) and the drop count an Enhanced Packet
 * Block may carry (epb_dropcount: packets lost since the previous packet). A live capture reports through
 * them how much it missed; a file shows the same numbers afterwards.
 */
import { forEachOption } from './pcapng-format.js';
import { timestampOf, type Interface } from './pcapng-interface.js';
import { timestampToNumber, toTimestamp } from './timestamp.js';
import type { CaptureStats, InterfaceStats, RawTimestamp } from './types.js';

const ISB_ENDTIME = 3;
const ISB_IFRECV = 4;
const ISB_IFDROP = 5;
const ISB_OSDROP = 7;
const EPB_DROPCOUNT = 4;

/** Reads a 64-bit counter as a number (exact below 2^53, which no packet counter reaches). */
function u64(dv: DataView, at: number, little: boolean): number {
  const a = dv.getUint32(at, little);
  const b = dv.getUint32(at + 4, little);
  return little ? b * 2 ** 32 + a : a * 2 ** 32 + b;
}

/** How long after its last packet a capture's stated end is still believed (a longer tail is a wrong clock). */
const MAX_QUIET_TAIL_SECONDS = 3600;

/** Gathers the statistics of one capture; per interface, a later ISB replaces an earlier one (they are cumulative). */
export class CaptureStatsCollector {
  private readonly interfaces = new Map<string, InterfaceStats>();
  private epbDrops = 0;
  private seen = false;
  /** The latest isb_endtime as written, with the interface it was written for. */
  private end: { high: number; low: number; iface: Interface } | null = null;

  /** An ISB of `len` bytes at `at`; `section` and the block's interface id name the interface. */
  statisticsBlock(
    dv: DataView,
    at: number,
    len: number,
    little: boolean,
    section: number,
    iface?: Interface,
  ): void {
    if (len < 24) return;
    const id = dv.getUint32(at + 8, little);
    const stats: InterfaceStats = { id, section };
    if (iface?.name !== undefined) stats.name = iface.name;
    forEachOption(dv, at + 20, at + len - 4, little, (code, p, optLen) => {
      if (optLen !== 8) return;
      // Timestamps are two 32-bit words, high first, in the section's byte order (as in an EPB).
      if (code === ISB_ENDTIME) {
        if (iface !== undefined)
          this.end = { high: dv.getUint32(p, little), low: dv.getUint32(p + 4, little), iface };
      } else if (code === ISB_IFRECV) stats.received = u64(dv, p, little);
      else if (code === ISB_IFDROP) stats.ifDropped = u64(dv, p, little);
      else if (code === ISB_OSDROP) stats.osDropped = u64(dv, p, little);
    });
    this.seen = true;
    this.interfaces.set(`${section}/${id}`, stats);
  }

  /**
   * The options of an EPB whose fixed part and packet data end at `from` (block ends at `end`, before the
   * trailing length): adds its epb_dropcount.
   */
  packetOptions(dv: DataView, from: number, end: number, little: boolean): void {
    forEachOption(dv, from, end, little, (code, p, optLen) => {
      if (code !== EPB_DROPCOUNT || optLen !== 8) return;
      this.epbDrops += u64(dv, p, little);
      this.seen = true;
    });
  }

  /**
   * When the capture stopped, from the latest isb_endtime, given its last packet. The spec counts it in the
   * interface's if_tsresol units, but dumpcap up to at least 4.x writes microseconds even for a nanosecond
   * interface: of the two readings, the one that falls at or after the last packet, within an hour, is taken.
   * Neither (a file whose packets were shifted with editcap, a wrong clock) gives no end: the last packet stays
   * the end, as without statistics.
   */
  private captureEnd(last: RawTimestamp | null): RawTimestamp | undefined {
    if (this.end === null || last === null || last.missing === true) return undefined;
    const { high, low, iface } = this.end;
    const lastSeconds = timestampToNumber(toTimestamp(last, 9));
    const asWritten = timestampOf(iface, high, low, false);
    const micro: RawTimestamp = { ...asWritten, unitsPerSecond: 1e6, digits: 6 };
    for (const end of asWritten.unitsPerSecond === 1e6 ? [asWritten] : [asWritten, micro]) {
      const tail = timestampToNumber(toTimestamp(end, 9)) - lastSeconds;
      if (tail >= 0 && tail <= MAX_QUIET_TAIL_SECONDS) return end;
    }
    return undefined;
  }

  /** The totals, or undefined when the capture carried no statistics at all. */
  result(last: RawTimestamp | null = null): CaptureStats | undefined {
    if (!this.seen) return undefined;
    const perInterface = [...this.interfaces.values()];
    const sum = (pick: (s: InterfaceStats) => number | undefined): number | undefined => {
      const values = perInterface.map(pick).filter((v): v is number => v !== undefined);
      return values.length === 0 ? undefined : values.reduce((a, b) => a + b, 0);
    };
    const stats: CaptureStats = { perInterface };
    const received = sum((s) => s.received);
    const ifDropped = sum((s) => s.ifDropped);
    const osDropped = sum((s) => s.osDropped);
    if (received !== undefined) stats.received = received;
    if (ifDropped !== undefined) stats.ifDropped = ifDropped;
    if (osDropped !== undefined) stats.osDropped = osDropped;
    if (this.epbDrops > 0) stats.packetDrops = this.epbDrops;
    const end = this.captureEnd(last);
    if (end !== undefined) stats.endTs = end;
    if (ifDropped !== undefined || osDropped !== undefined || this.epbDrops > 0)
      stats.dropped = (ifDropped ?? 0) + (osDropped ?? 0) + this.epbDrops;
    return stats;
  }
}
