/**
 * `replay --interface` of whole lab boots against real servers, inside network namespaces only: the replay in
 * a client namespace plays the captured client as layer-2 frames onto a bridge in the server namespace
 * (10.99.64.1/24: dnsmasq or `pxe-doctor serve`, the proxyDHCP and TFTP server), where a third namespace
 * holds the plain DHCP server of the proxy scenarios (10.99.64.2). No qemu: the replay is the client. The
 * lab boots were captured on 10.77.0.0/24 (server 10.77.0.1, plain DHCP 10.77.0.2), so the servers move.
 *
 * - happy-bios-pxelinux against dnsmasq: the whole pxelinux load (pxelinux.0, ldlinux.c32, the config
 *   search, menu.c32, libutil.c32, poweroff.c32) with every captured sha256 again.
 * - proxydhcp against dnsmasq in proxy mode (+ pxe-service) beside a plain DHCP server: the 4011 REQUEST goes
 *   to the new boot server and its ACK is the captured one; against a proxy that has no boot service the
 *   missing 4011 answer is the difference; against `serve --proxy`, serve's own boot-service answer.
 * - uefi-happy and uefi-edk2-happy against `serve` with a UEFI boot file and an iPXE script.
 *
 *   pxd-e2e-rplb-c: rplbC ══ rplbS ─┐
 *                                     pxd-e2e-rplb-s: bridge rplbBr 10.99.64.1/24
 *   pxd-e2e-rplb-d: rplbD ══ rplbP ─┘  (rplbD 10.99.64.2/24)
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { ExchangeDiff, FieldDiff, ReplayReport } from '../../src/report/replay-model.js';
import { PXELINUX_LAB_FILES, projectRoot } from '../support/fixtures.js';
import { replaySignature } from '../support/replay-signature.js';
import { tempDir } from './support/cleanup.js';
import { assertTestAddress, ip, withNamespaces } from './support/netns.js';
import {
  analyzeClean,
  leaseFile,
  noLeaseLeft,
  replayIn,
  startDnsmasq,
  stopwatch,
  writeCapturedFiles,
  type DnsmasqSite,
} from './support/replay-lab.js';
import { describeRun, type Background } from './support/run.js';
import { requireServeLab, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-rplb-s', dhcp: 'pxd-e2e-rplb-d', client: 'pxd-e2e-rplb-c' };
const BRIDGE = 'rplbBr';
const CLIENT_IF = 'rplbC';
const SERVER = '10.99.64.1';
const PLAIN_DHCP = '10.99.64.2';
const RANGE = 'dhcp-range=10.99.64.100,10.99.64.150,255.255.255.0,1h';
const MAC = '52:54:00:12:34:56';
const capture = (name: string): string =>
  join(projectRoot(), 'fixtures', 'captures', 'lab', name, 'capture.pcapng');
const PXELINUX = capture('happy-bios-pxelinux');
const PROXY = capture('proxydhcp');
const UEFI_IPXE = capture('uefi-happy');
const UEFI_EDK2 = capture('uefi-edk2-happy');

/** A bridge in the server namespace with a veth port towards `peerNs` (`peerIf` there). */
async function port(serverIf: string, peerNs: string, peerIf: string): Promise<void> {
  await ip([
    'link',
    'add',
    serverIf,
    'netns',
    NS.server,
    'type',
    'veth',
    'peer',
    'name',
    peerIf,
    'netns',
    peerNs,
  ]);
  await ip(['-n', NS.server, 'link', 'set', serverIf, 'master', BRIDGE]);
  await ip(['-n', NS.server, 'link', 'set', serverIf, 'up']);
  await ip(['-n', peerNs, 'link', 'set', peerIf, 'up']);
}

