/**
 * A transfer's time and rate are measured over one interval, so what a reader checks by hand holds:
 * size ÷ time = rate, to the precision the report prints. Checked on every committed lab capture, in the
 * text table and in the diagram's transfer lines, and on the numbers underneath (JSON).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { renderAnalysisText } from '../../../src/report/analyze-text.js';
import { renderMermaid } from '../../../src/report/mermaid.js';
import { listCaptureFiles } from '../../support/fixtures.js';

const SIZE_UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
const TIME_UNITS: Record<string, number> = { µs: 1e-6, ms: 1e-3, s: 1, h: 3600 };
const RATE_UNITS: Record<string, number> = { 'B/s': 1, 'kB/s': 1e3, 'MB/s': 1e6 };

/** The range of true values a printed number stands for: "4.29" is 4.285 … 4.295. */
function range(digits: string, unit: number): [number, number] {
  const decimals = digits.split('.')[1]?.length ?? 0;
  const half = 0.5 * 10 ** -decimals;
  const v = Number(digits);
  return [(v - half) * unit, (v + half) * unit];
}

/** Whether "size", "time" and "rate" as printed can all be true at once. */
function consistent(size: [string, string], time: [string, string], rate: [string, string]): boolean {
  const [sLo, sHi] =
    size[1] === 'B' ? [Number(size[0]), Number(size[0])] : range(size[0], SIZE_UNITS[size[1]]);
  const [tLo, tHi] = range(time[0], TIME_UNITS[time[1]]);
  const [rLo, rHi] = range(rate[0], RATE_UNITS[rate[1]]);
  return sLo / tHi <= rHi && sHi / Math.max(tLo, 1e-12) >= rLo;
}

const NUM = String.raw`(\d+(?:\.\d+)?)`;
const SIZE = String.raw`${NUM} (B|KiB|MiB|GiB)`;
const TIME = String.raw`${NUM} (µs|ms|s|h)`;
const RATE = String.raw`${NUM} (B/s|kB/s|MB/s)`;
/** A transfers-table row: size, blksize (maybe "1432 asked, no OACK seen"), time, rate. */
const TABLE_ROW = new RegExp(String.raw`\s${SIZE}\s+\S.*?\s${TIME}\s+${RATE}(?:\s|$)`);
/** A diagram's transfer line: "(41.4 KiB, 4.29 ms, 9.9 MB/s)". */
const DIAGRAM = new RegExp(String.raw`\(${SIZE}, ${TIME}, ${RATE}\)`);

const LAB = listCaptureFiles({ shared: false }).filter((c) => /^lab(-failures)?\//.test(c.rel));

test('the lab captures are there to check', () => {
  assert.ok(LAB.length >= 20, `${LAB.length} lab captures`);
});

for (const c of LAB) {
  test(`size ÷ time = rate in the table and the diagram: ${c.rel}`, async () => {
    const { result, findings } = await analyzeCapture(c.path);
    const transfers = [...result.sessions.flatMap((s) => s.transfers), ...result.orphanTransfers];
    for (const t of transfers) {
      if (t.throughput === null) continue;
      assert.ok(
        Math.abs(t.throughput * t.duration - t.bytes) <= 1e-6 * t.bytes,
        `${t.filename}: one interval`,
      );
    }

    const text = renderAnalysisText(result, findings, { color: false, width: 250 });
    const rows = text.split('\n').filter((l) => /\d (B|kB|MB)\/s(\s|$)/.test(l) && !l.includes('Transfers'));
    for (const row of rows) {
      const m = TABLE_ROW.exec(row);
      assert.ok(m, `a transfers row with a rate reads as size … time rate: ${JSON.stringify(row)}`);
      assert.ok(consistent([m[1], m[2]], [m[3], m[4]], [m[5], m[6]]), `size ÷ time ≠ rate: ${row.trim()}`);
    }
    const withRate = transfers.filter((t) => t.bytes > 0 && t.throughput !== null).length;
    assert.equal(rows.length, withRate, 'every transfer with a rate has its row checked');

    for (const d of renderMermaid(result, findings)) {
      for (const line of d.text.split('\n')) {
        if (!/\d (B|kB|MB)\/s\)/.test(line)) continue;
        const m = DIAGRAM.exec(line);
        assert.ok(m, `a diagram transfer line reads (size, time, rate): ${line.trim()}`);
        assert.ok(consistent([m[1], m[2]], [m[3], m[4]], [m[5], m[6]]), `size ÷ time ≠ rate: ${line.trim()}`);
      }
    }
  });
}
