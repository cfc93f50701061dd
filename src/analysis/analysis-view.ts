/**
 * Analyzer.view: the analysis as it stands, worked out as it is read. The capture's summary, loss and counters
 * are there at once; the records (sessions, transfers, ARP, ICMP…) only when something reads them, once. A
 * live capture judges each closed session against it: a healthy session's rules read no other session, so
 * judging it costs that session, not the capture.
 */
import { formatEpoch, secondsBetween, type Timestamp } from '../capture/timestamp.js';
import type { CaptureInput } from './analyzer-options.js';
import { attachCaptureFacts, type CaptureFacts } from './capture-facts.js';
import { round9 } from './capture-clock.js';
import { captureLossOf, endOfCapture } from './capture-extent.js';
import type {
  AnalysisResult,
  ArpQuery,
  BootSession,
  CaptureRetention,
  CaptureSummary,
  DhcpTransaction,
  FrameRef,
  TftpTransfer,
} from './types.js';

/** What the analyzer counted, for the capture summary. */
export interface SummaryCounts {
  firstTs: Timestamp | null;
  lastTs: Timestamp | null;
  dhcpPackets: number;
  tftpPackets: number;
  arpPackets: number;
  /** The analyzer's own warnings, after the reader's. */
  warnings: string[];
  tftpDataSeen: boolean;
  retention: CaptureRetention | null;
}

/** The capture's summary: what the caller knows about the capture and what the analyzer counted. */
export function captureSummary(capture: CaptureInput, c: SummaryCounts): CaptureSummary {
  const { firstTs, lastTs } = c;
  const summary: CaptureSummary = {
    file: capture.file,
    format: capture.format,
    compressed: capture.compressed ?? false,
    linkTypes: capture.linkTypes ?? [],
    frames: capture.frames,
    dhcpPackets: c.dhcpPackets,
    tftpPackets: c.tftpPackets,
    arpPackets: c.arpPackets,
    firstEpoch: firstTs === null ? null : formatEpoch(firstTs),
    lastEpoch: lastTs === null ? null : formatEpoch(lastTs),
    duration:
      firstTs === null || lastTs === null
        ? 0
        : round9(secondsBetween(firstTs, endOfCapture(capture, lastTs) ?? lastTs)),
    skipped: capture.skipped ?? {},
    warnings: [...(capture.warnings ?? []), ...c.warnings],
    truncated: capture.truncated ?? false,
    tftpDataSeen: c.tftpDataSeen,
  };
  const loss = captureLossOf(capture.stats);
  if (loss !== null) summary.captureLoss = loss;
  if (c.retention !== null) summary.retention = c.retention;
  return summary;
}

/** Transactions, transfers and sessions as they stand (Analyzer.records). */
export interface ViewRecords {
  transactions: DhcpTransaction[];
  transfers: TftpTransfer[];
  sessions: BootSession[];
  orphans: TftpTransfer[];
}

export interface ViewParts {
  summary: CaptureSummary;
  /** Correlation state evicted at a bound (AnalysisStats.evicted). */
  evicted: number;
  /** The clients whose records went at a bound, when every eviction was one client's. */
  evictedClients: string[] | null;
  records(): ViewRecords;
  arp(): ArpQuery[];
  icmp(): AnalysisResult['icmpUnreachable'];
  fragments(): AnalysisResult['fragmentLosses'];
  /** The last frame of each client with a session (only when the decoder reported client frames). */
  lastFrames: (() => Record<string, FrameRef>) | null;
  /** Capture-wide facts kept as records arrive (live only). */
  facts?: CaptureFacts;
}

function lazy<T>(make: () => T): () => T {
  let value: { v: T } | null = null;
  return () => (value ??= { v: make() }).v;
}

export function analysisView(p: ViewParts): AnalysisResult {
  const records = lazy(() => p.records());
  const arp = lazy(() => p.arp());
  const icmp = lazy(() => p.icmp());
  const fragments = lazy(() => p.fragments());
  const stats = {
    get transactions(): number {
      return records().transactions.length;
    },
    get transfers(): number {
      return records().transfers.length;
    },
    get sessions(): number {
      return records().sessions.length;
    },
    evicted: p.evicted,
    ...(p.evictedClients !== null ? { evictedClients: p.evictedClients } : {}),
  };
  const view: AnalysisResult = {
    capture: p.summary,
    get sessions() {
      return records().sessions;
    },
    get orphanTransfers() {
      return records().orphans;
    },
    get arp() {
      return arp();
    },
    get icmpUnreachable() {
      return icmp();
    },
    get fragmentLosses() {
      return fragments();
    },
    stats,
  };
  if (p.facts !== undefined) attachCaptureFacts(view, p.facts);
  // Defined, not spread in: spreading would read it (and build every session) at once.
  if (p.lastFrames !== null)
    Object.defineProperty(view, 'clientLastFrames', { get: lazy(p.lastFrames), enumerable: true });
  return view;
}
