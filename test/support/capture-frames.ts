/**
 * A capture's frames as writer input (bytes copied, timestamps in seconds + nanoseconds), for tests that
 * rewrite a real capture: reorder it, shift its times, join it with others.
 */
import { readCapture } from '../../src/capture/source.js';
import { toTimestamp } from '../../src/capture/timestamp.js';
import type { WritePacket } from '../../src/capture/writer.js';

export async function framesOf(path: string): Promise<WritePacket[]> {
  const out: WritePacket[] = [];
  await readCapture(path, {
    frame: (f) => {
      const ts = toTimestamp(f.ts, 9);
      out.push({
        data: Uint8Array.from(f.data),
        seconds: ts.seconds,
        nanos: ts.fraction,
        linkType: f.linkType,
      });
    },
    warning: () => undefined,
  });
  return out;
}
