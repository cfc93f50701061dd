/**
 * What each command's help says beyond its options, through the real CLI: the exit codes of its section of
 * docs/exit-codes.md, what `serve` needs to run, and `serve` examples that do not lead into a boot trap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exitCodeGist, exitCodeRows } from '../../../src/cli/exit-codes-doc.js';
import { commandSpecs } from '../../../src/cli/spec.js';
import { bootConfigWarnings } from '../../../src/server/config/boot-check.js';
import type { BootConfig } from '../../../src/server/config/types.js';
import { emptyBootConfig } from '../../support/boot-config.js';
import { projectRoot } from '../../support/fixtures.js';
import { runCli } from '../../support/run-cli.js';

const rows = exitCodeRows(readFileSync(join(projectRoot(), 'docs', 'exit-codes.md'), 'utf8'));

/** The section of docs/exit-codes.md a command's codes are in. */
const SECTION: Record<string, string> = { analyze: '', decode: '', diagram: '', serve: 'serve' };

/** The codes an "Exit codes: 0 …; 2 …" paragraph names, in order. */
function codesIn(help: string): string[] {
  const at = help.indexOf('\nExit codes: ');
  assert.ok(at >= 0, `an "Exit codes:" paragraph in\n${help}`);
  const para = help
    .slice(at + 1)
    .split('\n\n')[0]
    .replace(/\n/g, ' ');
  return [...para.matchAll(/(?:^Exit codes: |; )(\d+) /g)].map((m) => m[1]);
}

test('every command help ends with the exit codes of its section of docs/exit-codes.md', () => {
  const commands = commandSpecs().filter((c) => c.name !== 'help' && c.name !== 'completion');
  const cases = commands.flatMap((c) =>
    c.subcommands.length > 0 ? c.subcommands.map((s) => [c.name, s.name]) : [[c.name]],
  );
  assert.ok(cases.length >= 10, `${cases.length} commands`);
  for (const words of cases) {
    const r = runCli([...words, '--help'], { env: { COLUMNS: '80' } });
    assert.equal(r.code, 0, r.stderr);
    const section = SECTION[words[0]] ?? words[0];
    const expected = rows.filter((row) => row.section === section).map((row) => row.code);
    assert.ok(expected.length > 0, `docs/exit-codes.md has codes for ${section || 'the first table'}`);
    assert.deepEqual(codesIn(r.stdout), expected, words.join(' '));
    assert.match(r.stdout, /\(docs\/exit-codes\.md\)\.\n$/, `${words.join(' ')}: the help ends with it`);
  }
});

test('serve --help: required options, root or capabilities, libpcap, exit codes, the examples kept', () => {
  const r = runCli(['serve', '--help'], { env: { COLUMNS: '80' } });
  const text = r.stdout.replace(/\s+/g, ' ');
  assert.match(text, /--interface required/);
  assert.match(text, /--root required/);
  assert.match(text, /Needs root, or CAP_NET_RAW \+ CAP_NET_BIND_SERVICE/);
  assert.match(text, /libpcap with the optional npm package cap/);
  assert.match(text, /4 interface or permission problem/);
  assert.match(text, /5 another DHCP server answered the start-up probe/);
  assert.match(r.stdout, /\nExamples:\n {2}pxe-doctor serve /, 'the examples are still there');
});

test('the help gist of an exit code row: its label and first clause', () => {
  assert.equal(exitCodeGist('Success. For `analyze`, also: more.'), 'success');
  assert.equal(
    exitCodeGist('`--fail-on LEVEL`: a finding at or above LEVEL was seen.'),
    '--fail-on LEVEL: a finding at or above LEVEL was seen',
  );
  assert.equal(
    exitCodeGist('Interface or permission problem: no such interface (not root / no CAP_NET_RAW), or more.'),
    'interface or permission problem',
  );
  assert.equal(
    exitCodeGist('Stopped by Ctrl-C (SIGINT), SIGTERM; the report was printed.'),
    'stopped by Ctrl-C (SIGINT), SIGTERM',
  );
});

const FLAG_TO_BOOT: Record<string, keyof BootConfig> = {
  '--boot-bios': 'bios',
  '--boot-uefi': 'uefi',
  '--boot-arm64': 'arm64',
  '--boot-http': 'http',
  '--ipxe-script': 'ipxe',
};

test("serve's help examples start without a boot-configuration warning", () => {
  const serve = commandSpecs().find((c) => c.name === 'serve');
  assert.ok(serve !== undefined && serve.examples.length >= 2);
  for (const [cmd] of serve.examples) {
    const words = cmd.split(/\s+/);
    const boot: BootConfig = emptyBootConfig();
    words.forEach((w, i) => {
      const key = FLAG_TO_BOOT[w];
      if (key !== undefined) boot[key] = words[i + 1];
    });
    const mode = words.includes('--proxy') ? 'proxy' : 'dhcp';
    const warnings = bootConfigWarnings({ boot, mode, root: '/srv/tftp', underRoot: () => true });
    assert.deepEqual(warnings, [], cmd);
  }
});
