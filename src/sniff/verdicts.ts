/**
 * A client's verdict, told live: when the analyzer closes a client's session (quiet, new boot, end), the
 * session rules run on it against the analysis as it stands, and the verdict (diagnosis/verdict.ts, the same
 * one `analyze` prints) is told with the session's findings. A session told again (the client came back
 * before it was split off) is judged again; the newer verdict supersedes.
 */
import type { AnalysisEvent } from '../analysis/events.js';
import type { AnalysisResult } from '../analysis/types.js';
import { diagnoseSession } from '../diagnosis/engine.js';
import { verdictOf } from '../diagnosis/verdict.js';
import type { Emit } from './live.js';

export class LiveVerdicts {
  /** Sessions closed by one tick or packet share one snapshot: taking it walks every retained record. */
  private cached: AnalysisResult | null = null;

  constructor(
    private readonly emit: Emit,
    private readonly snapshot: () => AnalysisResult | null,
  ) {}

  session(e: Extract<AnalysisEvent, { kind: 'session' }>, epoch: number): void {
    const analysis = this.analysis();
    if (analysis === null) return;
    const findings = diagnoseSession(e.session, analysis);
    const v = verdictOf(e.session, findings, analysis);
    // A client gone quiet with nothing loaded yet may only be waiting (ARP, a ping check, a slow ROM):
    // "ok" is not certain until it loaded something or the capture ended.
    const loaded = e.session.transfers.some((t) => t.outcome === 'complete');
    if (e.reason === 'quiet' && v.status === 'ok' && !loaded) return;
    this.emit(
      { event: 'verdict', mac: v.mac, session: e.session.id, status: v.status, reason: v.reason, findings },
      epoch,
    );
  }

  private analysis(): AnalysisResult | null {
    if (this.cached !== null) return this.cached;
    this.cached = this.snapshot();
    queueMicrotask(() => {
      this.cached = null;
    });
    return this.cached;
  }
}
