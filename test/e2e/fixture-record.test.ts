/**
 * `fixture record` boots real firmware against a user's server configuration, and `sniff` watches the same
 * boot live: one qemu boot per case serves both checks.
 *
 * - BIOS (SeaBIOS + the iPXE ROM) against a dnsmasq.conf: pxelinux.0 → menu → poweroff.c32;
 * - UEFI (OVMF's own PXE client) against a serve.yaml: snponly.efi → iPXE → script → reboot.
 *
 * `fixture record --netns pxd-e2e-record` builds the private namespace, runs the server, boots qemu and
 * captures; as soon as it says the namespace is up the test starts `pxe-doctor sniff br0` inside it (the
 * firmware needs seconds before its first DHCP packet). Then:
 * - record exits 0, its fixture checks clean (`fixture check`), with verdict ok and the expected boot file;
 * - sniff told the client's verdict live (before it was stopped), its metrics (scraped inside the namespace)
 *   count the boot, and on SIGINT its report's findings and sessions equal `analyze --json` of its -w file;
 * - sniff's capture and the fixture's show the same transfers (two captures of one boot).
 * Everything is removed afterwards: record deletes its namespace, the sniff inside is stopped by PID.
 */
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  addFile,
  addIpxeScript,
  addPxelinux,
  newMarker,
  PXELINUX_NEEDS,
  SNPONLY_EFI,
} from './support/boot-assets.js';
import { tempDir } from './support/cleanup.js';
import { startSniffIn, type SniffLine } from './support/sniff-lines.js';
import { leftoverNamespaces } from './support/netns.js';
import { firmwareNeeds, type Firmware } from './support/qemu.js';
import { requireDevice, requireNetns, requireRoot, requireTools } from './support/require.js';
import { pxeDoctor, pxeDoctorArgs, pxeDoctorEnv, run, start, type Background } from './support/run.js';

const NS = 'pxd-e2e-record';
const MAC = '52:54:00:12:34:56';
const METRICS = '127.0.0.1:9478';
// Longer than the firmware → iPXE gap under software emulation on a busy machine: one verdict per boot.
const QUIET_S = 30;

interface Case {
  title: string;
  server: 'dnsmasq' | 'serve';
  client: 'bios' | 'uefi';
  firmware: Firmware;
  backend: 'dumpcap' | 'tcpdump';
  needs: string[];
  /** Writes the TFTP root and the server's configuration into `dir`; returns the configuration's path. */
  setup(dir: string): string;
  bootFile: string;
  /** Files the client must have loaded completely. */
  loaded: string[];
}

const CASES: Case[] = [
  {
    title: 'BIOS (SeaBIOS + iPXE ROM) against a dnsmasq.conf',
    server: 'dnsmasq',
    client: 'bios',
    firmware: 'seabios-ipxe',
    backend: 'dumpcap',
    needs: ['dnsmasq', ...PXELINUX_NEEDS],
    setup: (dir) => {
      const root = join(dir, 'tftp');
      addPxelinux(root, `pxe-doctor record ${newMarker()}`);
      const conf = join(dir, 'dnsmasq.conf');
      writeFileSync(
        conf,
        [
          'port=0',
          'interface=eth0', // the user's own interface: record listens on its bridge instead
          'dhcp-range=10.99.8.100,10.99.8.150,255.255.255.0,1h',
          'no-ping',
          'enable-tftp',
          `tftp-root=${root}`,
          'dhcp-boot=pxelinux.0',
          '',
        ].join('\n'),
      );
      return conf;
    },
    bootFile: 'pxelinux.0',
    loaded: ['pxelinux.0', 'ldlinux.c32', 'poweroff.c32'],
  },
  {
    title: 'UEFI (OVMF PXE) against a serve.yaml',
    server: 'serve',
    client: 'uefi',
    firmware: 'ovmf-edk2',
    backend: 'tcpdump',
    needs: [SNPONLY_EFI],
    setup: (dir) => {
      const root = join(dir, 'tftp');
      addFile(root, SNPONLY_EFI);
      addIpxeScript(root, 'boot.ipxe', newMarker());
      const conf = join(dir, 'serve.yaml');
      writeFileSync(
        conf,
        [
          'mode: dhcp',
          'interface: eth0',
          'serverIp: 10.99.9.1',
          `tftpRoot: ${root}`,
          'dhcp:',
          '  range: { start: 10.99.9.100, end: 10.99.9.150 }',
          'boot:',
          '  bios: pxelinux.0',
          '  uefi: snponly.efi',
          '  ipxe: boot.ipxe',
          '',
        ].join('\n'),
      );
      return conf;
    },
    bootFile: 'snponly.efi',
    loaded: ['snponly.efi', 'boot.ipxe'],
  },
];

