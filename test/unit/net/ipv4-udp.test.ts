import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  ipNumberToString,
  ipToString,
  macToString,
  parseIp,
  normalizeMac,
  parseMac,
  readIp,
  toIpNumber,
} from '../../../src/protocol/addr.js';
import { internetChecksum } from '../../../src/protocol/checksum.js';
import { encodeEthernet } from '../../../src/protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Header,
  decodeIpv4Into,
  encodeIpv4,
  fragmentIpv4,
  IPPROTO_UDP,
  ipv4HeaderChecksumOk,
  ipv4StatusText,
  IPV4_BAD_HEADER_LENGTH,
  IPV4_BAD_TOTAL_LENGTH,
  IPV4_BAD_VERSION,
  IPV4_HEADER_TRUNCATED,
  IPV4_OK,
  IPV4_TRUNCATED,
  IPV4_PEEK_FRAGMENT,
  IPV4_PEEK_OTHER,
  isFragment,
  peekIpv4Udp,
} from '../../../src/protocol/ipv4.js';
import {
  decodeUdpHeader,
  encodeUdp,
  udpChecksum,
  UDP_BAD_LENGTH,
  UDP_HEADER_TRUNCATED,
  UDP_OK,
  UDP_SHORT,
  verifyUdpChecksum,
} from '../../../src/protocol/udp.js';
import { hasTshark, prng, randomInt, tsharkFields, writeTempPcap } from './helpers.js';

describe('addresses', () => {
  test('IPv4 text and numbers', () => {
    assert.equal(parseIp('10.77.0.1'), 0x0a4d0001);
    assert.equal(parseIp('255.255.255.255'), 0xffffffff);
    for (const bad of ['10.77.0', '10.77.0.256', '010.1.1.1', '1.2.3.4.5', 'a.b.c.d', '', '1..2.3']) {
      assert.equal(parseIp(bad), null, bad);
    }
    assert.equal(ipNumberToString(0xc0a80001), '192.168.0.1');
    assert.equal(ipToString(Uint8Array.of(9, 10, 77, 0, 1), 1), '10.77.0.1');
    assert.equal(readIp(Uint8Array.of(255, 255, 255, 254), 0), 0xfffffffe);
    assert.throws(() => toIpNumber('10.0.0'), RangeError);
    assert.throws(() => toIpNumber(-1), RangeError);
  });

  test('MAC text and bytes', () => {
    assert.equal(macToString(Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0xab), 0), '52:54:00:12:34:ab');
    assert.deepEqual(parseMac('52-54-00-12-34-AB'), Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0xab));
    assert.equal(parseMac('52:54:00:12:34'), null);
    assert.equal(parseMac('52:54:00:12:34:zz'), null);
    const mac = Uint8Array.of(0x52, 0x54, 0, 0x12, 0x34, 0x56);
    for (const form of ['5254.0012.3456', '525400123456', '52:54:0:12:34:56', ' 52:54:00:12:34:56 '])
      assert.deepEqual(parseMac(form), mac, form);
    for (const bad of ['52:54-00:12:34:56', '5254.0012.345', '5254001234567', '52.54.00.12.34.56'])
      assert.equal(parseMac(bad), null, bad);
    assert.equal(normalizeMac('5254.0012.34AB'), '52:54:00:12:34:ab');
  });
});

