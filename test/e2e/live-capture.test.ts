/**
 * A live capture of real peers. Inside two network namespaces created by the test (pxd-e2e-a: server,
 * pxd-e2e-b: client, joined by a veth pair, 10.99.0.0/24):
 *
 * - dnsmasq is the DHCP and TFTP server (no DNS, dhcp-boot=boot.bin, a TFTP root holding only that file);
 * - `tcpdump -U -w -` captures the server's interface; its output goes both into `pxe-doctor decode -` while
 *   the capture is running, and into a file;
 * - busybox udhcpc is the client's DHCP, sending a PXE client's vendor class and architecture (options 60,
 *   93, 94); its event script only records the lease, the test configures the address;
 * - curl fetches the boot file the DHCP answer named, over TFTP with blksize 1428.
 *
 * Then `analyze --json` on the recorded file must show one session for the client's MAC, a bound DHCP
 * transaction, a complete transfer of exactly the file's size, and no warning or error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { tempDir } from './support/cleanup.js';
import { assertTestAddress, inNamespace, ip, withNamespaces } from './support/netns.js';
import { requireNetns, requireRoot, requireTools, which } from './support/require.js';
import {
  describeRun,
  ndjson,
  pxeDoctor,
  pxeDoctorArgs,
  pxeDoctorEnv,
  run,
  start,
  type Background,
} from './support/run.js';

const NS_SRV = 'pxd-e2e-a';
const NS_CLI = 'pxd-e2e-b';
const SRV_IF = 'veth-a';
const CLI_IF = 'veth-b';
const SRV_IP = '10.99.0.1';
const RANGE = ['10.99.0.100', '10.99.0.150'] as const;
const SRV_MAC = '02:99:00:00:00:01';
const CLI_MAC = '02:99:00:00:00:02';
const VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';
const BOOT_FILE = 'boot.bin';
/** Not a multiple of the block size: 70 full blocks of 1428 bytes and a short last one. */
const BOOT_SIZE = 70 * 1428 + 333;
const BLKSIZE = 1428;
const STEP_MS = 30_000;

interface Lease {
  ip: string;
  mask: string;
  siaddr: string;
  boot_file: string;
  serverid: string;
}

interface DecodedPacket {
  frame: number;
  protocol: 'dhcp' | 'tftp';
  dhcp?: { xid: number; messageType: string | null; chaddr: string };
  tftp?: { opcode: string; block?: number; filename?: string; dataLength?: number };
}

interface Transfer {
  filename: string;
  clientMac: string | null;
  outcome: string;
  bytes: number;
  blocks: number;
  blksize: number;
  tsize: number | null;
  serverIp: string;
}

interface Transaction {
  xid: number;
  outcome: string;
  chosenServer: string | null;
  acks: { yiaddr: string; bootfileOption: string | null; file: string; siaddr: string }[];
}

interface Analysis {
  capture: { frames: number; dhcpPackets: number; tftpPackets: number; tftpDataSeen: boolean };
  sessions: {
    clientMac: string;
    clientIp: string | null;
    arch: number[];
    vendorClass: string | null;
    transactions: Transaction[];
    transfers: Transfer[];
    boots: { bootFile: string | null; tftpServer: string | null }[];
  }[];
  orphanTransfers: Transfer[];
  findings: { ruleId: string; severity: 'info' | 'warn' | 'error'; message: string }[];
}

function dnsmasqConf(dir: string, tftpRoot: string): string {
  return [
    '# DHCP + TFTP only, on the test veth inside namespace ' + NS_SRV,
    'port=0',
    `interface=${SRV_IF}`,
    'bind-interfaces',
    'no-hosts',
    'no-resolv',
    'user=nobody',
    'group=nogroup',
    `pid-file=${join(dir, 'dnsmasq.pid')}`,
    `dhcp-leasefile=${join(dir, 'dnsmasq.leases')}`,
    'log-dhcp',
    'log-facility=-',
    `dhcp-range=${RANGE[0]},${RANGE[1]},255.255.255.0,1h`,
    // Offer at once (no ping check of the candidate address): keeps the test fast.
    'no-ping',
    'enable-tftp',
    `tftp-root=${tftpRoot}`,
    `dhcp-boot=${BOOT_FILE}`,
    '',
  ].join('\n');
}

