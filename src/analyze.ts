/**
 * Library entry for a whole analysis: capture → decoded packets → correlation → findings.
 * No printing here: the CLI and other callers render the result.
 */
import { analyzeSource, type AnalyzeSourceOptions } from './analysis/analyze-source.js';
import type { AnalysisResult } from './analysis/types.js';
import type { CaptureSource } from './capture/frame-source.js';
import { diagnose } from './diagnosis/engine.js';
import type { Finding } from './diagnosis/types.js';
import type { DecodeSummary } from './protocol/decode-stream.js';

export type AnalyzeOptions = AnalyzeSourceOptions;

export interface AnalyzeOutcome {
  result: AnalysisResult;
  findings: Finding[];
  decode: DecodeSummary;
}

export async function analyzeCapture(
  input: CaptureSource,
  opts: AnalyzeOptions = {},
): Promise<AnalyzeOutcome> {
  const { result, decode } = await analyzeSource(input, opts);
  return { result, findings: diagnose(result), decode };
}
