import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { encodeEthernet } from '../../../src/protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Header,
  decodeIpv4Into,
  encodeIpv4,
  fragmentIpv4,
  isFragment,
  type Ipv4Fields,
} from '../../../src/protocol/ipv4.js';
import {
  Ipv4Reassembler,
  type IncompleteDatagram,
  type ReassembledDatagram,
} from '../../../src/protocol/reassembly.js';
import { encodeTftp, tftpData } from '../../../src/protocol/tftp/index.js';
import { decodeUdpHeader, encodeUdp, verifyUdpChecksum } from '../../../src/protocol/udp.js';
import { ipNumberToString } from '../../../src/protocol/addr.js';
import { createLinkInfo, decodeLinkInto, ETHERTYPE_IPV4, LINK_OK } from '../../../src/protocol/link.js';
import { cell, dataPath, hasTshark, hexToBytes, readTsv, tsharkFields, writeTempPcap } from './helpers.js';

const FIELDS: Ipv4Fields = { src: '10.77.0.1', dst: '10.77.0.111', protocol: 17, id: 77 };

/** A TFTP DATA datagram of a 1432-byte block, as UDP: too big for a 600-byte path. */
function tftpUdp(block = 1, fill = 0): Uint8Array {
  const data = Uint8Array.from({ length: 1432 }, (_, i) => (i + fill) & 0xff);
  return encodeUdp('10.77.0.1', '10.77.0.111', 40000, 2070, encodeTftp(tftpData(block, data)));
}

function fragments(payload: Uint8Array, mtu = 600, fields: Ipv4Fields = FIELDS): Uint8Array[] {
  return fragmentIpv4(fields, payload, mtu);
}

interface Run {
  done: { frame: number; datagram: ReassembledDatagram }[];
  incomplete: IncompleteDatagram[];
  reassembler: Ipv4Reassembler;
}

/** Feeds datagrams as frames 1, 2, … at the given times (default 1 s apart). */
function feed(
  packets: Uint8Array[],
  times?: number[],
  options: ConstructorParameters<typeof Ipv4Reassembler>[0] = {},
): Run {
  const incomplete: IncompleteDatagram[] = [];
  const reassembler = new Ipv4Reassembler({ ...options, onIncomplete: (d) => incomplete.push(d) });
  const done: Run['done'] = [];
  const ip = createIpv4Header();
  packets.forEach((p, i) => {
    decodeIpv4Into(p, 0, ip);
    assert.ok(isFragment(ip));
    const d = reassembler.add(i + 1, times?.[i] ?? i, ip, p);
    if (d !== null) done.push({ frame: i + 1, datagram: d });
  });
  return { done, incomplete, reassembler };
}

