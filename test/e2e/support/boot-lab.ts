/**
 * One firmware boot, recorded: a network namespace with a bridge (the server's address) and a tap device for
 * qemu, the PXE server under test on the bridge, tcpdump capturing the bridge, and a qemu client that boots
 * until it ends by itself. For proxyDHCP a second namespace holds a plain DHCP server (dnsmasq), joined to
 * the bridge by a veth pair. Everything is stopped by PID and the namespaces deleted at the end, also on
 * failure; then pxe-doctor analyses the capture.
 *
 *   pxd-e2e-boot:       br0 10.99.7.1/24 ── tap0 ── qemu
 *                        ├─ carrier0 ══ carrier1 (veth pair: keeps the bridge's carrier up before qemu starts)
 *                        └─ veth-boot ─────────────── pxd-e2e-boot-dhcp: veth-dhcp 10.99.7.2/24 (proxy only)
 */
import {
  chmodSync,
  copyFileSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  writeFileSync,
  type WriteStream,
} from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { analyzeCapture, type AnalyzeOutcome } from '../../../src/analyze.js';
import { tempDir } from './cleanup.js';
import {
  dnsmasqPlainConfig,
  dnsmasqPxeConfig,
  startDnsmasq,
  startServe,
  type BootPlan,
  type BootServerKind,
  type ServerSite,
} from './boot-servers.js';
import { assertTestAddress, inNamespace, ip, withNamespaces } from './netns.js';
import { bootQemu, type Firmware, type QemuBoot } from './qemu.js';
import { which } from './require.js';
import { start, type Background, type RunResult } from './run.js';

export const LAB = {
  namespace: 'pxd-e2e-boot',
  dhcpNamespace: 'pxd-e2e-boot-dhcp',
  bridge: 'br0',
  tap: 'tap0',
  serverIp: '10.99.7.1',
  dhcpIp: '10.99.7.2',
  prefix: 24,
  netmask: '255.255.255.0',
  network: '10.99.7.0',
  range: ['10.99.7.100', '10.99.7.150'] as const,
  mac: '52:54:00:99:07:01',
  uuid: '8a5f1b1e-7c1d-4c2e-9b9a-99070000e2e0',
} as const;

/** Default time limit of one boot (qemu is stopped when it is reached). */
export const BOOT_LIMIT_MS = 150_000;

export interface BootScenario {
  /** Short name for files, e.g. "bios-pxelinux". */
  slug: string;
  firmware: Firmware;
  plan: BootPlan;
  /** Fills the TFTP root (the folder exists and is empty). */
  fillRoot: (root: string) => void;
  /** Console text that means the boot has failed (stops qemu early). */
  failFast?: RegExp;
  bootLimitMs?: number;
}

export interface BootRecord {
  qemu: QemuBoot;
  /** Wall time of the boot alone (qemu start to exit), ms. */
  bootMs: number;
  analysis: AnalyzeOutcome;
  /** Output of the PXE server under test (dnsmasq's log or serve's NDJSON events + stderr). */
  serverLog: string;
  /** How the server under test ended when it was stopped (SIGTERM). */
  serverExit: RunResult;
  /** Log of the plain DHCP server (proxy scenarios), else ''. */
  plainDhcpLog: string;
}