describe('IPv4 header', () => {
  const payload = new Uint8Array([1, 2, 3, 4, 5]);
  const datagram = encodeIpv4(
    { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, id: 0xbeef, ttl: 3, tos: 0x10, df: true },
    payload,
  );

  test('encode then decode', () => {
    const h = decodeIpv4Header(datagram, 0);
    assert.equal(h.status, IPV4_OK);
    assert.deepEqual(
      [
        h.version,
        h.ihl,
        h.headerLength,
        h.tos,
        h.totalLength,
        h.id,
        h.df,
        h.mf,
        h.flags,
        h.fragmentOffset,
        h.ttl,
        h.protocol,
      ],
      [4, 5, 20, 0x10, 25, 0xbeef, true, false, 2, 0, 3, 17],
    );
    assert.equal(ipNumberToString(h.src), '10.0.0.1');
    assert.deepEqual([h.payloadOffset, h.payloadEnd, h.payloadLength], [20, 25, 5]);
    assert.ok(ipv4HeaderChecksumOk(datagram, 0));
    assert.equal(internetChecksum(datagram, 0, 20), 0);
    assert.equal(isFragment(h), false);
  });

  test('padding after the datagram is not payload', () => {
    const padded = new Uint8Array(60);
    padded.set(datagram, 14);
    const h = decodeIpv4Header(padded, 14);
    assert.equal(h.status, IPV4_OK);
    assert.equal(h.payloadEnd, 14 + 25);
  });

  test('options are skipped', () => {
    const withOptions = encodeIpv4(
      { src: 1, dst: 2, protocol: 17, options: Uint8Array.of(0x94, 4, 0, 0, 1) },
      payload,
    );
    const h = decodeIpv4Header(withOptions, 0);
    assert.equal(h.ihl, 7);
    assert.equal(h.payloadOffset, 28);
    assert.ok(ipv4HeaderChecksumOk(withOptions, 0));
  });

  test('validation', () => {
    const h = createIpv4Header();
    assert.equal(decodeIpv4Into(datagram.subarray(0, 19), 0, h), IPV4_HEADER_TRUNCATED);
    assert.equal(decodeIpv4Into(datagram.subarray(0, 22), 0, h), IPV4_TRUNCATED);
    assert.equal(h.payloadEnd, 22);
    assert.equal(h.payloadLength, 5);
    const v6 = datagram.slice();
    v6[0] = 0x65;
    assert.equal(decodeIpv4Into(v6, 0, h), IPV4_BAD_VERSION);
    const shortIhl = datagram.slice();
    shortIhl[0] = 0x44;
    assert.equal(decodeIpv4Into(shortIhl, 0, h), IPV4_BAD_HEADER_LENGTH);
    const longIhl = datagram.slice();
    longIhl[0] = 0x4f;
    assert.equal(decodeIpv4Into(longIhl, 0, h), IPV4_HEADER_TRUNCATED);
    const small = encodeIpv4({ src: 1, dst: 2, protocol: 17, totalLengthOverride: 12 }, payload);
    assert.equal(decodeIpv4Into(small, 0, h), IPV4_BAD_TOTAL_LENGTH);
    assert.equal(ipv4StatusText(IPV4_BAD_TOTAL_LENGTH), 'IPv4 total length smaller than its header');
    const tso = encodeIpv4({ src: 1, dst: 2, protocol: 6, totalLengthOverride: 0 }, payload);
    assert.equal(decodeIpv4Into(tso, 0, h), IPV4_OK);
    assert.equal(h.tso, true);
    assert.equal(h.payloadEnd, 25);
    const bad = encodeIpv4({ src: 1, dst: 2, protocol: 6, checksumOverride: 0x1234 }, payload);
    assert.equal(ipv4HeaderChecksumOk(bad, 0), false);
  });

  test('peek: the cheap triage of the hot path', () => {
    const udp = encodeIpv4({ src: 1, dst: 2, protocol: 17 }, encodeUdp(1, 2, 68, 67, new Uint8Array(4)));
    assert.equal(peekIpv4Udp(udp, 0), 20);
    assert.equal(peekIpv4Udp(udp.subarray(0, 27), 0), IPV4_PEEK_OTHER, 'UDP header not captured');
    assert.equal(
      peekIpv4Udp(encodeIpv4({ src: 1, dst: 2, protocol: 6 }, new Uint8Array(20)), 0),
      IPV4_PEEK_OTHER,
    );
    assert.equal(
      peekIpv4Udp(encodeIpv4({ src: 1, dst: 2, protocol: 17, mf: true }, new Uint8Array(16)), 0),
      IPV4_PEEK_FRAGMENT,
    );
    assert.equal(
      peekIpv4Udp(encodeIpv4({ src: 1, dst: 2, protocol: 17, fragmentOffset: 8 }, new Uint8Array(8)), 0),
      IPV4_PEEK_FRAGMENT,
    );
    assert.equal(
      peekIpv4Udp(
        encodeIpv4({ src: 1, dst: 2, protocol: 17, df: true, reserved: true }, new Uint8Array(8)),
        0,
      ),
      20,
    );
    const opts = encodeIpv4({ src: 1, dst: 2, protocol: 17, options: new Uint8Array(4) }, new Uint8Array(8));
    assert.equal(peekIpv4Udp(opts, 0), 24);
    const v6 = udp.slice();
    v6[0] = 0x65;
    assert.equal(peekIpv4Udp(v6, 0), IPV4_PEEK_OTHER);
  });

  test('fragments cover the payload with 8-byte aligned offsets', () => {
    const big = Uint8Array.from({ length: 3001 }, (_, i) => i % 251);
    const frags = fragmentIpv4({ src: 1, dst: 2, protocol: 17, id: 9 }, big, 1000);
    assert.equal(frags.length, 4);
    const joined = new Uint8Array(big.length);
    frags.forEach((f, i) => {
      const h = decodeIpv4Header(f, 0);
      assert.equal(h.status, IPV4_OK);
      assert.ok(f.length <= 1000);
      assert.equal(h.mf, i < frags.length - 1);
      assert.equal(h.fragmentOffset % 8, 0);
      assert.ok(isFragment(h));
      joined.set(f.subarray(20), h.fragmentOffset);
    });
    assert.deepEqual(joined, big);
  });

  test('encoder refuses impossible values', () => {
    assert.throws(() => encodeIpv4({ src: 1, dst: 2, protocol: 17, fragmentOffset: 3 }, payload), RangeError);
    assert.throws(() => encodeIpv4({ src: 1, dst: 2, protocol: 17, ttl: 256 }, payload), RangeError);
    assert.throws(() => encodeIpv4({ src: 1, dst: 2, protocol: 17 }, new Uint8Array(65516)), RangeError);
    assert.throws(
      () => encodeIpv4({ src: 1, dst: 2, protocol: 17, options: new Uint8Array(41) }, payload),
      RangeError,
    );
  });
});

