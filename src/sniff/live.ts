/**
 * The analysis side of `sniff`: each decoded packet goes to the packet-level event finder (packet-events.ts)
 * and to the streaming analyzer, whose completed transfers and closed client sessions become events as soon
 * as they are certain. While the segment is quiet the analysis clock follows the wall clock (tick), so "no
 * offer", "no reply on 4011" and TFTP timeouts are told live, not at the end.
 */
import type { AnalyzeSourceOptions } from '../analysis/analyze-source.js';
import type { Analyzer, CaptureInput } from '../analysis/analyzer.js';
import type { AnalysisEvent } from '../analysis/events.js';
import type { AnalysisResult, TftpTransfer } from '../analysis/types.js';
import type { Timestamp } from '../capture/timestamp.js';
import { probeKind } from '../diagnosis/boot-files.js';
import type { SniffEvent } from '../report/sniff-events.js';
import { PacketEvents } from './packet-events.js';

/** An event and its capture time, in epoch seconds. */
export type Emit = (e: SniffEvent, seconds: number) => void;

/** Default seconds of client silence after which its boot is judged. */
export const DEFAULT_SESSION_QUIET = 5;
/**
 * Default seconds a judged client stays in the analysis (and the stop report) after its last packet
 * (`--retain`): past it its records are dropped, so a sniff left running keeps flat memory and verdict cost.
 */
export const DEFAULT_RETAIN = 600;

function epochOf(ts: Timestamp): number {
  return ts.seconds + ts.fraction / 10 ** ts.digits;
}

function timestampOf(epoch: number): Timestamp {
  const seconds = Math.floor(epoch);
  return { seconds, fraction: Math.floor((epoch - seconds) * 1e9), digits: 9 };
}

/** How a transfer ended, as the tftp-end event tells it. */
export function transferEvent(t: TftpTransfer): SniffEvent {
  const probe = t.outcome === 'tsize-probe' ? 'tsize probe' : t.error !== null ? probeKind(t.filename) : null;
  return {
    event: 'tftp-end',
    client: t.clientIp,
    mac: t.clientMac,
    server: t.serverIp,
    file: t.filename,
    outcome: t.outcome,
    bytes: t.bytes,
    seconds: t.duration,
    rate: t.throughput,
    blksize: t.blksize,
    error: t.error !== null ? { code: t.error.code, message: t.error.message } : null,
    normal: probe,
  };
}

export class LiveAnalysis {
  private analyzer: Analyzer | null = null;
  /** Epoch seconds of the analysis clock's zero (the first frame). */
  private origin = 0;
  private readonly packets: PacketEvents;

  constructor(
    private readonly emit: Emit,
    private readonly onSession: (e: Extract<AnalysisEvent, { kind: 'session' }>, epoch: number) => void,
  ) {
    // Asked before the analyzer adds the packet: does it begin a new session of its client.
    this.packets = new PacketEvents(
      (e, p) => emit(e, epochOf(p.ts)),
      (mac, p) => this.analyzer?.startsSession(mac, p.ts) ?? true,
    );
  }

  /** Options for analyzeCapture that wire this live analysis in. */
  options(sessionQuiet: number, retainQuiet: number = DEFAULT_RETAIN): AnalyzeSourceOptions {
    return {
      sessionQuiet,
      retainQuiet,
      onPacket: (p) => this.packets.push(p),
      analyzer: (a, origin) => {
        this.analyzer = a;
        this.origin = origin !== null ? epochOf(origin) : Date.now() / 1000;
      },
      onEvent: (e) => this.event(e),
    };
  }

  /** The analysis as it stands, worked out as it is read (Analyzer.view; null before the first record). */
  view(capture: CaptureInput): AnalysisResult | null {
    return this.analyzer?.view(capture) ?? null;
  }

  /** The wall clock (epoch seconds) while no packet arrives. */
  tick(now: number): void {
    this.analyzer?.tick(timestampOf(now));
  }

  private event(e: AnalysisEvent): void {
    const epoch = this.origin + e.t;
    if (e.kind === 'tftp-transfer') this.emit(transferEvent(e.transfer), epoch);
    else if (e.kind === 'session') this.onSession(e, epoch);
  }
}