/** Bridge + tap in the server namespace; for proxy, the veth pair into the DHCP namespace. */
async function buildNetwork(proxy: boolean): Promise<void> {
  const { namespace: ns, bridge, tap } = LAB;
  assertTestAddress(`${LAB.serverIp}/${LAB.prefix}`, `${LAB.dhcpIp}/${LAB.prefix}`, ...LAB.range);
  // No STP, no forwarding delay, no multicast snooping: the bridge forwards the client's first frame at once.
  await ip(['-n', ns, 'link', 'add', bridge, 'type', 'bridge', 'stp_state', '0', 'forward_delay', '0']);
  await ip(['-n', ns, 'link', 'set', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
  // The tap has no carrier until qemu opens it, and a bridge without a port that has carrier has none either:
  // os.networkInterfaces() (which `serve` reads) leaves such an interface out, as for an unplugged cable. A
  // port with carrier keeps the bridge up (libvirt's virbr0-nic does the same): one end of a veth pair whose
  // other end is up, without an address (a dummy device would do, but not every kernel has the module).
  await ip(['-n', ns, 'link', 'add', 'carrier0', 'type', 'veth', 'peer', 'name', 'carrier1']);
  await ip(['-n', ns, 'link', 'set', 'carrier0', 'master', bridge]);
  await ip(['-n', ns, 'link', 'set', 'carrier0', 'up']);
  await ip(['-n', ns, 'link', 'set', 'carrier1', 'up']);
  await ip(['-n', ns, 'tuntap', 'add', tap, 'mode', 'tap']);
  await ip(['-n', ns, 'link', 'set', tap, 'master', bridge]);
  await ip(['-n', ns, 'addr', 'add', `${LAB.serverIp}/${LAB.prefix}`, 'dev', bridge]);
  await ip(['-n', ns, 'link', 'set', tap, 'up']);
  await ip(['-n', ns, 'link', 'set', bridge, 'up']);
  await waitForCarrier(ns, bridge);
  if (proxy) {
    const dns = LAB.dhcpNamespace;
    await ip([
      '-n',
      ns,
      'link',
      'add',
      'veth-boot',
      'type',
      'veth',
      'peer',
      'name',
      'veth-dhcp',
      'netns',
      dns,
    ]);
    await ip(['-n', ns, 'link', 'set', 'veth-boot', 'master', bridge]);
    await ip(['-n', ns, 'link', 'set', 'veth-boot', 'up']);
    await ip(['-n', dns, 'addr', 'add', `${LAB.dhcpIp}/${LAB.prefix}`, 'dev', 'veth-dhcp']);
    await ip(['-n', dns, 'link', 'set', 'veth-dhcp', 'up']);
  }
}

/** Waits (5 s at most) until the bridge reports carrier: it takes a moment after its ports come up. */
async function waitForCarrier(ns: string, dev: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const r = await ip(['-n', ns, 'link', 'show', dev]);
    if (!r.stdout.toString('utf8').includes('NO-CARRIER')) return;
    await sleep(100);
  }
  throw new Error(`${dev} in ${ns} has no carrier after 5 s`);
}

function site(namespace: string, iface: string, address: string, dir: string, root: string): ServerSite {
  return {
    namespace,
    iface,
    address,
    netmask: LAB.netmask,
    network: LAB.network,
    range: LAB.range,
    root,
    dir,
  };
}

/** Copies the run's files to $PXD_E2E_ARTIFACTS/<slug>-<server>/ when that is set (for looking at a failure). */
function keepArtifacts(dir: string, name: string): void {
  const target = process.env['PXD_E2E_ARTIFACTS'];
  if (!target) return;
  const out = join(target, name);
  mkdirSync(out, { recursive: true });
  for (const f of [
    'capture.pcap',
    'console.log',
    'server.log',
    'dhcp.log',
    'dnsmasq-pxe.conf',
    'dnsmasq-plain.conf',
  ]) {
    if (existsSync(join(dir, f))) copyFileSync(join(dir, f), join(out, f));
  }
}

/**
 * Runs one boot of `scenario` against `server` and returns what happened. Throws when the lab cannot be set
 * up or a server does not start; the boot's own outcome is for the caller to assert.
 */
export async function recordBoot(server: BootServerKind, scenario: BootScenario): Promise<BootRecord> {
  const proxy = scenario.plan.mode === 'proxy';
  const tmp = tempDir(`pxd-e2e-${scenario.slug}-`);
  const dir = tmp.path;
  chmodSync(dir, 0o755); // dnsmasq serves TFTP as user nobody
  const root = join(dir, 'tftp');
  mkdirSync(root, { mode: 0o755 });
  scenario.fillRoot(root);
  const capturePath = join(dir, 'capture.pcap');
  const limit = scenario.bootLimitMs ?? BOOT_LIMIT_MS;
  const serverLimit = limit + 60_000;
  const pxeSite = site(LAB.namespace, LAB.bridge, LAB.serverIp, dir, root);
  const plainSite = site(LAB.dhcpNamespace, 'veth-dhcp', LAB.dhcpIp, dir, root);

  try {
    const namespaces = proxy ? [LAB.namespace, LAB.dhcpNamespace] : [LAB.namespace];
    const run = await withNamespaces(namespaces, async () => {
      const started: Background[] = [];
      try {
        await buildNetwork(proxy);
        let plain: Background | null = null;
        if (proxy) {
          writeFileSync(join(dir, 'dnsmasq-plain.conf'), dnsmasqPlainConfig(plainSite));
          plain = await startDnsmasq(plainSite, join(dir, 'dnsmasq-plain.conf'), serverLimit);
          started.push(plain);
        }
        let pxe: Background;
        if (server === 'dnsmasq') {
          writeFileSync(join(dir, 'dnsmasq-pxe.conf'), dnsmasqPxeConfig(scenario.plan, pxeSite));
          pxe = await startDnsmasq(pxeSite, join(dir, 'dnsmasq-pxe.conf'), serverLimit);
        } else {
          pxe = await startServe(scenario.plan, pxeSite, serverLimit);
        }
        started.push(pxe);

        // Unfiltered: TFTP data flows between ephemeral ports, a port filter would keep only the requests.
        const { tcpdump, file } = await startCapture(capturePath, serverLimit, LAB.namespace, LAB.bridge);
        started.push(tcpdump);

        const t0 = Date.now();
        const qemu = await bootQemu({
          namespace: LAB.namespace,
          tap: LAB.tap,
          firmware: scenario.firmware,
          mac: LAB.mac,
          uuid: LAB.uuid,
          consolePath: join(dir, 'console.log'),
          timeoutMs: limit,
          failFast: scenario.failFast,
        });
        const bootMs = Date.now() - t0;
        await sleep(1000); // the last packets on their way
        await tcpdump.stop('SIGINT');
        await closeFile(file);
        const serverExit = await pxe.stop('SIGTERM', 5000);
        if (plain) await plain.stop('SIGTERM', 2000);
        const serverLog = `${pxe.stdout().toString('utf8')}${pxe.stderr()}`;
        const plainDhcpLog = plain ? plain.stderr() : '';
        writeFileSync(join(dir, 'server.log'), serverLog);
        writeFileSync(join(dir, 'dhcp.log'), plainDhcpLog);
        return { qemu, bootMs, serverExit, serverLog, plainDhcpLog };
      } finally {
        // Stopped by PID before the namespaces go (deleting them would end anything left inside).
        await Promise.all(started.map((b) => b.stop('SIGTERM', 2000).catch(() => undefined)));
      }
    });
    keepArtifacts(dir, `${scenario.slug}-${server}`);
    const analysis = await analyzeCapture(capturePath);
    return { ...run, analysis };
  } finally {
    tmp.remove();
  }
}

/**
 * tcpdump on `iface` in `ns`, whole frames, writing pcap to its stdout (`-w -`), which goes into `path`:
 * tcpdump drops root before it opens an output file, and could not write into the test's folder itself.
 */
export async function startCapture(
  path: string,
  timeoutMs: number,
  ns: string,
  iface: string,
): Promise<{ tcpdump: Background; file: WriteStream }> {
  const file = createWriteStream(path);
  const tcpdump = start(
    ...inNamespace(ns, which('tcpdump') ?? 'tcpdump', ['-n', '-i', iface, '-U', '-w', '-']),
    { timeoutMs, onStdout: (chunk) => file.write(chunk) },
  );
  await tcpdump.waitFor(/listening on/, 10_000, 'stderr');
  return { tcpdump, file };
}

export function closeFile(file: WriteStream): Promise<void> {
  return new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
}
