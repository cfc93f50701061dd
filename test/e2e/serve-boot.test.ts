/**
 * Real firmware boots from a PXE server, inside network namespaces (see support/boot-lab.ts): qemu with
 * SeaBIOS + the iPXE ROM, or OVMF with its own UEFI PXE client, against `pxe-doctor serve` and, as the
 * reference that proves the harness, dnsmasq with the same choices. Each boot is captured with tcpdump on the
 * server's bridge; the test asserts on the guest's serial console and on pxe-doctor's analysis of the capture:
 * one session for the client, the expected boot file transferred completely, no finding of severity warn or
 * error.
 *
 * Servers: both by default; PXD_E2E_BOOT_SERVERS=pxe-doctor (or dnsmasq) runs one. Each boot has a hard
 * limit of 150 s (about 20-30 s under software emulation); the boots run one after another.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { BootSession, TftpTransfer } from '../../src/analysis/types.js';
import {
  addFile,
  addIpxeScript,
  addPxelinux,
  markerLine,
  newMarker,
  PXELINUX_0,
  PXELINUX_NEEDS,
  SNPONLY_EFI,
  SYSLINUX_BIOS_MODULES,
  UNDIONLY_KPXE,
} from './support/boot-assets.js';
import { LAB, recordBoot, type BootRecord, type BootScenario } from './support/boot-lab.js';
import { serveUnavailable, type BootServerKind } from './support/boot-servers.js';
import { firmwareNeeds } from './support/qemu.js';
import { requireDevice, requireNetns, requireRoot, requireTools } from './support/require.js';

const ALL_SERVERS: readonly BootServerKind[] = ['dnsmasq', 'pxe-doctor'];

function selectedServers(): BootServerKind[] {
  const wanted = process.env['PXD_E2E_BOOT_SERVERS'];
  if (!wanted) return [...ALL_SERVERS];
  return ALL_SERVERS.filter((s) => wanted.split(',').includes(s));
}

/** pxelinux's banner line, e.g. "PXELINUX 6.04 PXE 20200816 Copyright (C) 1994-2015 H. Peter Anvin et al". */
const PXELINUX_BANNER = /PXELINUX \d+\.\d+ PXE \d+/;
/** Console text after which a boot cannot succeed any more (firmware and iPXE failure messages). */
const FAIL_FAST =
  /No bootable device|Nothing to boot|No more network devices|No configuration methods succeeded|Shell> /;
const SIZE = (path: string): number => statSync(path).size;

interface BootCase {
  title: string;
  scenario: BootScenario;
  needs: string[];
  check: (t: TestContext, record: BootRecord, session: BootSession) => void;
}

const pxelinuxTitle = `pxe-doctor e2e menu ${newMarker()}`;
const biosMarker = newMarker();
const efiMarker = newMarker();
let biosScriptSize = 0;
let efiScriptSize = 0;

/** Everything the pxelinux path fetches, and the checks common to the pxelinux boots. */
function checkPxelinux(record: BootRecord, session: BootSession): void {
  assert.match(record.qemu.console, PXELINUX_BANNER, 'pxelinux banner on the console');
  assert.ok(record.qemu.console.includes(pxelinuxTitle), 'pxelinux showed the menu served from this root');
  complete(session, 'pxelinux.0', SIZE(PXELINUX_0));
  complete(session, 'ldlinux.c32', SIZE(join(SYSLINUX_BIOS_MODULES, 'ldlinux.c32')));
  complete(session, 'poweroff.c32', SIZE(join(SYSLINUX_BIOS_MODULES, 'poweroff.c32')));
  assert.deepEqual(session.arch, [0], 'BIOS client (option 93 = 0)');
}

/** The session has a complete transfer of `file` from the PXE server, `bytes` long. */
function complete(session: BootSession, file: string, bytes: number): TftpTransfer {
  const all = session.transfers.filter((x) => x.filename === file);
  const done = all.find((x) => x.outcome === 'complete');
  assert.ok(done, `complete transfer of ${file}; seen: ${all.map((x) => x.outcome).join(', ') || 'none'}`);
  assert.equal(done.bytes, bytes, `${file}: bytes transferred = size of the file served`);
  assert.equal(done.serverIp, LAB.serverIp, `${file} came from the PXE server`);
  return done;
}