describe('IPv4 reassembly', () => {
  const udp = tftpUdp();
  const [f0, f1, f2] = fragments(udp);

  test('in order', () => {
    const { done, incomplete, reassembler } = feed([f0, f1, f2]);
    assert.equal(done.length, 1);
    assert.equal(done[0].frame, 3);
    assert.deepEqual(done[0].datagram.payload, udp);
    assert.deepEqual(done[0].datagram.frames, [1, 2, 3]);
    assert.equal(done[0].datagram.overlap, false);
    assert.equal(incomplete.length, 0);
    assert.equal(reassembler.bufferedBytes, 0);
  });

  test('out of order: completed by the frame that fills the last hole', () => {
    for (const order of [
      [2, 0, 1],
      [1, 2, 0],
      [2, 1, 0],
      [0, 2, 1],
    ]) {
      const { done } = feed(order.map((i) => [f0, f1, f2][i]));
      assert.equal(done.length, 1, order.join());
      assert.equal(done[0].frame, 3);
      assert.deepEqual(done[0].datagram.payload, udp);
      assert.equal(
        verifyUdpChecksum(done[0].datagram.src, done[0].datagram.dst, done[0].datagram.payload, 0),
        'ok',
      );
    }
  });

  test('duplicates before completion are noted, after completion swallowed', () => {
    const { done, incomplete, reassembler } = feed([f0, f0, f2, f1, f1], [0, 1, 2, 3, 4]);
    assert.equal(done.length, 1);
    assert.equal(done[0].frame, 4);
    assert.deepEqual(done[0].datagram.frames, [1, 2, 3, 4]);
    assert.equal(done[0].datagram.overlap, true);
    assert.deepEqual(done[0].datagram.payload, udp);
    reassembler.expire(100);
    reassembler.flush();
    assert.deepEqual(incomplete, [], 'a late duplicate is not a lost datagram');
  });

  test('an id reused after completion starts a new datagram', () => {
    const other = tftpUdp(2, 7);
    const { done } = feed([f0, f1, f2, ...fragments(other)]);
    assert.equal(done.length, 2);
    assert.deepEqual(done[1].datagram.payload, other);
    assert.deepEqual(done[1].datagram.frames, [4, 5, 6]);
  });

  test('overlaps: the first bytes win', () => {
    const payload = Uint8Array.from({ length: 48 }, (_, i) => i);
    const a = encodeIpv4({ ...FIELDS, mf: true }, payload.subarray(0, 24));
    const overlapping = encodeIpv4(
      { ...FIELDS, mf: true, fragmentOffset: 16 },
      new Uint8Array(16).fill(0xee),
    );
    const b = encodeIpv4({ ...FIELDS, fragmentOffset: 24 }, payload.subarray(24));
    const { done } = feed([a, overlapping, b]);
    assert.equal(done.length, 1);
    const got = done[0].datagram.payload;
    assert.deepEqual(got.subarray(0, 24), payload.subarray(0, 24), 'first fragment kept over the overlap');
    assert.deepEqual(
      got.subarray(24, 32),
      new Uint8Array(8).fill(0xee),
      'the overlap filled what was a hole',
    );
    assert.deepEqual(got.subarray(32), payload.subarray(32));
    assert.equal(done[0].datagram.overlap, true);
  });

  test('a missing fragment is reported after the timeout with what arrived', () => {
    const { done, incomplete, reassembler } = feed([f0, f2], [10, 10.5]);
    assert.equal(done.length, 0);
    reassembler.expire(40);
    assert.equal(incomplete.length, 0, 'not yet: 30 s from the first fragment');
    reassembler.expire(40.001);
    assert.equal(incomplete.length, 1);
    assert.deepEqual(incomplete[0], {
      src: 0x0a4d0001,
      dst: 0x0a4d006f,
      protocol: 17,
      id: 77,
      reason: 'timeout',
      frames: [1, 2],
      firstTime: 10,
      lastTime: 10.5,
      receivedBytes: 576 + (udp.length - 1152),
      totalLength: udp.length,
      holes: [{ start: 576, end: 1152 }],
    });
    assert.equal(reassembler.size, 0);
    assert.equal(reassembler.bufferedBytes, 0);
  });

  test('the timeout is also applied when later fragments arrive', () => {
    const later = fragments(tftpUdp(3), 600, { ...FIELDS, id: 78 });
    const { done, incomplete } = feed([f0, later[0], later[1], later[2]], [0, 31, 31, 31]);
    assert.equal(done.length, 1);
    assert.equal(incomplete.length, 1);
    assert.equal(incomplete[0].id, 77);
    assert.deepEqual(incomplete[0].holes, [{ start: 576, end: null }]);
    assert.equal(incomplete[0].totalLength, null);
  });

  test('end of capture reports what is left', () => {
    const { incomplete, reassembler } = feed([f1]);
    reassembler.flush();
    assert.equal(incomplete.length, 1);
    assert.equal(incomplete[0].reason, 'end-of-capture');
    assert.deepEqual(incomplete[0].holes, [
      { start: 0, end: 576 },
      { start: 1152, end: null },
    ]);
  });

  test('oversize datagrams are refused once, the rest swallowed', () => {
    const head = encodeIpv4({ ...FIELDS, mf: true }, new Uint8Array(1480));
    const tail = encodeIpv4({ ...FIELDS, fragmentOffset: 65528 }, new Uint8Array(100));
    const again = encodeIpv4({ ...FIELDS, mf: true, fragmentOffset: 1480 }, new Uint8Array(1480));
    const { done, incomplete, reassembler } = feed([head, tail, again]);
    assert.equal(done.length, 0);
    assert.equal(incomplete.length, 1);
    assert.equal(incomplete[0].reason, 'oversize');
    reassembler.flush();
    assert.equal(incomplete.length, 1);
  });

  test('a datagram of exactly 65535 bytes is fine', () => {
    const payload = Uint8Array.from({ length: 65515 }, (_, i) => i & 0xff);
    const parts = fragmentIpv4(FIELDS, payload, 9000);
    const { done, incomplete } = feed(parts);
    assert.equal(incomplete.length, 0);
    assert.equal(done.length, 1);
    assert.deepEqual(done[0].datagram.payload, payload);
  });

  test('bounded: the oldest datagram is evicted and reported', () => {
    const packets = [0, 1, 2].map((i) => fragments(tftpUdp(i), 600, { ...FIELDS, id: 100 + i })[0]);
    const { incomplete, reassembler } = feed(packets, [0, 0, 0], { maxDatagrams: 2 });
    assert.equal(reassembler.size, 2);
    assert.deepEqual(
      incomplete.map((d) => [d.id, d.reason]),
      [[100, 'evicted']],
    );
  });

  test('bounded by bytes', () => {
    const packets = [0, 1, 2].map((i) => fragments(tftpUdp(i), 600, { ...FIELDS, id: 200 + i })[0]);
    const { incomplete, reassembler } = feed(packets, [0, 0, 0], { maxBufferedBytes: 1000 });
    assert.ok(reassembler.bufferedBytes <= 1000);
    assert.equal(reassembler.size, 1, 'the newest is never the one evicted');
    assert.deepEqual(
      incomplete.map((d) => d.id),
      [200, 201],
    );
  });

  test('accept() drops uninteresting datagrams silently', () => {
    const run = feed([f1, f0, f2], undefined, {
      accept: (first) => decodeUdpHeader(first, 0).dstPort === 69,
    });
    assert.equal(run.done.length, 0);
    run.reassembler.flush();
    assert.equal(run.incomplete.length, 0);
    assert.equal(run.reassembler.bufferedBytes, 0);
    const wanted = feed([f1, f0, f2], undefined, {
      accept: (first) => decodeUdpHeader(first, 0).dstPort === 2070,
    });
    assert.equal(wanted.done.length, 1);
  });

  test('a fragment cut by the snaplen completes with zeros and says so', () => {
    const cut = f1.subarray(0, 100);
    const incomplete: IncompleteDatagram[] = [];
    const r = new Ipv4Reassembler({ onIncomplete: (d) => incomplete.push(d) });
    let result: ReassembledDatagram | null = null;
    for (const [i, p] of [f0, cut, f2].entries()) result = r.add(i + 1, 0, decodeIpv4Header(p, 0), p);
    assert.ok(result !== null);
    assert.equal(result.truncated, true);
    assert.deepEqual(result.payload.subarray(0, 656), udp.subarray(0, 656));
    assert.deepEqual(result.payload.subarray(656, 1152), new Uint8Array(496));
    assert.equal(incomplete.length, 0);
  });
});

