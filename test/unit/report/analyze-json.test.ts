/** The piecewise `analyze --json` writer gives exactly the text of the one-string renderer. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import {
  analysisDocument,
  analysisJsonChunks,
  renderAnalysisJson,
} from '../../../src/report/analyze-json.js';
import { listCaptureFiles } from '../../support/fixtures.js';

test('analysisJsonChunks joins to renderAnalysisJson on every lab capture', async () => {
  const captures = listCaptureFiles().filter((c) => /^lab(-failures)?\//.test(c.rel));
  assert.ok(captures.length >= 20, `lab captures found: ${captures.length}`);
  for (const c of captures) {
    const { result, findings } = await analyzeCapture(c.path);
    const doc = analysisDocument(result, findings, '0.0.0-test');
    const pieces = [...analysisJsonChunks(doc)];
    assert.ok(pieces.length > result.sessions.length, `${c.rel}: one piece per session at least`);
    assert.equal(pieces.join(''), renderAnalysisJson(doc), c.rel);
  }
});

test('analysisJsonChunks handles empty arrays, nested empties and undefined members as JSON.stringify does', () => {
  const result = {
    capture: { file: 'x', nested: { list: [], obj: {} } },
    sessions: [],
    orphanTransfers: [{ a: undefined, b: [1, { c: null }] }],
    findings: [],
    stats: { frames: 0, skipped: undefined },
  };
  const doc = {
    schemaVersion: 1,
    tool: { name: 'pxe-doctor', version: 'v' },
    ...result,
  } as unknown as Parameters<typeof renderAnalysisJson>[0];
  assert.equal([...analysisJsonChunks(doc)].join(''), renderAnalysisJson(doc));
  JSON.parse([...analysisJsonChunks(doc)].join(''));
});

test('analyze --json names each server and how it was recognised; findings say whose fix comes first', async (t) => {
  const c = listCaptureFiles().find((x) => x.rel === 'lab/file-not-found/capture.pcapng');
  if (c === undefined) return t.skip('capture not present');
  const { result, findings } = await analyzeCapture(c.path);
  const doc = JSON.parse(renderAnalysisJson(analysisDocument(result, findings, '0'))) as {
    servers: {
      ip: string;
      service: string;
      software: string;
      confidence: string;
      evidence: { frames: number[] }[];
    }[];
    findings: { ruleId: string; hintFor?: string[] }[];
  };
  assert.deepEqual(
    doc.servers.map((s) => [s.ip, s.service, s.software, s.confidence]),
    [
      ['10.77.0.1', 'dhcp', 'dnsmasq', 'high'],
      ['10.77.0.1', 'tftp', 'dnsmasq', 'high'],
    ],
  );
  assert.deepEqual(doc.servers[1]?.evidence[0]?.frames, [23]);
  assert.deepEqual(doc.findings.find((f) => f.ruleId === 'tftp.file-not-found')?.hintFor, ['dnsmasq']);
});
