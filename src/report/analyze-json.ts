import type { AnalysisResult } from '../analysis/types.js';
import type { Finding } from '../diagnosis/types.js';

/** Schema version of the `analyze --json` document (docs/json-schema.md); bumped on incompatible change. */
export const ANALYSIS_SCHEMA_VERSION = 1;

export interface AnalysisDocument {
  schemaVersion: number;
  tool: { name: 'pxe-doctor'; version: string };
  capture: AnalysisResult['capture'];
  sessions: AnalysisResult['sessions'];
  orphanTransfers: AnalysisResult['orphanTransfers'];
  findings: Finding[];
  stats: AnalysisResult['stats'] & { findings: Record<Finding['severity'], number> };
}

/** The one JSON document of `analyze --json`: {capture, sessions, findings, stats}. */
export function analysisDocument(
  result: AnalysisResult,
  findings: Finding[],
  version: string,
): AnalysisDocument {
  const counts = { error: 0, warn: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'pxe-doctor', version },
    capture: result.capture,
    sessions: result.sessions,
    orphanTransfers: result.orphanTransfers,
    findings,
    stats: { ...result.stats, findings: counts },
  };
}

export function renderAnalysisJson(doc: AnalysisDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