describe('UDP header', () => {
  test('decode statuses', () => {
    const udp = encodeUdp('10.0.0.1', '10.0.0.2', 68, 67, new Uint8Array(10));
    let h = decodeUdpHeader(udp, 0);
    assert.deepEqual(
      [h.status, h.srcPort, h.dstPort, h.length, h.payloadOffset, h.payloadEnd],
      [UDP_OK, 68, 67, 18, 8, 18],
    );
    const padded = new Uint8Array(30);
    padded.set(udp);
    assert.equal(decodeUdpHeader(padded, 0).payloadEnd, 18);
    h = decodeUdpHeader(udp, 0, 12);
    assert.deepEqual([h.status, h.payloadEnd], [UDP_SHORT, 12]);
    assert.equal(decodeUdpHeader(udp, 0, 7).status, UDP_HEADER_TRUNCATED);
    const zero = udp.slice();
    zero[4] = 0;
    zero[5] = 4;
    assert.equal(decodeUdpHeader(zero, 0).status, UDP_BAD_LENGTH);
  });

  test('checksum verification', () => {
    const src = 0x0a000001;
    const dst = 0x0a000002;
    const udp = encodeUdp(src, dst, 1000, 69, Uint8Array.of(0, 1, 65, 0, 66, 0, 7));
    assert.equal(verifyUdpChecksum(src, dst, udp, 0), 'ok');
    assert.equal(verifyUdpChecksum(src, dst + 1, udp, 0), 'bad');
    const none = udp.slice();
    none[6] = 0;
    none[7] = 0;
    assert.equal(verifyUdpChecksum(src, dst, none, 0), 'none');
    assert.equal(verifyUdpChecksum(src, dst, udp.subarray(0, 10), 0), 'unverifiable');
  });

  test('a computed zero is sent as 0xffff', () => {
    const probe = encodeUdp(1, 2, 3, 4, new Uint8Array(2));
    const c0 = udpChecksum(1, 2, probe);
    const udp = encodeUdp(1, 2, 3, 4, Uint8Array.of(c0 >> 8, c0 & 0xff));
    assert.equal((udp[6] << 8) | udp[7], 0xffff);
    assert.equal(verifyUdpChecksum(1, 2, udp, 0), 'ok');
  });

  test('encoder refuses impossible values', () => {
    assert.throws(() => encodeUdp(1, 2, 70000, 4, new Uint8Array(0)), RangeError);
    assert.throws(() => encodeUdp(1, 2, 3, 4, new Uint8Array(65528)), RangeError);
  });
});

describe('checksums judged by tshark', { skip: !hasTshark() && 'tshark not installed' }, () => {
  test('IPv4 header and UDP checksums of random datagrams are good', () => {
    const rand = prng(1350);
    const frames: Uint8Array[] = [];
    for (let i = 0; i < 60; i++) {
      // Odd and even lengths, empty payloads, options, and the 0xffff case last.
      const length = i === 0 ? 0 : randomInt(rand, 1500);
      const payload = Uint8Array.from({ length }, () => randomInt(rand, 256));
      const src = randomInt(rand, 0xffffffff);
      const dst = randomInt(rand, 0xffffffff);
      const options = i % 7 === 3 ? Uint8Array.of(1, 1, 1) : undefined;
      const udp = encodeUdp(src, dst, randomInt(rand, 65536), randomInt(rand, 65536), payload);
      const ip = encodeIpv4(
        { src, dst, protocol: IPPROTO_UDP, id: randomInt(rand, 65536), ttl: randomInt(rand, 256), options },
        udp,
      );
      frames.push(
        encodeEthernet({ dst: '52:54:00:00:00:01', src: '52:54:00:00:00:02', etherType: 0x0800 }, ip),
      );
    }
    const probe = encodeUdp(7, 8, 9, 10, new Uint8Array(2));
    const c0 = udpChecksum(7, 8, probe);
    const ffff = encodeUdp(7, 8, 9, 10, Uint8Array.of(c0 >> 8, c0 & 0xff));
    frames.push(
      encodeEthernet(
        { dst: '52:54:00:00:00:01', src: '52:54:00:00:00:02', etherType: 0x0800 },
        encodeIpv4({ src: 7, dst: 8, protocol: 17 }, ffff),
      ),
    );
    const path = writeTempPcap('checksums.pcap', 1, frames);
    const rows = tsharkFields(
      path,
      ['frame.number', 'ip.checksum.status', 'udp.checksum.status', 'udp.checksum'],
      ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'],
    );
    assert.equal(rows.length, frames.length);
    for (const row of rows) {
      assert.equal(row[1], '1', `frame ${row[0]}: IP checksum status ${row[1]}`);
      assert.equal(row[2], '1', `frame ${row[0]}: UDP checksum status ${row[2]}`);
    }
    assert.equal(rows[rows.length - 1][3], '0xffff');
  });
});
