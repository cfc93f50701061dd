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
