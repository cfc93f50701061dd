/**
 * The CLI as a user runs it: the built binary, spawned with NO_COLOR, on bundled captures.
 * Checks output shape, the documented exit codes and the flags.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { findCapture, projectRoot } from '../../support/fixtures.js';
import { REQUIRED_RULE_IDS } from '../../support/required-rules.js';

const root = projectRoot();
const bin = join(root, 'bin', 'pxe-doctor.js');

function run(args: string[], input?: Buffer): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    input,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function capture(rel: string): string {
  const c = findCapture(rel);
  assert.ok(c, `${rel} missing`);
  return c.path;
}

const happy = (): string => capture('lab/happy-bios-pxelinux/capture.pcapng');

test('decode prints one line per DHCP/TFTP packet, like tshark', () => {
  const r = run(['decode', happy()]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  // tshark -Y "dhcp || tftp" lists 357 packets for this capture (6 DHCP + 351 TFTP).
  assert.equal(lines.length, 357);
  assert.match(
    lines[0],
    /^\s+1\s+0\.000000000\s+0\.0\.0\.0 → 255\.255\.255\.255\s+DHCP\s+442 DHCP Discover - Transaction ID 0x9bbf0c70/,
  );
  assert.ok(
    lines.some((l) =>
      /TFTP .* Read Request, File: pxelinux\.0, Transfer type: octet, blksize=1432, tsize=0/.test(l),
    ),
  );
  assert.ok(!r.stdout.includes('\u001b['), 'no colour codes with NO_COLOR');
});

test('decode --json is NDJSON with the documented fields', () => {
  const r = run(['decode', happy(), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const objs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(objs.length, 357);
  const first = objs[0];
  for (const k of ['frame', 'ts', 'src', 'dst', 'srcPort', 'dstPort', 'protocol', 'notes', 'dhcp'])
    assert.ok(k in first, k);
  assert.match(String(first.ts), /^\d{10}\.\d{9}$/, 'epoch with the nanosecond precision of the file');
  const dhcp = first.dhcp as Record<string, unknown>;
  assert.equal(dhcp.xid, 0x9bbf0c70);
  assert.equal(dhcp.messageType, 'DISCOVER');
  assert.equal(dhcp.chaddr, '52:54:00:12:34:56');
  const opts = dhcp.options as { code: number; name: string; value: unknown }[];
  assert.deepEqual(opts.find((o) => o.code === 93)?.value, [{ code: 0, name: 'x86 BIOS' }]);
  const rrq = objs.find((o) => o.protocol === 'tftp') as { tftp: Record<string, unknown> };
  assert.equal(rrq.tftp.opcode, 'RRQ');
  assert.equal(rrq.tftp.filename, 'pxelinux.0');
  assert.deepEqual(rrq.tftp.options, { blksize: '1432', tsize: '0' });
});

test('stdin and gzip give the same packets as the file', () => {
  const bytes = readFileSync(happy());
  const direct = run(['decode', happy(), '--json']).stdout;
  assert.equal(run(['decode', '-', '--json'], bytes).stdout, direct);
  assert.equal(run(['decode', '-', '--json'], gzipSync(bytes)).stdout, direct);
  const dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-cli-'));
  const gz = join(dir, 'boot.pcapng.gz');
  writeFileSync(gz, gzipSync(bytes));
  assert.equal(run(['decode', gz, '--json']).stdout, direct);
});

test('unreadable input exits 2 with a clear message; truncated input keeps what was read', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-cli-'));
  const text = join(dir, 'notes.txt');
  writeFileSync(text, 'this is not a capture\n');
  const notCapture = run(['decode', text]);
  assert.equal(notCapture.code, 2);
  assert.match(notCapture.stderr, /not a pcap or pcapng file/);
  const missing = run(['analyze', join(dir, 'nope.pcap')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such file/);
  const empty = join(dir, 'empty.pcap');
  writeFileSync(empty, '');
  assert.equal(run(['decode', empty]).code, 2);

  const bytes = readFileSync(happy());
  const cut = join(dir, 'cut.pcapng');
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const r = run(['decode', cut]);
  assert.equal(r.code, 0);
  assert.ok(r.stdout.trim().split('\n').length > 100, 'packets before the cut are printed');
  assert.match(r.stderr, /warning: at byte \d+/);
  const a = run(['analyze', cut, '--json']);
  assert.equal(a.code, 0);
  const doc = JSON.parse(a.stdout) as { capture: { truncated: boolean }; findings: { ruleId: string }[] };
  assert.equal(doc.capture.truncated, true);
  assert.ok(doc.findings.some((f) => f.ruleId === 'capture.truncated'));
});

test('analyze: report, verdict, --json document, --client, --fail-on', () => {
  const ok = run(['analyze', happy()]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /Client 52:54:00:12:34:56/);
  assert.match(ok.stdout, /52:54:00:12:34:56\s+OK/);

  const bad = capture('lab/file-not-found/capture.pcapng');
  const text = run(['analyze', bad]);
  assert.match(text.stdout, /tftp\.file-not-found/);
  assert.match(text.stdout, /FAIL/);
  assert.equal(run(['analyze', bad, '--fail-on', 'error']).code, 1);
  assert.equal(run(['analyze', happy(), '--fail-on', 'warn']).code, 0);

  const doc = JSON.parse(run(['analyze', bad, '--json']).stdout) as Record<string, unknown>;
  for (const k of ['capture', 'sessions', 'findings', 'stats']) assert.ok(k in doc, k);
  const f = (doc.findings as Record<string, unknown>[]).find((x) => x.ruleId === 'tftp.file-not-found');
  assert.ok(f);
  for (const k of ['ruleId', 'severity', 'title', 'message', 'frames', 'pxeError', 'hint'])
    assert.ok(k in f, k);

  // A client not in the capture is a typo until shown otherwise: exit 2 naming the clients present.
  const other = run(['analyze', happy(), '--json', '--client', '00:11:22:33:44:55', '--fail-on', 'error']);
  assert.equal(other.code, 2);
  assert.equal(other.stdout, '');
  assert.match(other.stderr, /00:11:22:33:44:55.*\(clients: 52:54:00:12:34:56\)/);
  for (const form of [
    '52-54-00-12-34-56',
    '5254.0012.3456',
    '525400123456',
    '52:54:00:12:34:56'.toUpperCase(),
  ]) {
    const one = run(['analyze', happy(), '--json', '--client', form]);
    assert.equal(one.code, 0, `${form}: ${one.stderr}`);
    assert.equal((JSON.parse(one.stdout) as { sessions: unknown[] }).sessions.length, 1, form);
  }
  assert.equal(run(['diagram', happy(), '--client', '5254.0012.3456']).code, 0);
  assert.equal(run(['analyze', happy(), '--client', 'not-a-mac']).code, 2);
  assert.equal(run(['analyze', happy(), '--fail-on', 'fatal']).code, 2);
});

test('analyze --rules lists every rule with what it detects', () => {
  const r = run(['analyze', '--rules']);
  assert.equal(r.code, 0, r.stderr);
  for (const id of REQUIRED_RULE_IDS) {
    assert.match(r.stdout, new RegExp(`^${id.replace('.', '\\.')} `, 'm'), id);
  }
});

test('usage errors exit 2', () => {
  assert.equal(run([]).code, 2);
  assert.equal(run(['frobnicate']).code, 2);
});

test('usage errors exit 2 with one message and never run the command', () => {
  const cases: { args: string[]; says: RegExp }[] = [
    { args: ['decode'], says: /non-option arguments|file/ },
    { args: ['bogus'], says: /Unknown argument: bogus/ },
    { args: [], says: /Name a command/ },
    { args: ['analyze', happy(), '--fail-on', 'x'], says: /fail-on/ },
    {
      args: ['diagram', happy(), '--max-messages', 'abc'],
      says: /^pxe-doctor: --max-messages abc: not a number$/m,
    },
    { args: ['serve', '--interface', 'lo', '--root', '.', '--http=x'], says: /--http x: not a number/ },
    // A bad value is a usage error even when the interface is wrong too (it is checked before the network).
    {
      args: ['serve', '--interface', 'pxd-nosuch0', '--root', '.', '--lease-time', '-5'],
      says: /^pxe-doctor: --lease-time -5: whole seconds, 60-4294967294$/m,
    },
  ];
  for (const c of cases) {
    const r = run(c.args);
    assert.equal(r.code, 2, `${c.args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, c.says);
    assert.doesNotMatch(r.stderr, /internal error/, c.args.join(' '));
    assert.equal(r.stderr.match(/^pxe-doctor: /gm)?.length, 1, `one message: ${r.stderr}`);
    assert.equal(r.stdout, '', 'nothing decoded or analysed');
  }
});

test('help wraps descriptions at word boundaries', () => {
  const r = run(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /pxe-doctor decode <file>/);
  // Every wrapped continuation starts a word: no line ends inside "stdin", "reads", "with" etc.
  assert.doesNotMatch(r.stdout, /\b(st|rea|wit|captur)\n/);
});

test('replay: exit 0 for the same answers, 1 when they differ, 2 when nothing can be replayed', () => {
  const same = run(['replay', happy()]);
  assert.equal(same.code, 0, same.stderr);
  assert.match(same.stdout, /Reference configuration inferred from the capture/);
  assert.match(same.stdout, /Result: the same answers/);
  const silent = run(['replay', capture('lab-failures/proxy-silent-4011/capture.pcapng')]);
  assert.equal(silent.code, 1, silent.stderr);
  assert.match(
    silent.stdout,
    /≠ 4011 REQUEST → ACK from 10\.77\.0\.1 \(frame 26\)\n\s+answer: captured none, now ACK/,
  );
  assert.match(silent.stdout, /explains the analyze finding proxy\.no-reply-4011/);
  const json = run(['replay', '--json', capture('lab-failures/proxy-silent-4011/capture.pcapng')]);
  assert.equal(json.code, 1);
  const doc = JSON.parse(json.stdout) as { differences: number; clients: { mac: string }[] };
  assert.equal(doc.differences, 1);
  assert.equal(doc.clients[0].mac, '52:54:00:12:34:56');
  const none = run(['replay', capture('lab/no-dhcp-server/capture.pcapng')]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^pxe-doctor: .*never got an offer.*nothing sent\n$/);
  const bad = run(['replay', happy(), '--client', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--client nope: not a MAC address/);
});
