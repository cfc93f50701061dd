/**
 * Server software told from the wire: the real captures (lab = dnsmasq 2.90; public ones per their
 * PROVENANCE) and crafted replies written the way each server's source writes them.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { identifyServers, type ServerIdentity } from '../../../src/analysis/server-software.js';
import type { AnalysisResult } from '../../../src/analysis/types.js';
import { CaptureBuilder, LAB, BIOS_ROM } from '../diagnosis/support/builder.js';
import { analyzeCaptureFile, capturePath } from './support/capture.js';

async function identities(rel: string): Promise<ServerIdentity[] | null> {
  const path = capturePath(rel);
  return path === null ? null : identifyServers(await analyzeCaptureFile(path));
}

function pick(ids: ServerIdentity[], ip: string, service: 'dhcp' | 'tftp'): ServerIdentity {
  const id = ids.find((i) => i.ip === ip && i.service === service);
  assert.ok(id, `no ${service} identity for ${ip}: ${JSON.stringify(ids.map((i) => [i.ip, i.service]))}`);
  return id;
}

describe('server software on the committed captures', () => {
  const labDnsmasq: [string, 'high' | 'medium'][] = [
    ['lab/happy-bios-pxelinux/capture.pcapng', 'high'],
    ['lab/file-not-found/capture.pcapng', 'high'],
    ['lab/uefi-edk2-happy/capture.pcapng', 'high'],
    ['lab-failures/pxeclient-no-proxy/capture.pcapng', 'medium'],
    ['lab-failures/nak/capture.pcapng', 'medium'],
  ];
  for (const [rel, confidence] of labDnsmasq) {
    test(`${rel}: dnsmasq (the lab runs dnsmasq 2.90)`, async (t) => {
      const ids = await identities(rel);
      if (ids === null) return t.skip('capture not present');
      const dhcp = pick(ids, LAB.server, 'dhcp');
      assert.equal(dhcp.software, 'dnsmasq');
      assert.equal(dhcp.confidence, confidence);
      assert.ok(dhcp.evidence.length > 0 && dhcp.evidence[0].frames.length > 0);
    });
  }

  test('file-not-found: the TFTP side is dnsmasq by its "file … not found for …" text', async (t) => {
    const ids = await identities('lab/file-not-found/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    const tftp = pick(ids, LAB.server, 'tftp');
    assert.equal(tftp.software, 'dnsmasq');
    assert.equal(tftp.confidence, 'high');
    assert.match(tftp.evidence[0].text, /file \/srv\/pxe-lab\/run\/tftproot\/pxelinux\.0 not found/);
    assert.deepEqual(tftp.evidence[0].frames, [23]); // the ERROR, not the RRQ (22)
  });

  test('proxydhcp: the proxy is dnsmasq pxe-service by its 53, 54, 60, 97, 43 reply', async (t) => {
    const ids = await identities('lab/proxydhcp/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    const proxy = pick(ids, LAB.server, 'dhcp');
    assert.equal(proxy.software, 'dnsmasq');
    assert.match(proxy.evidence[0].text, /53, 54, 60, 97, 43/);
  });

  test('tcpdump dhcp-option-108: Kea order (53 first, then ascending codes)', async (t) => {
    const ids = await identities('public/tcpdump/dhcp-option-108.pcapng');
    if (ids === null) return t.skip('capture not present');
    assert.equal(ids[0].software, 'kea');
  });

  test('zeek dhcp.pcap: ISC dhcpd wording in the NAK and 53, 54, 51 without T1/T2: ISC, medium', async (t) => {
    const ids = await identities('public/zeek/dhcp.pcap');
    if (ids === null) return t.skip('capture not present');
    assert.equal(ids[0].software, 'isc-dhcpd');
    assert.equal(ids[0].confidence, 'medium');
    assert.deepEqual(ids[0].evidence[0].frames, [2, 6]);
  });

  test('tcpdump dhcp-rfc4388 (leasequery): OFFERs 53, 54, 51, 1, 3 without T1/T2 are ISC dhcpd, not dnsmasq', async (t) => {
    const ids = await identities('public/tcpdump/dhcp-rfc4388.pcap');
    if (ids === null) return t.skip('capture not present');
    // Its leasequery replies (53, 54, 51, 58, 59) fit ISC and dnsmasq alike; the OFFERs and ACKs do not
    // (dnsmasq follows the lease time with T1/T2 in every finite lease, and has no leasequery at all).
    assert.equal(ids[0].software, 'isc-dhcpd');
    assert.ok(ids[0].evidence.some((e) => e.software === 'dnsmasq'));
  });

  test('isc-pxe-tftpd-hpa: ISC dhcpd as the PXE server (53, 54, 51, 1), tftpd-hpa on the next-server', async (t) => {
    const ids = await identities('lab/isc-pxe-tftpd-hpa/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    const dhcp = pick(ids, '10.77.0.2', 'dhcp');
    assert.equal(dhcp.software, 'isc-dhcpd');
    // One sign that busybox udhcpd shares: low, so no fix is reordered on it alone.
    assert.equal(dhcp.confidence, 'low');
    assert.deepEqual(dhcp.evidence[0].frames, [6, 9, 13]);
    assert.equal(pick(ids, LAB.server, 'tftp').software, 'tftpd-hpa');
  });

  test("kea-happy-bios: Kea by its option order; tftpd-hpa by OACKs in the client's order both ways", async (t) => {
    const ids = await identities('lab/kea-happy-bios/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    const dhcp = pick(ids, LAB.server, 'dhcp');
    assert.equal(dhcp.software, 'kea');
    assert.equal(dhcp.confidence, 'high');
    assert.deepEqual(dhcp.evidence[0].frames, [2, 7, 10]);
    const tftp = pick(ids, LAB.server, 'tftp');
    assert.equal(tftp.software, 'tftpd-hpa');
    // OACK 17 answers iPXE's blksize, tsize; OACK 80 pxelinux's tsize, blksize, each in the asked order.
    assert.match(tftp.evidence[0].text, /client's order both ways/);
    assert.deepEqual(tftp.evidence[0].frames, [17, 80]);
  });

  test("kea-happy-uefi: atftpd answers tsize before blksize to iPXE's blksize, tsize", async (t) => {
    const ids = await identities('lab/kea-happy-uefi/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    assert.equal(pick(ids, LAB.server, 'dhcp').software, 'kea');
    const tftp = pick(ids, LAB.server, 'tftp');
    assert.equal(tftp.software, 'atftpd');
    assert.equal(tftp.confidence, 'high');
    assert.deepEqual(tftp.evidence[0].frames, [17]);
  });

  test('kea-arch-mismatch: tftpd-hpa by the iPXE and the EDK2 OACKs', async (t) => {
    const ids = await identities('lab-failures/kea-arch-mismatch/capture.pcapng');
    if (ids === null) return t.skip('capture not present');
    assert.equal(pick(ids, LAB.server, 'dhcp').software, 'kea');
    const tftp = pick(ids, LAB.server, 'tftp');
    assert.equal(tftp.software, 'tftpd-hpa');
    assert.deepEqual(tftp.evidence[0].frames, [17, 88]);
  });

  for (const name of ['tftpd-hpa-file-not-found', 'atftpd-file-not-found']) {
    test(`${name}: one "File not found" fits tftp-hpa and atftpd alike; the DHCP side is dnsmasq`, async (t) => {
      const ids = await identities(`lab-failures/${name}/capture.pcapng`);
      if (ids === null) return t.skip('capture not present');
      assert.equal(pick(ids, LAB.server, 'dhcp').software, 'dnsmasq');
      // dnsmasq serves the DHCP of the same address, but its TFTP would have said "file <path> not found".
      assert.equal(pick(ids, LAB.server, 'tftp').software, 'unknown');
    });
  }

  test('plain TFTP captures with no telling text stay unknown', async (t) => {
    const ids = await identities('public/sv/output-eve-tftp-01/input.pcap');
    if (ids === null) return t.skip('capture not present');
    assert.deepEqual(
      ids.map((i) => [i.service, i.software]),
      [['tftp', 'unknown']],
    );
  });
});

/** One DORA whose replies carry `order`, the client asking `prl`; plus an optional TFTP transfer. */
function crafted(order: number[], prl: number[], extra?: (b: CaptureBuilder) => void): AnalysisResult {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
  s.dhcp({ client: {}, requestFields: { parameterRequestList: prl }, offers: [{ optionOrder: order }] });
  const tx = s.transactions[0];
  for (const e of tx.events) if (e.op === 1) e.parameterRequestList = prl;
  for (const e of tx.events) if (e.op === 2) e.optionOrder = order;
  extra?.(b);
  return b.build();
}

