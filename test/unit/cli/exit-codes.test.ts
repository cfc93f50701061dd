/**
 * Every exit code of docs/exit-codes.md, and every way an output can fail, through the real CLI
 * (bin/pxe-doctor.js spawned): one line naming the path and the system's reason, the documented code, and
 * output paths checked before the capture is read.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findRenderTools } from '../../../src/report/render-mermaid.js';
import { findCapture, projectRoot } from '../../support/fixtures.js';
import { runCli, type CliRun } from '../../support/run-cli.js';

const happy = findCapture('lab/happy-bios-pxelinux/capture.pcapng')?.path ?? '';
const failing = findCapture('lab/file-not-found/capture.pcapng')?.path ?? '';
const scratch = mkdtempSync(join(tmpdir(), 'pxe-doctor-exit-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** One message line, no stack trace, no "internal error". */
function oneLine(r: CliRun, says: RegExp): void {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], /^pxe-doctor: /);
  assert.match(lines[0], says);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
}

/** The codes each table of docs/exit-codes.md lists. */
function documentedCodes(): Set<number> {
  const doc = readFileSync(join(projectRoot(), 'docs', 'exit-codes.md'), 'utf8');
  return new Set([...doc.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1])));
}

/** code → the case run below that shows it (serve's 0 and 5 need a network namespace: see the e2e tests). */
const SHOWN = new Map<number, string>();

test('output errors: one line naming the path and the reason, exit 6, checked before the work', () => {
  const cases: { args: string[]; says: RegExp }[] = [
    {
      args: ['analyze', happy, '--html', join(scratch, 'missing', 'r.html')],
      says: /--html .*missing\/r\.html: cannot write \(folder .*missing\): no such file or directory \(ENOENT\)$/,
    },
    {
      args: ['analyze', happy, '--html', '/dev/full'],
      says: /--html \/dev\/full: cannot write: no space left on device \(ENOSPC\)$/,
    },
    { args: ['analyze', happy, '--html', scratch], says: /cannot write: is a directory \(EISDIR\)$/ },
    {
      args: ['analyze', happy, '--html', join(happy, 'r.html')],
      says: /cannot write: not a directory \(ENOTDIR\)$/,
    },
    {
      args: ['diagram', happy, '-o', join(scratch, 'missing', 'boot.svg')],
      says: /^pxe-doctor: -o .*boot\.svg: cannot write \(folder .*\): no such file or directory \(ENOENT\)$/,
    },
    {
      // Refused before any capture backend is started.
      args: ['sniff', 'lo', '--duration', '1', '-w', join(scratch, 'missing', 'live.pcapng')],
      says: /^pxe-doctor: -w .*live\.pcapng: cannot write \(folder .*\): no such file or directory \(ENOENT\)$/,
    },
    {
      args: ['fixture', 'anonymize', happy, join(scratch, 'missing', 'shared.pcapng')],
      says: /^pxe-doctor: output .*shared\.pcapng: cannot write \(folder .*\): no such file or directory \(ENOENT\)$/,
    },
    {
      args: ['fixture', 'anonymize', happy, '/dev/full'],
      says: /^pxe-doctor: output \/dev\/full: cannot write: no space left on device \(ENOSPC\)$/,
    },
    {
      // The report is printed first; the JUnit file is written (and fails) after it.
      args: [
        'fixture',
        'check',
        join(projectRoot(), 'fixtures', 'captures', 'lab', 'proxydhcp'),
        '--junit',
        '/dev/full',
      ],
      says: /^pxe-doctor: --junit \/dev\/full: cannot write: no space left on device \(ENOSPC\)$/,
    },
  ];
  const full = join(scratch, 'full.mmd');
  symlinkSync('/dev/full', full);
  cases.push({ args: ['diagram', happy, '-o', full], says: /-o .*full\.mmd: cannot write: no space left/ });
  for (const c of cases) {
    const r = runCli(c.args);
    assert.equal(r.code, 6, `${c.args.join(' ')}: exit ${r.code} ${r.stderr}`);
    oneLine(r, c.says);
  }
  // A missing folder is found before the analysis: nothing was printed.
  const early = runCli(['analyze', happy, '--html', join(scratch, 'missing', 'r.html')]);
  assert.equal(early.stdout, '');
  SHOWN.set(6, 'output errors');
});

