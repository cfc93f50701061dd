/**
 * `serve` against abuse and faults, each inside its own pair of namespaces:
 * - a stranger's DHCPDECLINE (a MAC that holds no lease declines another client's address and a free one):
 *   ignored and logged; the owner keeps its address and the free one is still handed out;
 * - slow HTTP clients (one silent, two that never read, one reading 1 KiB every 200 ms, two over the
 *   per-client cap): a fast client from another address downloads intact meanwhile; the cap answers 503;
 *   the silent one is cut at the idle timeout, the readers at the send timeout; the server holds no
 *   connection afterwards;
 * - the lease file's file system fills up while serving: an `error` event, no new address granted, renewals
 *   still answered; once there is room again a `notice` and new clients get addresses.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClientReport } from '../../scripts/bench-dhcp.js';
import { projectRoot } from '../support/fixtures.js';
import { atExit, tempDir } from './support/cleanup.js';
import { inNamespace, ip, withNamespaces } from './support/netns.js';
import { run, start, type Background } from './support/run.js';
import { events, link, requireServeLab, runIn, startServe, type LoggedEvent } from './support/serve-lab.js';

const CLIENT = join(projectRoot(), 'dist', 'scripts', 'bench-dhcp.js');
const SUPPORT = join(projectRoot(), 'dist', 'test', 'e2e', 'support');

function report(r: { code: number | null; stdout: Buffer; stderr: string }): ClientReport {
  assert.equal(r.code, 0, `load client: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as ClientReport;
}

/** The simulated clients `first` … `first + count - 1` (bench-dhcp.js client mode) in `ns` on `iface`. */
async function clients(ns: string, iface: string, count: number, first: number): Promise<ClientReport> {
  return report(
    await runIn(
      ns,
      process.execPath,
      [CLIENT, 'client', '--interface', iface, '--clients', String(count), '--first', String(first)],
      60_000,
    ),
  );
}