describe('reassembly agrees with tshark', { skip: !hasTshark() && 'tshark not installed' }, () => {
  test('same completing frame and fragment frames', () => {
    const udp = tftpUdp();
    const eth = (p: Uint8Array): Uint8Array =>
      encodeEthernet({ dst: '52:54:00:12:34:56', src: '52:54:00:aa:bb:cc', etherType: 0x0800 }, p);
    // Several arrival orders in one capture, each datagram with its own IP id.
    const orders = [
      [0, 1, 2],
      [2, 0, 1],
      [1, 2, 0],
      [0, 2, 1, 1],
    ];
    const packets = orders.flatMap((order, k) => {
      const f = fragments(udp, 600, { ...FIELDS, id: 300 + k });
      return order.map((i) => f[i]);
    });
    const path = writeTempPcap('fragments.pcap', 1, packets.map(eth));
    const rows = tsharkFields(
      path,
      ['frame.number', 'ip.fragment', 'udp.length', 'udp.checksum.status'],
      ['-o', 'udp.check_checksum:TRUE'],
    );
    const tsharkDone = rows.filter((r) => r[1] !== '');
    const { done } = feed(packets);
    assert.equal(done.length, orders.length);
    assert.equal(tsharkDone.length, orders.length);
    done.forEach((d, k) => {
      const t = tsharkDone[k];
      assert.equal(String(d.frame), t[0], `order ${orders[k].join()}: completing frame`);
      assert.deepEqual(
        [...d.datagram.frames].sort((a, b) => a - b),
        t[1]
          .split(',')
          .map(Number)
          .sort((a, b) => a - b),
        `order ${orders[k].join()}: fragment frames`,
      );
      assert.equal(t[2], String(udp.length), 'tshark sees the whole UDP datagram');
      assert.equal(t[3], '1', 'and its UDP checksum is good');
    });
  });
});

describe('a real capture with lost fragments (lab mtu-blackhole: a router drops every second fragment)', () => {
  test('every DATA block is reported as lost, with the frame that did arrive', () => {
    const incomplete: IncompleteDatagram[] = [];
    const reassembler = new Ipv4Reassembler({ onIncomplete: (d) => incomplete.push(d) });
    const info = createLinkInfo();
    const ip = createIpv4Header();
    const firstFragments: number[] = [];
    for (const row of readTsv(dataPath('net', 'data', 'fixtures-mtu-blackhole.tsv')).rows) {
      const data = hexToBytes(cell(row, 'frame_hex'));
      const frame = Number(cell(row, 'frame'));
      const time = Number(cell(row, 'time'));
      // As the analyzer should: expire with every frame's time, so a loss is reported 30 s after it happened.
      reassembler.expire(time);
      if (decodeLinkInto(1, data, info) !== LINK_OK || info.etherType !== ETHERTYPE_IPV4) continue;
      decodeIpv4Into(data, info.offset, ip);
      if (!isFragment(ip)) continue;
      firstFragments.push(frame);
      assert.equal(reassembler.add(frame, time, ip, data), null);
    }
    assert.equal(incomplete.length, 0, 'the capture ends 20 s after the first loss: nothing timed out yet');
    reassembler.flush();
    assert.equal(firstFragments.length, 7);
    assert.deepEqual(
      incomplete.map((d) => d.frames),
      firstFragments.map((f) => [f]),
    );
    assert.ok(incomplete.every((d) => d.reason === 'end-of-capture'));
    for (const d of incomplete) {
      assert.equal(ipNumberToString(d.src), '10.77.1.1');
      assert.equal(d.receivedBytes, 976);
      assert.equal(d.totalLength, null);
      assert.deepEqual(d.holes, [{ start: 976, end: null }]);
    }
  });
});
