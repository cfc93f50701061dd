import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';

import { ipNumberToString } from '../../../src/protocol/addr.js';
import { decodeArp, encodeArp, encodeEthernet } from '../../../src/protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Into,
  encodeIpv4,
  IPPROTO_UDP,
  IPV4_OK,
  IPV4_TRUNCATED,
  peekIpv4Udp,
} from '../../../src/protocol/ipv4.js';
import {
  createLinkInfo,
  decodeLink,
  decodeLinkInto,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_NONE,
  LINK_OK,
  LINK_TRUNCATED,
  LINK_UNSUPPORTED,
  linkDstMac,
  linkSrcMac,
  linkTypeName,
  linkVlans,
} from '../../../src/protocol/link.js';
import {
  createUdpHeader,
  decodeUdpInto,
  encodeUdp,
  udpDstPort,
  udpSrcPort,
} from '../../../src/protocol/udp.js';
import { cell, dataPath, hasTshark, hexToBytes, readTsv, tsharkFields, writeTempPcapng } from './helpers.js';

const NET: ReadonlyMap<string, number> = new Map([
  ['ip', ETHERTYPE_IPV4],
  ['ipv6', ETHERTYPE_IPV6],
  ['arp', ETHERTYPE_ARP],
]);

describe('link layer against tshark on real captures', () => {
  const dir = dataPath('net', 'data');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tsv'))) {
    test(file, () => {
      const info = createLinkInfo();
      const ip = createIpv4Header();
      const udp = createUdpHeader();
      const { rows } = readTsv(`${dir}/${file}`);
      assert.ok(rows.length > 0);
      for (const row of rows) {
        const frame = cell(row, 'frame');
        const where = `${file} frame ${frame}`;
        const linkType = Number(cell(row, 'linktype'));
        const data = hexToBytes(cell(row, 'frame_hex'));
        const status = decodeLinkInto(linkType, data, info);
        if (linkType === 127) {
          assert.equal(status, LINK_UNSUPPORTED, where);
          assert.equal(linkTypeName(linkType), 'IEEE802_11_RADIOTAP (127)');
          continue;
        }
        assert.equal(status, LINK_OK, where);
        assert.equal(linkVlans(info).join(','), cell(row, 'vlans'), `${where} vlans`);
        const net = cell(row, 'net');
        const expected = NET.get(net);
        if (expected === undefined) {
          assert.ok(![...NET.values()].includes(info.etherType), `${where}: ${info.etherType.toString(16)}`);
        } else {
          assert.equal(info.etherType, expected, `${where} ethertype`);
          assert.equal(info.offset, Number(cell(row, 'net_offset')), `${where} offset`);
        }
        const ethSrc = cell(row, 'eth.src');
        if (ethSrc !== '') {
          assert.equal(linkSrcMac(info, data), ethSrc, where);
          assert.equal(linkDstMac(info, data), cell(row, 'eth.dst'), where);
        }
        if (cell(row, 'sll.pkttype') !== '')
          assert.equal(info.packetType, Number(cell(row, 'sll.pkttype')), where);
        const sllSrc = cell(row, 'sll.src.eth');
        if (sllSrc !== '') assert.equal(linkSrcMac(info, data), sllSrc, where);
        if (cell(row, 'sll.ifindex') !== '')
          assert.equal(info.ifIndex, Number(cell(row, 'sll.ifindex')), where);

        if (net === 'ip') {
          const s = decodeIpv4Into(data, info.offset, ip);
          assert.ok(s === IPV4_OK || s === IPV4_TRUNCATED, `${where} ip status ${s}`);
          assert.equal(ipNumberToString(ip.src), cell(row, 'ip.src'), where);
          assert.equal(ipNumberToString(ip.dst), cell(row, 'ip.dst'), where);
          assert.equal(ip.protocol, Number(cell(row, 'ip.proto')), where);
          assert.equal(ip.totalLength, Number(cell(row, 'ip.len')), where);
          assert.equal(ip.id, Number(cell(row, 'ip.id')), where);
          assert.equal(ip.ttl, Number(cell(row, 'ip.ttl')), where);
          assert.equal(ip.df, cell(row, 'ip.flags.df') === '1', where);
          assert.equal(ip.mf, cell(row, 'ip.flags.mf') === '1', where);
          assert.equal(ip.fragmentOffset / 8, Number(cell(row, 'ip.frag_offset')), where);
          assert.equal(ip.checksum, Number(cell(row, 'ip.checksum')), where);
          if (cell(row, 'udp.srcport') !== '') {
            assert.equal(peekIpv4Udp(data, info.offset), ip.payloadOffset, where);
            assert.equal(udpSrcPort(data, ip.payloadOffset), Number(cell(row, 'udp.srcport')), where);
            assert.equal(udpDstPort(data, ip.payloadOffset), Number(cell(row, 'udp.dstport')), where);
            decodeUdpInto(data, ip.payloadOffset, ip.payloadEnd, udp);
            assert.equal(udp.srcPort, Number(cell(row, 'udp.srcport')), where);
            assert.equal(udp.dstPort, Number(cell(row, 'udp.dstport')), where);
            assert.equal(udp.length, Number(cell(row, 'udp.length')), where);
          }
        }
        if (net === 'arp') {
          const arp = decodeArp(data, info.offset);
          assert.ok(arp !== null, where);
          assert.equal(arp.op, Number(cell(row, 'arp.opcode')), where);
          assert.equal(arp.senderMac, cell(row, 'arp.src.hw_mac'), where);
          assert.equal(arp.senderIp, cell(row, 'arp.src.proto_ipv4'), where);
          assert.equal(arp.targetMac, cell(row, 'arp.dst.hw_mac'), where);
          assert.equal(arp.targetIp, cell(row, 'arp.dst.proto_ipv4'), where);
        }
      }
    });
  }
});