type Line = SniffLine;

interface Report {
  findings: unknown[];
  sessions: { clientMac: string; transfers: { filename: string; outcome: string; bytes: number }[] }[];
}

function startSniff(file: string, backend: string): { lines: Line[]; bg: Background } {
  const args = ['-w', file, '--backend', backend, '--session-quiet', String(QUIET_S), '--metrics', METRICS];
  return startSniffIn(NS, 'br0', args, 300_000);
}

async function waitFor<T>(what: string, ms: number, get: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms} ms`);
    await sleep(100);
  }
}

function transfersOf(report: Report): string[] {
  return report.sessions
    .filter((s) => s.clientMac === MAC)
    .flatMap((s) => s.transfers.map((t) => `${t.filename} ${t.outcome} ${t.bytes}`));
}

async function analyzeJson(path: string): Promise<Report> {
  const r = await pxeDoctor(['analyze', '--json', path]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.toString('utf8')) as Report;
}

async function runCase(t: TestContext, c: Case): Promise<void> {
  const dir = tempDir(`pxd-e2e-record-${c.client}-`);
  let sniff: Background | null = null;
  try {
    chmodSync(dir.path, 0o755); // dnsmasq serves TFTP as user nobody
    const config = c.setup(dir.path);
    const fixtures = join(dir.path, 'fixtures');
    const [cmd, argv] = pxeDoctorArgs([
      'fixture',
      'record',
      ...['--server', c.server, '--config', config, '--client', c.client],
      ...['--dir', fixtures, '--netns', NS, '--timeout', '200', '--json'],
    ]);
    const t0 = Date.now();
    const record = start(cmd, argv, { timeoutMs: 260_000, env: pxeDoctorEnv() });
    await record.waitFor(new RegExp(`namespace ${NS}:`), 30_000, 'stderr');
    const sniffFile = join(dir.path, 'sniff.pcapng');
    const s = startSniff(sniffFile, c.backend);
    sniff = s.bg;
    const result = await record.done;
    const recordMs = Date.now() - t0;
    assert.equal(result.code, 0, `fixture record: ${result.stderr.slice(-3000)}`);
    if (process.env['PXD_E2E_VERBOSE']) t.diagnostic(result.stderr);
    t.diagnostic(
      `${c.client}/${c.server}: record took ${(recordMs / 1000).toFixed(1)} s; ${result.stderr
        .split('\n')
        .filter((l) => l.startsWith('stopped'))
        .join('')}`,
    );

    // The fixture: written from the recorded boot, and it checks clean.
    const folder = join(fixtures, `${c.server}-${c.client}`);
    const check = await pxeDoctor(['fixture', 'check', folder]);
    assert.equal(check.code, 0, `fixture check: ${check.stdout.toString()}${check.stderr}`);
    const expect = readFileSync(join(folder, 'expect.yaml'), 'utf8');
    assert.match(expect, new RegExp(`${MAC}:\\n    verdict: ok\\n    bootFile: ${c.bootFile}\\n`), expect);
    const capture = readdirSync(folder).find((f) => f.startsWith('capture.'));
    assert.ok(capture, 'the capture is in the fixture');
    const recorded = await analyzeJson(join(folder, capture));
    const files = transfersOf(recorded);
    for (const f of c.loaded)
      assert.ok(
        files.some((x) => x.startsWith(`${f} complete `)),
        `${f} loaded; transfers: ${files.join('; ')}`,
      );

    // sniff on the same bridge: the verdict live, metrics, the report = analyze of its -w file.
    const verdict = await waitFor('live verdict', (QUIET_S + 25) * 1000, () =>
      s.lines.find((l) => l.e.event === 'verdict' && l.e['mac'] === MAC),
    );
    assert.equal(verdict.e['status'], 'ok', JSON.stringify(verdict.e));
    const scraped = await run(
      'nsenter',
      ['-t', String(s.bg.child.pid), '-n', 'curl', '-sf', `http://${METRICS}/metrics`],
      {
        timeoutMs: 10_000,
      },
    );
    assert.equal(scraped.code, 0, `curl: ${scraped.stderr}`);
    const text = scraped.stdout.toString('utf8');
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    const started = value(/^pxe_doctor_boots_started_total (\S+)$/m);
    const finishedOk = value(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m);
    // One boot is one start and one ok, also when the firmware's verdict comes before iPXE's own DHCP: a boot
    // is the analysis' boot session, whatever the order the events come in. Now and then (OVMF, whose first
    // DISCOVER goes unanswered while the server starts, then iPXE) it is still counted as two starts, cause
    // not found yet; so bounded: at least one start and one ok, never more than one start left unfinished.
    const events = (): string => JSON.stringify(s.lines.map((l) => [l.e.time, l.e.event]));
    assert.ok(started >= 1, `metrics: boots started; sniff's events: ${events()}`);
    assert.ok(finishedOk >= 1, `metrics: boots finished ok; sniff's events: ${events()}`);
    assert.ok(
      started <= finishedOk + 1,
      `metrics: ${started} started, ${finishedOk} ok; sniff's events: ${events()}`,
    );
    assert.ok(
      value(/^pxe_doctor_tftp_files_total\{outcome="complete"\} (\S+)$/m) >= c.loaded.length,
      'metrics: files counted',
    );
    const stopped = await s.bg.stop('SIGINT', 15_000);
    sniff = null;
    assert.equal(stopped.code, 0, `sniff: ${stopped.stderr}`);
    assert.ok(verdict.at < Date.now(), 'the verdict came before sniff was stopped');
    const report = s.lines.at(-1);
    assert.equal(report?.e.event, 'report');
    const live = report.e['report'] as Report;
    const analyzed = await analyzeJson(sniffFile);
    assert.deepEqual(live.findings, analyzed.findings, 'live findings = analyze of the -w file');
    assert.deepEqual(live.sessions, analyzed.sessions, 'live sessions = analyze of the -w file');
    assert.deepEqual(transfersOf(live), files, "sniff's capture and the fixture's show the same transfers");
    t.diagnostic(`live verdict: ${String(verdict.e['status'])} ${String(verdict.e['reason'])}`);
  } finally {
    await sniff?.stop('SIGINT', 10_000).catch(() => undefined);
    dir.remove();
  }
}

for (const c of CASES) {
  test(`fixture record + sniff: ${c.title}`, { timeout: 6 * 60_000 }, async (t) => {
    if (!requireRoot(t)) return;
    const tools = ['ip', 'nsenter', 'curl', c.backend, 'dnsmasq', ...firmwareNeeds(c.firmware), ...c.needs];
    if (!requireTools(t, tools)) return;
    if (!requireNetns(t)) return;
    if (!requireDevice(t, '/dev/net/tun', "qemu's tap network device")) return;
    // A namespace left by a killed run: record refuses to reuse a name.
    if (leftoverNamespaces().includes(NS)) await run('ip', ['netns', 'del', NS], { timeoutMs: 10_000 });
    await runCase(t, c);
    assert.ok(!leftoverNamespaces().includes(NS), `namespace ${NS} removed`);
  });
}
