/**
 * Golden tests over real captures: the analysis of each lab-recorded boot must match what a person reads
 * in the capture (test/unit/golden/expected.ts). A structured comparison, not a snapshot of our output.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import type { TftpTransfer } from '../../../src/analysis/types.js';
import type { Finding, Severity } from '../../../src/diagnosis/types.js';
import { findCapture } from '../../support/fixtures.js';
import { EXPECTED } from './expected.js';

const RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

function worst(findings: Finding[]): 'warn' | 'error' | null {
  let w: Severity | null = null;
  for (const f of findings) if (w === null || RANK[f.severity] > RANK[w]) w = f.severity;
  return w === 'info' ? null : w;
}

for (const [rel, exp] of Object.entries(EXPECTED)) {
  test(`analysis matches the capture: ${rel}`, async () => {
    const capture = findCapture(rel);
    assert.ok(capture !== null, `capture ${rel} is missing from fixtures/captures`);
    const { result, findings } = await analyzeCapture(capture.path);
    const clients = result.sessions.map((s) => s.clientMac).sort();
    assert.deepEqual([...new Set(clients)], [...exp.clients].sort(), 'clients');

    for (const want of exp.findings) {
      const got = findings.find((f) => f.ruleId === want.ruleId);
      assert.ok(
        got,
        `expected ${want.ruleId}; got ${findings.map((f) => `${f.ruleId}(${f.severity})`).join(', ') || 'none'}`,
      );
      assert.equal(got.severity, want.severity, `${want.ruleId} severity`);
      for (const fr of want.frames)
        assert.ok(got.frames.includes(fr), `${want.ruleId} cites frame ${fr}: ${got.frames.join(',')}`);
      assert.ok(got.message.length > 20 && got.hint.length > 0, `${want.ruleId} says what and how to fix`);
    }
    const allowed = new Set(exp.findings.map((f) => f.ruleId));
    const unexpected = findings.filter((f) => f.severity !== 'info' && !allowed.has(f.ruleId));
    assert.deepEqual(
      unexpected.map((f) => `${f.ruleId}: ${f.message}`),
      [],
      'no other warn/error finding',
    );
    for (const q of exp.quiet) {
      const noisy = findings.filter((f) => f.ruleId === q && !allowed.has(q));
      assert.deepEqual(
        noisy.map((f) => f.message),
        [],
        `${q} stays quiet`,
      );
    }

    for (const mac of exp.clients) {
      const mine = findings.filter((f) => f.client === mac || f.client === null);
      const verdict = worst(mine);
      if (exp.verdict === null) assert.equal(verdict, null, `clean verdict for ${mac}`);
      else
        assert.ok(
          verdict !== null && RANK[verdict] >= RANK[exp.verdict],
          `verdict ${exp.verdict} for ${mac}, got ${verdict}`,
        );
    }

    const session = result.sessions.find((s) => s.clientMac === exp.clients[0]);
    assert.ok(session);
    const firstBoot = session.boots[0];
    if (exp.bootFile !== undefined) assert.equal(firstBoot?.bootFile ?? null, exp.bootFile, 'boot file');
    if (exp.tftpServer !== undefined)
      assert.equal(firstBoot?.tftpServer ?? null, exp.tftpServer, 'TFTP server');
    for (const t of exp.transfers ?? []) {
      const tr: TftpTransfer | undefined = session.transfers.find((x) => x.request.frame === t.request);
      assert.ok(tr, `transfer requested in frame ${t.request}`);
      assert.equal(tr.filename, t.filename);
      assert.equal(tr.outcome, t.outcome, `${t.filename} outcome`);
      if (t.bytes !== undefined) assert.equal(tr.bytes, t.bytes, `${t.filename} bytes`);
    }
  });
}
