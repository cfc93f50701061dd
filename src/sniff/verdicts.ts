/**
 * A client's verdict, told live: each session the analyzer closes (quiet, new boot, end) goes through
 * LiveDiagnosis (diagnosis/live.ts: the session rules, the verdict every report prints) and comes out as a
 * `verdict` event with the session's findings. A session told again (the client came back) is judged again;
 * the newer verdict supersedes. Each is judged against the analyzer's view of that moment
 * (Analyzer.view): capture-wide facts at once, the other records only if a rule asks for them.
 */
import type { AnalysisEvent } from '../analysis/events.js';
import type { AnalysisResult } from '../analysis/types.js';
import { LiveDiagnosis } from '../diagnosis/live.js';
import type { Emit } from './live.js';

type SessionEvent = Extract<AnalysisEvent, { kind: 'session' }>;

export class LiveVerdicts {
  /** The session event being judged (LiveDiagnosis calls back synchronously). */
  private current: { e: SessionEvent; epoch: number } | null = null;
  private readonly diagnosis: LiveDiagnosis;

  constructor(
    emit: Emit,
    private readonly view: () => AnalysisResult | null,
  ) {
    this.diagnosis = new LiveDiagnosis({
      onVerdict: (v, session, findings) => {
        const current = this.current;
        if (current === null) return;
        // A client gone quiet with nothing loaded yet may only be waiting (ARP, a ping check, a slow ROM):
        // "ok" is not certain until it loaded something or the capture ended.
        const loaded = session.transfers.some((t) => t.outcome === 'complete');
        if (current.e.reason === 'quiet' && v.status === 'ok' && !loaded) return;
        emit(
          { event: 'verdict', mac: v.mac, session: session.id, status: v.status, reason: v.reason, findings },
          current.epoch,
        );
      },
    });
  }

  session(e: SessionEvent, epoch: number): void {
    const analysis = this.view();
    if (analysis === null) return;
    this.current = { e, epoch };
    try {
      this.diagnosis.handle(e, () => analysis);
    } finally {
      this.current = null;
    }
  }
}
