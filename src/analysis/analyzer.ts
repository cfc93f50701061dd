import { formatEpoch, secondsBetween, timestampToNumber, type Timestamp } from '../capture/timestamp.js';
import type {
  ArpRecord,
  DecodedPacket,
  FragmentLossRecord,
  IcmpUnreachableRecord,
} from '../protocol/packet.js';
import { ArpTracker } from './arp.js';
import { dhcpEvent } from './dhcp-facts.js';
import { attributeFragmentLosses } from './fragment-losses.js';
import { buildSessions } from './sessions.js';
import { TransactionTracker } from './transactions.js';
import { TransferTracker } from './transfers.js';
import type { AnalysisResult, CaptureSummary, DhcpEvent } from './types.js';

export interface AnalyzerOptions {
  /** Seconds of capture time after which an idle transaction or transfer is finalised (default 300). */
  idleTimeout?: number;
  /** Open DHCP transactions kept at once; beyond it the stalest is finalised early (default 10000). */
  maxTransactions?: number;
  /** Open TFTP transfers kept at once (default 10000). */
  maxTransfers?: number;
  /**
   * Finished transactions and finished transfers kept for the result (default 100000 each); past it the
   * oldest are dropped and counted as evicted, so a live capture can run for days.
   */
  maxRetained?: number;
  /** Frame numbers listed per transfer (default 5000; then framesTruncated). */
  maxFramesPerTransfer?: number;
  /** Seconds of silence after which an unfinished transfer counts as given up, not in progress (default 10). */
  tftpStallTimeout?: number;
  /** ARP questions, ICMP errors and fragment losses kept (default 10000 each). */
  maxArpQueries?: number;
  maxIcmpErrors?: number;
  maxFragmentLosses?: number;
  /** Time zero of the capture (its first frame). Without it, the first record given to the analyzer. */
  origin?: Timestamp;
}

/** What the caller knows about the capture file; the analyzer adds the counts and times it computes. */
export interface CaptureInput {
  file: string;
  format: string;
  compressed?: boolean;
  linkTypes?: string[];
  frames: number;
  skipped?: Record<string, number>;
  warnings?: string[];
  truncated?: boolean;
  /** Timestamps of the capture's first and last frames (any protocol), when the reader has them. */
  firstTs?: Timestamp | null;
  lastTs?: Timestamp | null;
}

const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;

/**
 * The correlation layer. Feed it decoded records in capture order (streaming, one pass) and call finish()
 * once at the end. All state that grows with traffic is bounded: idle transactions and transfers are
 * finalised after `idleTimeout` seconds of capture time, open ones are capped (evictions are counted), and
 * per-transfer evidence lists are capped, so it can follow a live interface for days.
 */
export class Analyzer {
  private readonly idleTimeout: number;
  private readonly transactions: TransactionTracker;
  private readonly transfers: TransferTracker;
  private readonly arp: ArpTracker;
  private readonly maxIcmp: number;
  private readonly maxFragmentLosses: number;
  private readonly icmp: AnalysisResult['icmpUnreachable'] = [];
  private readonly fragmentLosses: AnalysisResult['fragmentLosses'] = [];
  /** Addresses each client MAC was seen to hold, so its DHCP marks its unfinished transfers as given up. */
  private readonly macIps = new Map<string, Set<string>>();
  private readonly maxMacs: number;
  private origin: Timestamp | null;
  private first: Timestamp | null = null;
  private last: Timestamp | null = null;
  private now = 0;
  private evictedLists = 0;
  private dhcpPackets = 0;
  private tftpPackets = 0;
  private arpPackets = 0;

  constructor(opts: AnalyzerOptions = {}) {
    this.idleTimeout = opts.idleTimeout ?? 300;
    const maxRetained = opts.maxRetained ?? 100000;
    this.transactions = new TransactionTracker(this.idleTimeout, opts.maxTransactions ?? 10000, maxRetained);
    this.transfers = new TransferTracker({
      idleTimeout: this.idleTimeout,
      maxTransfers: opts.maxTransfers ?? 10000,
      maxRetained,
      maxFrames: opts.maxFramesPerTransfer ?? 5000,
      stallTimeout: opts.tftpStallTimeout ?? 10,
    });
    this.arp = new ArpTracker(opts.maxArpQueries ?? 10000);
    this.maxIcmp = opts.maxIcmpErrors ?? 10000;
    this.maxFragmentLosses = opts.maxFragmentLosses ?? 10000;
    this.maxMacs = opts.maxTransactions ?? 10000;
    this.origin = opts.origin ?? null;
  }

  addPacket(p: DecodedPacket): void {
    const t = this.time(p.ts);
    // Expire first, so a packet arriving after a long silence finds room without evicting anything.
    this.expire();
    if (p.protocol === 'dhcp') {
      this.dhcpPackets++;
      const e = dhcpEvent(p, t);
      this.transactions.add(e, p.dhcp.xid, p.dhcp.chaddr);
      this.learnClient(e, p.dhcp.chaddr);
    } else {
      this.tftpPackets++;
      this.transfers.add(p, t);
    }
  }

  addArp(a: ArpRecord): void {
    this.arpPackets++;
    this.arp.add(a, this.time(a.ts));
  }

