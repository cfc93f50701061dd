/**
 * Diagnosis while a capture runs: each session the analyzer tells (a client gone quiet, starting a new boot,
 * or the end) gets its rules run at once, and its findings and verdict are handed on. A session told again
 * (the client came back) is diagnosed again; a finding already handed on is not repeated.
 */
import type { AnalysisEvent } from '../analysis/events.js';
import type { AnalysisResult, BootSession } from '../analysis/types.js';
import { diagnoseCaptureWide, diagnoseSession } from './engine.js';
import type { Finding } from './types.js';
import { verdictOf, type ClientVerdict } from './verdict.js';

export interface LiveDiagnosisOptions {
  /** Rule ids or group prefixes to run (default: all), as for diagnose(). */
  rules?: string[];
  onFinding?(f: Finding): void;
  onVerdict?(v: ClientVerdict, s: BootSession, findings: Finding[]): void;
}

/** Findings handed on, remembered by content; bounded like the analyzer's own state. */
const MAX_REMEMBERED = 100000;

export class LiveDiagnosis {
  private readonly seen = new Set<string>();

  constructor(private readonly opts: LiveDiagnosisOptions = {}) {}

  /**
   * Feed it every AnalysisEvent; `analysis` gives the analyzer's snapshot (asked for only when a session
   * is to be diagnosed, as some rules weigh the whole capture).
   */
  handle(e: AnalysisEvent, analysis: () => AnalysisResult): void {
    if (e.kind !== 'session') return;
    const result = analysis();
    const findings = diagnoseSession(e.session, result, { rules: this.opts.rules });
    this.report(findings);
    this.opts.onVerdict?.(verdictOf(e.session, findings, result), e.session, findings);
  }

  /** The capture is over: runs the capture-wide rules on the final result; returns their findings. */
  finish(result: AnalysisResult): Finding[] {
    const findings = diagnoseCaptureWide(result, { rules: this.opts.rules });
    this.report(findings);
    return findings;
  }

  private report(findings: Finding[]): void {
    for (const f of findings) {
      const key = JSON.stringify([f.ruleId, f.sessionId ?? f.client, f.message, f.frames]);
      if (this.seen.has(key)) continue;
      this.seen.add(key);
      if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.values().next().value as string);
      this.opts.onFinding?.(f);
    }
  }
}