function requested(session: BootSession): string[] {
  return [...new Set(session.transfers.map((x) => x.filename))];
}

const CASES: BootCase[] = [
  {
    title: 'SeaBIOS + iPXE ROM, full DHCP: pxelinux.0 → menu → poweroff.c32',
    needs: [...firmwareNeeds('seabios-ipxe'), ...PXELINUX_NEEDS],
    scenario: {
      slug: 'bios-pxelinux',
      firmware: 'seabios-ipxe',
      plan: { mode: 'full', bootBios: 'pxelinux.0' },
      fillRoot: (root) => addPxelinux(root, pxelinuxTitle),
      failFast: FAIL_FAST,
    },
    check: (_t, record, session) => {
      checkPxelinux(record, session);
      const boot = session.boots[0];
      assert.ok(boot, 'the client was told what to boot');
      assert.equal(boot.bootFile, 'pxelinux.0');
      assert.equal(boot.tftpServer, LAB.serverIp);
      assert.equal(boot.offerFrom, LAB.serverIp);
      assert.ok(
        session.transactions.some((x) => x.outcome === 'bound' && x.chosenServer === LAB.serverIp),
        'a DHCP transaction bound to the PXE server',
      );
    },
  },
  {
    title: 'SeaBIOS + iPXE ROM, full DHCP: user class iPXE gets the iPXE script',
    needs: [...firmwareNeeds('seabios-ipxe'), UNDIONLY_KPXE],
    scenario: {
      slug: 'bios-ipxe-script',
      firmware: 'seabios-ipxe',
      plan: { mode: 'full', bootBios: 'undionly.kpxe', ipxeScript: 'boot.ipxe' },
      fillRoot: (root) => {
        addFile(root, UNDIONLY_KPXE);
        biosScriptSize = addIpxeScript(root, 'boot.ipxe', biosMarker);
      },
      failFast: FAIL_FAST,
    },
    check: (_t, record, session) => {
      assert.match(record.qemu.console, markerLine(biosMarker, 'pcbios'), 'the script ran (marker printed)');
      assert.equal(session.userClass, 'iPXE', 'the ROM presents itself as iPXE');
      complete(session, 'boot.ipxe', biosScriptSize);
      assert.deepEqual(requested(session), ['boot.ipxe'], 'iPXE is not sent the chainload file');
      assert.equal(session.boots[0]?.bootFile, 'boot.ipxe');
    },
  },
  {
    title: 'OVMF UEFI PXE (arch 7): snponly.efi → iPXE → script',
    needs: [...firmwareNeeds('ovmf-edk2'), SNPONLY_EFI, ...PXELINUX_NEEDS],
    scenario: {
      slug: 'uefi-snponly',
      firmware: 'ovmf-edk2',
      plan: { mode: 'full', bootBios: 'pxelinux.0', bootUefi: 'snponly.efi', ipxeScript: 'boot.ipxe' },
      fillRoot: (root) => {
        addPxelinux(root, pxelinuxTitle);
        addFile(root, SNPONLY_EFI);
        efiScriptSize = addIpxeScript(root, 'boot.ipxe', efiMarker);
      },
      failFast: FAIL_FAST,
    },
    check: (_t, record, session) => {
      assert.match(record.qemu.console, markerLine(efiMarker, 'efi'), 'the script ran under EFI (marker)');
      const discovers = session.transactions.flatMap((x) =>
        x.events.filter((e) => e.messageType === 'DISCOVER'),
      );
      assert.ok(discovers.length > 0, 'DISCOVERs captured');
      for (const d of discovers)
        assert.deepEqual(d.arch, [7], `frame ${d.frame}: option 93 = 7 (EFI x86-64)`);
      complete(session, 'snponly.efi', SIZE(SNPONLY_EFI));
      complete(session, 'boot.ipxe', efiScriptSize);
      const files = requested(session);
      assert.ok(
        !files.includes('pxelinux.0'),
        `no RRQ for the BIOS boot file; requested: ${files.join(', ')}`,
      );
      // Two DHCP rounds: the firmware (boot file snponly.efi), then iPXE (user class iPXE → the script).
      assert.deepEqual(
        session.boots.map((b) => b.bootFile),
        ['snponly.efi', 'boot.ipxe'],
      );
    },
  },
  {
    title: 'SeaBIOS + iPXE ROM, proxyDHCP beside a plain DHCP server: pxelinux.0 → poweroff.c32',
    needs: [...firmwareNeeds('seabios-ipxe'), ...PXELINUX_NEEDS],
    scenario: {
      slug: 'bios-proxy',
      firmware: 'seabios-ipxe',
      plan: { mode: 'proxy', bootBios: 'pxelinux.0' },
      fillRoot: (root) => addPxelinux(root, pxelinuxTitle),
      failFast: FAIL_FAST,
    },
    check: (t, record, session) => {
      checkPxelinux(record, session);
      const events = session.transactions.flatMap((x) => x.events);
      const proxyOffers = events.filter((e) => e.proxy && e.src === LAB.serverIp);
      const bootServer = session.transactions.filter((x) => x.port4011);
      assert.ok(
        proxyOffers.length > 0 || bootServer.some((x) => x.acks.some((a) => a.src === LAB.serverIp)),
        'a proxyDHCP offer or a port 4011 answer from the PXE server',
      );
      t.diagnostic(`${proxyOffers.length} proxy offer(s), ${bootServer.length} port 4011 exchange(s)`);
      // The port 4011 ACK repeats the client's address in yiaddr; the address itself came from port 67.
      const addressAcks = events.filter(
        (e) => e.messageType === 'ACK' && !e.port4011 && e.yiaddr !== '0.0.0.0',
      );
      assert.ok(addressAcks.length > 0, 'the client got an address');
      for (const a of addressAcks)
        assert.equal(a.serverId, LAB.dhcpIp, 'addresses come from the plain server');
      const boot = session.boots[0];
      assert.ok(boot);
      assert.equal(boot.bootFile, 'pxelinux.0');
      assert.equal(boot.proxyServer, LAB.serverIp);
      assert.match(record.plainDhcpLog, /DHCPACK/, 'the plain DHCP server acknowledged the lease');
    },
  },
];