  addIcmpUnreachable(i: IcmpUnreachableRecord): void {
    const t = this.time(i.ts);
    this.transfers.icmp(i, i.frame, t);
    if (this.icmp.length >= this.maxIcmp) {
      this.evictedLists++;
      return;
    }
    const { from, code, src, dst, srcPort, dstPort } = i;
    this.icmp.push({ frame: { frame: i.frame, t }, from, code, src, dst, srcPort, dstPort });
  }

  addFragmentLoss(f: FragmentLossRecord): void {
    const t = this.time(f.firstTs);
    if (this.fragmentLosses.length >= this.maxFragmentLosses) {
      this.evictedLists++;
      return;
    }
    this.fragmentLosses.push({ frames: [...f.frames], src: f.src, dst: f.dst, t });
  }

  /** Ends the analysis: finalises everything still open and builds the sessions. Call once. */
  finish(capture: CaptureInput): AnalysisResult {
    const firstTs = pickTs(capture.firstTs, this.first, (a, b) => a < b);
    const lastTs = pickTs(capture.lastTs, this.last, (a, b) => a > b);
    if (this.origin === null && firstTs !== null) this.origin = firstTs;
    const captureEnd = Math.max(this.now, lastTs === null ? 0 : this.time(lastTs));

    const transactions = this.transactions.finishAll();
    const transfers = this.transfers.finishAll(captureEnd);
    const tftpDataSeen = this.transfers.dataPortsSeen;
    if (!tftpDataSeen) {
      // Only RRQs in the capture: a filter kept port 69 and dropped the data ports. Silence proves nothing.
      for (const tr of transfers) {
        const answered = tr.serverPort !== null || tr.strayPackets.length > 0 || tr.icmpErrors.length > 0;
        if (answered || tr.error !== null) continue;
        tr.outcome = 'unknown';
        tr.outcomeFrame = null;
        tr.notes = tr.notes.filter((n) => n !== 'no answer to the request');
        tr.notes.push(
          'no TFTP packet on any port but 69 in the capture: the data ports were probably filtered out',
        );
      }
    }
    attributeFragmentLosses(transfers, this.fragmentLosses);
    const { sessions, orphans } = buildSessions(transactions, transfers, this.idleTimeout);

    const summary: CaptureSummary = {
      file: capture.file,
      format: capture.format,
      compressed: capture.compressed ?? false,
      linkTypes: capture.linkTypes ?? [],
      frames: capture.frames,
      dhcpPackets: this.dhcpPackets,
      tftpPackets: this.tftpPackets,
      arpPackets: this.arpPackets,
      firstEpoch: firstTs === null ? null : formatEpoch(firstTs),
      lastEpoch: lastTs === null ? null : formatEpoch(lastTs),
      duration: firstTs === null || lastTs === null ? 0 : round9(secondsBetween(firstTs, lastTs)),
      skipped: capture.skipped ?? {},
      warnings: capture.warnings ?? [],
      truncated: capture.truncated ?? false,
      tftpDataSeen,
    };
    return {
      capture: summary,
      sessions,
      orphanTransfers: orphans,
      arp: this.arp.all(),
      icmpUnreachable: this.icmp,
      fragmentLosses: this.fragmentLosses,
      stats: {
        transactions: transactions.length,
        transfers: transfers.length,
        sessions: sessions.length,
        evicted: this.transactions.evicted + this.transfers.evicted + this.arp.evicted + this.evictedLists,
      },
    };
  }

  /** Seconds since the capture's first frame (rounded to the nanosecond, so JSON stays readable). */
  private time(ts: Timestamp): number {
    this.origin ??= ts;
    if (this.first === null || timestampToNumber(ts) < timestampToNumber(this.first)) this.first = ts;
    if (this.last === null || timestampToNumber(ts) > timestampToNumber(this.last)) this.last = ts;
    const t = round9(secondsBetween(this.origin, ts));
    if (t > this.now) this.now = t;
    return t;
  }

  private expire(): void {
    this.transactions.expire(this.now);
    this.transfers.expire(this.now);
  }

  /**
   * Remembers which addresses a MAC holds (ACK yiaddr, ciaddr, its source on port 4011), and treats a new DHCP
   * message from the client as the client moving on from its unfinished transfers.
   */
  private learnClient(e: DhcpEvent, mac: string): void {
    if (e.op === 1) {
      for (const ip of this.macIps.get(mac) ?? []) this.transfers.clientActivity(ip, e.t);
    }
    const ips: string[] = [];
    if (e.op === 2 && e.messageType === 'ACK' && !e.port4011) ips.push(e.yiaddr);
    if (e.op === 1 && e.ciaddr !== '0.0.0.0') ips.push(e.ciaddr);
    if (e.op === 1 && e.port4011) ips.push(e.src);
    const known = ips.filter((ip) => ip !== '0.0.0.0');
    if (known.length === 0) return;
    const set = this.macIps.get(mac) ?? new Set<string>();
    for (const ip of known) set.add(ip);
    this.macIps.delete(mac);
    this.macIps.set(mac, set);
    if (this.macIps.size > this.maxMacs) {
      const oldest = this.macIps.keys().next();
      if (oldest.done !== true) this.macIps.delete(oldest.value);
    }
  }
}

function pickTs(
  given: Timestamp | null | undefined,
  seen: Timestamp | null,
  better: (a: number, b: number) => boolean,
): Timestamp | null {
  if (given == null) return seen;
  if (seen === null) return given;
  return better(timestampToNumber(given), timestampToNumber(seen)) ? given : seen;
}
