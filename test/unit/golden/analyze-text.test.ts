/**
 * The terminal report at 80 and 120 columns, compared with reviewed files in test/unit/golden/text/
 * (written with PXE_DOCTOR_WRITE_GOLDEN=1, then read line by line before committing). Beside the
 * comparison, what must hold on any capture: no line wider than the terminal except configuration to
 * copy, and every transferred file name whole (wrapped, never cut).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { renderAnalysisText } from '../../../src/report/analyze-text.js';
import { visibleLength } from '../../../src/report/layout.js';
import { findCapture, projectRoot } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const GOLDEN_DIR = join(projectRoot(), 'test', 'unit', 'golden', 'text');
const WIDTHS = [80, 120];
const CAPTURES: Record<string, string> = {
  'file-not-found': 'lab/file-not-found/capture.pcapng',
  'happy-bios-pxelinux': 'lab/happy-bios-pxelinux/capture.pcapng',
  'chainload-loop': 'lab-failures/chainload-loop/capture.pcapng',
  proxydhcp: 'lab/proxydhcp/capture.pcapng',
};

/** Hint lines indented under "fix:" by more than the paragraph indent are configuration: never broken. */
const CONFIG_LINE = /^ {15,}\S/;

/** `name` in one table cell: starting at some column of a line, continued at that column below. */
function appearsWhole(lines: string[], name: string): boolean {
  for (let i = 0; i < lines.length; i++) {
    for (let col = lines[i].indexOf(name[0]); col >= 0; col = lines[i].indexOf(name[0], col + 1)) {
      let rest = name;
      for (let j = i; j < lines.length && rest !== ''; j++) {
        const piece = lines[j].slice(col).split(' ')[0];
        if (piece === '' || !rest.startsWith(piece)) break;
        rest = rest.slice(piece.length);
      }
      if (rest === '') return true;
    }
  }
  return false;
}

for (const [name, rel] of Object.entries(CAPTURES)) {
  test(`analyze text at ${WIDTHS.join(' and ')} columns: ${name}`, async () => {
    const capture = findCapture(rel);
    assert.ok(capture, `${rel} missing`);
    const { result, findings } = await analyzeCapture(capture.path);
    // The capture's path as the CLI shows it, whatever the checkout's location.
    result.capture.file = `fixtures/captures/${rel}`;
    for (const width of WIDTHS) {
      const text = renderAnalysisText(result, findings, { color: false, width });
      for (const line of text.split('\n')) {
        if (CONFIG_LINE.test(line)) continue;
        assert.ok(visibleLength(line) <= width, `wider than ${width}: ${JSON.stringify(line)}`);
      }
      const lines = text.split('\n');
      for (const t of [...result.sessions.flatMap((s) => s.transfers), ...result.orphanTransfers])
        assert.ok(appearsWhole(lines, t.filename), `file name whole: ${t.filename}`);
      const file = join(GOLDEN_DIR, `${name}.${width}.txt`);
      if (process.env.PXE_DOCTOR_WRITE_GOLDEN === '1') writeFileSync(file, text);
      assert.ok(existsSync(file), `${file} missing (write it with PXE_DOCTOR_WRITE_GOLDEN=1, then review)`);
      assert.equal(text, readFileSync(file, 'utf8'), `${name} at ${width} columns`);
    }
  });
}

test('without a width (piped output) one finding is one line', async () => {
  const capture = findCapture(CAPTURES['file-not-found']);
  assert.ok(capture);
  const { result, findings } = await analyzeCapture(capture.path);
  const text = renderAnalysisText(result, findings, { color: false, width: null });
  assert.match(text, /^ {2}ERROR tftp\.file-not-found {2}TFTP server .*looked for \S+\.$/m);
});

test('decode lines fit COLUMNS; piped without COLUMNS, one line per packet', () => {
  const capture = findCapture(CAPTURES['happy-bios-pxelinux']);
  assert.ok(capture);
  const fitted = runCli(['decode', capture.path], { env: { COLUMNS: '80' } });
  assert.equal(fitted.code, 0, fitted.stderr);
  const lines = fitted.stdout.trimEnd().split('\n');
  for (const l of lines) assert.ok(visibleLength(l) <= 80, `wider than 80: ${l}`);
  // Continuation lines are indented; each packet still starts with its frame number.
  assert.equal(lines.filter((l) => /^ {0,5}\d+ /.test(l)).length, 357);
  const piped = runCli(['decode', capture.path], { env: { COLUMNS: undefined } });
  assert.equal(piped.stdout.trimEnd().split('\n').length, 357);
  assert.equal(piped.stderr, '', 'the summary line is for terminals only');
});
