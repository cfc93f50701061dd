/**
 * Nothing times out after the capture ends. A client waiting for an answer gives up only after its timeout;
 * when the capture stops before that, the missing answer may simply lie after the last frame, and the rule
 * that would call it a timeout says "incomplete at the end of the capture" (info) instead. Times are
 * measured between real packets: from the client's last packet to the capture's last frame.
 */
import type { AnalysisResult, BootSession } from '../analysis/types.js';
import { at, finding, seconds } from './format.js';
import type { Finding, RuleDoc } from './types.js';

/**
 * Seconds of silence after which a client (or a TFTP transfer that stopped moving) counts as having given up,
 * not as cut off by the capture's end: iPXE's and the PXE ROMs' first retry comes within 1–4 s.
 */
export const STALL_SECONDS = 4;

/** Seconds from capture time `t` to the capture's last frame (0 when `t` is that frame). */
export function timeToEnd(a: AnalysisResult, t: number): number {
  return Math.max(0, a.capture.duration - t);
}

/**
 * The capture ended less than `wait` seconds after the client's last packet at `t` (a retry or the request
 * itself): whether the answer came, or the client gave up, lies past the capture.
 */
export function endsBeforeDeadline(a: AnalysisResult, t: number, wait = STALL_SECONDS): boolean {
  return timeToEnd(a, t) < wait;
}

export interface IncompleteCase {
  session: BootSession | null;
  client: string | null;
  /** What was pending, e.g. `Client x's RRQ for "f" (frames 3, 9) had no answer yet`. */
  pending: string;
  /** The client's last packet of the exchange. */
  last: { frame: number; t: number };
  frames: number[];
  t: number;
}

/** The info finding a timeout rule gives when the capture ended before the timeout. */
export function incompleteAtEnd(doc: RuleDoc, a: AnalysisResult, c: IncompleteCase): Finding {
  const left = timeToEnd(a, c.last.t);
  return finding(doc, {
    severity: 'info',
    message:
      `Incomplete at the end of the capture: ${c.pending}. The capture ended ` +
      (left > 0 ? `${seconds(left)} after` : 'at') +
      ` the client's last packet of it (frame ${c.last.frame}, ${at(c.last.t)}), before a client would give up; ` +
      'the answer may lie after the capture.',
    frames: c.frames,
    client: c.client,
    ...(c.session ? { sessionId: c.session.id } : {}),
    pxeError: null,
    hint: 'Nothing to conclude from this capture: capture until the client gets its answer or gives up.',
    t: c.t,
    incomplete: true,
  });
}
