/**
 * Timelines count from the session's first packet. Crafted from the lab pxelinux boot: its TFTP frames
 * written first and its DHCP frames after them, with their own (earlier) timestamps, as `mergecap -a` joins
 * a DHCP capture after a TFTP one. The capture's first frame is then 16 s after the client's first packet;
 * no timeline (text, HTML, diagram times and folded-line notes) may show a negative time.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { PcapngWriter, writeCapture } from '../../../src/capture/writer.js';
import { renderAnalysisText } from '../../../src/report/analyze-text.js';
import { renderHtmlReport } from '../../../src/report/html.js';
import { renderMermaid } from '../../../src/report/mermaid.js';
import { framesOf } from '../../support/capture-frames.js';
import { findCapture } from '../../support/fixtures.js';

/** Frames 1–21 of the lab boot are its DHCP round (with the server's ARP/ICMP ping check); 22 is the RRQ. */
const FIRST_RRQ = 21;
let dir = '';
let path = '';

before(async () => {
  const capture = findCapture('lab/happy-bios-pxelinux/capture.pcapng');
  assert.ok(capture);
  const frames = await framesOf(capture.path);
  dir = mkdtempSync(join(tmpdir(), 'pxd-origin-'));
  path = join(dir, 'tftp-then-dhcp.pcapng');
  await writeCapture(path, new PcapngWriter(), [...frames.slice(FIRST_RRQ), ...frames.slice(0, FIRST_RRQ)]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

test("the session begins before the capture's first frame: its timeline counts from its first packet", async () => {
  const { result, findings } = await analyzeCapture(path);
  const [s] = result.sessions;
  assert.ok(s);
  assert.ok(s.start < -15, `the DHCP round lies before the first frame (session start ${s.start})`);
  const dhcpFirst = frameCount(result) - FIRST_RRQ + 1;

  const text = renderAnalysisText(result, findings, { color: false, width: 120 });
  const timeline = section(text, 'Timeline', 'Transfers');
  assert.match(
    timeline[0],
    new RegExp(`Timeline {2}\\(from frame ${dhcpFirst}, the client's first packet\\)`),
  );
  const times = timeline.slice(1).map((l) => Number(/^\s*(-?[\d.]+) s/.exec(l)?.[1]));
  assert.ok(times.length >= 5);
  assert.equal(times[0], 0, 'the DHCP round starts the timeline');
  assert.ok(
    times.every((t) => t >= 0),
    `no negative time: ${timeline.join('\n')}`,
  );
  assert.ok(
    Math.abs(times[1] - 16.081) < 0.01,
    'pxelinux.0 16.08 s after the first DISCOVER, as in time order',
  );

  const html = renderHtmlReport(result, findings, { diagrams: [], mode: 'text' }, { version: '0' });
  const cells = [...html.matchAll(/<tr class="phase-[^"]+"><td class="num">([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.equal(cells.length, times.length);
  assert.ok(
    cells.every((c) => !c.startsWith('-')),
    cells.join(', '),
  );
  assert.match(html, new RegExp(`Times count from frame ${dhcpFirst}, the client&#39;s first packet`));

  const [d] = renderMermaid(result, findings, { times: true, maxMessages: 8 });
  assert.ok(d);
  const stamps = [...d.text.matchAll(/\[(-?[\d.]+) s\]/g)].map((m) => Number(m[1]));
  assert.ok(stamps.length > 3);
  assert.equal(Math.min(...stamps), 0);
  assert.doesNotMatch(d.text, /-\d+\.\d{3} s/, 'no negative time in the diagram, folded-line notes included');
});

function frameCount(result: { capture: { frames: number } }): number {
  return result.capture.frames;
}

/** The lines of a session's section, from its heading to the next one. */
function section(text: string, from: string, to: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trimStart().startsWith(from));
  const end = lines.findIndex((l, i) => i > start && l.trimStart().startsWith(to));
  return lines.slice(start, end);
}
