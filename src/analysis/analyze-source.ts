/**
 * Capture → decoded packets → correlation, in one pass: what `analyze` reads a file with and what `sniff`
 * runs on a live interface (with its hooks for live events). Diagnosis is the caller's next step.
 */
import { toFrameSource, type CaptureSource } from '../capture/frame-source.js';
import type { Timestamp } from '../capture/timestamp.js';
import { decodeCapture, formatDecodeWarning, type DecodeSummary } from '../protocol/decode-stream.js';
import type { DecodedPacket } from '../protocol/packet.js';
import { Analyzer, type AnalyzerOptions } from './analyzer.js';
import type { AnalysisResult } from './types.js';

export interface AnalyzeSourceOptions extends AnalyzerOptions {
  signal?: AbortSignal;
  /** Name shown for the input (defaults to the path; "-" becomes "stdin"). */
  label?: string;
  /** Called now and then with the number of frames read (progress display). */
  progress?: (frames: number) => void;
  /** Sees each DHCP/TFTP packet before the analyzer does (live event lines, replay's client scripts). */
  onPacket?: (p: DecodedPacket) => void;
  /** Keep TFTP DATA's file bytes on the packets handed to onPacket (default false: the analysis needs none). */
  keepTftpData?: boolean;
  /**
   * Called with the analyzer as soon as it exists (before the first record), so a live caller can take
   * snapshot()s or tick() it while the capture is read; with its time zero (the capture's first frame):
   * analysis times are seconds since then.
   */
  analyzer?: (a: Analyzer, origin: Timestamp | null) => void;
}

export async function analyzeSource(
  input: CaptureSource,
  opts: AnalyzeSourceOptions = {},
): Promise<{ result: AnalysisResult; decode: DecodeSummary }> {
  const source = toFrameSource(input);
  let first: Timestamp | null = null;
  let last: Timestamp | null = null;
  let analyzer: Analyzer | null = null;
  const get = (): Analyzer => {
    if (analyzer !== null) return analyzer;
    analyzer = new Analyzer({ ...opts, origin: first ?? undefined });
    opts.analyzer?.(analyzer, first);
    return analyzer;
  };
  const onPacket = opts.onPacket;
  const decode = await decodeCapture(
    source,
    {
      firstFrame: (ts) => {
        first = ts;
      },
      lastFrame: (ts) => {
        last = ts;
      },
      packet:
        onPacket === undefined
          ? (p) => get().addPacket(p)
          : (p) => {
              onPacket(p);
              get().addPacket(p);
            },
      // Every packet is a record for onPacket; otherwise plain DATA/ACK skip the record.
      tftpBlock: onPacket === undefined ? (b) => get().addTftpBlock(b) : undefined,
      arp: (a) => get().addArp(a),
      icmpUnreachable: (i) => get().addIcmpUnreachable(i),
      icmpEcho: (e) => get().addIcmpEcho(e),
      clientFrame: (f) => get().addClientFrame(f),
      fragmentLoss: (f) => get().addFragmentLoss(f),
    },
    // The analysis reads DATA lengths, never the file bytes.
    { signal: opts.signal, progress: opts.progress, keepTftpData: opts.keepTftpData === true },
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
    stats: decode.capture.stats,
  });
  return { result, decode };
}
