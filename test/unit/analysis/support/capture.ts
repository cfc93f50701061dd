/**
 * Runs the real pipeline (capture reader → decoder → Analyzer) over a capture of the test set, the way the
 * CLI does, so the lab tests check the analysis of what was actually on the wire.
 */
import { analyzeCapture } from '../../../../src/analyze.js';
import type { AnalysisResult } from '../../../../src/analysis/types.js';
import { findCapture } from '../../../support/fixtures.js';

/** Path of `<rel>` in fixtures/captures (or the shared set); null when neither has it. */
export function capturePath(rel: string): string | null {
  return findCapture(rel)?.path ?? null;
}

export async function analyzeCaptureFile(path: string): Promise<AnalysisResult> {
  return (await analyzeCapture(path)).result;
}
