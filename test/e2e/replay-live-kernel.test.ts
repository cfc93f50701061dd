/**
 * A whole pxelinux → Linux boot, recorded at test time and replayed live: a qemu client (SeaBIOS + the iPXE
 * ROM) boots pxelinux from dnsmasq, pxelinux.cfg makes it load a real Linux kernel and a busybox initrd over
 * TFTP, and the kernel runs the initrd (which prints a marker and powers off). tcpdump records the bridge with
 * whole frames, so the capture holds every DATA block. Then `replay CAPTURE --interface` plays that client
 * against the same dnsmasq from a second namespace: every file read again, each with the captured sha256,
 * which is also the sha256 of the file on disk; the `-w` recording analyses clean. One qemu boot for all.
 *
 * The kernel is this machine's /boot/vmlinuz-* or Debian's cloud kernel unpacked by test/e2e/fetch-kernel.sh
 * (not installed: no hooks, no initramfs); $PXD_E2E_KERNEL names another.
 *
 *   pxd-e2e-krn-s: bridge krnBr 10.99.67.1/24 (dnsmasq, tcpdump) ─┬─ krnTap ── qemu
 *                                                                  └─ krnS ══ krnC (pxd-e2e-krn-c: the replay)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { analyzeCapture } from '../../src/analyze.js';
import { readClientScripts } from '../../src/replay/script.js';
import type { ReplayReport } from '../../src/report/replay-model.js';
import { replaySignature } from '../support/replay-signature.js';
import {
  addPxelinuxLinux,
  BUSYBOX,
  findLinuxKernel,
  newMarker,
  PXELINUX_NEEDS,
} from './support/boot-assets.js';
import { closeFile, startCapture } from './support/boot-lab.js';
import { tempDir } from './support/cleanup.js';
import { assertTestAddress, ip, withNamespaces } from './support/netns.js';
import { bootQemu, firmwareNeeds } from './support/qemu.js';
import {
  analyzeClean,
  leaseFile,
  noLeaseLeft,
  replayIn,
  startDnsmasq,
  stopwatch,
} from './support/replay-lab.js';
import { requireDevice } from './support/require.js';
import { requireServeLab } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-krn-s', client: 'pxd-e2e-krn-c' };
const BRIDGE = 'krnBr';
const TAP = 'krnTap';
const CLIENT_IF = 'krnC';
const SERVER = '10.99.67.1';
const MAC = '52:54:00:99:67:01';
const UUID = '8a5f1b1e-7c1d-4c2e-9b9a-99670000e2e0';
/** qemu's limit: pxelinux, ~14 MB at a few MB/s under software emulation, then the kernel's own boot. */
const BOOT_LIMIT_MS = 240_000;
const REPLAY_LIMIT_MS = 180_000;

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function buildNetwork(): Promise<void> {
  assertTestAddress(`${SERVER}/24`);
  const s = NS.server;
  await ip(['-n', s, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await ip(['-n', s, 'link', 'set', BRIDGE, 'type', 'bridge', 'mcast_snooping', '0']);
  await ip(['-n', s, 'addr', 'add', `${SERVER}/24`, 'dev', BRIDGE]);
  // The replay's port: also keeps the bridge's carrier up before qemu opens its tap.
  await ip([
    'link',
    'add',
    'krnS',
    'netns',
    s,
    'type',
    'veth',
    'peer',
    'name',
    CLIENT_IF,
    'netns',
    NS.client,
  ]);
  await ip(['-n', s, 'link', 'set', 'krnS', 'master', BRIDGE]);
  await ip(['-n', s, 'link', 'set', 'krnS', 'up']);
  await ip(['-n', NS.client, 'link', 'set', CLIENT_IF, 'up']);
  await ip(['-n', s, 'tuntap', 'add', TAP, 'mode', 'tap']);
  await ip(['-n', s, 'link', 'set', TAP, 'master', BRIDGE]);
  await ip(['-n', s, 'link', 'set', TAP, 'up']);
  await ip(['-n', s, 'link', 'set', BRIDGE, 'up']);
}

/** The complete reads of the capture, in order: file name and the sha256 of the bytes the capture holds. */
async function capturedReads(capture: string): Promise<{ file: string; sha256: string; size: number }[]> {
  const scripts = await readClientScripts(capture, { keepData: true });
  assert.deepEqual(
    scripts.clients.map((c) => c.mac),
    [MAC],
  );
  return scripts.clients[0].steps.flatMap((s) =>
    s.kind === 'tftp' && s.data !== null
      ? [{ file: s.filename, sha256: sha256(s.data), size: s.data.length }]
      : [],
  );
}

/** The complete reads of a recording as the analysis sees them: name, blksize, blocks, seconds, lost blocks. */
async function transfers(path: string): Promise<Map<string, string>> {
  const { result } = await analyzeCapture(path);
  const seen = new Map<string, string>();
  for (const x of [...result.sessions.flatMap((s) => s.transfers), ...result.orphanTransfers]) {
    if (!x.lastBlockAcked) continue;
    const s = (x.lastPacket.t - x.request.t).toFixed(2);
    assert.equal(x.gaps, 0, `${path} ${x.filename}: blocks missing`);
    seen.set(
      x.filename,
      `${x.bytes} B, blksize ${x.blksize}, ${x.blocks} blocks, ${s} s, ${x.duplicateData} resent`,
    );
  }
  return seen;
}

/** The replay's sha256 per read file: captured, replayed, status. */
function replayedSums(
  r: ReplayReport,
): { file: string; captured: string | null; replayed: string | null; status: string }[] {
  return r.clients[0].exchanges.flatMap((e) =>
    e.fields
      .filter((f) => f.field === 'sha256')
      .map((f) => ({
        file: e.label.replace(/^TFTP RRQ /, ''),
        captured: f.captured,
        replayed: f.replayed,
        status: f.status,
      })),
  );
}

test('replay --interface: a recorded pxelinux → Linux kernel + initrd boot, every sha256 again', async (t: TestContext) => {
  if (
    !requireServeLab(t, ['dnsmasq', 'tcpdump', BUSYBOX, ...firmwareNeeds('seabios-ipxe'), ...PXELINUX_NEEDS])
  )
    return;
  if (!requireDevice(t, '/dev/net/tun', "qemu's tap device")) return;
  const kernel = findLinuxKernel();
  if (kernel === null) {
    t.skip('needs a Linux kernel: /boot/vmlinuz-*, or run test/e2e/fetch-kernel.sh (as .ci/run does)');
    return;
  }
  const dir = tempDir('pxd-e2e-replay-kernel-');
  chmodSync(dir.path, 0o755); // dnsmasq serves TFTP as nobody
  const root = join(dir.path, 'root');
  mkdirSync(root, { mode: 0o755 });
  const marker = newMarker();
  const sizes = addPxelinuxLinux(root, kernel, marker);
  t.diagnostic(`kernel ${kernel}: ${sizes['vmlinuz']} bytes, initrd ${sizes['initrd.gz']} bytes`);
  const onDisk = (file: string): string => sha256(readFileSync(join(root, file)));
  const { timed, summary } = stopwatch();
  const capture = join(dir.path, 'boot.pcap');
  const site = { ns: NS.server, iface: BRIDGE, dir: dir.path, name: 'pxe' };
  try {
    await withNamespaces([NS.server, NS.client], async () => {
      await buildNetwork();
      const dnsmasq = await startDnsmasq(site, [
        'dhcp-range=10.99.67.100,10.99.67.150,255.255.255.0,1h',
        'enable-tftp',
        `tftp-root=${root}`,
        'dhcp-boot=pxelinux.0',
      ]);
      try {
        // 1. The real client's boot, recorded whole.
        const { tcpdump, file } = await startCapture(capture, BOOT_LIMIT_MS + 30_000, NS.server, BRIDGE);
        const boot = await timed('qemu boot', () =>
          bootQemu({
            namespace: NS.server,
            tap: TAP,
            firmware: 'seabios-ipxe',
            mac: MAC,
            uuid: UUID,
            consolePath: join(dir.path, 'console.log'),
            timeoutMs: BOOT_LIMIT_MS,
            failFast: /Kernel panic|No bootable device|Could not find kernel image|PXE-E\w\w/,
          }),
        );
        await sleep(1000); // the last frames on their way
        await tcpdump.stop('SIGINT');
        await closeFile(file);
        const tail = boot.console.slice(-1500);
        assert.ok(
          boot.exitedByItself,
          `the boot did not end by itself (${boot.failedWith ?? 'limit'}):\n${tail}`,
        );
        assert.match(boot.console, new RegExp(`${marker} kernel=\\S+`), `the initrd never ran:\n${tail}`);
        t.diagnostic(`capture ${statSync(capture).size} bytes`);
        const bootReads = await transfers(capture);
        t.diagnostic(`qemu: ${[...bootReads].map(([f, x]) => `${f} ${x}`).join('; ')}`);

        // 2. The capture holds every file whole: the bytes on disk.
        const reads = await capturedReads(capture);
        const files = reads.map((r) => r.file);
        assert.deepEqual(files.slice(-2), ['vmlinuz', 'initrd.gz'], files.join(', '));
        assert.deepEqual(
          ['pxelinux.0', 'ldlinux.c32', 'pxelinux.cfg/default'].filter((f) => !files.includes(f)),
          [],
        );
        for (const r of reads) assert.equal(r.sha256, onDisk(r.file), `${r.file}: the captured bytes`);
        await analyzeClean(capture, MAC);

        // 3. Replayed against the same dnsmasq: the same answers, every file's bytes again.
        const w = join(dir.path, 'replay.pcapng');
        const { run, report } = await timed('replay', () =>
          replayIn(NS.client, CLIENT_IF, capture, ['-w', w], REPLAY_LIMIT_MS),
        );
        assert.equal(run.code, 0, replaySignature(report).join('; '));
        assert.deepEqual(replaySignature(report), []);
        const sums = replayedSums(report);
        assert.deepEqual(
          sums.map((s) => s.file),
          files,
        );
        for (const s of sums) {
          assert.equal(s.status, 'same', s.file);
          assert.equal(s.captured, onDisk(s.file), `${s.file}: captured sha256`);
          assert.equal(s.replayed, s.captured, `${s.file}: replayed sha256`);
        }
        await analyzeClean(w, MAC);
        const replayReads = await transfers(w);
        t.diagnostic(`replay: ${[...replayReads].map(([f, x]) => `${f} ${x}`).join('; ')}`);
        // The same negotiation and the same number of blocks for every file (the kernel: thousands).
        const shape = (m: Map<string, string>): string[] =>
          [...m].map(([f, x]) => `${f} ${x.split(', ').slice(0, 3).join(', ')}`);
        assert.deepEqual(shape(replayReads), shape(bootReads));
        await noLeaseLeft(leaseFile(site), MAC);
      } finally {
        await dnsmasq.stop();
      }
    });
  } finally {
    t.diagnostic(summary());
    if (existsSync(dir.path)) dir.remove();
  }
});