/** INIT-REBOOT of each lease (bench-dhcp.js client --reboot). */
async function reboot(ns: string, iface: string, dir: string, leases: unknown[]): Promise<ClientReport> {
  const file = join(dir, `reboot-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(leases));
  return report(
    await runIn(ns, process.execPath, [CLIENT, 'client', '--interface', iface, '--reboot', file], 60_000),
  );
}

async function until(what: string, check: () => boolean, ms: number): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const of = (serve: Background, kind: string): LoggedEvent[] => events(serve).filter((e) => e.event === kind);

test("a stranger's DECLINE is ignored: the owner keeps its address, a free one stays free", async (t) => {
  if (!requireServeLab(t)) return;
  const ns = { server: 'pxd-e2e-decl-s', client: 'pxd-e2e-decl-c' };
  const dir = tempDir('pxd-e2e-decline-');
  try {
    mkdirSync(join(dir.path, 'root'));
    await withNamespaces([ns.server, ns.client], async () => {
      await link(ns.server, 'pxdD1', '10.99.44.1/24', ns.client, 'pxdD2');
      // Three addresses: two clients take two, the stranger declines one of theirs and the third.
      const serve = await startServe(ns.server, [
        '--interface',
        'pxdD1',
        '--root',
        join(dir.path, 'root'),
        '--range',
        '10.99.44.10-10.99.44.12',
        '--boot-bios',
        'boot.bin',
        '--no-tftp',
      ]);
      try {
        const first = await clients(ns.client, 'pxdD2', 2, 0);
        assert.deepEqual(first.problems, []);
        const taken = new Set(first.leases.map((l) => l.ip));
        const free = ['10.99.44.10', '10.99.44.11', '10.99.44.12'].find((a) => !taken.has(a)) as string;
        const stranger = '02:5e:00:00:00:99';
        for (const address of [first.leases[0].ip, free]) {
          const r = await runIn(ns.client, process.execPath, [
            join(SUPPORT, 'send-decline.js'),
            'pxdD2',
            stranger,
            address,
            '10.99.44.1',
          ]);
          assert.equal(r.code, 0, r.stderr);
        }
        await until('two ignored DECLINEs', () => of(serve, 'dhcp-ignored').length >= 2, 10_000);
        const ignored = of(serve, 'dhcp-ignored');
        assert.deepEqual(
          ignored.map((e) => [e.mac, e.reason]),
          [
            [stranger, 'decline-not-owner'],
            [stranger, 'decline-not-owner'],
          ],
        );
        assert.equal(of(serve, 'lease').filter((e) => e.action === 'declined').length, 0);
        // The owners keep theirs; a new client still gets the free address (the pool's last).
        const again = await reboot(ns.client, 'pxdD2', dir.path, first.leases);
        assert.deepEqual(again.problems, []);
        assert.equal(again.leases.length, 2);
        const newcomer = await clients(ns.client, 'pxdD2', 1, 10);
        assert.deepEqual(newcomer.problems, []);
        assert.equal(newcomer.leases[0].ip, free);
      } finally {
        await serve.stop('SIGTERM');
      }
    });
  } finally {
    dir.remove();
  }
});

test('slow HTTP clients: a fast one is served meanwhile, the cap answers 503, every slow one is cut', async (t) => {
  if (!requireServeLab(t, ['curl', 'ss'])) return;
  const ns = { server: 'pxd-e2e-slow-s', client: 'pxd-e2e-slow-c' };
  const dir = tempDir('pxd-e2e-slowhttp-');
  try {
    const root = join(dir.path, 'root');
    mkdirSync(root);
    // Far larger than the socket buffers on both sides: a client that does not read stalls its response.
    const big = randomBytes(32 << 20);
    writeFileSync(join(root, 'big.bin'), big, { mode: 0o644 });
    await withNamespaces([ns.server, ns.client], async () => {
      await link(ns.server, 'pxdH1', '10.99.45.1/24', ns.client, 'pxdH2');
      await ip(['-n', ns.client, 'addr', 'add', '10.99.45.2/24', 'dev', 'pxdH2']);
      await ip(['-n', ns.client, 'addr', 'add', '10.99.45.3/24', 'dev', 'pxdH2']);
      const serve = await startServe(ns.server, [
        '--interface',
        'pxdH1',
        '--root',
        root,
        '--no-dhcp',
        '--no-tftp',
        '--http',
        '8080',
        '--http-idle-timeout',
        '3',
        '--http-send-timeout',
        '3',
        '--http-max-per-client',
        '4',
      ]);
      try {
        const [cmd, argv] = inNamespace(ns.client, process.execPath, [
          join(SUPPORT, 'slow-http.js'),
          '10.99.45.1',
          '8080',
          '10.99.45.2',
          'big.bin',
          '8000',
        ]);
        const slow = start(cmd, argv, { timeoutMs: 30_000, cwd: projectRoot() });
        await slow.waitFor(/connected/, 10_000, 'stdout');
        const t0 = Date.now();
        const fast = await runIn(
          ns.client,
          'curl',
          ['-sS', '--interface', '10.99.45.3', '-o', '-', 'http://10.99.45.1:8080/big.bin'],
          20_000,
        );
        const fastMs = Date.now() - t0;
        assert.equal(fast.code, 0, fast.stderr);
        assert.equal(
          createHash('sha256').update(fast.stdout).digest('hex'),
          createHash('sha256').update(big).digest('hex'),
        );
        const limit = (): LoggedEvent[] => of(serve, 'http-limit');
        await until('the slow connections cut', () => limit().length >= 6, 15_000);
        const byKind = (k: string): LoggedEvent[] => limit().filter((e) => e.limit === k);
        assert.equal(byKind('connection-cap').length, 2);
        assert.equal(byKind('idle-timeout').length, 1);
        assert.equal(byKind('send-timeout').length, 3);
        for (const e of limit()) assert.match(String(e.client), /^10\.99\.45\.2:/);
        // While the slow client still holds its end, the server has let go of every connection.
        const ss = await runIn(ns.server, 'ss', ['-Htn', 'state', 'established', '( sport = :8080 )']);
        assert.equal(ss.stdout.toString('utf8').trim(), '', 'connections the server still holds');
        const out = (await slow.done).stdout.toString('utf8').trim().split('\n').pop() as string;
        const extra = (JSON.parse(out) as { extra: string[] }).extra;
        assert.deepEqual(extra, ['HTTP/1.1 503 Service Unavailable', 'HTTP/1.1 503 Service Unavailable']);
        t.diagnostic(`fast client: 32 MiB in ${fastMs} ms beside the slow ones`);
      } finally {
        await serve.stop('SIGTERM');
      }
    });
  } finally {
    dir.remove();
  }
});

test('the lease file system fills up while serving: error event, no new grants, renewals go on, then recovery', async (t) => {
  if (!requireServeLab(t, ['mount', 'umount', 'dd'])) return;
  const ns = { server: 'pxd-e2e-lwf-s', client: 'pxd-e2e-lwf-c' };
  const dir = tempDir('pxd-e2e-leasefull-');
  const leases = join(dir.path, 'leases');
  mkdirSync(leases);
  mkdirSync(join(dir.path, 'root'));
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', leases], {
    timeoutMs: 10_000,
  });
  if (mounted.code !== 0) {
    t.skip(`cannot mount a tmpfs: ${mounted.stderr.trim()}`);
    dir.remove();
    return;
  }
  const unmount = atExit(() => spawnSync('umount', ['-l', leases], { timeout: 10_000 }));
  try {
    await withNamespaces([ns.server, ns.client], async () => {
      await link(ns.server, 'pxdW1', '10.99.48.1/22', ns.client, 'pxdW2');
      const serve = await startServe(ns.server, [
        '--interface',
        'pxdW1',
        '--root',
        join(dir.path, 'root'),
        '--range',
        '10.99.48.10-10.99.51.250',
        '--netmask',
        '255.255.252.0',
        '--boot-bios',
        'boot.bin',
        '--leases',
        join(leases, 'leases.json'),
        '--no-tftp',
      ]);
      try {
        const before = await clients(ns.client, 'pxdW2', 10, 0);
        assert.deepEqual(before.problems, []);
        // Fill the file system (the server's mount namespace sees the same tmpfs).
        await run('dd', ['if=/dev/zero', `of=${join(leases, 'filler')}`, 'bs=4k'], { timeoutMs: 20_000 });
        // Writes may still fit in the journal's last page for a while: new clients until the first failure.
        for (let first = 100; of(serve, 'error').length === 0 && first < 400; first += 20)
          await clients(ns.client, 'pxdW2', 20, first).catch(() => undefined);
        assert.match(
          String(of(serve, 'error')[0]?.message),
          /cannot write the lease file: .*(ENOSPC|no space)/i,
        );
        const refused = await clients(ns.client, 'pxdW2', 3, 1000);
        assert.equal(refused.leases.length, 0, 'no new address while the lease file cannot be written');
        assert.ok(of(serve, 'dhcp-ignored').some((e) => e.reason === 'leases-unwritable'));
        const renewed = await reboot(ns.client, 'pxdW2', dir.path, before.leases);
        assert.deepEqual(renewed.problems, [], 'renewals are answered');
        assert.equal(renewed.leases.length, before.leases.length);
        rmSync(join(leases, 'filler'));
        await until('the notice that writes work again', () => of(serve, 'notice').length > 0, 10_000);
        const after = await clients(ns.client, 'pxdW2', 3, 2000);
        assert.deepEqual(after.problems, []);
        assert.equal(after.leases.length, 3);
        await serve.stop('SIGTERM');
        assert.equal((await serve.done).code, 0, serve.stderr());
        // What was granted after the recovery is on disk.
        const saved = readFileSync(join(leases, 'leases.json'), 'utf8');
        for (const l of after.leases) assert.ok(saved.includes(l.ip), `${l.ip} saved`);
      } finally {
        await serve.stop('SIGTERM');
      }
    });
  } finally {
    unmount();
    await run('umount', ['-l', leases], { timeoutMs: 10_000 });
    dir.remove();
  }
});
