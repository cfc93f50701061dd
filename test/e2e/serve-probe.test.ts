/**
 * The start-up probe against a real DHCP server: with dnsmasq answering on the segment, a full
 * `pxe-doctor serve` refuses with exit code 5 and names it; `--force` starts anyway; `--proxy` never probes.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SERVE_EXIT } from '../../src/server/net/errors.js';
import { tempDir } from './support/cleanup.js';
import { inNamespace, ip, withNamespaces } from './support/netns.js';
import { which } from './support/require.js';
import { pxeDoctorArgs, pxeDoctorEnv, run, start } from './support/run.js';
import { events, requireServeLab, startServe } from './support/serve-lab.js';
import { projectRoot } from '../support/fixtures.js';

const NS = { ours: 'pxd-e2e-prb-s', other: 'pxd-e2e-prb-d' };

test('serve refuses to start beside another DHCP server unless --force; --proxy does not probe', async (t) => {
  if (!requireServeLab(t, ['dnsmasq'])) return;
  const dir = tempDir('pxd-e2e-probe-');
  try {
    const root = join(dir.path, 'root');
    mkdirSync(root);
    await withNamespaces([NS.ours, NS.other], async () => {
      await ip([
        'link',
        'add',
        'pxdP1',
        'netns',
        NS.ours,
        'type',
        'veth',
        'peer',
        'name',
        'pxdP2',
        'netns',
        NS.other,
      ]);
      await ip(['-n', NS.ours, 'addr', 'add', '10.99.20.1/24', 'dev', 'pxdP1']);
      await ip(['-n', NS.other, 'addr', 'add', '10.99.20.2/24', 'dev', 'pxdP2']);
      await ip(['-n', NS.ours, 'link', 'set', 'pxdP1', 'up']);
      await ip(['-n', NS.other, 'link', 'set', 'pxdP2', 'up']);
      const [dcmd, dargs] = inNamespace(NS.other, which('dnsmasq') ?? 'dnsmasq', [
        '--no-daemon',
        '--conf-file=/dev/null',
        '--port=0',
        '--interface=pxdP2',
        '--bind-interfaces',
        '--dhcp-range=10.99.20.150,10.99.20.160,255.255.255.0,1h',
        `--dhcp-leasefile=${join(dir.path, 'dnsmasq.leases')}`,
        '--log-facility=-',
        `--pid-file=${join(dir.path, 'dnsmasq.pid')}`,
      ]);
      const dnsmasq = start(dcmd, dargs, { timeoutMs: 90_000 });
      try {
        await dnsmasq.waitFor(/DHCP, IP range/, 10_000);
        const common = [
          '--interface',
          'pxdP1',
          '--root',
          root,
          '--range',
          '10.99.20.100-10.99.20.110',
          '--boot-bios',
          'x.bin',
        ];
        const [node, argv] = pxeDoctorArgs(['serve', ...common]);
        const [cmd, full] = inNamespace(NS.ours, node, argv);
        const refused = await run(cmd, full, { timeoutMs: 30_000, env: pxeDoctorEnv(), cwd: projectRoot() });
        assert.equal(refused.code, SERVE_EXIT.otherServer, `exit ${refused.code}: ${refused.stderr}`);
        assert.match(refused.stderr, /another DHCP server answers on pxdP1: 10\.99\.20\.2 /);
        assert.match(refused.stderr, /offered 10\.99\.20\.1[56]\d/);
        assert.match(refused.stdout.toString('utf8'), /probe: DHCP server 10\.99\.20\.2/);

        const forced = await startServe(NS.ours, [...common, '--force']);
        await forced.stop('SIGTERM');
        assert.equal((await forced.done).code, 0);
        const ready = events(forced)[0];
        assert.equal(ready.event, 'ready');
        assert.deepEqual(
          (ready['otherServers'] as { serverId: string }[]).map((o) => o.serverId),
          ['10.99.20.2'],
        );

        const proxy = await startServe(NS.ours, [
          '--interface',
          'pxdP1',
          '--root',
          root,
          '--proxy',
          '--boot-bios',
          'x.bin',
        ]);
        await proxy.stop('SIGTERM');
        const proxyReady = events(proxy)[0];
        assert.equal(proxyReady['mode'], 'proxy');
        assert.deepEqual(proxyReady['otherServers'], []);
      } finally {
        await dnsmasq.stop('SIGTERM');
      }
    });
  } finally {
    dir.remove();
  }
});
