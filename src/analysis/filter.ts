import type { AnalysisResult } from './types.js';

/**
 * Keeps one client's session and the records about it: anything with a `client` (findings) stays when it
 * names that client or none (capture-wide: it concerns every client). Generic so analysis need not know
 * what a finding is.
 */
export function filterByClient<T extends { client: string | null }>(
  result: AnalysisResult,
  records: T[],
  mac: string,
): { result: AnalysisResult; findings: T[] } {
  const want = mac.toLowerCase();
  const sessions = result.sessions.filter((s) => s.clientMac.toLowerCase() === want);
  return {
    result: { ...result, sessions, orphanTransfers: [] },
    findings: records.filter((f) => f.client === null || f.client.toLowerCase() === want),
  };
}
