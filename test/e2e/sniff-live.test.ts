/**
 * `pxe-doctor sniff` on a live interface, inside a network namespace the test creates (pxd-e2e-sniff: a veth
 * pair sn-a ══ sn-b, no addresses). The frames of real lab boots (fixtures/captures/lab) are sent out of sn-b
 * through libpcap with their own gaps (each at most 300 ms) while sniff captures sn-a, once per installed
 * backend:
 *
 * - events arrive in boot order, while the boot is still being sent; the verdict within a few seconds of the
 *   client's last packet; a failing boot's finding (tftp.file-not-found) live, before sniff is stopped;
 * - SIGINT ends it with exit 0: packets captured and dropped, then the report, which equals `analyze --json`
 *   of the file written with -w;
 * - the metrics endpoint, scraped with curl, passes `promtool check metrics` and counts the boot;
 * - a UDP flood into a tiny capture buffer makes the backend drop packets, and sniff says how many (with
 *   tcpdump while it still runs, in an event and in the metric);
 * - `-w /dev/full`: the first write fails, the capture stops there, the report follows, then one line, exit 6.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { capAvailable } from '../../src/net/pcap.js';
import { fixturesCapturesDir, projectRoot } from '../support/fixtures.js';
import { tempDir } from './support/cleanup.js';
import { startSniffIn, type SniffLine } from './support/sniff-lines.js';
import { inNamespace, ip, withNamespaces } from './support/netns.js';
import { requireNetns, requireRoot, requireTools, which } from './support/require.js';
import { pxeDoctor, pxeDoctorArgs, pxeDoctorEnv, run } from './support/run.js';

const NS = 'pxd-e2e-sniff';
const SNIFF_IF = 'sn-a';
const SEND_IF = 'sn-b';
const METRICS = '127.0.0.1:9477';
const QUIET_S = 2;
const MAX_GAP_MS = '300';
const REPLAY = join(projectRoot(), 'dist', 'test', 'e2e', 'support', 'replay-frames.js');

type Line = SniffLine;

interface Case {
  backend: 'dumpcap' | 'tcpdump' | 'cap';
  lab: string;
  /** The verdict expected and the finding that must be in it. */
  status: string;
  finding: string | null;
  /** Files whose transfer end must be told before the last frame is sent. */
  files: string[];
}

const CASES: Case[] = [
  {
    backend: 'dumpcap',
    lab: 'happy-bios-pxelinux',
    status: 'ok',
    finding: null,
    files: ['pxelinux.0', 'ldlinux.c32', 'menu.c32'],
  },
  { backend: 'tcpdump', lab: 'file-not-found', status: 'fail', finding: 'tftp.file-not-found', files: [] },
  { backend: 'cap', lab: 'happy-ipxe', status: 'ok', finding: null, files: [] },
];

function available(backend: Case['backend']): boolean {
  return backend === 'cap' ? capAvailable() : which(backend) !== null;
}

async function buildLink(): Promise<void> {
  await ip(['-n', NS, 'link', 'add', SNIFF_IF, 'type', 'veth', 'peer', 'name', SEND_IF]);
  await ip(['-n', NS, 'link', 'set', SNIFF_IF, 'up']);
  await ip(['-n', NS, 'link', 'set', SEND_IF, 'up']);
}

/** sniff in the namespace; its NDJSON lines with their arrival times. */
function startSniff(args: string[]): { lines: Line[]; bg: ReturnType<typeof startSniffIn>['bg'] } {
  return startSniffIn(NS, SNIFF_IF, args, 90_000);
}

async function waitForLine(
  lines: Line[],
  pred: (l: Line) => boolean,
  ms: number,
  what: string,
): Promise<Line> {
  const deadline = Date.now() + ms;
  for (;;) {
    const hit = lines.find(pred);
    if (hit !== undefined) return hit;
    if (Date.now() > deadline)
      throw new Error(`no ${what} within ${ms} ms; events: ${lines.map((l) => l.e.event).join(' ')}`);
    await sleep(50);
  }
}