/** udhcpc event script: writes the lease to a file and configures nothing (the test sets the address). */
function udhcpcScript(leaseFile: string): string {
  return [
    '#!/bin/sh',
    '[ "$1" = bound ] || exit 0',
    `cat > '${leaseFile}' <<EOF`,
    'ip=$ip',
    'mask=$mask',
    'siaddr=$siaddr',
    'boot_file=$boot_file',
    'serverid=$serverid',
    'EOF',
    '',
  ].join('\n');
}

function parseLease(text: string): Lease {
  const kv = Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as Partial<Lease>;
  return {
    ip: kv.ip ?? '',
    mask: kv.mask ?? '',
    siaddr: kv.siaddr ?? '',
    boot_file: kv.boot_file ?? '',
    serverid: kv.serverid ?? '',
  };
}

interface Paths {
  dir: string;
  conf: string;
  script: string;
  leaseFile: string;
  capture: string;
  fetched: string;
}

/** Network, server, capture, client; records the capture to `paths.capture`. */
async function exchange(t: TestContext, paths: Paths, payload: Buffer, started: Background[]): Promise<void> {
  assertTestAddress(`${SRV_IP}/24`, ...RANGE);
  await ip(['-n', NS_SRV, 'link', 'add', SRV_IF, 'type', 'veth', 'peer', 'name', CLI_IF, 'netns', NS_CLI]);
  await ip(['-n', NS_SRV, 'link', 'set', SRV_IF, 'address', SRV_MAC]);
  await ip(['-n', NS_CLI, 'link', 'set', CLI_IF, 'address', CLI_MAC]);
  await ip(['-n', NS_SRV, 'addr', 'add', `${SRV_IP}/24`, 'dev', SRV_IF]);
  await ip(['-n', NS_SRV, 'link', 'set', SRV_IF, 'up']);
  await ip(['-n', NS_CLI, 'link', 'set', CLI_IF, 'up']);

  // --- server
  const dnsmasq = start(
    ...inNamespace(NS_SRV, which('dnsmasq') ?? 'dnsmasq', [
      '--keep-in-foreground',
      `--conf-file=${paths.conf}`,
    ]),
    { timeoutMs: 2 * 60_000 },
  );
  started.push(dnsmasq);
  await dnsmasq.waitFor(/TFTP root is/, 10_000, 'stderr');

  // --- capture: one stream, teed into the live decoder and into a file
  const [decodeCmd, decodeArgv] = pxeDoctorArgs(['decode', '-', '--json']);
  const live = start(decodeCmd, decodeArgv, {
    timeoutMs: 2 * 60_000,
    env: pxeDoctorEnv(),
    stdinOpen: true,
  });
  started.push(live);
  const file = createWriteStream(paths.capture);
  const tcpdump = start(
    ...inNamespace(NS_SRV, which('tcpdump') ?? 'tcpdump', ['-n', '-i', SRV_IF, '-U', '-w', '-']),
    {
      timeoutMs: 2 * 60_000,
      onStdout: (chunk) => {
        file.write(chunk);
        live.child.stdin.write(chunk);
      },
    },
  );
  started.push(tcpdump);
  await tcpdump.waitFor(/listening on/, 10_000, 'stderr');

  // --- client: DHCP as a BIOS PXE client would describe itself
  const udhcpc = await run(
    ...inNamespace(NS_CLI, which('busybox') ?? 'busybox', [
      'udhcpc',
      '-f',
      '-q',
      '-n',
      '-i',
      CLI_IF,
      '-t',
      '5',
      '-T',
      '2',
      '-s',
      paths.script,
      '-V',
      VENDOR_CLASS,
      '-x',
      '0x5d:0000', // option 93: client system architecture 0 (x86 BIOS)
      '-x',
      '0x5e:010201', // option 94: client network device interface UNDI 2.1
    ]),
    { timeoutMs: STEP_MS },
  );
  assert.equal(udhcpc.code, 0, describeRun('udhcpc', udhcpc) + `\ndnsmasq: ${dnsmasq.stderr()}`);
  assert.ok(existsSync(paths.leaseFile), `udhcpc bound but wrote no lease; output: ${udhcpc.stderr}`);
  const lease = parseLease(readFileSync(paths.leaseFile, 'utf8'));
  assertTestAddress(lease.ip);
  assert.equal(lease.serverid, SRV_IP);
  assert.equal(lease.siaddr, SRV_IP, 'next-server');
  assert.equal(lease.boot_file, BOOT_FILE, 'boot file (BOOTP file field)');
  await ip(['-n', NS_CLI, 'addr', 'add', `${lease.ip}/24`, 'dev', CLI_IF]);

  // --- client: TFTP download of the boot file the DHCP answer named
  const curl = await run(
    ...inNamespace(NS_CLI, which('curl') ?? 'curl', [
      '-sS',
      '--max-time',
      '20',
      '--tftp-blksize',
      String(BLKSIZE),
      '-o',
      paths.fetched,
      `tftp://${lease.siaddr}/${lease.boot_file}`,
    ]),
    { timeoutMs: STEP_MS },
  );
  assert.equal(curl.code, 0, describeRun('curl tftp://', curl) + `\ndnsmasq: ${dnsmasq.stderr()}`);
  assert.ok(readFileSync(paths.fetched).equals(payload), 'curl received the file byte for byte');

  // --- the live decoder has printed the whole exchange while tcpdump is still capturing
  const lastBlock = Math.ceil(BOOT_SIZE / BLKSIZE);
  await live.waitFor(new RegExp(`"opcode":"ACK","block":${lastBlock}\\b`), 10_000, 'stdout');
  assert.equal(tcpdump.child.exitCode, null, 'tcpdump still running');
  const streamed = ndjson<DecodedPacket>(live.stdout().toString('utf8'));
  const types = streamed.filter((p) => p.dhcp).map((p) => p.dhcp?.messageType);
  assert.deepEqual(types, ['DISCOVER', 'OFFER', 'REQUEST', 'ACK'], 'DHCP seen live');

  // --- stop the capture (SIGINT: tcpdump flushes), then the decoder sees the end of its input
  const capture = await tcpdump.stop('SIGINT');
  assert.ok(!capture.timedOut, describeRun('tcpdump', capture));
  live.child.stdin.end();
  await new Promise<void>((resolve, reject) => file.end((e?: Error | null) => (e ? reject(e) : resolve())));
  const decoded = await live.done;
  assert.equal(decoded.code, 0, describeRun('pxe-doctor decode -', decoded));
  await dnsmasq.stop('SIGTERM');

  // --- the live decode is the decode of the recorded file
  const fromFile = await pxeDoctor(['decode', paths.capture, '--json']);
  assert.equal(fromFile.code, 0, describeRun('decode FILE', fromFile));
  assert.equal(decoded.stdout.toString('utf8'), fromFile.stdout.toString('utf8'));
  const packets = ndjson<DecodedPacket>(fromFile.stdout.toString('utf8'));
  const data = packets.filter((p) => p.tftp?.opcode === 'DATA');
  assert.equal(data.length, lastBlock, 'one DATA per block, no retransmission');
  assert.equal(
    data.reduce((n, p) => n + (p.tftp?.dataLength ?? 0), 0),
    BOOT_SIZE,
    'DATA payload bytes',
  );
  t.diagnostic(`${packets.length} DHCP/TFTP packets decoded live; client ${CLI_MAC} got ${lease.ip}`);
}

