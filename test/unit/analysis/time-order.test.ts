/**
 * Timestamps that jump backwards (files joined with `mergecap -a` out of time order, a clock step): six
 * copies of a lab boot shifted by +0, +60, +600, +660, +120, +180 s and joined in that order are analysed
 * as the same copies in time order are — same transactions, transfers, sessions and findings — plus a capture
 * warning naming the frame where time went back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { PcapngWriter, writeCapture } from '../../../src/capture/writer.js';
import { framesOf } from '../../support/capture-frames.js';
import { findCapture } from '../../support/fixtures.js';

const SHIFTS = [0, 60, 600, 660, 120, 180];

/** Everything but what names frames (ids, frame numbers), which differ between the two files by design. */
function withoutFrames(value: unknown): string {
  return JSON.stringify(value, (k, v: unknown) =>
    /frame|^id$|^transaction$|^sessionId$|Frames?$/i.test(k) ? undefined : v,
  );
}

test('a capture joined out of time order is analysed as in time order, with a warning', async () => {
  const capture = findCapture('lab/happy-bios-pxelinux/capture.pcapng');
  assert.ok(capture);
  const frames = await framesOf(capture.path);
  const copies = SHIFTS.map((s) => frames.map((f) => ({ ...f, seconds: f.seconds + s })));
  const dir = mkdtempSync(join(tmpdir(), 'pxd-time-'));
  try {
    const joined = join(dir, 'joined.pcapng');
    const sorted = join(dir, 'sorted.pcapng');
    await writeCapture(joined, new PcapngWriter(), copies.flat());
    const byTime = [...copies].sort((a, b) => (a[0]?.seconds ?? 0) - (b[0]?.seconds ?? 0));
    await writeCapture(sorted, new PcapngWriter(), byTime.flat());

    const back = await analyzeCapture(joined);
    const good = await analyzeCapture(sorted);
    assert.equal(good.result.stats.transactions, 6);
    assert.deepEqual(back.result.stats, good.result.stats);
    assert.equal(withoutFrames(back.result.sessions), withoutFrames(good.result.sessions));
    // Messages cite frame numbers: the rest of each finding must match.
    const gist = (fs: typeof good.findings): unknown[] =>
      fs.map((f) => [f.ruleId, f.severity, f.client, f.t, f.hint, f.message.replace(/\d+/g, 'N')]);
    assert.deepEqual(gist(back.findings), gist(good.findings));
    assert.deepEqual(good.result.capture.warnings, []);
    const jumpFrame = 4 * frames.length + 1; // the first frame of the +120 s copy
    assert.deepEqual(
      back.result.capture.warnings.map((w) => w.replace(/[\d.]+ s at/, 'N s at')),
      [
        `timestamps jump back N s at frame ${jumpFrame}: files joined out of time order or a clock step; ` +
          'each exchange is followed by its own times',
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