async function replay(what: string): Promise<{ sent: number; lastSentMs: number }> {
  const r = await run(...inNamespace(NS, process.execPath, [REPLAY, SEND_IF, what, MAX_GAP_MS]), {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, `replay: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8').trim()) as { sent: number; lastSentMs: number };
}

function index(lines: Line[], pred: (e: Line['e']) => boolean): number {
  return lines.findIndex((l) => pred(l.e));
}

async function checkMetrics(t: TestContext): Promise<void> {
  const scraped = await run(...inNamespace(NS, 'curl', ['-sf', `http://${METRICS}/metrics`]), {
    timeoutMs: 10_000,
  });
  assert.equal(scraped.code, 0, `curl: ${scraped.stderr}`);
  const text = scraped.stdout.toString('utf8');
  const promtool = await run('promtool', ['check', 'metrics'], { timeoutMs: 10_000, input: text });
  assert.equal(promtool.code, 0, `promtool check metrics: ${promtool.stdout.toString()}${promtool.stderr}`);
  const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
  assert.equal(value(/^pxe_doctor_boots_started_total (\S+)$/m), 1, 'one boot started');
  assert.equal(value(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m), 1, 'one boot ok');
  assert.ok(value(/^pxe_doctor_tftp_files_total\{outcome="complete"\} (\S+)$/m) >= 3, 'files counted');
  assert.ok(value(/^pxe_doctor_dhcp_time_to_offer_seconds_count (\S+)$/m) >= 1, 'offer timed');
  t.diagnostic(
    `metrics: ${text
      .split('\n')
      .filter((l) => l.startsWith('pxe_doctor_boots'))
      .join('; ')}`,
  );
}

async function runCase(t: TestContext, c: Case): Promise<void> {
  const dir = tempDir('pxd-e2e-sniff-');
  try {
    const file = join(dir.path, 'live.pcapng');
    const metrics = c.backend === 'dumpcap' ? ['--metrics', METRICS] : [];
    const { lines, bg } = startSniff([
      '--backend',
      c.backend,
      '-w',
      file,
      '--session-quiet',
      String(QUIET_S),
      ...metrics,
    ]);
    await waitForLine(lines, (l) => l.e.event === 'capture', 20_000, 'capture event');
    const capture = join(fixturesCapturesDir(), 'lab', c.lab, 'capture.pcapng');
    const { lastSentMs } = await replay(capture);
    const verdict = await waitForLine(lines, (l) => l.e.event === 'verdict', 15_000, 'verdict');
    const lag = verdict.at - lastSentMs;
    t.diagnostic(`${c.backend}: verdict ${String(verdict.e['status'])} ${lag} ms after the last frame`);
    assert.ok(lag < (QUIET_S + 4) * 1000, `verdict ${lag} ms after the client's last packet`);
    assert.equal(verdict.e['status'], c.status, JSON.stringify(verdict.e));
    const ids = (verdict.e['findings'] as { ruleId: string }[]).map((f) => f.ruleId);
    if (c.finding !== null)
      assert.ok(ids.includes(c.finding), `live finding ${c.finding}; got ${ids.join(', ')}`);

    // Boot order, and told while the boot was still on the wire.
    const client = index(lines, (e) => e.event === 'client');
    const offer = index(lines, (e) => e.event === 'offer');
    const ack = index(lines, (e) => e.event === 'ack');
    const rrq = index(lines, (e) => e.event === 'tftp-start');
    const end = index(lines, (e) => e.event === 'tftp-end');
    const v = lines.indexOf(verdict);
    assert.ok(
      client >= 0 && client < offer && offer < ack && ack < rrq && rrq < end && end < v,
      `order: ${lines.map((l) => l.e.event).join(' ')}`,
    );
    for (const name of c.files) {
      const done = lines.find((l) => l.e.event === 'tftp-end' && l.e['file'] === name);
      assert.ok(done, `tftp-end for ${name}`);
      assert.equal(done.e['outcome'], 'complete');
      assert.ok(done.at <= lastSentMs, `${name}: end told ${done.at - lastSentMs} ms after the last frame`);
    }
    if (c.backend === 'dumpcap') await checkMetrics(t);

    const result = await bg.stop('SIGINT', 10_000);
    assert.equal(result.code, 0, `sniff exit: ${result.stderr}`);
    const stopped = lines.find((l) => l.e.event === 'stopped');
    assert.ok(stopped, 'stopped event');
    assert.deepEqual(stopped.e['files'], [file]);
    if (c.backend === 'cap') assert.equal(stopped.e['dropped'], null, 'cap cannot count drops');
    else assert.equal(stopped.e['dropped'], 0);
    const report = lines.at(-1);
    assert.equal(report?.e.event, 'report');
    const live = report.e['report'] as { capture: { frames: number }; sessions: unknown; findings: unknown };
    const analyzed = await pxeDoctor(['analyze', '--json', file]);
    assert.equal(analyzed.code, 0, analyzed.stderr);
    const doc = JSON.parse(analyzed.stdout.toString('utf8')) as typeof live;
    assert.equal(live.capture.frames, doc.capture.frames);
    assert.equal(stopped.e['packets'], doc.capture.frames);
    assert.deepEqual(live.sessions, doc.sessions, 'live sessions = analyze of the -w file');
    assert.deepEqual(live.findings, doc.findings, 'live findings = analyze of the -w file');
    if (c.backend === 'cap') {
      assert.equal(
        lines[0]?.e['arrivalTimestamps'],
        true,
        'the cap backend says its times are arrival times',
      );
    }
  } finally {
    dir.remove();
  }
}

