/**
 * DHCP handshakes per second (DISCOVER, OFFER, REQUEST, ACK) of `pxe-doctor serve` against dnsmasq serving
 * the same range on the same veth pair, both inside network namespaces created here and deleted afterwards.
 *
 *   node dist/scripts/bench-dhcp.js [--clients 1000] [--concurrency 64] [--runs 3] [--pxd BIN]
 *                                    [--no-dnsmasq]
 *
 * Needs root, iproute2, dnsmasq and the cap package. The simulated clients (src/net/load-generator.ts)
 * send at layer 2 from the client namespace with the server edge's own frame code; every client must get
 * its own lease or the run counts as failed. Prints both rates (best of the runs) and the ratio.
 * --pxd measures another build's bin/pxe-doctor.js with this build's client (to compare two builds, run
 * them in turn with --runs 1 so that both see the same machine load).
 *
 * The same file is the client the end-to-end tests run inside a namespace:
 *   node dist/scripts/bench-dhcp.js client --interface IF --clients N [--concurrency K] [--first I]
 *   node dist/scripts/bench-dhcp.js client --interface IF --reboot LEASES.json
 * which prints one JSON object (leases, problems, seconds) on stdout.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { decodeDhcp, dhcpMessageFromFields, encodeDhcp } from '../src/protocol/dhcp/index.js';
import type { SimulatedLease } from '../src/net/dhcp-client.js';
import { runDhcpLoad, simulatedClients } from '../src/net/load-generator.js';
import { openWireExchange } from '../src/net/wire-exchange.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

/** What the client mode prints. */
export interface ClientReport {
  leases: SimulatedLease[];
  problems: string[];
  seconds: number;
  retransmits: number;
}

async function clientLoad(
  iface: string,
  count: number,
  concurrency: number,
  first: number,
): Promise<ClientReport> {
  const wire = openWireExchange(iface, { timeoutMs: 1000, attempts: 4 });
  try {
    const clients = simulatedClients(first + count).slice(first);
    const t0 = process.hrtime.bigint();
    const result = await runDhcpLoad(clients, wire.exchange, { concurrency });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return { ...result, seconds, retransmits: wire.retransmits() };
  } finally {
    wire.close();
  }
}

/** INIT-REBOOT (RFC 2131 §4.3.2): each client asks again for the address it had, with no server identifier. */
async function clientReboot(
  iface: string,
  leases: SimulatedLease[],
  concurrency: number,
): Promise<ClientReport> {
  const wire = openWireExchange(iface, { timeoutMs: 1000, attempts: 4 });
  const problems: string[] = [];
  const acked: SimulatedLease[] = [];
  const t0 = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < leases.length) {
      const i = next++;
      const l = leases[i];
      const xid = (0x7e000000 + i) >>> 0;
      const request = dhcpMessageFromFields({
        xid,
        chaddr: l.mac,
        messageType: 'REQUEST',
        options: [{ code: 50, value: { kind: 'ip', ip: l.ip } }],
      });
      const replies = await wire.exchange({ bytes: encodeDhcp(request), srcMac: l.mac, dstPort: 67 });
      const m = replies.map((r) => decodeDhcp(r)).find((r) => r.xid === xid);
      if (m === undefined) problems.push(`${l.mac}: no answer to the REQUEST for ${l.ip}`);
      else if (m.messageType !== 'ACK' || m.yiaddr !== l.ip)
        problems.push(`${l.mac}: ${m.messageType ?? 'BOOTP'} ${m.yiaddr} to the REQUEST for ${l.ip}`);
      else acked.push(l);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    wire.close();
  }
  return {
    leases: acked,
    problems,
    seconds: Number(process.hrtime.bigint() - t0) / 1e9,
    retransmits: wire.retransmits(),
  };
}

async function clientMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      interface: { type: 'string' },
      clients: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '64' },
      first: { type: 'string', default: '0' },
      reboot: { type: 'string' },
    },
  });
  if (values.interface === undefined) throw new Error('client needs --interface');
  const concurrency = Number(values.concurrency);
  const report =
    values.reboot !== undefined
      ? await clientReboot(
          values.interface,
          JSON.parse(readFileSync(values.reboot, 'utf8')) as SimulatedLease[],
          concurrency,
        )
      : await clientLoad(values.interface, Number(values.clients), concurrency, Number(values.first));
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

// --- the benchmark --------------------------------------------------------------------------------------

const NS_SERVER = 'pxd-bench-srv';
const NS_CLIENT = 'pxd-bench-cli';
const SERVER_IF = 'pxdbS';
const CLIENT_IF = 'pxdbC';
const SERVER_IP = '10.99.60.1';
const RANGE = ['10.99.60.10', '10.99.63.250'];

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error?.message || r.status}`);
  return r.stdout;
}

function teardown(): void {
  for (const ns of [NS_SERVER, NS_CLIENT]) {
    const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '';
    for (const pid of pids
      .split('\n')
      .map(Number)
      .filter((p) => p > 1)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

function setup(): void {
  teardown();
  for (const ns of [NS_SERVER, NS_CLIENT]) {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
  }
  sh('ip', [
    'link',
    'add',
    SERVER_IF,
    'netns',
    NS_SERVER,
    'type',
    'veth',
    'peer',
    'name',
    CLIENT_IF,
    'netns',
    NS_CLIENT,
  ]);
  sh('ip', ['-n', NS_SERVER, 'addr', 'add', `${SERVER_IP}/22`, 'dev', SERVER_IF]);
  sh('ip', ['-n', NS_SERVER, 'link', 'set', SERVER_IF, 'up']);
  sh('ip', ['-n', NS_CLIENT, 'link', 'set', CLIENT_IF, 'up']);
}

/** Starts a server in the server namespace; resolves once it prints `ready`. */
function startServer(cmd: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', NS_SERVER, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cmd[0]} did not start: ${seen}`)), 15_000);
    const check = (b: Buffer): void => {
      if (seen.length < 4096) seen += b.toString('utf8');
      if (ready.test(seen)) {
        clearTimeout(timer);
        resolveStart(child);
      }
    };
    // Keep draining the event log: a full pipe would stall the server.
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => reject(new Error(`${cmd[0]} exited (${code}): ${seen}`)));
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}

