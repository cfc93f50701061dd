/**
 * `replay --interface` against real servers, inside network namespaces only: a client namespace where the
 * replay plays the captured client as layer-2 frames, joined by a veth pair to a server namespace running
 * dnsmasq or `pxe-doctor serve` (10.99.62.0/24; relay subnet 10.99.63.0/24). No qemu: the client is the
 * replay itself, playing the lab's qemu boots (captured on 10.77.0.0/24, so the server's own address moves).
 *
 * - dnsmasq with the lab's configuration: only expected differences; the -w recording analyses clean; the
 *   RELEASE at the end leaves no lease behind.
 * - dnsmasq with another boot file and tftp-no-blocksize: exactly those differences.
 * - dnsmasq through a relay (--giaddr): an address of the relay subnet, and dnsmasq's router for it.
 * - serve: a recording made against it replays against the same configuration with no difference, and
 *   against a changed one (another iPXE script) with exactly that difference.
 * - exit 4 for a missing interface, the default-route interface and a user without capture rights.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ReplayReport } from '../../src/report/replay-model.js';
import { projectRoot } from '../support/fixtures.js';
import { replaySignature } from '../support/replay-signature.js';
import { tempDir } from './support/cleanup.js';
import { ip, withNamespaces } from './support/netns.js';
import {
  analyzeClean,
  leaseFile,
  noLeaseLeft,
  replayIn,
  startDnsmasq as startDnsmasqIn,
  stopwatch,
  writeCapturedFiles,
  type DnsmasqSite,
  type Replayed,
} from './support/replay-lab.js';
import { which } from './support/require.js';
import { PXE_DOCTOR, describeRun, type Background } from './support/run.js';
import { link, requireServeLab, runIn, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-rpl-s', client: 'pxd-e2e-rpl-c' };
const SERVER_IF = 'rplS';
const CLIENT_IF = 'rplC';
const SERVER = '10.99.62.1';
const GIADDR = '10.99.63.1';
const MAC = '52:54:00:12:34:56';
const LAB = join(projectRoot(), 'fixtures', 'captures', 'lab');
const HAPPY_IPXE = join(LAB, 'happy-ipxe', 'capture.pcapng');
const UEFI_HAPPY = join(LAB, 'uefi-happy', 'capture.pcapng');

const signature = (r: ReplayReport): string[] => replaySignature(r);

/** The lab's dnsmasq lines (happy-ipxe and uefi-happy together) on this segment and the relay subnet. */
const SEGMENT = [
  'dhcp-range=10.99.62.100,10.99.62.150,255.255.255.0,1h',
  `dhcp-range=10.99.63.100,10.99.63.150,255.255.255.0,1h`,
  'dhcp-match=set:efi64,option:client-arch,7',
  'dhcp-match=set:efi64,option:client-arch,9',
  'dhcp-userclass=set:ipxe,iPXE',
];

const LAB_BOOT = [
  'dhcp-boot=tag:efi64,boot-efi.ipxe',
  'dhcp-boot=tag:!efi64,tag:ipxe,boot.ipxe',
  'dhcp-boot=tag:!efi64,tag:!ipxe,undionly.kpxe',
];

