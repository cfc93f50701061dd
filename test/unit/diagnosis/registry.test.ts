import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { renderRulesMarkdown } from '../../../src/diagnosis/docs.js';
import { RULES, listRules } from '../../../src/diagnosis/registry.js';
import { REQUIRED_RULE_IDS } from '../../support/required-rules.js';

/** dist/test/unit/diagnosis → repository root. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const DOC = join(ROOT, 'docs', 'rules.md');

describe('registry', () => {
  test('ids are unique, dotted, and grouped by their prefix', () => {
    const ids = RULES.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    for (const r of RULES) {
      assert.match(r.id, /^[a-z]+\.[a-z0-9-]+$/);
      const prefix = r.id.split('.')[0];
      const expected = prefix === 'ipxe' ? 'boot' : prefix;
      assert.equal(r.group, expected, r.id);
      assert.ok(r.checkCapture || r.checkSession, `${r.id} checks nothing`);
      assert.ok(
        r.detects.length > 40 && r.ignores.length > 10 && r.fix.length > 10,
        `${r.id} is under-documented`,
      );
    }
  });

  test('one rule file per registered rule', () => {
    const dir = join(ROOT, 'src', 'diagnosis', 'rules');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    const expected = RULES.map((r) => r.id.replace('.', '-'));
    assert.deepEqual([...files].sort(), [...expected].sort());
  });

  test('the rules the design asks for are all there', () => {
    const ids = new Set(RULES.map((r) => r.id));
    for (const id of REQUIRED_RULE_IDS) {
      assert.ok(ids.has(id), id);
    }
  });

  test('listRules returns plain documentation in registry order', () => {
    const docs = listRules();
    assert.deepEqual(
      docs.map((d) => d.id),
      RULES.map((r) => r.id),
    );
    for (const d of docs) {
      for (const v of Object.values(d)) assert.notEqual(typeof v, 'function');
    }
    assert.deepEqual(JSON.parse(JSON.stringify(docs)), docs);
  });
});

describe('tests', () => {
  test('every rule has a test that expects one finding of it', () => {
    const dir = join(ROOT, 'test', 'unit', 'diagnosis');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    for (const r of RULES) {
      // one(<analysis>, '<rule id>') within a short span, with no other one( call in between.
      const id = r.id.replace(/\./g, '\\.');
      const positive = new RegExp(`one\\((?:(?!one\\()[\\s\\S]){0,200}?'${id}'\\)`);
      assert.match(sources, positive, `no test expects a ${r.id} finding`);
    }
  });
});

describe('docs/rules.md', () => {
  test('every registered rule has a section', () => {
    if (process.env.UPDATE_DOCS === '1') writeFileSync(DOC, renderRulesMarkdown());
    const text = readFileSync(DOC, 'utf8');
    for (const r of RULES)
      assert.ok(text.includes(`## \`${r.id}\``), `docs/rules.md lacks a section for ${r.id}`);
  });

  test('is the rendering of the registry (UPDATE_DOCS=1 rewrites it)', () => {
    assert.equal(readFileSync(DOC, 'utf8'), renderRulesMarkdown());
  });
});