/** A UDP datagram with a TFTP RRQ in it, the payload every crafted link type below carries. */
function sampleDatagram(): Uint8Array {
  const rrq = new TextEncoder().encode('\u0000\u0001pxelinux.0\u0000octet\u0000');
  return encodeIpv4(
    { src: '10.77.0.111', dst: '10.77.0.1', protocol: IPPROTO_UDP, id: 0x1234 },
    encodeUdp('10.77.0.111', '10.77.0.1', 2070, 69, rrq),
  );
}

/** A minimal IPv6/UDP packet (checksum left 0: only the link layer is under test). */
function sampleIpv6(): Uint8Array {
  const out = new Uint8Array(48);
  out[0] = 0x60;
  out[5] = 8;
  out[6] = 17;
  out[7] = 64;
  out[23] = 1;
  out[39] = 2;
  out.set([0x02, 0x22, 0x02, 0x23, 0, 8, 0, 0], 40);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const MAC_A = '52:54:00:12:34:56';
const MAC_B = 'aa:bb:cc:dd:ee:01';

interface Crafted {
  name: string;
  linkType: number;
  frame: Uint8Array;
  etherType: number;
  offset: number;
  vlans?: number[];
  /** Expected tshark frame.protocols prefix up to the network layer. */
  protocols: string;
}

function craftedFrames(): Crafted[] {
  const v4 = sampleDatagram();
  const v6 = sampleIpv6();
  const sllHeader = (protocol: number): Uint8Array =>
    Uint8Array.from([
      0,
      0,
      0,
      1,
      0,
      6,
      0x52,
      0x54,
      0,
      0x12,
      0x34,
      0x56,
      0,
      0,
      protocol >> 8,
      protocol & 0xff,
    ]);
  return [
    {
      name: 'NULL, little-endian AF_INET',
      linkType: 0,
      frame: concat(Uint8Array.of(2, 0, 0, 0), v4),
      etherType: ETHERTYPE_IPV4,
      offset: 4,
      protocols: 'null:ip',
    },
    {
      name: 'NULL, big-endian AF_INET',
      linkType: 0,
      frame: concat(Uint8Array.of(0, 0, 0, 2), v4),
      etherType: ETHERTYPE_IPV4,
      offset: 4,
      protocols: 'null:ip',
    },
    {
      name: 'NULL, Darwin AF_INET6 (30)',
      linkType: 0,
      frame: concat(Uint8Array.of(30, 0, 0, 0), v6),
      etherType: ETHERTYPE_IPV6,
      offset: 4,
      protocols: 'null:ipv6',
    },
    {
      name: 'NULL, FreeBSD AF_INET6 (28)',
      linkType: 0,
      frame: concat(Uint8Array.of(28, 0, 0, 0), v6),
      etherType: ETHERTYPE_IPV6,
      offset: 4,
      protocols: 'null:ipv6',
    },
    {
      name: 'NULL, BSD AF_INET6 (24) big-endian',
      linkType: 0,
      frame: concat(Uint8Array.of(0, 0, 0, 24), v6),
      etherType: ETHERTYPE_IPV6,
      offset: 4,
      protocols: 'null:ipv6',
    },
    {
      name: 'LOOP AF_INET',
      linkType: 108,
      frame: concat(Uint8Array.of(0, 0, 0, 2), v4),
      etherType: ETHERTYPE_IPV4,
      offset: 4,
      protocols: 'null:ip',
    },
    {
      name: 'LOOP AF_INET6',
      linkType: 108,
      frame: concat(Uint8Array.of(0, 0, 0, 24), v6),
      etherType: ETHERTYPE_IPV6,
      offset: 4,
      protocols: 'null:ipv6',
    },
    {
      name: 'RAW (101) IPv4',
      linkType: 101,
      frame: v4,
      etherType: ETHERTYPE_IPV4,
      offset: 0,
      protocols: 'raw:ip',
    },
    {
      name: 'RAW (101) IPv6',
      linkType: 101,
      frame: v6,
      etherType: ETHERTYPE_IPV6,
      offset: 0,
      protocols: 'raw:ipv6',
    },
    {
      name: 'RAW (12) IPv4',
      linkType: 12,
      frame: v4,
      etherType: ETHERTYPE_IPV4,
      offset: 0,
      protocols: 'raw:ip',
    },
    {
      name: 'RAW (14) IPv4',
      linkType: 14,
      frame: v4,
      etherType: ETHERTYPE_IPV4,
      offset: 0,
      protocols: 'raw:ip',
    },
    { name: 'IPV4 (228)', linkType: 228, frame: v4, etherType: ETHERTYPE_IPV4, offset: 0, protocols: 'ip' },
    {
      name: 'Ethernet 802.1ad + 802.1Q + 0x9100',
      linkType: 1,
      frame: encodeEthernet(
        {
          dst: MAC_B,
          src: MAC_A,
          vlans: [
            { id: 300, tpid: 0x88a8 },
            { id: 7, tpid: 0x9100 },
            { id: 42, pcp: 5, dei: true },
          ],
          etherType: 0x0800,
        },
        v4,
      ),
      etherType: ETHERTYPE_IPV4,
      offset: 26,
      vlans: [300, 7, 42],
      protocols: 'eth:ethertype:ieee8021ad:ethertype:vlan:ethertype:vlan:ethertype:ip',
    },
    {
      name: 'Ethernet 802.3 + LLC/SNAP',
      linkType: 1,
      frame: encodeEthernet(
        { dst: MAC_B, src: MAC_A, etherType: v4.length + 8 },
        concat(Uint8Array.of(0xaa, 0xaa, 3, 0, 0, 0, 8, 0), v4),
      ),
      etherType: ETHERTYPE_IPV4,
      offset: 22,
      protocols: 'eth:llc:ip',
    },
    {
      name: 'Ethernet MPLS two labels',
      linkType: 1,
      frame: encodeEthernet(
        { dst: MAC_B, src: MAC_A, etherType: 0x8847 },
        concat(Uint8Array.of(0, 1, 0x00, 64, 0, 2, 0x01, 64), v4),
      ),
      etherType: ETHERTYPE_IPV4,
      offset: 22,
      protocols: 'eth:ethertype:mpls:ip',
    },
    {
      name: 'Linux SLL with a VLAN tag',
      linkType: 113,
      frame: concat(sllHeader(0x8100), Uint8Array.of(0, 99, 8, 0), v4),
      etherType: ETHERTYPE_IPV4,
      offset: 20,
      vlans: [99],
      protocols: 'sll:ethertype:vlan:ethertype:ip',
    },
    {
      name: 'Linux SLL2',
      linkType: 276,
      frame: concat(
        Uint8Array.of(8, 0, 0, 0, 0, 0, 0, 3, 0, 1, 4, 6, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0, 0),
        v4,
      ),
      etherType: ETHERTYPE_IPV4,
      offset: 20,
      protocols: 'sll:ethertype:ip',
    },
  ];
}

describe('crafted link types', () => {
  const cases = craftedFrames();
  test('decode as intended', () => {
    const info = createLinkInfo();
    for (const c of cases) {
      assert.equal(decodeLinkInto(c.linkType, c.frame, info), LINK_OK, c.name);
      assert.equal(info.etherType, c.etherType, c.name);
      assert.equal(info.offset, c.offset, c.name);
      assert.deepEqual(linkVlans(info), c.vlans ?? [], c.name);
    }
  });

  test(
    'tshark decodes the same network layer at the same place',
    { skip: !hasTshark() && 'tshark not installed' },
    () => {
      const path = writeTempPcapng(
        'links.pcapng',
        cases.map((c) => ({ linkType: c.linkType, data: c.frame })),
      );
      const rows = tsharkFields(path, [
        'frame.protocols',
        'ip.src',
        'ipv6.src',
        'udp.dstport',
        'vlan.id',
        'ieee8021ad.id',
      ]);
      assert.equal(rows.length, cases.length);
      cases.forEach((c, i) => {
        const row = rows[i];
        assert.ok(row[0].startsWith(c.protocols), `${c.name}: tshark says ${row[0]}`);
        if (c.etherType === ETHERTYPE_IPV4) {
          const ip = createIpv4Header();
          assert.equal(decodeIpv4Into(c.frame, c.offset, ip), IPV4_OK, c.name);
          assert.equal(ipNumberToString(ip.src), row[1], c.name);
          const udp = createUdpHeader();
          decodeUdpInto(c.frame, ip.payloadOffset, ip.payloadEnd, udp);
          assert.equal(String(udp.dstPort), row[3], c.name);
        } else {
          assert.equal(row[2], '::1', c.name);
        }
        const tsharkVlans = [row[5], row[4]].filter((v) => v !== '').join(',');
        if (c.vlans !== undefined)
          assert.deepEqual(tsharkVlans.split(',').map(Number).sort(), [...c.vlans].sort(), c.name);
      });
    },
  );
});

describe('link edge cases', () => {
  test('truncated headers', () => {
    const info = createLinkInfo();
    assert.equal(decodeLinkInto(1, new Uint8Array(13), info), LINK_TRUNCATED);
    assert.equal(decodeLinkInto(113, new Uint8Array(15), info), LINK_TRUNCATED);
    assert.equal(decodeLinkInto(276, new Uint8Array(19), info), LINK_TRUNCATED);
    assert.equal(decodeLinkInto(0, new Uint8Array(3), info), LINK_TRUNCATED);
    assert.equal(decodeLinkInto(108, new Uint8Array(3), info), LINK_TRUNCATED);
    assert.equal(decodeLinkInto(101, new Uint8Array(0), info), LINK_TRUNCATED);
    // A VLAN tag cut in the middle.
    const tagged = encodeEthernet(
      { dst: MAC_B, src: MAC_A, vlans: [5], etherType: 0x0800 },
      new Uint8Array(0),
    );
    assert.equal(decodeLinkInto(1, tagged.subarray(0, 16), info), LINK_TRUNCATED);
  });

  test('non-IP frames keep a cheap answer', () => {
    const info = createLinkInfo();
    const llc = encodeEthernet(
      { dst: MAC_B, src: MAC_A, etherType: 40 },
      Uint8Array.of(0x42, 0x42, 3, 0, 0, 0, 0, 0),
    );
    assert.equal(decodeLinkInto(1, llc, info), LINK_OK);
    assert.equal(info.etherType, ETHERTYPE_NONE);
    assert.equal(decodeLinkInto(0, Uint8Array.of(7, 0, 0, 0, 1), info), LINK_OK);
    assert.equal(info.etherType, ETHERTYPE_NONE);
    assert.equal(decodeLinkInto(101, Uint8Array.of(0x20), info), LINK_OK);
    assert.equal(info.etherType, ETHERTYPE_NONE);
  });

  test('more tags than followed are left as they are', () => {
    const info = createLinkInfo();
    const frame = encodeEthernet(
      { dst: MAC_B, src: MAC_A, vlans: [1, 2, 3, 4, 5, 6, 7, 8, 9], etherType: 0x0800 },
      new Uint8Array(20),
    );
    assert.equal(decodeLinkInto(1, frame, info), LINK_OK);
    assert.deepEqual(linkVlans(info), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(info.etherType, 0x8100);
  });

  test('decodeLink gives plain data and a failure naming the link type', () => {
    const frame = encodeEthernet(
      { dst: MAC_B, src: MAC_A, vlans: [10], etherType: 0x0806 },
      new Uint8Array(28),
    );
    assert.deepEqual(decodeLink(1, frame), {
      ok: true,
      linkType: 1,
      etherType: 0x0806,
      offset: 18,
      srcMac: MAC_A,
      dstMac: MAC_B,
      vlans: [10],
    });
    assert.deepEqual(decodeLink(127, frame), {
      ok: false,
      linkType: 127,
      reason: 'unsupported',
      linkName: 'IEEE802_11_RADIOTAP (127)',
    });
    assert.deepEqual(decodeLink(1, frame.subarray(0, 5)), {
      ok: false,
      linkType: 1,
      reason: 'truncated',
      linkName: 'ETHERNET (1)',
    });
    assert.equal(linkTypeName(149), 'USER2 (149)');
    assert.equal(linkTypeName(60000), 'unknown (60000)');
  });

  test('ARP round trip, and foreign ARP is refused', () => {
    const arp = encodeArp({
      op: 1,
      senderMac: MAC_A,
      senderIp: '10.77.0.111',
      targetMac: '00:00:00:00:00:00',
      targetIp: '10.77.0.1',
    });
    const frame = encodeEthernet({ dst: 'ff:ff:ff:ff:ff:ff', src: MAC_A, etherType: 0x0806, pad: true }, arp);
    assert.equal(frame.length, 60);
    const info = createLinkInfo();
    assert.equal(decodeLinkInto(1, frame, info), LINK_OK);
    assert.deepEqual(decodeArp(frame, info.offset), {
      op: 1,
      senderMac: MAC_A,
      senderIp: '10.77.0.111',
      senderIpNumber: 0x0a4d006f,
      targetMac: '00:00:00:00:00:00',
      targetIp: '10.77.0.1',
      targetIpNumber: 0x0a4d0001,
    });
    assert.equal(decodeArp(frame, 40), null);
    const v6arp = arp.slice();
    v6arp[5] = 16;
    assert.equal(decodeArp(v6arp, 0), null);
  });

  test('encoder refuses impossible values', () => {
    assert.throws(
      () => encodeEthernet({ dst: 'nope', src: MAC_A, etherType: 0x800 }, new Uint8Array(0)),
      RangeError,
    );
    assert.throws(
      () => encodeEthernet({ dst: MAC_A, src: MAC_A, vlans: [4096], etherType: 0x800 }, new Uint8Array(0)),
      RangeError,
    );
    assert.throws(
      () => encodeEthernet({ dst: MAC_A, src: MAC_A, etherType: 0x10000 }, new Uint8Array(0)),
      RangeError,
    );
  });
});