function runClient(clients: number, concurrency: number): ClientReport {
  const r = spawnSync(
    'ip',
    [
      'netns',
      'exec',
      NS_CLIENT,
      process.execPath,
      join(root, 'dist/scripts/bench-dhcp.js'),
      'client',
      '--interface',
      CLIENT_IF,
      '--clients',
      String(clients),
      '--concurrency',
      String(concurrency),
    ],
    { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 },
  );
  if (r.status !== 0) throw new Error(`load client failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as ClientReport;
}

interface Measured {
  server: string;
  rates: number[];
  failures: string[];
}

async function measure(
  name: string,
  cmd: (work: string) => string[],
  ready: RegExp,
  clients: number,
  concurrency: number,
  runs: number,
): Promise<Measured> {
  const out: Measured = { server: name, rates: [], failures: [] };
  for (let run = 0; run < runs; run++) {
    // A fresh server and lease file per run: every client is new to it.
    const work = mkdtempSync(join(tmpdir(), 'pxd-bench-dhcp-'));
    writeFileSync(join(work, 'boot.bin'), 'boot');
    const child = await startServer(cmd(work), ready);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const report = runClient(clients, concurrency);
      if (report.problems.length > 0 || report.leases.length !== clients)
        out.failures.push(
          `${report.leases.length}/${clients} leases; ${report.problems.slice(0, 3).join('; ')}`,
        );
      else out.rates.push(clients / report.seconds);
      process.stderr.write(
        `${name} run ${run + 1}: ${report.leases.length} leases in ${report.seconds.toFixed(2)} s ` +
          `(${(clients / report.seconds).toFixed(0)}/s, ${report.retransmits} retransmits)\n`,
      );
    } finally {
      await stopServer(child);
      rmSync(work, { recursive: true, force: true });
    }
  }
  return out;
}

async function benchMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      clients: { type: 'string', default: '1000' },
      concurrency: { type: 'string', default: '64' },
      runs: { type: 'string', default: '3' },
      pxd: { type: 'string', default: join(root, 'bin/pxe-doctor.js') },
      'no-dnsmasq': { type: 'boolean', default: false },
    },
  });
  const clients = Number(values.clients);
  const concurrency = Number(values.concurrency);
  const runs = Number(values.runs);
  if (process.getuid?.() !== 0) throw new Error('needs root (network namespaces)');
  setup();
  process.once('SIGINT', () => {
    teardown();
    process.exit(130);
  });
  try {
    const pxd = await measure(
      'pxe-doctor serve',
      (work) => [
        process.execPath,
        resolve(values.pxd),
        'serve',
        '--interface',
        SERVER_IF,
        '--root',
        work,
        '--range',
        RANGE.join('-'),
        '--boot-bios',
        'boot.bin',
        '--leases',
        join(work, 'leases.json'),
        '--no-tftp',
        '--json',
      ],
      /"event":"ready"/,
      clients,
      concurrency,
      runs,
    );
    const dnsmasq: Measured = values['no-dnsmasq']
      ? { server: 'dnsmasq', rates: [], failures: [] }
      : await measure(
          'dnsmasq',
          (work) => [
            'dnsmasq',
            '--no-daemon',
            '--conf-file=/dev/null',
            '--port=0',
            `--interface=${SERVER_IF}`,
            '--bind-interfaces',
            `--dhcp-range=${RANGE[0]},${RANGE[1]},255.255.252.0,1h`,
            `--dhcp-leasefile=${join(work, 'leases')}`,
            '--dhcp-boot=boot.bin',
            '--dhcp-lease-max=100000',
            '--no-ping',
            '--quiet-dhcp',
            '--log-facility=-',
            `--pid-file=${join(work, 'pid')}`,
          ],
          /started, version/,
          clients,
          concurrency,
          runs,
        );
    const best = (m: Measured): number => (m.rates.length > 0 ? Math.max(...m.rates) : 0);
    const line = (m: Measured): string =>
      `${m.server.padEnd(18)} ${best(m).toFixed(0).padStart(7)} handshakes/s (best of ${m.rates.length}` +
      `${m.failures.length > 0 ? `, ${m.failures.length} failed: ${m.failures[0]}` : ''})`;
    process.stdout.write(`${clients} clients, concurrency ${concurrency}, ${runs} runs each\n`);
    process.stdout.write(`${line(pxd)}\n${line(dnsmasq)}\n`);
    if (best(dnsmasq) > 0)
      process.stdout.write(`ratio pxe-doctor / dnsmasq: ${(best(pxd) / best(dnsmasq)).toFixed(2)}\n`);
  } finally {
    teardown();
  }
}

const [mode, ...rest] = process.argv.slice(2);
const task = mode === 'client' ? clientMain(rest) : benchMain(process.argv.slice(2));
task.catch((e: unknown) => {
  process.stderr.write(`bench-dhcp: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
