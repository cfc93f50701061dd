/**
 * Building blocks of the `replay --interface` end-to-end tests: dnsmasq started from a few scenario lines
 * inside a namespace, a TFTP root holding the files the lab clients read (with the bytes their captures hold),
 * `replay --json` run inside the client namespace, and the checks made on what it leaves behind.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { readClientScripts } from '../../../src/replay/script.js';
import type { ReplayReport } from '../../../src/report/replay-model.js';
import { inNamespace } from './netns.js';
import { which } from './require.js';
import { PXE_DOCTOR, describeRun, pxeDoctor, start, type Background, type RunResult } from './run.js';
import { runIn } from './serve-lab.js';

/** dnsmasq's lines common to every test server: DHCP and TFTP on `iface` only, no DNS, leases in `leases`. */
function dnsmasqBase(ns: string, iface: string, leases: string): string[] {
  return [
    `# replay e2e: inside namespace ${ns} only`,
    'port=0',
    `interface=${iface}`,
    'bind-interfaces',
    'no-hosts',
    'no-resolv',
    'user=nobody',
    'group=nogroup',
    `dhcp-leasefile=${leases}`,
    'log-dhcp',
    'log-facility=-',
  ];
}

export interface DnsmasqSite {
  ns: string;
  iface: string;
  /** Folder for the configuration and the lease file (readable to nobody). */
  dir: string;
  /** File stem: `<name>.conf`, `<name>.leases`. */
  name: string;
}

/** The lease file of a dnsmasq started with `site`. */
export function leaseFile(site: DnsmasqSite): string {
  return join(site.dir, `${site.name}.leases`);
}

/** Starts dnsmasq in `site.ns` with the common lines plus `lines`; resolves once its DHCP is up. */
export async function startDnsmasq(site: DnsmasqSite, lines: readonly string[]): Promise<Background> {
  const conf = join(site.dir, `${site.name}.conf`);
  writeFileSync(conf, [...dnsmasqBase(site.ns, site.iface, leaseFile(site)), ...lines, ''].join('\n'));
  writeFileSync(leaseFile(site), '');
  const [cmd, args] = inNamespace(site.ns, which('dnsmasq') ?? 'dnsmasq', [
    '--keep-in-foreground',
    `--conf-file=${conf}`,
  ]);
  const bg = start(cmd, args, { timeoutMs: 300_000 });
  await bg.waitFor(/DHCP, (IP range|proxy on subnet)/, 20_000, 'stderr');
  return bg;
}

/**
 * Writes into `root` every file the captures' clients read completely, with the captured bytes (a lab capture
 * holds every block): the server then serves what the captured server served. Returns the names written.
 */
export async function writeCapturedFiles(root: string, captures: readonly string[]): Promise<string[]> {
  const names = new Set<string>();
  for (const capture of captures) {
    const scripts = await readClientScripts(capture, { keepData: true });
    for (const c of scripts.clients)
      for (const s of c.steps)
        if (s.kind === 'tftp' && s.data !== null) {
          mkdirSync(dirname(join(root, s.filename)), { recursive: true, mode: 0o755 });
          writeFileSync(join(root, s.filename), s.data, { mode: 0o644 });
          names.add(s.filename);
        }
  }
  return [...names];
}

export interface Replayed {
  run: RunResult;
  report: ReplayReport;
}

/** `replay CAPTURE --interface IFACE --json ARGS` inside `ns`; the JSON report must come out. */
export async function replayIn(
  ns: string,
  iface: string,
  capture: string,
  args: readonly string[],
  timeoutMs = 90_000,
): Promise<Replayed> {
  const run = await runIn(
    ns,
    process.execPath,
    [PXE_DOCTOR, 'replay', capture, '--interface', iface, '--json', ...args],
    timeoutMs,
  );
  const text = run.stdout.toString('utf8');
  assert.ok(text.startsWith('{'), describeRun('replay', run));
  return { run, report: JSON.parse(text) as ReplayReport };
}

/** `analyze --fail-on warn` of a recording: exit 0 and the one client's verdict ok. */
export async function analyzeClean(path: string, mac: string): Promise<void> {
  const r = await pxeDoctor(['analyze', path, '--json', '--fail-on', 'warn']);
  const json = JSON.parse(r.stdout.toString('utf8')) as {
    findings: { ruleId: string; severity: string }[];
    verdicts?: { mac: string; status: string }[];
  };
  assert.equal(r.code, 0, `findings: ${JSON.stringify(json.findings)}`);
  assert.deepEqual(
    json.verdicts?.map((v) => [v.mac, v.status]),
    [[mac, 'ok']],
  );
}

/** The lease file has no lease for `mac` once dnsmasq has handled the RELEASE. */
export async function noLeaseLeft(file: string, mac: string): Promise<void> {
  for (let i = 0; i < 20 && readFileSync(file, 'utf8').includes(mac); i++)
    await new Promise((r) => setTimeout(r, 100));
  assert.ok(!readFileSync(file, 'utf8').includes(mac), `lease left: ${readFileSync(file, 'utf8')}`);
}

/** Collects the wall time of each step, for the test's diagnostic line. */
export function stopwatch(): {
  timed: <T>(what: string, fn: () => Promise<T>) => Promise<T>;
  summary: () => string;
} {
  const timings: string[] = [];
  return {
    timed: async (what, fn) => {
      const t0 = Date.now();
      try {
        return await fn();
      } finally {
        timings.push(`${what} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    },
    summary: () => `timings: ${timings.join(', ')}`,
  };
}