test(
  'live: dnsmasq + udhcpc + curl TFTP in namespaces, tcpdump -U -w - | pxe-doctor decode -, then analyze',
  { timeout: 3 * 60_000 },
  async (t) => {
    if (!requireRoot(t)) return;
    if (!requireTools(t, ['ip', 'sysctl', 'dnsmasq', 'tcpdump', 'busybox', 'curl'])) return;
    if (!requireNetns(t)) return;

    const tmp = tempDir('pxd-e2e-live-');
    const dir = tmp.path;
    chmodSync(dir, 0o755); // dnsmasq serves TFTP as user nobody
    const tftpRoot = join(dir, 'tftp');
    mkdirSync(tftpRoot, { mode: 0o755 });
    const payload = randomBytes(BOOT_SIZE);
    writeFileSync(join(tftpRoot, BOOT_FILE), payload, { mode: 0o644 });
    writeFileSync(join(dir, 'dnsmasq.conf'), dnsmasqConf(dir, tftpRoot));
    const paths: Paths = {
      dir,
      conf: join(dir, 'dnsmasq.conf'),
      script: join(dir, 'udhcpc.sh'),
      leaseFile: join(dir, 'udhcpc.lease'),
      capture: join(dir, 'capture.pcap'),
      fetched: join(dir, 'fetched.bin'),
    };
    writeFileSync(paths.script, udhcpcScript(paths.leaseFile), { mode: 0o755 });
    const capturePath = paths.capture;

    const t0 = Date.now();
    try {
      await withNamespaces([NS_SRV, NS_CLI], async () => {
        const started: Background[] = [];
        try {
          await exchange(t, paths, payload, started);
        } finally {
          // Stopped by PID before the namespaces go (deleting them would end anything left inside).
          await Promise.all(started.map((b) => b.stop('SIGTERM', 2000).catch(() => undefined)));
        }
      });

      // --- the analysis of the recorded file
      const r = await pxeDoctor(['analyze', capturePath, '--json']);
      assert.equal(r.code, 0, describeRun('analyze --json', r));
      const a = JSON.parse(r.stdout.toString('utf8')) as Analysis;
      assert.equal(a.sessions.length, 1, 'one boot session');
      const s = a.sessions[0];
      assert.ok(s);
      assert.equal(s.clientMac, CLI_MAC);
      assert.deepEqual(s.arch, [0]);
      assert.equal(s.vendorClass, VENDOR_CLASS);
      assert.equal(s.transactions.length, 1, 'one DHCP transaction');
      const tx = s.transactions[0];
      assert.ok(tx);
      assert.equal(tx.outcome, 'bound');
      assert.equal(tx.chosenServer, SRV_IP);
      assert.equal(tx.acks[0]?.yiaddr, s.clientIp);
      assertTestAddress(s.clientIp ?? '');
      assert.equal(s.boots[0]?.bootFile, BOOT_FILE);
      assert.equal(s.boots[0]?.tftpServer, SRV_IP);
      assert.equal(s.transfers.length, 1, 'one TFTP transfer');
      const tr = s.transfers[0];
      assert.ok(tr);
      assert.equal(tr.filename, BOOT_FILE);
      assert.equal(tr.outcome, 'complete');
      assert.equal(tr.bytes, BOOT_SIZE, 'bytes transferred = size of the file served');
      assert.equal(tr.blocks, Math.ceil(BOOT_SIZE / BLKSIZE));
      assert.equal(tr.blksize, BLKSIZE);
      assert.equal(tr.tsize, BOOT_SIZE, 'tsize negotiated by curl and dnsmasq');
      assert.equal(tr.serverIp, SRV_IP);
      assert.deepEqual(a.orphanTransfers, []);
      const bad = a.findings.filter((f) => f.severity !== 'info');
      assert.deepEqual(bad, [], 'no warn/error findings');
      for (const f of a.findings) t.diagnostic(`info finding: ${f.ruleId}: ${f.message}`);
      const failOn = await pxeDoctor(['analyze', capturePath, '--fail-on', 'warn']);
      assert.equal(failOn.code, 0, describeRun('analyze --fail-on warn', failOn));
      assert.match(failOn.stdout.toString('utf8'), new RegExp(`${CLI_MAC}\\s+OK\\b`), 'verdict OK');
      t.diagnostic(`live run took ${Date.now() - t0} ms`);
    } finally {
      tmp.remove();
    }
  },
);
