import type { DecodeWarning } from '../protocol/decode-stream.js';

/** "at byte 1234: capture ends in the middle of packet 17 …" / "frame 9: …" */
export function formatDecodeWarning(w: DecodeWarning): string {
  if (w.offset !== null) return `at byte ${w.offset}: ${w.message}`;
  if (w.frame !== null && !w.message.includes(`frame ${w.frame}`)) return `frame ${w.frame}: ${w.message}`;
  return w.message;
}