test('an unwritable folder is refused before the work (run as nobody)', (t) => {
  if (process.getuid?.() !== 0) return t.skip('needs root to run the CLI as another user');
  const locked = mkdtempSync(join(tmpdir(), 'pxe-doctor-ro-'));
  chmodSync(locked, 0o555);
  try {
    const r = runCli(['analyze', happy, '--html', join(locked, 'r.html')], { uid: 65534, gid: 65534 });
    if (/EACCES.*(dist|bin|fixtures)|Cannot find module/.test(r.stderr))
      return t.skip('the project is not readable by nobody here');
    assert.equal(r.code, 6, r.stderr);
    oneLine(r, /--html .*r\.html: cannot write: permission denied \(EACCES\)$/);
    assert.equal(r.stdout, '', 'checked before the report was printed');
  } finally {
    rmSync(locked, { recursive: true, force: true });
  }
});

test('standard output on a full disk: exit 6 and one line, never 1 (the --fail-on code)', () => {
  for (const cmd of ['analyze', 'decode']) {
    const r = runCli([], { shell: `$PXE ${cmd} '${happy}' > /dev/full` });
    assert.equal(r.code, 6, `${cmd}: exit ${r.code} ${r.stderr}`);
    oneLine(r, /cannot write to standard output: no space left on device \(ENOSPC\)$/);
  }
  const gate = runCli([], { shell: `$PXE analyze '${failing}' --fail-on error > /dev/full` });
  assert.equal(gate.code, 6, 'a write failure wins over findings');
  // --version alone is answered without the parser: the same line and code.
  for (const flag of ['--version', '-V']) {
    const r = runCli([], { shell: `$PXE ${flag} > /dev/full` });
    assert.equal(r.code, 6, `${flag}: exit ${r.code} ${r.stderr}`);
    oneLine(r, /cannot write to standard output: no space left on device \(ENOSPC\)$/);
  }
});

test('--version into a pipe whose reader has gone: exit 0, nothing on stderr', () => {
  // `true` exits long before Node has started, so the write meets a closed pipe (EPIPE).
  const r = runCli([], { shell: `$PXE --version | true; echo "\${PIPESTATUS[0]}"` });
  assert.equal(r.stdout.trim(), '0', `exit ${r.stdout} ${r.stderr}`);
  assert.equal(r.stderr, '');
});

test('a reader that goes away is not an error: decode | head exits 0 quietly', () => {
  for (const json of ['', '--json']) {
    const r = runCli([], {
      shell: `$PXE decode ${json} '${happy}' | head -c 100 > /dev/null; echo "\${PIPESTATUS[0]}"`,
    });
    assert.equal(r.stdout.trim(), '0', `decode ${json} | head: exit ${r.stdout}`);
    assert.equal(r.stderr, '', 'no message, no MaxListenersExceededWarning');
  }
});

test('diagram -o x.svg with a browser that does not start: the .mmd and one line, exit 0', () => {
  const out = join(scratch, 'boot.svg');
  const r = runCli(['diagram', happy, '-o', out], { env: { PUPPETEER_EXECUTABLE_PATH: '/bin/false' } });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(existsSync(join(scratch, 'boot.mmd')), 'the .mmd is written');
  assert.match(readFileSync(join(scratch, 'boot.mmd'), 'utf8'), /^sequenceDiagram/m);
  // With mermaid-cli installed the browser is tried and fails; without it, that is the line.
  oneLine(r, /wrote .*boot\.mmd; (the browser \/bin\/false did not start|no )/);
});

