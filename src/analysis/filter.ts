import type { Finding } from '../diagnosis/types.js';
import type { AnalysisResult } from './types.js';

/** Keeps one client's session and findings (capture-wide findings stay: they concern every client). */
export function filterByClient(
  result: AnalysisResult,
  findings: Finding[],
  mac: string,
): { result: AnalysisResult; findings: Finding[] } {
  const want = mac.toLowerCase();
  const sessions = result.sessions.filter((s) => s.clientMac.toLowerCase() === want);
  return {
    result: { ...result, sessions, orphanTransfers: [] },
    findings: findings.filter((f) => f.client === null || f.client.toLowerCase() === want),
  };
}