test(
  'sniff: live events, verdicts, the final report and metrics, per backend',
  { timeout: 5 * 60_000 },
  async (t) => {
    if (!requireRoot(t)) return;
    if (!requireTools(t, ['ip', 'curl', 'promtool'])) return;
    if (!requireNetns(t)) return;
    if (!capAvailable()) {
      t.skip('the cap package (libpcap binding) sends the frames: not installed');
      return;
    }
    await withNamespaces([NS], async () => {
      await buildLink();
      for (const c of CASES) {
        await t.test(`${c.backend}: ${c.lab}`, async (st) => {
          if (!available(c.backend)) {
            st.skip(`${c.backend} not installed`);
            return;
          }
          await runCase(st, c);
        });
      }
      await t.test('drops: a UDP flood into a tiny buffer', async (st) => {
        const backend = which('tcpdump') !== null ? 'tcpdump' : which('dumpcap') !== null ? 'dumpcap' : null;
        if (backend === null) {
          st.skip('neither tcpdump nor dumpcap is installed');
          return;
        }
        const { lines, bg } = startSniff(['--backend', backend, '--buffer', '1', '--metrics', METRICS]);
        await waitForLine(lines, (l) => l.e.event === 'capture', 20_000, 'capture event');
        const flood = await replay('flood:400000');
        if (backend === 'tcpdump') {
          // tcpdump tells its counts on SIGUSR1 while it runs: the drops are told and scraped before the stop.
          const live = await waitForLine(lines, (l) => l.e.event === 'drops', 10_000, 'drops while running');
          const scraped = await run(...inNamespace(NS, 'curl', ['-sf', `http://${METRICS}/metrics`]), {
            timeoutMs: 10_000,
          });
          const gauge = /^pxe_doctor_capture_dropped_packets (\S+)$/m.exec(scraped.stdout.toString('utf8'));
          st.diagnostic(`while running: ${JSON.stringify(live.e)}; metric ${gauge?.[1]}`);
          assert.ok(Number(gauge?.[1]) > 0, 'the drop metric counts while the capture runs');
        }
        const result = await bg.stop('SIGINT', 20_000);
        assert.equal(result.code, 0, `sniff exit: ${result.stderr}`);
        const stopped = lines.find((l) => l.e.event === 'stopped');
        st.diagnostic(`${backend}: sent ${flood.sent}, ${JSON.stringify(stopped?.e)}`);
        assert.ok(typeof stopped?.e['dropped'] === 'number' && stopped.e['dropped'] > 0, 'drops counted');
        assert.ok(
          lines.some((l) => l.e.event === 'drops'),
          'drops told',
        );
      });
      await t.test(
        '-w on a full disk: the capture stops, the report follows, one line, exit 6',
        async (st) => {
          const backend =
            which('dumpcap') !== null ? 'dumpcap' : which('tcpdump') !== null ? 'tcpdump' : null;
          if (backend === null) {
            st.skip('neither dumpcap nor tcpdump is installed');
            return;
          }
          const [cmd, args] = pxeDoctorArgs(['sniff', SNIFF_IF, '--backend', backend, '--duration', '20']);
          const r = await run(...inNamespace(NS, cmd, [...args, '-w', '/dev/full']), {
            timeoutMs: 30_000,
            env: pxeDoctorEnv(),
            cwd: projectRoot(),
          });
          const out = r.stdout.toString('utf8');
          assert.equal(r.code, 6, `exit ${r.code}: ${r.stderr}`);
          assert.equal(
            r.stderr,
            'pxe-doctor: -w /dev/full: cannot write: no space left on device (ENOSPC)\n',
          );
          assert.match(out, /stopped \(write error\)/, 'stopped at the first write, not at --duration');
          assert.match(out, /^Verdict$/m, 'the report for what was seen');
          assert.ok(r.ms < 15_000, `stopped at once (${r.ms} ms)`);
        },
      );
    });
  },
);
