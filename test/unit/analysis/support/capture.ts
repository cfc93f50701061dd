/**
 * Runs the real pipeline (capture reader → decoder → Analyzer) over a capture of the test set, the way the
 * CLI does, so the lab tests check the analysis of what was actually on the wire.
 */
import { Analyzer } from '../../../../src/analysis/analyzer.js';
import type { AnalysisResult } from '../../../../src/analysis/types.js';
import type { Timestamp } from '../../../../src/capture/timestamp.js';
import { decodeCapture } from '../../../../src/protocol/decode-stream.js';
import { findCapture } from '../../../support/fixtures.js';

/** Path of `<rel>` in fixtures/captures (or the shared set); null when neither has it. */
export function capturePath(rel: string): string | null {
  return findCapture(rel)?.path ?? null;
}

export async function analyzeCaptureFile(path: string): Promise<AnalysisResult> {
  let first: Timestamp | null = null;
  let last: Timestamp | null = null;
  let analyzer: Analyzer | null = null;
  // The origin must be the capture's first frame, which the decoder reports before any packet.
  const get = (): Analyzer => (analyzer ??= new Analyzer({ origin: first ?? undefined }));
  const decode = await decodeCapture(path, {
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
  });
  return get().finish({
    file: path,
    format: decode.capture.format,
    frames: decode.frames,
    linkTypes: decode.linkTypes,
    firstTs: first,
    lastTs: last,
  });
}