test('replay --interface against dnsmasq and pxe-doctor serve in namespaces', async (t: TestContext) => {
  if (!requireServeLab(t, ['dnsmasq'])) return;
  const dir = tempDir('pxd-e2e-replay-');
  const root = join(dir.path, 'root');
  mkdirSync(root);
  // dnsmasq drops to nobody: the folder and the root must be readable to it.
  chmodSync(dir.path, 0o755);
  await writeCapturedFiles(root, [HAPPY_IPXE, UEFI_HAPPY]);
  // The same bytes under another name: a changed boot file name alone.
  writeFileSync(join(root, 'other.ipxe'), readFileSync(join(root, 'boot.ipxe')));
  const site: DnsmasqSite = { ns: NS.server, iface: SERVER_IF, dir: dir.path, name: 'dnsmasq' };
  const startDnsmasq = (boot: readonly string[]): Promise<Background> =>
    startDnsmasqIn(site, [...SEGMENT, 'enable-tftp', `tftp-root=${root}`, ...boot]);
  const { timed, summary } = stopwatch();
  const replay = (capture: string, args: readonly string[]): Promise<Replayed> =>
    replayIn(NS.client, CLIENT_IF, capture, args);
  try {
    await withNamespaces([NS.server, NS.client], async () => {
      await link(NS.server, SERVER_IF, `${SERVER}/24`, NS.client, CLIENT_IF);
      // The relay subnet is reached on this segment (the replay answers ARP for giaddr and the leases).
      await ip(['-n', NS.server, 'route', 'add', '10.99.63.0/24', 'dev', SERVER_IF]);

      await t.test('dnsmasq, the captured configuration: only expected differences', async () => {
        const dnsmasq = await startDnsmasq(LAB_BOOT);
        try {
          for (const [name, capture, file] of [
            ['happy-ipxe', HAPPY_IPXE, 'boot.ipxe'],
            ['uefi-happy', UEFI_HAPPY, 'boot-efi.ipxe'],
          ] as const) {
            const w = join(dir.path, `${name}.pcapng`);
            const { run, report } = await timed(`dnsmasq ${name}`, () => replay(capture, ['-w', w]));
            assert.equal(run.code, 0, `${name}: ${signature(report).join('; ')}`);
            assert.deepEqual(signature(report), []);
            const ex = report.clients[0].exchanges;
            assert.deepEqual(
              ex.map((e) => [e.label, e.status]),
              [
                ['DHCP DISCOVER → OFFER from 10.77.0.1', 'same'],
                ['DHCP REQUEST → ACK from 10.77.0.1', 'same'],
                [`TFTP RRQ ${file}`, 'same'],
              ],
            );
            const sha = ex[2].fields.find((f) => f.field === 'sha256');
            assert.ok(sha?.status === 'same' && sha.captured !== null, 'the captured bytes came again');
            // Expected: xid aside, the new lease, lease times, and dnsmasq's own address moved.
            const volatile = ex[1].fields.filter((f) => f.status === 'volatile').map((f) => f.field);
            for (const f of ['leased address (yiaddr)', 'server identifier (54)', 'router (3)'])
              assert.ok(volatile.includes(f), `${f} in ${volatile.join(', ')}`);
            await analyzeClean(w, MAC);
            await noLeaseLeft(leaseFile(site), MAC);
          }
        } finally {
          await dnsmasq.stop();
        }
      });

      await t.test('dnsmasq with another boot file and no blksize: exactly those differences', async () => {
        const changed = [
          'dhcp-boot=tag:efi64,boot-efi.ipxe',
          'dhcp-boot=tag:!efi64,tag:ipxe,other.ipxe',
          'dhcp-boot=tag:!efi64,tag:!ipxe,undionly.kpxe',
          'tftp-no-blocksize',
        ];
        const dnsmasq = await startDnsmasq(changed);
        try {
          const { run, report } = await timed('dnsmasq changed', () => replay(HAPPY_IPXE, []));
          assert.equal(run.code, 1, describeRun('replay', run));
          assert.deepEqual(signature(report), [
            'DHCP DISCOVER → OFFER from 10.77.0.1 | boot file, boot file name (67)',
            'DHCP REQUEST → ACK from 10.77.0.1 | boot file, boot file name (67)',
            'TFTP RRQ boot.ipxe | OACK blksize',
          ]);
          const tftp = report.clients[0].exchanges[2];
          assert.match(tftp.note ?? '', /asked for other\.ipxe/);
          assert.equal(tftp.fields.find((f) => f.field === 'sha256')?.status, 'same');
        } finally {
          await dnsmasq.stop();
        }
      });

      await t.test('dnsmasq through a relay (--giaddr): a lease of the relay subnet', async () => {
        const dnsmasq = await startDnsmasq(LAB_BOOT);
        try {
          const w = join(dir.path, 'relay.pcapng');
          const { run, report } = await timed('dnsmasq relay', () =>
            replay(HAPPY_IPXE, ['--giaddr', GIADDR, '--relay-to', SERVER, '-w', w]),
          );
          assert.equal(run.code, 1, describeRun('replay', run));
          // dnsmasq gives a relayed subnet the relay as its router: the one real difference.
          assert.deepEqual(signature(report), [
            'DHCP DISCOVER → OFFER from 10.77.0.1 | router (3)',
            'DHCP REQUEST → ACK from 10.77.0.1 | router (3)',
          ]);
          const ack = report.clients[0].exchanges[1];
          assert.equal(ack.fields.find((f) => f.field === 'router (3)')?.replayed, `["${GIADDR}"]`);
          assert.match(
            ack.fields.find((f) => f.field === 'leased address (yiaddr)')?.replayed ?? '',
            /^10\.99\.63\./,
          );
          assert.equal(report.clients[0].exchanges[2].status, 'same', 'TFTP from the relayed lease');
          const log = dnsmasq.stderr();
          assert.match(log, /DHCPDISCOVER\(rplS\) .*52:54:00:12:34:56/);
          assert.match(log, /DHCPRELEASE\(rplS\) 10\.99\.63\.\d+ 52:54:00:12:34:56/);
          await noLeaseLeft(leaseFile(site), MAC);
        } finally {
          await dnsmasq.stop();
        }
      });

      await t.test(
        'pxe-doctor serve: a recording against it replays the same; a changed script shows',
        async () => {
          const serveDir = join(dir.path, 'serve');
          mkdirSync(serveDir);
          const args = (script: string): string[] => [
            '--interface',
            SERVER_IF,
            '--root',
            root,
            '--range',
            '10.99.62.100-10.99.62.150',
            '--leases',
            join(serveDir, 'leases.json'),
            '--boot-bios',
            'undionly.kpxe',
            '--ipxe-script',
            script,
          ];
          const base = join(dir.path, 'serve-base.pcapng');
          let serve = await startServe(NS.server, args('boot.ipxe'));
          try {
            const first = await timed('serve from the dnsmasq capture', () =>
              replay(HAPPY_IPXE, ['-w', base]),
            );
            assert.ok(first.run.code === 0 || first.run.code === 1, describeRun('replay', first.run));
            t.diagnostic(
              `serve against the dnsmasq capture: ${signature(first.report).join('; ') || 'no difference'}`,
            );
            await analyzeClean(base, MAC);
            const again = await timed('serve same', () => replay(base, []));
            assert.equal(again.run.code, 0, signature(again.report).join('; '));
            // The same server at the same address gives the same MAC the same lease: nothing even volatile
            // but the xid, which is not a field.
            assert.deepEqual(
              again.report.clients[0].exchanges.map((e) => [e.label.replace(/ from .*/, ''), e.status]),
              [
                ['DHCP DISCOVER → OFFER', 'same'],
                ['DHCP REQUEST → ACK', 'same'],
                ['TFTP RRQ boot.ipxe', 'same'],
                ['DHCP RELEASE → no answer', 'same'],
              ],
            );
          } finally {
            await serve.stop();
          }
          serve = await startServe(NS.server, args('other.ipxe'));
          try {
            const changed = await timed('serve changed', () => replay(base, []));
            assert.equal(changed.run.code, 1);
            const sig = signature(changed.report);
            assert.ok(sig.length === 2, sig.join('; '));
            for (const line of sig)
              assert.match(
                line,
                /^DHCP (DISCOVER → OFFER|REQUEST → ACK) from 10\.99\.62\.1 \| boot file(, |$)/,
              );
            const tftp = changed.report.clients[0].exchanges.find((e) => e.label.startsWith('TFTP'));
            assert.equal(tftp?.status, 'same', 'other.ipxe holds the same bytes');
          } finally {
            await serve.stop();
          }
        },
      );

      await t.test('exit 4: no such interface, the default-route interface, no capture rights', async () => {
        const missing = await runIn(NS.client, process.execPath, [
          PXE_DOCTOR,
          'replay',
          HAPPY_IPXE,
          '--interface',
          'nosuch0',
        ]);
        assert.equal(missing.code, 4, describeRun('replay', missing));
        assert.match(missing.stderr.trim(), /^pxe-doctor: no interface nosuch0 \(interfaces here: .*rplC/);
        assert.equal(missing.stderr.trim().split('\n').length, 1);

        await ip(['-n', NS.client, 'addr', 'add', '10.99.62.2/24', 'dev', CLIENT_IF]);
        await ip(['-n', NS.client, 'route', 'add', 'default', 'via', SERVER]);
        const routed = await runIn(NS.client, process.execPath, [
          PXE_DOCTOR,
          'replay',
          HAPPY_IPXE,
          '--interface',
          CLIENT_IF,
        ]);
        assert.equal(routed.code, 4, describeRun('replay', routed));
        assert.match(routed.stderr, /rplC carries this host's default route.*--force/);
        await ip(['-n', NS.client, 'route', 'del', 'default']);

        const setpriv = which('setpriv');
        const asNobody =
          setpriv === null
            ? null
            : await runIn(NS.client, setpriv, [
                '--reuid=65534',
                '--regid=65534',
                '--clear-groups',
                process.execPath,
                PXE_DOCTOR,
                '--version',
              ]);
        if (asNobody === null || asNobody.code !== 0) {
          t.diagnostic('no capture-rights check: the project cannot be run as nobody here');
          return;
        }
        const denied = await runIn(NS.client, setpriv ?? 'setpriv', [
          '--reuid=65534',
          '--regid=65534',
          '--clear-groups',
          process.execPath,
          PXE_DOCTOR,
          'replay',
          HAPPY_IPXE,
          '--interface',
          CLIENT_IF,
        ]);
        assert.equal(denied.code, 4, describeRun('replay as nobody', denied));
        assert.match(
          denied.stderr.trim(),
          /^pxe-doctor: cannot capture on rplC .*run as root or give node CAP_NET_RAW/,
        );
      });
    });
  } finally {
    t.diagnostic(summary());
    if (existsSync(dir.path)) dir.remove();
  }
});
