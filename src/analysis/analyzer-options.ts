/** What an Analyzer is given: its limits and callbacks, and what the caller knows about the capture. */
import type { CaptureStats } from '../capture/types.js';
import type { Timestamp } from '../capture/timestamp.js';
import type { AnalysisEvent } from './events.js';

export interface AnalyzerOptions {
  /** Seconds of capture time after which an idle transaction or transfer is finalised (DEFAULT_IDLE_TIMEOUT). */
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
  /** Seconds of silence after which a client's session is told as closed through onEvent (default 30). */
  sessionQuiet?: number;
  /**
   * Live only (with onEvent): seconds a client, once its session was told, may stay quiet before its
   * finished records are dropped (sniff --retain), so memory and the cost of each verdict stay flat on a
   * busy segment; the result then says what it covers (CaptureSummary.retention). Without it records are
   * kept up to maxRetained, as for a file.
   */
  retainQuiet?: number;
  /**
   * Called with each transaction, transfer and client session as soon as it is certain (see events.ts).
   * Without it the analyzer does no per-client bookkeeping at all.
   */
  onEvent?: (e: AnalysisEvent) => void;
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
  /** Interface statistics the capture recorded (pcapng ISB, EPB drop counts, a live backend's counters). */
  stats?: CaptureStats;
}

/**
 * Seconds of capture time after which an idle transaction or transfer is finalised, and the silence that
 * splits a client's activity into two boot sessions.
 */
export const DEFAULT_IDLE_TIMEOUT = 300;
