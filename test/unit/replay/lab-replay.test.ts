/**
 * Every committed lab capture replayed against the in-process reference, configured from the capture. The
 * expected differences were written by reading each capture (decode output and the scenario README):
 * where dnsmasq's answers depart from the reference's, and which `analyze` finding each difference explains.
 * One line per differing exchange: "label | fields that differ | findings explained".
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { PcapWriter, writeCapture } from '../../../src/capture/writer.js';
import { dhcpMessageFromFields, encodeDhcp } from '../../../src/protocol/dhcp/index.js';
import {
  DiskFiles,
  readClientScripts,
  replayCapture,
  type ReferenceSetup,
} from '../../../src/replay/index.js';
import { LiveTftpTarget } from '../../../src/replay/tftp-target.js';
import { createTftpServer } from '../../../src/server/tftp/index.js';
import { parseServeConfig } from '../../../src/server/config/validate.js';
import { udpFrames } from '../../../src/net/frames.js';
import type { ReplayReport } from '../../../src/report/replay-model.js';
import { PXELINUX_LAB_FILES, projectRoot } from '../../support/fixtures.js';
import { replaySignature } from '../../support/replay-signature.js';

const CAPTURES = join(projectRoot(), 'fixtures', 'captures');

function capture(scenario: string): string {
  return join(CAPTURES, scenario, 'capture.pcapng');
}

function signature(r: ReplayReport): string[] {
  return replaySignature(r, { explains: true });
}

// dnsmasq 2.90 ignores windowsize and the lab's tftp-no-blocksize run ignores blksize; the reference grants
// both (RFC 7440, 2348). pxelinux's later reads ask blksize 1408.
const BLKSIZE_READS = PXELINUX_LAB_FILES.map((f) => `TFTP RRQ ${f} | OACK blksize | `);
// dnsmasq (no client-arch tags) hands pxelinux.0 to UEFI clients, snponly.efi to BIOS ones: the reference does
// not copy a file of the wrong kind and offers a stand-in, so the client then asks for that file.
const STAND_IN = 'boot file, file field, boot file name (67)';

const EXPECTED: Record<string, string[]> = {
  'lab/happy-bios-pxelinux': [],
  'lab/happy-ipxe': [],
  'lab/uefi-happy': [],
  'lab/missing-bootfile': [],
  'lab/file-not-found': [],
  'lab/blksize-mtu-clamp': BLKSIZE_READS,
  'lab/tftp-no-blocksize': BLKSIZE_READS,
  'lab/uefi-edk2-happy': [
    'TFTP RRQ snponly.efi (size probe) | OACK windowsize | ',
    'TFTP RRQ snponly.efi | OACK windowsize | ',
  ],
  // dnsmasq repeats the menu prompt (PXE sub-option 10) in its port-4011 ACK; the reference echoes the boot item only.
  'lab/proxydhcp': ['4011 REQUEST → ACK from 10.77.0.1 | vendor options (43) | '],
  'lab-failures/arch-mismatch': [
    `DHCP DISCOVER → OFFER from 10.77.0.1 | ${STAND_IN} | `,
    `DHCP REQUEST → ACK from 10.77.0.1 | ${STAND_IN} | boot.arch-mismatch`,
    'TFTP RRQ pxelinux.0 | answer, OACK blksize, OACK tsize, error code, file size, sha256 | boot.arch-mismatch',
    `DHCP DISCOVER → OFFER from 10.77.0.1 | ${STAND_IN} | `,
    `DHCP REQUEST → ACK from 10.77.0.1 | ${STAND_IN} | boot.arch-mismatch`,
    'TFTP RRQ pxelinux.0 (size probe) | answer, OACK blksize, OACK tsize, error code | boot.arch-mismatch',
    'TFTP RRQ pxelinux.0 | answer, OACK blksize, error code, file size, sha256 | boot.arch-mismatch',
    // OVMF's HTTP boot attempt (arch 16) was offered pxelinux.0, not a URL: the reference offers it nothing.
    'DHCP DISCOVER → OFFER from 10.77.0.1 | boot file, TFTP server, next server (siaddr), boot file name (67) | ',
  ],
  'lab-failures/arch-mismatch-bios-efi': [
    `DHCP DISCOVER → OFFER from 10.77.0.1 | ${STAND_IN} | `,
    `DHCP REQUEST → ACK from 10.77.0.1 | ${STAND_IN} | boot.arch-mismatch`,
    'TFTP RRQ snponly.efi | answer, OACK blksize, OACK tsize, error code, file size, sha256 | boot.arch-mismatch',
  ],
  'lab-failures/arch-mismatch-edk2': [
    `DHCP DISCOVER → OFFER from 10.77.0.1 | ${STAND_IN} | `,
    `DHCP REQUEST → ACK from 10.77.0.1 | ${STAND_IN} | boot.arch-mismatch`,
    'TFTP RRQ pxelinux.0 (size probe) | answer, OACK blksize, OACK tsize, error code | boot.arch-mismatch',
    'TFTP RRQ pxelinux.0 | answer, OACK blksize, error code, file size, sha256 | boot.arch-mismatch',
    'DHCP DISCOVER → OFFER from 10.77.0.1 | boot file, TFTP server, next server (siaddr), boot file name (67) | ',
  ],
  // The reference, configured as dnsmasq was, loops the same way: no difference.
  'lab-failures/chainload-loop': [],
  // The data ports were filtered out: every TFTP answer is unknown, never a difference.
  'lab-failures/filtered-capture': [],
  // In memory nothing is lost: the reference's pxelinux.0 arrives whole where the capture's stalled.
  'lab-failures/mtu-blackhole': ['TFTP RRQ pxelinux.0 | file size | tftp.blksize-exceeds-path'],
  'lab-failures/nak': [],
  'lab-failures/proxy-silent-4011': ['4011 REQUEST → ACK from 10.77.0.1 | answer | proxy.no-reply-4011'],
  'lab-failures/pxeclient-no-proxy': [
    'DHCP DISCOVER → OFFER from 10.77.0.1 | vendor class (60) | dhcp.pxeclient-without-proxy',
    'DHCP REQUEST → ACK from 10.77.0.1 | vendor class (60) | ',
    'DHCP DISCOVER → OFFER from 10.77.0.1 | vendor class (60) | ',
  ],
  // The rogue server the client did not choose is not part of the reference.
  'lab-failures/rogue-dhcp': ['DHCP DISCOVER → OFFER from 10.77.0.2 | answer | dhcp.multiple-servers'],
  // Here the client chose the rogue (10.77.0.2): it plays the reference, the legitimate server is left out.
  'lab-failures/rogue-dhcp-edk2': [
    'DHCP DISCOVER → OFFER from 10.77.0.1 | answer | dhcp.multiple-servers',
    'DHCP DISCOVER → OFFER from 10.77.0.2 | boot file, TFTP server, next server (siaddr), boot file name (67) | ',
    'DHCP DISCOVER → OFFER from 10.77.0.1 | answer | ',
  ],
  'lab-failures/wrong-next-server': [],
};

let counter = 0;
const xids = (): number => 0x10000 + counter++;

describe('replay: lab captures against the in-process reference', () => {
  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    test(scenario, async () => {
      const r = await replayCapture(capture(scenario), { newXid: xids });
      assert.deepEqual(signature(r), expected);
      assert.equal(r.differences, expected.length);
      assert.ok(r.inference.length > 0, 'the inferred configuration is said');
      // Volatile fields are never counted as differences.
      for (const c of r.clients)
        for (const e of c.exchanges)
          for (const f of e.fields)
            if (f.field === 'leased address (yiaddr)') assert.notEqual(f.status, 'differs');
    });
  }

  test('lab/no-dhcp-server: a client that never got an offer is refused, nothing sent', async () => {
    await assert.rejects(replayCapture(capture('lab/no-dhcp-server')), /never got an offer.*nothing sent/);
  });

  test('blksize-mtu-clamp at the MTU of its recording (1000): the same OACKs', async () => {
    const r = await replayCapture(capture('lab/blksize-mtu-clamp'), { mtu: 1000, newXid: xids });
    assert.deepEqual(signature(r), []);
  });

  test('a complete pxelinux download replays with the captured sha256 of every file', async () => {
    const r = await replayCapture(capture('lab/happy-bios-pxelinux'), { newXid: xids });
    const sums = r.clients[0].exchanges.flatMap((e) => e.fields.filter((f) => f.field === 'sha256'));
    // Seven complete reads of six files (pxelinux.cfg/default twice).
    assert.equal(sums.length, 7);
    for (const f of sums) {
      assert.match(f.captured ?? '', /^[0-9a-f]{64}$/);
      assert.equal(f.status, 'same');
    }
  });

  test('--discover-only stops after the offers', async () => {
    const r = await replayCapture(capture('lab/happy-bios-pxelinux'), { discoverOnly: true, newXid: xids });
    assert.deepEqual(
      r.clients[0].exchanges.map((e) => e.label),
      ['DHCP DISCOVER → OFFER from 10.77.0.1'],
    );
  });

  test('--client with a MAC not in the capture is refused', async () => {
    await assert.rejects(
      replayCapture(capture('lab/happy-ipxe'), { client: '00:11:22:33:44:55' }),
      /no client 00:11:22:33:44:55 in the capture \(clients: 52:54:00:12:34:56\)/,
    );
  });
});

describe('replay: bad input, nothing sent', () => {
  test('a server-only capture has no client side to replay', async () => {
    const offer = dhcpMessageFromFields({
      op: 2,
      xid: 0x1234,
      chaddr: '52:54:00:12:34:56',
      yiaddr: '10.77.0.111',
      messageType: 'OFFER',
      options: [{ code: 54, value: { kind: 'ip', ip: '10.77.0.1' } }],
    });
    const frames = udpFrames({
      srcMac: '02:00:00:00:00:01',
      dstMac: 'ff:ff:ff:ff:ff:ff',
      srcIp: '10.77.0.1',
      dstIp: '255.255.255.255',
      srcPort: 67,
      dstPort: 68,
      payload: encodeDhcp(offer),
      ipId: 1,
      mtu: 1500,
    });
    const dir = mkdtempSync(join(tmpdir(), 'pxd-replay-'));
    const path = join(dir, 'server-only.pcap');
    await writeCapture(
      path,
      new PcapWriter({ linkType: 1, snapLen: 65535 }),
      frames.map((data) => ({ data, seconds: 1_700_000_000 })),
    );
    await assert.rejects(replayCapture(path), /no client side to replay.*server-only or filtered capture/);
  });

  test('an anonymised capture whose files exist nowhere on the given root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pxd-replay-'));
    writeFileSync(join(dir, 'other.0'), 'x');
    const setup: ReferenceSetup = {
      servers: [
        parseServeConfig({
          serverIp: '10.77.0.1',
          dhcp: { range: { start: '10.77.0.100', end: '10.77.0.150' }, subnetMask: '255.255.255.0' },
          boot: { bios: 'pxelinux.0' },
        }),
      ],
      tftp: new Map([['10.77.0.1', new DiskFiles(dir)]]),
    };
    await assert.rejects(
      replayCapture(capture('lab/happy-bios-pxelinux'), { setup }),
      /none of the 6 files .* exists on the configured TFTP root — an anonymised capture\? Nothing sent/,
    );
  });
});

describe('replay: TFTP reads against a live server on loopback', () => {
  test('the serve command TFTP server holding the captured files: the same answers and sha256s', async () => {
    const scripts = await readClientScripts(capture('lab/happy-bios-pxelinux'), { keepData: true });
    const root = mkdtempSync(join(tmpdir(), 'pxd-replay-root-'));
    let written = 0;
    for (const s of scripts.clients[0].steps) {
      if (s.kind !== 'tftp' || s.data === null) continue;
      mkdirSync(dirname(join(root, s.filename)), { recursive: true });
      writeFileSync(join(root, s.filename), s.data, { mode: 0o644 });
      written++;
    }
    assert.equal(written, 7);
    const server = await createTftpServer({ root, address: '127.0.0.1', port: 0, engine: 'js' });
    try {
      const r = await replayCapture(capture('lab/happy-bios-pxelinux'), {
        openTarget: () =>
          Promise.resolve(new LiveTftpTarget({ server: '127.0.0.1', port: server.address().port })),
      });
      assert.match(r.target, /^live TFTP server 127\.0\.0\.1:\d+$/);
      const labels = r.clients[0].exchanges.map((e) => e.label);
      assert.ok(
        labels.every((l) => l.startsWith('TFTP RRQ')),
        'DHCP is not played against a TFTP server',
      );
      assert.equal(labels.length, 17);
      assert.deepEqual(signature(r), []);
      const sums = r.clients[0].exchanges.flatMap((e) => e.fields.filter((f) => f.field === 'sha256'));
      assert.equal(sums.length, 7);
      assert.ok(sums.every((f) => f.status === 'same' && f.replayed !== null));
    } finally {
      await server.close();
    }
  });
});
