/**
 * `pxe-doctor serve` against real clients in network namespaces: busybox udhcpc gets a lease on the served
 * interface and fetches the boot file with curl over TFTP, while a second client on another interface of
 * the same server namespace gets nothing at all (checked with tcpdump on its link).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from './support/cleanup.js';
import { inNamespace, withNamespaces } from './support/netns.js';
import { which } from './support/require.js';
import { start } from './support/run.js';
import { events, link, requireServeLab, runIn, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-srv-s', a: 'pxd-e2e-srv-a', b: 'pxd-e2e-srv-b' };

test('serve answers udhcpc on its interface only, and the boot file comes over TFTP', async (t) => {
  if (!requireServeLab(t, ['busybox', 'tcpdump', 'curl'])) return;
  const dir = tempDir('pxd-e2e-serve-');
  try {
    const root = join(dir.path, 'root');
    const boot = randomBytes(200_000);
    await import('node:fs/promises').then((fs) => fs.mkdir(root));
    writeFileSync(join(root, 'boot.bin'), boot);
    const script = join(dir.path, 'udhcpc.sh');
    writeFileSync(
      script,
      '#!/bin/sh\necho "EVENT $1 ip=$ip siaddr=$siaddr boot_file=$boot_file serverid=$serverid"\n',
    );
    chmodSync(script, 0o755);

    await withNamespaces([NS.server, NS.a, NS.b], async () => {
      await link(NS.server, 'pxdA', '10.99.10.1/24', NS.a, 'pxdCa');
      await link(NS.server, 'pxdB', '10.99.11.1/24', NS.b, 'pxdCb');
      const serve = await startServe(NS.server, [
        '--interface',
        'pxdA',
        '--root',
        root,
        '--range',
        '10.99.10.100-10.99.10.120',
        '--boot-bios',
        'boot.bin',
      ]);
      const pcapB = join(dir.path, 'b.pcap');
      const [tcmd, targs] = inNamespace(NS.b, which('tcpdump') ?? 'tcpdump', [
        '-i',
        'pxdCb',
        '-U',
        '-n',
        '-w',
        pcapB,
        'udp',
      ]);
      const dump = start(tcmd, targs, { timeoutMs: 90_000 });
      try {
        await dump.waitFor(/listening on/, 10_000, 'stderr');
        const udhcpc = [
          'udhcpc',
          '-f',
          '-q',
          '-n',
          '-t',
          '4',
          '-T',
          '2',
          '-s',
          script,
          '-V',
          'PXEClient:Arch:00000:UNDI:002001',
        ];
        const [ra, rb] = await Promise.all([
          runIn(NS.a, 'busybox', [...udhcpc, '-i', 'pxdCa'], 30_000),
          runIn(NS.b, 'busybox', [...udhcpc, '-i', 'pxdCb'], 30_000),
        ]);
        const outA = ra.stdout.toString('utf8');
        assert.equal(ra.code, 0, `udhcpc on A: ${outA} ${ra.stderr}`);
        assert.match(
          outA,
          /EVENT bound ip=10\.99\.10\.(1[01]\d|120) siaddr=10\.99\.10\.1 boot_file=boot\.bin serverid=10\.99\.10\.1/,
        );
        assert.notEqual(rb.code, 0, 'udhcpc on B must get no lease');
        assert.doesNotMatch(rb.stdout.toString('utf8'), /EVENT bound/);

        // The leased client fetches the boot file by TFTP from the announced server.
        const leased = /ip=(10\.99\.10\.\d+)/.exec(outA)?.[1] ?? '';
        await runIn(NS.a, 'ip', ['addr', 'add', `${leased}/24`, 'dev', 'pxdCa']);
        const out = join(dir.path, 'fetched.bin');
        const curl = await runIn(
          NS.a,
          'curl',
          ['-sS', '--max-time', '30', '-o', out, 'tftp://10.99.10.1/boot.bin'],
          40_000,
        );
        assert.equal(curl.code, 0, curl.stderr);
        assert.ok(readFileSync(out).equals(boot), 'fetched file differs from the served one');
        await new Promise((r) => setTimeout(r, 300));
      } finally {
        await dump.stop('SIGINT');
        await serve.stop('SIGTERM');
      }
      const r = await serve.done;
      assert.equal(r.code, 0, `serve exit: ${r.stderr}`);
      const log = events(serve);
      assert.equal(log[0]?.event, 'ready');
      assert.ok(log.some((e) => e.event === 'dhcp-replied' && e.type === 'ACK'));
      assert.ok(log.some((e) => e.event === 'tftp-end' && e.file === 'boot.bin' && e.bytes === boot.length));
      assert.equal(log.at(-1)?.event, 'stopped');

      // Silence on B: tcpdump (the oracle) saw B's client broadcasting, and nothing from the server.
      const read = await runIn(NS.b, which('tcpdump') ?? 'tcpdump', ['-r', pcapB, '-n', 'udp'], 20_000);
      const lines = read.stdout
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '');
      assert.ok(
        lines.some((l) => /0\.0\.0\.0\.68 > 255\.255\.255\.255\.67/.test(l)),
        `B's DISCOVERs: ${lines.join('\n')}`,
      );
      const fromServer = lines.filter((l) => /\.67 > /.test(l) || /10\.99\.1[01]\.1\./.test(l));
      assert.deepEqual(fromServer, [], 'server-to-client packets on B');
    });
  } finally {
    dir.remove();
  }
});