/** The end of the console and of the server's log, for assertion messages. */
function context(record: BootRecord): string {
  return `\n--- console (end) ---\n${record.qemu.console.slice(-1500)}\n--- server (end) ---\n${record.serverLog.slice(-1500)}`;
}

for (const c of CASES) {
  for (const server of selectedServers()) {
    test(`${c.title} (${server})`, { timeout: 5 * 60_000 }, async (t) => {
      if (!requireRoot(t)) return;
      const tools = ['ip', 'sysctl', 'tcpdump', 'dnsmasq', ...c.needs];
      if (!requireTools(t, tools)) return;
      if (!requireNetns(t)) return;
      if (!requireDevice(t, '/dev/net/tun', "qemu's tap network device")) return;
      if (server === 'pxe-doctor') {
        const why = await serveUnavailable();
        if (why !== null) {
          t.skip(why);
          return;
        }
      }

      const record = await recordBoot(server, c.scenario);
      const q = record.qemu;
      t.diagnostic(`boot took ${(record.bootMs / 1000).toFixed(1)} s (${c.scenario.firmware}, ${server})`);
      assert.equal(q.failedWith, null, `the boot failed: "${q.failedWith}"${context(record)}`);
      assert.ok(!q.result.timedOut, `qemu reached its time limit after ${q.result.ms} ms${context(record)}`);
      assert.ok(q.exitedByItself, `qemu exited by itself (exit ${q.result.code})${context(record)}`);

      const { result, findings } = record.analysis;
      const sessions = result.sessions.filter((s) => s.clientMac === LAB.mac);
      assert.equal(sessions.length, 1, `one boot session for ${LAB.mac}${context(record)}`);
      const session = sessions[0];
      assert.ok(session);
      const bad = findings.filter((f) => f.severity !== 'info');
      assert.deepEqual(
        bad.map((f) => `${f.severity} ${f.ruleId}: ${f.message}`),
        [],
        'no warn/error findings in the capture',
      );
      for (const f of findings) t.diagnostic(`info finding: ${f.ruleId}: ${f.message}`);
      t.diagnostic(`files: ${requested(session).join(', ')}`);
      c.check(t, record, session);

      if (server === 'pxe-doctor') {
        assert.equal(
          record.serverExit.code,
          0,
          `serve exits 0 on SIGTERM; stderr: ${record.serverExit.stderr}`,
        );
      }
    });
  }
}