test('diagram -o x.svg on a full disk while rendering: one line with the path and the reason, exit 6', (t) => {
  if (findRenderTools() === null) return t.skip('no Chromium or mermaid-cli here: nothing is rendered');
  // The image's destination is full: the .mmd beside it is written, the rendered SVG is not.
  const dir = mkdtempSync(join(scratch, 'full-'));
  const svg = join(dir, 'boot.svg');
  symlinkSync('/dev/full', svg);
  const r = runCli(['diagram', happy, '-o', svg]);
  assert.equal(r.code, 6, r.stderr);
  oneLine(r, /^pxe-doctor: -o .*boot\.svg: cannot write: no space left on device \(ENOSPC\)$/);
  assert.match(readFileSync(join(dir, 'boot.mmd'), 'utf8'), /^sequenceDiagram/m);
  // The temporary folder where mermaid-cli renders is full: a tiny tmpfs, filled (root only).
  if (process.getuid?.() !== 0) return t.skip('a full temporary folder needs root to mount a tmpfs');
  const tiny = mkdtempSync(join(scratch, 'tmpfs-'));
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', tiny]).status !== 0)
    return t.skip('cannot mount a tmpfs here');
  try {
    spawnSync('dd', ['if=/dev/zero', `of=${join(tiny, 'fill')}`, 'bs=4k']);
    const out = join(dir, 'tmp-full.svg');
    const full = runCli(['diagram', happy, '-o', out], { env: { TMPDIR: tiny } });
    assert.equal(full.code, 6, full.stderr);
    oneLine(
      full,
      /^pxe-doctor: -o .*tmp-full\.svg: cannot render in .*tmpfs-.*: no space left on device \(ENOSPC\)$/,
    );
    assert.ok(!existsSync(out), 'no image');
    assert.deepEqual(readdirSync(tiny), ['fill'], 'no temporary folder left behind');
  } finally {
    spawnSync('umount', [tiny]);
  }
});

test('every documented exit code, through the real CLI', () => {
  const ok = runCli(['analyze', happy, '--fail-on', 'error']);
  assert.equal(ok.code, 0, ok.stderr);
  SHOWN.set(0, 'analyze, no finding at the threshold');

  const findings = runCli(['analyze', failing, '--fail-on', 'error']);
  assert.equal(findings.code, 1, findings.stderr);
  SHOWN.set(1, 'analyze --fail-on error with an error finding');

  const usage = runCli(['analyze', happy, '--fail-on', 'fatal']);
  assert.equal(usage.code, 2);
  const input = runCli(['decode', join(scratch, 'nope.pcap')]);
  assert.equal(input.code, 2);
  oneLine(input, /nope\.pcap/);
  SHOWN.set(2, 'bad option value, missing capture');

  // A bug, injected: the real error path prints "internal error" and exits 3.
  const fault = 'data:text/javascript,Date.prototype.toISOString=function(){throw new TypeError("injected")}';
  const bug = runCli(['analyze', happy], { nodeArgs: ['--import', fault] });
  assert.equal(bug.code, 3, bug.stderr);
  assert.match(bug.stderr, /^pxe-doctor: internal error \(please report it/);

  const noInterface = runCli(['serve', '--interface', 'pxd-nosuch0', '--root', scratch]);
  assert.equal(noInterface.code, 4, noInterface.stderr);
  oneLine(noInterface, /pxd-nosuch0/);
  SHOWN.set(3, 'injected fault');
  SHOWN.set(4, 'serve on a missing interface');
  SHOWN.set(5, 'test/e2e/serve-probe.test.ts (another DHCP server answers)');

  // Every code in the document is shown here (6 by the output tests above) or named for the e2e tests.
  for (const code of documentedCodes()) assert.ok(SHOWN.has(code), `exit ${code} of docs/exit-codes.md`);
});
