/**
 * The layer order of src/, checked on every relative import (static, type-only, re-export and dynamic
 * import()) of every src/**\/*.ts file. A module may import its own layer and the layers below it:
 *
 *   errors.ts                      0  base error types and exit codes; imports nothing from src
 *   capture/                       1  pcap/pcapng readers and writers, frame sources
 *   protocol/                      2  link, IPv4, UDP, DHCP and TFTP codecs, the packet decoder
 *   analysis/                      3  transactions, transfers, boot sessions
 *   diagnosis/                     4  rules and the engine
 *   report/                        5  text, JSON, mermaid, HTML renderers
 *   net/                           6  libpcap and in-memory links, frames, DHCP and TFTP clients
 *   server/, replay/, sniff/,      7  siblings: only replay may use server (its reference engines)
 *                                    and fixture sniff (record captures with it)
 *   fixture/
 *   index.ts, analyze.ts           8  the library: the package entry (index.ts, which re-exports
 *                                    analyze.ts) and glue over everything below the CLI
 *   cli/                           9  yargs commands; nothing in src imports it
 *
 * A new top-level folder or file in src/ fails here until it is given a place in LAYERS.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';
import { projectRoot } from '../../support/fixtures.js';

const LAYERS: Readonly<Record<string, number>> = {
  'errors.ts': 0,
  capture: 1,
  protocol: 2,
  analysis: 3,
  diagnosis: 4,
  report: 5,
  net: 6,
  server: 7,
  replay: 7,
  sniff: 7,
  fixture: 7,
  'index.ts': 8,
  'analyze.ts': 8,
  cli: 9,
};

/** Imports between siblings of one rank that are allowed ("from → to"). */
const SIBLING_EDGES: ReadonlySet<string> = new Set([
  'replay → server',
  // fixture record captures the boot with sniff's live capture and analysis.
  'fixture → sniff',
  'index.ts → analyze.ts',
]);

/** The top-level entry of src a path (relative to src, `/`-separated) belongs to. */
function layerOf(path: string): string {
  return path.split('/')[0];
}

interface Violation {
  file: string;
  line: number;
  target: string;
  why: string;
}

/**
 * Every import in `files` (path relative to src, `/`-separated → source text) that goes against LAYERS.
 * Pure, so the test below can show it catches each kind of import.
 */
function layerViolations(files: ReadonlyMap<string, string>): Violation[] {
  const out: Violation[] = [];
  for (const [file, text] of files) {
    const from = layerOf(file);
    const fromRank = LAYERS[from];
    const info = ts.preProcessFile(text, true, true);
    for (const ref of info.importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const line = text.slice(0, ref.pos).split('\n').length;
      // Specifiers name the emitted .js; the source is the .ts beside it.
      const target = join(dirname(file), ref.fileName).split(sep).join('/').replace(/\.js$/, '.ts');
      const at = { file, line, target };
      if (target.startsWith('..')) {
        out.push({ ...at, why: 'imports from outside src' });
        continue;
      }
      const to = layerOf(target);
      const toRank = LAYERS[to];
      if (fromRank === undefined || toRank === undefined) {
        out.push({ ...at, why: `${fromRank === undefined ? from : to} has no place in the layer order` });
        continue;
      }
      if (from === to) continue;
      if (toRank > fromRank)
        out.push({ ...at, why: `${from} (${fromRank}) imports upward: ${to} (${toRank})` });
      else if (toRank === fromRank && !SIBLING_EDGES.has(`${from} → ${to}`))
        out.push({ ...at, why: `${from} imports its sibling ${to} (not an allowed edge)` });
    }
  }
  return out;
}

function sourceFiles(dir: string, base: string, out: Map<string, string>): Map<string, string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, base, out);
    else if (name.endsWith('.ts'))
      out.set(relative(base, full).split(sep).join('/'), readFileSync(full, 'utf8'));
  }
  return out;
}

describe('import layers', () => {
  test('src/ imports only along the layer order', () => {
    const src = resolve(projectRoot(), 'src');
    const files = sourceFiles(src, src, new Map());
    assert.ok(files.size > 100, `read ${files.size} files`);
    const found = layerViolations(files);
    assert.deepEqual(
      found.map((v) => `src/${v.file}:${v.line} → ${v.target}: ${v.why}`),
      [],
    );
  });

  test('the check sees static, type-only, re-exported and dynamic imports, and unplaced modules', () => {
    const files = new Map([
      ['analysis/a.ts', "import { x } from '../diagnosis/types.js';\nexport const y = x;"],
      ['protocol/b.ts', "import type { R } from '../report/r.js';\nexport type S = R;"],
      ['capture/c.ts', "export * from '../net/link.js';"],
      ['report/d.ts', "export async function f() {\n  return import('../cli/main.js');\n}"],
      ['server/e.ts', "import '../replay/r.js';"],
      ['replay/f.ts', "import '../server/e.js';\nimport '../sniff/s.js';"],
      ['widgets/g.ts', "import '../errors.js';"],
      ['cli/h.ts', "import '../index.js';\nimport '../server/e.js';\nimport '../../test/x.js';"],
      ['diagnosis/i.ts', "import '../analysis/a.js';\nimport './j.js';\nimport 'yaml';"],
    ]);
    const found = layerViolations(files).map((v) => `${v.file}:${v.line}`);
    assert.deepEqual(found, [
      'analysis/a.ts:1',
      'protocol/b.ts:1',
      'capture/c.ts:1',
      'report/d.ts:2',
      'server/e.ts:1',
      'replay/f.ts:2',
      'widgets/g.ts:1',
      'cli/h.ts:3',
    ]);
  });
});
