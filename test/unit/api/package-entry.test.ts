/**
 * The package as a library: `import('pxe-doctor')` resolves through package.json `exports` to the built
 * entry (src/index.ts), whose exports run the pipeline on a committed capture; main/types/exports name files
 * the build writes; and each example of docs/api.md runs as written, by package name, and prints what a
 * person sees in that capture (a TFTP "file not found" for pxelinux.0).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { projectRoot } from '../../support/fixtures.js';

type Library = typeof import('../../../src/index.js');

const root = projectRoot();
const capture = join(root, 'fixtures', 'captures', 'lab', 'file-not-found', 'capture.pcapng');
const CLIENT = '52:54:00:12:34:56';

/** By name, not by path: a literal would make the compiler resolve the package before it is built. */
async function importPackage(): Promise<Library> {
  const name = 'pxe-doctor';
  return (await import(name)) as Library;
}

describe('package entry', () => {
  test('package.json main, types and exports name the built entry', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      main: string;
      types: string;
      exports: { '.': { types: string; default: string } };
    };
    for (const file of [pkg.main, pkg.types, pkg.exports['.'].types, pkg.exports['.'].default])
      assert.ok(existsSync(join(root, file)), `${file} exists after the build`);
    assert.equal(join(root, pkg.main), join(root, pkg.exports['.'].default));
    const resolved = fileURLToPath(import.meta.resolve('pxe-doctor'));
    assert.equal(resolved, join(root, 'dist', 'src', 'index.js'));
  });

  test("import('pxe-doctor') analyses, diagnoses and renders a capture", async () => {
    const lib = await importPackage();
    const { result, findings, decode } = await lib.analyzeCapture(capture);
    assert.equal(decode.frames, 23);
    assert.deepEqual(
      result.sessions.map((s) => s.clientMac),
      [CLIENT],
    );
    const ids = findings.map((f) => f.ruleId);
    assert.ok(ids.includes('tftp.file-not-found'), ids.join(', '));
    assert.ok(lib.getRule('tftp.file-not-found') !== undefined, 'the registry knows the rule');
    assert.ok(lib.RULES.length >= 20);
    // The pieces give what the one call gives.
    assert.deepEqual(
      lib.diagnose(result).map((f) => f.ruleId),
      ids,
    );
    const text = lib.renderAnalysisText(result, findings, { color: false });
    assert.match(text, /ERROR tftp\.file-not-found/);
    const doc = JSON.parse(lib.renderAnalysisJson(lib.analysisDocument(result, findings, 'test'))) as {
      schemaVersion: number;
    };
    assert.equal(doc.schemaVersion, lib.ANALYSIS_SCHEMA_VERSION);
    assert.match(lib.renderMermaid(result, findings)[0]?.text ?? '', /^sequenceDiagram/m);
    // A codec round trip through the entry.
    const discover = lib.dhcpMessageFromFields({
      xid: 7,
      chaddr: CLIENT,
      messageType: 'DISCOVER',
      options: [],
    });
    assert.equal(lib.decodeDhcp(lib.encodeDhcp(discover)).messageType, 'DISCOVER');
    // Not a capture: a typed error with the path, never a crash.
    await assert.rejects(lib.analyzeCapture(join(root, 'package.json')), (e: unknown) => {
      assert.ok(e instanceof lib.CaptureInputError, String(e));
      assert.equal(e.path, join(root, 'package.json'));
      return true;
    });
  });
});

describe('docs/api.md examples', () => {
  const doc = readFileSync(join(root, 'docs', 'api.md'), 'utf8');
  const examples = [...doc.matchAll(/```js\n\/\/ example: (\S+)[^\n]*\n([\s\S]*?)```/g)].map((m) => ({
    name: m[1],
    code: m[2],
  }));
  // Written inside the package, so that 'pxe-doctor' resolves to it by self-reference.
  const dir = join(root, 'dist', 'test', 'unit', 'api');
  const written: string[] = [];
  after(() => {
    for (const f of written) rmSync(f, { force: true });
  });
  const run = (name: string): string => {
    const ex = examples.find((e) => e.name === name);
    assert.ok(ex !== undefined, `docs/api.md has the example ${name}`);
    const file = join(dir, `doc-example-${name}`);
    writeFileSync(file, ex.code);
    written.push(file);
    return execFileSync(process.execPath, [file, capture], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
  };

  test('two examples', () => {
    assert.deepEqual(
      examples.map((e) => e.name),
      ['analyze.mjs', 'decode.mjs'],
    );
  });

  test('analyze.mjs names the client and its finding, then prints the report', () => {
    const out = run('analyze.mjs');
    const lines = out.trimEnd().split('\n');
    assert.match(lines[0], new RegExp(`^${CLIENT}: .*error tftp\\.file-not-found`));
    assert.match(out, /Verdict\n {2}52:54:00:12:34:56 FAIL/);
    assert.match(lines[lines.length - 1], /^schema 1: 1 session\(s\), \d+ finding\(s\)$/);
  });

  test('decode.mjs prints the DHCP and TFTP messages and the counts', () => {
    const out = run('decode.mjs');
    assert.match(out, /Read Request.*pxelinux\.0/);
    assert.match(out, /DHCP Discover/);
    assert.match(out, /^23 frames: 6 DHCP, 2 TFTP$/m);
  });
});
