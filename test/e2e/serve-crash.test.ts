/**
 * `serve` killed with SIGKILL at random points under load, three times, restarted on the same lease file
 * each time while the simulated clients keep asking: no address is ever ACKed to two MACs, and afterwards
 * every client that got an ACK gets the same address back by INIT-REBOOT (RFC 2131 §4.3.2). An ACK goes
 * out only once its lease is on disk, so nothing a client was told can be forgotten by a crash.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClientReport } from '../../scripts/bench-dhcp.js';
import type { SimulatedLease } from '../../src/net/dhcp-client.js';
import { projectRoot } from '../support/fixtures.js';
import { mulberry32 } from '../support/prng.js';
import { tempDir } from './support/cleanup.js';
import { inNamespace, withNamespaces } from './support/netns.js';
import { start } from './support/run.js';
import { link, requireServeLab, runIn, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-crash-s', client: 'pxd-e2e-crash-c' };
const CLIENT = join(projectRoot(), 'dist', 'scripts', 'bench-dhcp.js');
const ROUNDS = 3;
const CLIENTS_PER_ROUND = 300;

function report(r: { code: number | null; stdout: Buffer; stderr: string }): ClientReport {
  assert.equal(r.code, 0, `load client: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as ClientReport;
}

test('kill -9 under load: no address on two MACs, every ACKed client keeps its address', async (t) => {
  if (!requireServeLab(t)) return;
  const dir = tempDir('pxd-e2e-crash-');
  const random = mulberry32(Date.now() & 0xffff);
  try {
    const root = join(dir.path, 'root');
    mkdirSync(root);
    const args = [
      '--interface',
      'pxdK1',
      '--root',
      root,
      '--range',
      '10.99.36.10-10.99.39.250',
      '--netmask',
      '255.255.252.0',
      '--boot-bios',
      'boot.bin',
      '--leases',
      join(dir.path, 'leases.json'),
      '--no-tftp',
    ];
    await withNamespaces([NS.server, NS.client], async () => {
      await link(NS.server, 'pxdK1', '10.99.36.1/22', NS.client, 'pxdK2');
      let serve = await startServe(NS.server, args);
      const acked: SimulatedLease[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Clients keep coming while the server is killed and restarted under them.
        const [cmd, argv] = inNamespace(NS.client, process.execPath, [
          CLIENT,
          'client',
          '--interface',
          'pxdK2',
          '--clients',
          String(CLIENTS_PER_ROUND),
          '--first',
          String(round * 1000),
          '--concurrency',
          '32',
        ]);
        const load = start(cmd, argv, { timeoutMs: 120_000, cwd: projectRoot() });
        await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 700)));
        serve.child.kill('SIGKILL');
        const killed = await serve.done;
        assert.equal(killed.signal, 'SIGKILL', `round ${round}: the server was still running when killed`);
        serve = await startServe(NS.server, args);
        const got = report(await load.done);
        acked.push(...got.leases);
      }
      assert.ok(acked.length > ROUNDS * 50, `only ${acked.length} clients were ACKed`);
      const owner = new Map<string, string>();
      for (const l of acked) {
        const other = owner.get(l.ip);
        assert.ok(other === undefined || other === l.mac, `${l.ip} ACKed to both ${other} and ${l.mac}`);
        owner.set(l.ip, l.mac);
      }

      const saved = join(dir.path, 'acked.json');
      writeFileSync(saved, JSON.stringify(acked));
      const again = report(
        await runIn(
          NS.client,
          process.execPath,
          [CLIENT, 'client', '--interface', 'pxdK2', '--reboot', saved, '--concurrency', '32'],
          120_000,
        ),
      );
      assert.deepEqual(again.problems, [], 'every ACKed client gets its own address back');
      assert.equal(again.leases.length, acked.length);
      await serve.stop('SIGTERM');
      assert.equal((await serve.done).code, 0, serve.stderr());
    });
  } finally {
    dir.remove();
  }
});
