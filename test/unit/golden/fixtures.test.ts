/**
 * The project's own regression fixtures: every lab boot (fixtures/captures/lab, lab-failures) has an
 * expect.yaml written from what a person reads in the capture (tshark's view, the client's console, the
 * recorder's notes in its README), and `fixture check` must find the analysis agreeing with it. Also, for
 * every finding of these real boots: no rule crashed, each says what and how to fix, its frames are in order.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { listRules } from '../../../src/diagnosis/registry.js';
import { checkFixture, findFixtures, loadFixture } from '../../../src/fixture/check.js';
import { fixturesCapturesDir } from '../../support/fixtures.js';

const ROOTS = ['lab', 'lab-failures'].map((d) => join(fixturesCapturesDir(), d));
const ids = listRules().map((r) => r.id);
const analyze = async (path: string): Promise<Awaited<ReturnType<typeof analyzeCapture>>> =>
  analyzeCapture(path);

describe('lab fixtures: fixture check', () => {
  const dirs = findFixtures(ROOTS);
  test('every lab boot is a fixture', () => assert.equal(dirs.length, 35));
  for (const dir of dirs) {
    test(dir.slice(fixturesCapturesDir().length + 1), async () => {
      const r = await checkFixture(dir, analyze, ids);
      assert.deepEqual(r.differences, []);
      const { findings } = await analyzeCapture(loadFixture(dir, ids).capture);
      for (const f of findings) {
        assert.notEqual(f.ruleId, 'engine.rule-failed', f.message);
        assert.ok(f.message.length > 20 && f.hint.length > 0, `${f.ruleId} says what and how to fix`);
        assert.ok(f.frames.length > 0 || f.group === 'capture', `${f.ruleId} cites no frame`);
        assert.deepEqual(
          f.frames,
          [...f.frames].sort((a, b) => a - b),
        );
      }
    });
  }
});