describe('server software from crafted replies', () => {
  test('Kea: 53 first, then ascending, 82 last', () => {
    const [id] = identifyServers(crafted([53, 1, 3, 6, 51, 54, 67, 82], [1, 3, 6, 67]));
    assert.equal(id.software, 'kea');
    assert.equal(id.confidence, 'high');
  });

  test('ISC dhcpd: after 53, 54, 51 the client request list order, which is not ascending', () => {
    const [id] = identifyServers(crafted([53, 54, 51, 1, 15, 3, 6, 44], [1, 15, 3, 6, 44, 46]));
    assert.equal(id.software, 'isc-dhcpd');
  });

  test('dnsmasq: 67 between 51 and 58, and 28 right after 1 unasked', () => {
    const [id] = identifyServers(crafted([53, 54, 51, 67, 58, 59, 1, 28, 3], [1, 3, 6, 67]));
    assert.equal(id.software, 'dnsmasq');
    assert.equal(id.confidence, 'high');
  });

  test('a reply with no telling order stays unknown', () => {
    const [id] = identifyServers(crafted([53, 1, 54, 51, 3, 6], [1, 3, 6]));
    assert.equal(id.software, 'unknown');
  });

  test('Windows WDS: wdsnbp.com boot file', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    s.dhcp({ offers: [{ file: 'boot\\x64\\wdsnbp.com', optionOrder: [53, 1, 54, 51, 3, 60, 66, 67] }] });
    const [id] = identifyServers(b.build());
    assert.equal(id.software, 'windows-wds');
  });

  const tftpCases: [string, Record<string, string>, Record<string, string> | null, string | null, string][] =
    [
      ['tftp-hpa "Access denied"', {}, null, 'Access denied', 'tftpd-hpa'],
      [
        'atftpd "Failure to negotiate RFC1782 options"',
        {},
        null,
        'Failure to negotiate RFC1782 options',
        'atftpd',
      ],
      [
        'atftpd answers tsize before blksize',
        { blksize: '1432', tsize: '0' },
        { tsize: '4096', blksize: '1432' },
        null,
        'atftpd',
      ],
      [
        'dnsmasq answers blksize before tsize',
        { tsize: '0', blksize: '1408' },
        { blksize: '1408', tsize: '4096' },
        null,
        'dnsmasq',
      ],
      [
        'WDS answers msftwindow',
        { blksize: '1456', msftwindow: '31416' },
        { blksize: '1456', msftwindow: '64' },
        null,
        'windows-wds',
      ],
      ['"File not found" alone: tftp-hpa or atftpd', {}, null, 'File not found', 'unknown'],
      [
        'blksize, tsize answered as asked: dnsmasq or tftp-hpa',
        { blksize: '1432', tsize: '0' },
        { blksize: '1432', tsize: '4096' },
        null,
        'unknown',
      ],
    ];
  for (const [name, requested, oack, error, software] of tftpCases) {
    test(`TFTP: ${name}`, () => {
      const b = new CaptureBuilder();
      b.session({ mac: LAB.mac, ...BIOS_ROM }).transfer({
        file: 'pxelinux.0',
        server: '10.77.0.9',
        requested,
        oack,
        ...(error === null
          ? {}
          : { error: { code: error === 'File not found' ? 1 : 2, message: error, from: 'server' } }),
      });
      const id = identifyServers(b.build()).find((i) => i.service === 'tftp');
      assert.equal(id?.software, software);
    });
  }
});

describe("tftp-hpa: OACKs in the client's order, whichever it is", () => {
  test('one server, blksize first to one request and tsize first to another, each as asked: tftp-hpa', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    const server = '10.77.0.9';
    s.transfer({
      file: 'pxelinux.0',
      server,
      requested: { blksize: '1432', tsize: '0' },
      oack: { blksize: '1432', tsize: '42430' },
    });
    s.transfer({
      file: 'ldlinux.c32',
      server,
      requested: { tsize: '0', blksize: '1408' },
      oack: { tsize: '119524', blksize: '1408' },
    });
    const id = identifyServers(b.build()).find((i) => i.service === 'tftp');
    assert.equal(id?.software, 'tftpd-hpa');
    assert.equal(id?.confidence, 'high');
  });
});
