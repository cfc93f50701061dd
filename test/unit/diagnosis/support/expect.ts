/** Assertion helpers for diagnosis tests. */
import assert from 'node:assert/strict';
import type { AnalysisResult } from '../../../../src/analysis/types.js';
import { diagnose } from '../../../../src/diagnosis/engine.js';
import type { Finding } from '../../../../src/diagnosis/types.js';

/** Findings of one rule, running only that rule (and failing on an engine.rule-failed). */
export function run(analysis: AnalysisResult, ruleId: string): Finding[] {
  const all = diagnose(analysis, { rules: [ruleId] });
  const failed = all.filter((f) => f.ruleId === 'engine.rule-failed');
  assert.deepEqual(failed, [], `rule ${ruleId} threw: ${failed.map((f) => f.message).join('; ')}`);
  return all;
}

/** Exactly one finding of the rule; returns it. */
export function one(analysis: AnalysisResult, ruleId: string): Finding {
  const found = run(analysis, ruleId);
  assert.equal(found.length, 1, `expected one ${ruleId} finding, got ${found.length}:\n${describe(found)}`);
  const f = found[0];
  assert.ok(f);
  assert.equal(f.ruleId, ruleId);
  return f;
}

export function none(analysis: AnalysisResult, ruleId: string): void {
  const found = run(analysis, ruleId);
  assert.equal(found.length, 0, `expected no ${ruleId} finding, got:\n${describe(found)}`);
}

/** The message names every one of these (client MAC, file, server …). */
export function mentions(f: Finding, ...needles: string[]): void {
  for (const n of needles)
    assert.ok(f.message.includes(n), `message lacks ${JSON.stringify(n)}:\n${f.message}`);
}

export function hintMentions(f: Finding, ...needles: string[]): void {
  for (const n of needles) assert.ok(f.hint.includes(n), `hint lacks ${JSON.stringify(n)}:\n${f.hint}`);
}

export function describe(found: readonly Finding[]): string {
  return found.map((f) => `  [${f.severity}] ${f.ruleId}: ${f.message}`).join('\n');
}

/** Nothing at warn or error from any rule. */
export function healthy(analysis: AnalysisResult): Finding[] {
  const found = diagnose(analysis);
  const loud = found.filter((f) => f.severity !== 'info');
  assert.deepEqual(
    loud.map((f) => f.ruleId),
    [],
    `expected a clean diagnosis, got:\n${describe(loud)}`,
  );
  return found;
}
