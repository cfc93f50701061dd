/**
 * Capture statistics a pcapng file carries: Interface Statistics Blocks (what the capturing program counted
 * for each interface, written by dumpcap when the capture closes) and the drop count an Enhanced Packet
 * Block may carry (epb_dropcount: packets lost since the previous packet). A live capture reports through
 * them how much it missed; a file shows the same numbers afterwards.
 */
import { forEachOption } from './pcapng-format.js';
import type { CaptureStats, InterfaceStats } from './types.js';

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

/** Gathers the statistics of one capture; per interface, a later ISB replaces an earlier one (they are cumulative). */
export class CaptureStatsCollector {
  private readonly interfaces = new Map<string, InterfaceStats>();
  private epbDrops = 0;
  private seen = false;

  /** An ISB of `len` bytes at `at`; `section` and the block's interface id name the interface. */
  statisticsBlock(
    dv: DataView,
    at: number,
    len: number,
    little: boolean,
    section: number,
    name?: string,
  ): void {
    if (len < 24) return;
    const id = dv.getUint32(at + 8, little);
    const stats: InterfaceStats = { id, section };
    if (name !== undefined) stats.name = name;
    forEachOption(dv, at + 20, at + len - 4, little, (code, p, optLen) => {
      if (optLen !== 8) return;
      if (code === ISB_IFRECV) stats.received = u64(dv, p, little);
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

  /** The totals, or undefined when the capture carried no statistics at all. */
  result(): CaptureStats | undefined {
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
    if (ifDropped !== undefined || osDropped !== undefined || this.epbDrops > 0)
      stats.dropped = (ifDropped ?? 0) + (osDropped ?? 0) + this.epbDrops;
    return stats;
  }
}
