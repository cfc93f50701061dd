/**
 * Library entry for a whole analysis: capture → decoded packets → correlation → findings.
 * No printing here: the CLI and other callers render the result.
 */
import { Analyzer, type AnalyzerOptions } from './analysis/analyzer.js';
import type { AnalysisResult } from './analysis/types.js';
import { toFrameSource, type CaptureSource } from './capture/frame-source.js';
import type { Timestamp } from './capture/timestamp.js';
import { diagnose } from './diagnosis/engine.js';
import type { Finding } from './diagnosis/types.js';
import { decodeCapture, type DecodeSummary } from './protocol/decode-stream.js';
import { formatDecodeWarning } from './report/warnings.js';

export interface AnalyzeOptions extends AnalyzerOptions {
  signal?: AbortSignal;
  /** Name shown for the input (defaults to the path; "-" becomes "stdin"). */
  label?: string;
  /** Called now and then with the number of frames read (progress display). */
  progress?: (frames: number) => void;
  /**
   * Called with the analyzer as soon as it exists (before the first record), so a live caller can take
   * snapshot()s or tick() it while the capture is read.
   */
  analyzer?: (a: Analyzer) => void;
}

export interface AnalyzeOutcome {
  result: AnalysisResult;
  findings: Finding[];
  decode: DecodeSummary;
}

export async function analyzeCapture(
  input: CaptureSource,
  opts: AnalyzeOptions = {},
): Promise<AnalyzeOutcome> {
  const source = toFrameSource(input);
  let first: Timestamp | null = null;
  let last: Timestamp | null = null;
  let analyzer: Analyzer | null = null;
  const get = (): Analyzer => {
    if (analyzer === null) {
      analyzer = new Analyzer({ ...opts, origin: first ?? undefined });
      opts.analyzer?.(analyzer);
    }
    return analyzer;
  };
  const decode = await decodeCapture(
    source,
    {
      firstFrame: (ts) => {
        first = ts;
      },
      lastFrame: (ts) => {
        last = ts;
      },
      packet: (p) => get().addPacket(p),
      arp: (a) => get().addArp(a),
      icmpUnreachable: (i) => get().addIcmpUnreachable(i),
      fragmentLoss: (f) => get().addFragmentLoss(f),
    },
    // The analysis reads DATA lengths, never the file bytes.
    { signal: opts.signal, progress: opts.progress, keepTftpData: false },
  );
  const label = opts.label ?? source.label;
  const result = get().finish({
    file: label,
    format: decode.capture.format,
    compressed: decode.capture.compressed,
    linkTypes: decode.linkTypes,
    frames: decode.frames,
    skipped: decode.skipped,
    warnings: decode.warnings.map(formatDecodeWarning),
    truncated: decode.fatal || decode.warnings.some((w) => w.offset !== null),
    firstTs: first,
    lastTs: last,
  });
  return { result, findings: diagnose(result), decode };
}
