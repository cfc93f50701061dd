/**
 * A thousand simulated DHCP clients over the wire (layer 2, from a client namespace, with the edge's own
 * frame code): each gets its own lease; after `serve` restarts on the same lease file, every client's
 * INIT-REBOOT REQUEST for its address is ACKed. Then malformed DHCP (bit-flipped and truncated real
 * packets from a lab capture) never stops the server: a good client still gets a lease afterwards.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { ClientReport } from '../../scripts/bench-dhcp.js';
import { projectRoot } from '../support/fixtures.js';
import { tempDir } from './support/cleanup.js';
import { withNamespaces } from './support/netns.js';
import { events, link, requireServeLab, runIn, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-load-s', client: 'pxd-e2e-load-c' };
const CLIENT = join(projectRoot(), 'dist', 'scripts', 'bench-dhcp.js');
const MALFORMED = join(projectRoot(), 'dist', 'test', 'e2e', 'support', 'send-malformed.js');

function report(r: { code: number | null; stdout: Buffer; stderr: string }): ClientReport {
  assert.equal(r.code, 0, `load client: ${r.stderr}`);
  return JSON.parse(r.stdout.toString('utf8')) as ClientReport;
}

test('1000 clients get distinct leases over the wire, keep them across a restart, and garbage harms nothing', async (t) => {
  if (!requireServeLab(t)) return;
  const dir = tempDir('pxd-e2e-load-');
  try {
    const root = join(dir.path, 'root');
    mkdirSync(root);
    // A complete boot configuration, so that start-up has nothing to warn about.
    writeFileSync(join(root, 'boot.bin'), 'boot');
    const leasesFile = join(dir.path, 'leases.json');
    const args = [
      '--interface',
      'pxdL1',
      '--root',
      root,
      '--range',
      '10.99.32.10-10.99.35.250',
      '--netmask',
      '255.255.252.0',
      '--boot-bios',
      'boot.bin',
      '--boot-uefi',
      'boot.bin',
      '--leases',
      leasesFile,
      '--no-tftp',
    ];
    await withNamespaces([NS.server, NS.client], async () => {
      await link(NS.server, 'pxdL1', '10.99.32.1/22', NS.client, 'pxdL2');
      let serve = await startServe(NS.server, args);
      const first = report(
        await runIn(
          NS.client,
          process.execPath,
          [CLIENT, 'client', '--interface', 'pxdL2', '--clients', '1000', '--concurrency', '32'],
          180_000,
        ),
      );
      assert.deepEqual(first.problems, []);
      assert.equal(first.leases.length, 1000);
      assert.equal(new Set(first.leases.map((l) => l.ip)).size, 1000, 'addresses are distinct');
      assert.ok(first.leases.every((l) => l.serverId === '10.99.32.1' && l.file === 'boot.bin'));
      await serve.stop('SIGTERM');
      assert.equal((await serve.done).code, 0);

      serve = await startServe(NS.server, args);
      const saved = join(dir.path, 'client-leases.json');
      writeFileSync(saved, JSON.stringify(first.leases));
      const again = report(
        await runIn(
          NS.client,
          process.execPath,
          [CLIENT, 'client', '--interface', 'pxdL2', '--reboot', saved, '--concurrency', '32'],
          180_000,
        ),
      );
      assert.deepEqual(again.problems, []);
      assert.equal(again.leases.length, 1000, 'every client kept its address across the restart');

      // Malformed datagrams from real packets, then one good client.
      const sent = await runIn(NS.client, process.execPath, [MALFORMED, 'pxdL2'], 60_000);
      assert.equal(sent.code, 0, sent.stderr);
      const count = Number(sent.stdout.toString('utf8').trim());
      assert.ok(count > 500, `sent ${count} malformed datagrams`);
      const good = report(
        await runIn(
          NS.client,
          process.execPath,
          [CLIENT, 'client', '--interface', 'pxdL2', '--clients', '1', '--first', '5000'],
          30_000,
        ),
      );
      assert.deepEqual(good.problems, []);
      assert.equal(good.leases.length, 1);
      assert.equal(serve.child.exitCode, null, 'serve still runs');
      await serve.stop('SIGTERM');
      assert.equal((await serve.done).code, 0, serve.stderr());
      const log = events(serve);
      assert.ok(log.some((e) => e.event === 'dhcp-ignored' && e.reason === 'malformed'));
      assert.deepEqual(
        log.filter((e) => e.event === 'warning'),
        [],
      );
      assert.ok(readFileSync(leasesFile, 'utf8').length > 0);
    });
  } finally {
    dir.remove();
  }
});