async function buildNetwork(): Promise<void> {
  assertTestAddress(`${SERVER}/24`, `${PLAIN_DHCP}/24`);
  const s = NS.server;
  await ip(['-n', s, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await ip(['-n', s, 'addr', 'add', `${SERVER}/24`, 'dev', BRIDGE]);
  await port('rplbS', NS.client, CLIENT_IF);
  await port('rplbP', NS.dhcp, 'rplbD');
  await ip(['-n', NS.dhcp, 'addr', 'add', `${PLAIN_DHCP}/24`, 'dev', 'rplbD']);
  await ip(['-n', s, 'link', 'set', BRIDGE, 'up']);
}

/** The TFTP exchanges of a report: label, status and the sha256 field. */
function tftpReads(r: ReplayReport): ExchangeDiff[] {
  return r.clients[0].exchanges.filter((e) => e.label.startsWith('TFTP'));
}

function field(fields: readonly FieldDiff[], name: string): FieldDiff {
  const f = fields.find((x) => x.field === name);
  assert.ok(f !== undefined, `no field ${name}: ${fields.map((x) => x.field).join(', ')}`);
  return f;
}

/** Every complete read's sha256: captured, replayed, and the same. */
function assertSameBytes(r: ReplayReport, files: readonly string[]): void {
  const sums = tftpReads(r).flatMap((e) =>
    e.fields.filter((f) => f.field === 'sha256').map((f) => ({ file: e.label.replace(/^TFTP RRQ /, ''), f })),
  );
  assert.deepEqual(
    sums.map((s) => s.file),
    files,
  );
  for (const { file, f } of sums) {
    assert.match(f.captured ?? '', /^[0-9a-f]{64}$/, file);
    assert.equal(f.replayed, f.captured, `${file}: the captured bytes came again`);
    assert.equal(f.status, 'same');
  }
}

test('replay --interface: whole lab boots against dnsmasq and serve (pxelinux, proxyDHCP + 4011, UEFI)', async (t: TestContext) => {
  if (!requireServeLab(t, ['dnsmasq'])) return;
  const dir = tempDir('pxd-e2e-replay-boot-');
  chmodSync(dir.path, 0o755); // dnsmasq drops to nobody
  const root = join(dir.path, 'root');
  mkdirSync(root, { mode: 0o755 });
  const written = await writeCapturedFiles(root, [PXELINUX, UEFI_EDK2]);
  t.diagnostic(`TFTP root: ${written.join(', ')}`);
  const pxe: DnsmasqSite = { ns: NS.server, iface: BRIDGE, dir: dir.path, name: 'pxe' };
  const plain: DnsmasqSite = { ns: NS.dhcp, iface: 'rplbD', dir: dir.path, name: 'plain' };
  const { timed, summary } = stopwatch();
  const replay = (what: string, file: string, args: readonly string[] = []) =>
    timed(what, () => replayIn(NS.client, CLIENT_IF, file, args));
  const stopAll = (bgs: Background[]) => Promise.all(bgs.map((b) => b.stop()));
  try {
    await withNamespaces([NS.server, NS.dhcp, NS.client], async () => {
      await buildNetwork();

      await t.test('dnsmasq: the whole pxelinux load with every captured sha256', async () => {
        const dnsmasq = await startDnsmasq(pxe, [
          RANGE,
          'enable-tftp',
          `tftp-root=${root}`,
          'dhcp-boot=pxelinux.0',
        ]);
        try {
          const w = join(dir.path, 'pxelinux.pcapng');
          const { run, report } = await replay('dnsmasq pxelinux', PXELINUX, ['-w', w]);
          assert.equal(run.code, 0, replaySignature(report).join('; '));
          assert.deepEqual(replaySignature(report), []);
          const ex = report.clients[0].exchanges;
          // DISCOVER, REQUEST and 17 reads, 10 of them the config search's misses (ERROR 1 again).
          assert.equal(ex.length, 19, ex.map((e) => e.label).join(', '));
          assert.ok(ex.every((e) => e.status === 'same'));
          const misses = tftpReads(report).filter((e) => e.fields.some((f) => f.field === 'error code'));
          assert.equal(misses.length, 10);
          for (const e of misses)
            assert.equal(e.fields.find((f) => f.field === 'error code')?.replayed, '1', e.label);
          assertSameBytes(report, PXELINUX_LAB_FILES);
          await analyzeClean(w, MAC);
          await noLeaseLeft(leaseFile(pxe), MAC);
        } finally {
          await dnsmasq.stop();
        }
      });

      // dnsmasq's proxyDHCP as the lab ran it (fixtures/captures/lab/proxydhcp/dnsmasq.conf).
      const proxyLines = ['dhcp-range=10.99.64.0,proxy,255.255.255.0', 'enable-tftp', `tftp-root=${root}`];
      const labProxy = [
        ...proxyLines,
        'pxe-prompt="PXE-LAB proxyDHCP",1',
        'pxe-service=x86PC,"PXE-LAB pxelinux via proxyDHCP",pxelinux',
      ];
      await t.test('dnsmasq proxyDHCP beside a plain DHCP server: the 4011 ACK again', async () => {
        const servers = [await startDnsmasq(plain, [RANGE]), await startDnsmasq(pxe, labProxy)];
        try {
          const w = join(dir.path, 'proxy.pcapng');
          const { run, report } = await replay('dnsmasq proxy', PROXY, ['-w', w]);
          assert.equal(run.code, 0, replaySignature(report).join('; '));
          assert.deepEqual(replaySignature(report), []);
          assert.deepEqual(
            report.clients[0].exchanges.slice(0, 4).map((e) => [e.label, e.status]),
            [
              ['DHCP DISCOVER → OFFER from 10.77.0.1', 'same'],
              ['DHCP DISCOVER → OFFER from 10.77.0.2', 'same'],
              ['DHCP REQUEST → ACK from 10.77.0.2', 'same'],
              ['4011 REQUEST → ACK from 10.77.0.1', 'same'],
            ],
          );
          // The boot server moved with the proxy: its list in 43 and the ACK's next server name it.
          const offer = report.clients[0].exchanges[0].fields;
          assert.match(field(offer, 'vendor options (43)').replayed ?? '', /"ips":\["10\.99\.64\.1"\]/);
          const ack = report.clients[0].exchanges[3].fields;
          assert.equal(field(ack, 'next server (siaddr)').replayed, SERVER);
          assert.equal(field(ack, 'boot file').status, 'same');
          assertSameBytes(report, PXELINUX_LAB_FILES);
          await analyzeClean(w, MAC);
          await noLeaseLeft(leaseFile(plain), MAC);
        } finally {
          await stopAll(servers);
        }
      });

      await t.test('a proxy whose boot server never answers on 4011: that is the difference', async () => {
        // The proxy sends the client to a boot server at 10.99.64.2, which runs no boot service.
        const servers = [
          await startDnsmasq(plain, [RANGE]),
          await startDnsmasq(pxe, [
            ...proxyLines,
            'pxe-prompt="PXE-LAB proxyDHCP",1',
            `pxe-service=x86PC,"PXE-LAB pxelinux via proxyDHCP",1,${PLAIN_DHCP}`,
          ]),
        ];
        try {
          const { run, report } = await replay('dnsmasq proxy, silent boot server', PROXY);
          assert.equal(run.code, 1, describeRun('replay', run));
          assert.deepEqual(replaySignature(report), [
            'DHCP DISCOVER → OFFER from 10.77.0.1 | vendor options (43)',
            '4011 REQUEST → ACK from 10.77.0.1 | answer',
          ]);
          const offer = report.clients[0].exchanges[0].fields;
          assert.match(field(offer, 'vendor options (43)').replayed ?? '', /"ips":\["10\.99\.64\.2"\]/);
          const reads = tftpReads(report);
          assert.equal(reads.length, 17);
          assert.ok(
            reads.every((e) => e.status === 'skipped'),
            'no boot file learnt: nothing read',
          );
        } finally {
          await stopAll(servers);
        }
      });

      await t.test('serve --proxy configured like the lab proxy: only its 4011 ACK departs', async () => {
        const config = join(dir.path, 'serve-proxy.json');
        writeFileSync(
          config,
          JSON.stringify({
            mode: 'proxy',
            interface: BRIDGE,
            tftpRoot: root,
            boot: { bios: 'pxelinux.0' },
            proxy: { menu: 'PXE-LAB pxelinux via proxyDHCP', prompt: 'PXE-LAB proxyDHCP', timeout: 1 },
          }),
        );
        const servers = [
          await startDnsmasq(plain, [RANGE]),
          await startServe(NS.server, ['--config', config]),
        ];
        try {
          const { run, report } = await replay('serve proxy', PROXY);
          assert.equal(run.code, 1, describeRun('replay', run));
          // dnsmasq repeats its menu prompt (sub-option 10) in the 4011 ACK; serve sends the boot item alone.
          assert.deepEqual(replaySignature(report), [
            '4011 REQUEST → ACK from 10.77.0.1 | vendor options (43)',
          ]);
          const ack = report.clients[0].exchanges[3].fields;
          assert.doesNotMatch(field(ack, 'vendor options (43)').replayed ?? '', /PXE menu prompt/);
          assert.equal(field(ack, 'boot file').status, 'same');
          assertSameBytes(report, PXELINUX_LAB_FILES);
        } finally {
          await stopAll(servers);
        }
      });

      await t.test('serve with a UEFI boot file: uefi-happy and uefi-edk2-happy', async () => {
        const serveDir = join(dir.path, 'serve');
        mkdirSync(serveDir);
        const serve = await startServe(NS.server, [
          '--interface',
          BRIDGE,
          '--root',
          root,
          '--range',
          '10.99.64.100-10.99.64.150',
          '--router',
          SERVER,
          '--leases',
          join(serveDir, 'leases.json'),
          '--boot-bios',
          'pxelinux.0',
          '--boot-uefi',
          'snponly.efi',
          '--ipxe-script',
          'boot-efi.ipxe',
        ]);
        try {
          // iPXE as the EFI PXE client: the script straight away.
          const w = join(dir.path, 'uefi-serve.pcapng');
          const ipxe = await replay('serve uefi-happy', UEFI_IPXE, ['-w', w]);
          assert.equal(ipxe.run.code, 0, replaySignature(ipxe.report).join('; '));
          assert.deepEqual(replaySignature(ipxe.report), []);
          assertSameBytes(ipxe.report, ['boot-efi.ipxe']);
          await analyzeClean(w, MAC);
          // EDK2's own PXE client: snponly.efi (size probe, then the read), then iPXE asks again for its script.
          const edk2 = await replay('serve uefi-edk2-happy', UEFI_EDK2);
          assert.equal(edk2.run.code, 1, describeRun('replay', edk2.run));
          // EDK2 asks windowsize=4; dnsmasq ignored it, serve grants it: the one real difference.
          assert.deepEqual(replaySignature(edk2.report), [
            'TFTP RRQ snponly.efi (size probe) | OACK windowsize',
            'TFTP RRQ snponly.efi | OACK windowsize',
          ]);
          assertSameBytes(edk2.report, ['snponly.efi', 'boot-efi.ipxe']);
        } finally {
          await serve.stop();
        }
      });
    });
  } finally {
    t.diagnostic(summary());
    if (existsSync(dir.path)) dir.remove();
  }
});
