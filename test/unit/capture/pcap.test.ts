import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { PcapParser } from '../../../src/capture/pcap.js';
import { readCapture, readCaptureBuffer } from '../../../src/capture/source.js';
import { PcapWriter } from '../../../src/capture/writer.js';
import type { WritePacket } from '../../../src/capture/writer.js';
import { capturePath, collect, summary } from './helpers.js';

interface Expected {
  file: string;
  format: 'pcap' | 'pcap-ns';
  linkType: number;
  count: number;
  /** tshark -T fields -e frame.time_epoch of the first and last frame. */
  first: string;
  last: string;
  /** tshark frame.len / frame.cap_len of the first frame. */
  len: number;
  capLen: number;
}

// Every number below is what tshark 4.0 prints for the file (frame.number, frame.time_epoch, frame.len,
// frame.cap_len); link types are from the file headers.
const FILES: Expected[] = [
  {
    file: 'public/zeek/dhcp.pcap',
    format: 'pcap',
    linkType: 1,
    count: 9,
    first: '1370200442.323173000',
    last: '1370200447.422207000',
    len: 307,
    capLen: 307,
  },
  {
    file: 'public/sv/dhcp-request-flood/test.pcap',
    format: 'pcap',
    linkType: 1,
    count: 10000,
    first: '1574110025.296436000',
    last: '1574110025.296436000',
    len: 286,
    capLen: 286,
  },
  {
    file: 'public/tcpdump/pptp.pcap',
    format: 'pcap',
    linkType: 1,
    count: 23,
    first: '954147395.148077000',
    last: '954147396.347775000',
    len: 62,
    capLen: 62,
  },
  {
    file: 'public/pcapplusplus/microsecs_big_endian.pcap',
    format: 'pcap',
    linkType: 253,
    count: 13,
    first: '1474059824.864984000',
    last: '1474059828.874473000',
    len: 1196,
    capLen: 1196,
  },
  {
    file: 'public/pcapplusplus/nanosecs_big_endian.pcap',
    format: 'pcap-ns',
    linkType: 1,
    count: 10,
    first: '1766361926.167647291',
    last: '1766361926.168451894',
    len: 74,
    capLen: 74,
  },
  {
    file: 'public/tcpdump/tcp-handshake-nano.pcap',
    format: 'pcap-ns',
    linkType: 113,
    count: 3,
    first: '1418145369.924505488',
    last: '1418145370.052115157',
    len: 76,
    capLen: 76,
  },
  {
    file: 'public/netboot/dhcp.pcap',
    format: 'pcap-ns',
    linkType: 1,
    count: 4,
    first: '1456640678.050080883',
    last: '1458798936.686465000',
    len: 590,
    capLen: 590,
  },
  {
    file: 'public/tcpdump/tftp-heapoverflow.pcap',
    format: 'pcap',
    linkType: 113,
    count: 1,
    first: '1994721059.680304000',
    last: '1994721059.680304000',
    len: 262144,
    capLen: 48,
  },
  // Link type field 0x04000001: FCS bits above the low 16 bits.
  {
    file: 'public/tcpdump/bootp_asan.pcap',
    format: 'pcap',
    linkType: 1,
    count: 1,
    first: '0.000000000',
    last: '0.000000000',
    len: 65570,
    capLen: 90,
  },
  {
    file: 'public/zeek/trunc-hdr.pcap',
    format: 'pcap',
    linkType: 1,
    count: 1,
    first: '1404148886.981015000',
    last: '1404148886.981015000',
    len: 78,
    capLen: 8,
  },
  {
    file: 'public/ndpi/fuzz-2006-06-26-2594.pcap',
    format: 'pcap',
    linkType: 1,
    count: 691,
    first: '1120469540.839312000',
    last: '1120471107.427770000',
    len: 92,
    capLen: 92,
  },
  {
    file: 'public/ndpi/iphone.pcap',
    format: 'pcap',
    linkType: 1,
    count: 500,
    first: '1582454552.576659000',
    last: '1582454600.748726000',
    len: 552,
    capLen: 552,
  },
  {
    file: 'public/spicy-tftp/tftp_oack.pcap',
    format: 'pcap',
    linkType: 0,
    count: 7,
    first: '1737142107.374696000',
    last: '1737142107.375769000',
    len: 62,
    capLen: 62,
  },
  {
    file: 'public/pcapplusplus/sll2.pcap',
    format: 'pcap',
    linkType: 276,
    count: 3,
    first: '1668510343.193355000',
    last: '1668510343.193835000',
    len: 91,
    capLen: 91,
  },
  {
    file: 'public/tcpdump/ieee802.11_htc.pcap',
    format: 'pcap',
    linkType: 127,
    count: 1,
    first: '1759234948.668829000',
    last: '1759234948.668829000',
    len: 426,
    capLen: 426,
  },
];

describe('classic pcap: shared captures agree with tshark', () => {
  for (const e of FILES) {
    it(e.file, async () => {
      const c = collect();
      const info = await readCapture(capturePath(e.file), c.sink);
      assert.deepEqual(c.warnings, []);
      assert.equal(info.format, e.format);
      assert.equal(info.compressed, false);
      assert.equal(info.frames, e.count);
      assert.equal(c.frames.length, e.count);
      assert.equal(info.interfaces.length, 1);
      assert.equal(info.interfaces[0]?.linkType, e.linkType);
      const first = c.frames[0];
      const last = c.frames[c.frames.length - 1];
      assert.ok(first !== undefined && last !== undefined);
      assert.equal(first.epoch, e.first);
      assert.equal(last.epoch, e.last);
      assert.equal(first.origLen, e.len);
      assert.equal(first.capLen, e.capLen);
      assert.equal(first.linkType, e.linkType);
      assert.deepEqual(
        c.frames.map((f) => f.frame),
        Array.from({ length: e.count }, (_, i) => i + 1),
      );
    });
  }

  it('shows times at the file precision, as tshark -t e does', async () => {
    const us = collect();
    await readCapture(capturePath('public/zeek/dhcp.pcap'), us.sink);
    assert.equal(us.frames[0]?.display, '1370200442.323173');
    const ns = collect();
    await readCapture(capturePath('public/tcpdump/tcp-handshake-nano.pcap'), ns.sink);
    assert.equal(ns.frames[0]?.display, '1418145369.924505488');
  });
});

describe('classic pcap: broken shared captures', () => {
  it('timestamp_invalid_nano.pcap: keeps every frame, one non-fatal warning', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/tcpdump/timestamp_invalid_nano.pcap'), c.sink);
    assert.equal(info.frames, 3);
    assert.equal(c.frames[0]?.epoch, '1418145369.999999999');
    // Frame 2 says 1000000000 ns: tshark prints "…370.1000000000"; we carry it into the seconds.
    assert.equal(c.frames[1]?.raw.low, 1000000000);
    assert.equal(c.frames[1]?.epoch, '1418145371.000000000');
    assert.equal(c.frames[2]?.raw.low, 2147483648);
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]?.fatal, false);
    assert.equal(c.warnings[0]?.offset, 116);
    assert.match(c.warnings[0]?.message ?? '', /packet 2 has an invalid timestamp/);
  });

  it('nDPI fuzz-2021-10-13.pcap: version 2.0 swapped lengths, then cut in a record header', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/ndpi/fuzz-2021-10-13.pcap'), c.sink);
    assert.equal(info.format, 'pcap-ns');
    assert.equal(info.frames, 1);
    // tshark: frame.len 524501, frame.cap_len 197 (pre-2.3 files store the two lengths the other way round).
    assert.equal(c.frames[0]?.capLen, 197);
    assert.equal(c.frames[0]?.origLen, 524501);
    const fatal = c.warnings.filter((w) => w.fatal);
    assert.equal(fatal.length, 1);
    assert.equal(fatal[0]?.offset, 237);
    assert.equal(
      fatal[0]?.message,
      'capture ends in the middle of packet 2: got 2 of its 16-byte record header',
    );
    assert.equal(info.bytesRead, 237);
  });

  it('suricata tls_DER-incomplete-header.pcap: 6 frames, then an absurd record length', async () => {
    const c = collect();
    const info = await readCapture(
      capturePath('public/sv/bug-1450-04/tls_DER-incomplete-header.pcap'),
      c.sink,
    );
    assert.equal(info.frames, 6);
    assert.equal(c.frames[5]?.epoch, '1429518024.029385000');
    assert.equal(c.frames[5]?.origLen, 4274);
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]?.fatal, true);
    assert.equal(c.warnings[0]?.offset, 5035);
    assert.match(
      c.warnings[0]?.message ?? '',
      /packet 7 claims 4325376 captured bytes, more than the maximum of 262144/,
    );
  });

  it('suricata bug-6875 fuzz.pcap: frame 1, then an absurd record length', async () => {
    // tshark shows a second frame because wiretap then guesses a different (pre-2.4 vendor) pcap variant
    // for the whole file; that frame is garbage either way, so we stop where the standard layout breaks.
    const c = collect();
    const info = await readCapture(capturePath('public/sv/bug-6875-01/fuzz.pcap'), c.sink);
    assert.equal(info.frames, 1);
    assert.equal(c.frames[0]?.epoch, '1508525002.992213000');
    assert.equal(c.frames[0]?.capLen, 188);
    assert.equal(c.warnings.length, 1);
    assert.deepEqual(
      { offset: c.warnings[0]?.offset, fatal: c.warnings[0]?.fatal },
      { offset: 228, fatal: true },
    );
  });
});

function packets(n: number): WritePacket[] {
  return Array.from({ length: n }, (_, i) => ({
    data: Buffer.alloc(40 + i * 10, i + 1),
    seconds: 1700000000 + i,
    nanos: 123456789,
  }));
}

describe('classic pcap: synthetic damage', () => {
  const file = PcapWriter.file({ linkType: 1 }, packets(3));
  // Record k (0-based) starts at 24 + sum of (16 + 40 + 10·j) for j < k.
  const starts = [24, 24 + 56, 24 + 56 + 66];
  const ends = [...starts.slice(1), file.length];

  it('reads the intact file', () => {
    const c = collect();
    const info = readCaptureBuffer(file, c.sink);
    assert.equal(info.frames, 3);
    assert.deepEqual(c.warnings, []);
    assert.equal(info.bytesRead, file.length);
    assert.equal(c.frames[0]?.epoch, '1700000000.123456000');
  });

  it('reports a truncated last record at every cut point, keeping the frames before it', () => {
    for (let cut = 24; cut < file.length; cut++) {
      const c = collect();
      const info = readCaptureBuffer(file.subarray(0, cut), c.sink);
      const whole = ends.filter((e) => e <= cut).length;
      assert.equal(info.frames, whole, `cut ${cut}`);
      if (starts.includes(cut)) {
        assert.deepEqual(c.warnings, [], `cut ${cut} is on a record boundary`);
        continue;
      }
      assert.equal(c.warnings.length, 1, `cut ${cut}`);
      const w = c.warnings[0];
      assert.ok(w !== undefined);
      assert.equal(w.fatal, true);
      assert.equal(w.offset, starts[whole]);
      const got = cut - (starts[whole] ?? 0);
      const expected =
        got < 16
          ? `capture ends in the middle of packet ${whole + 1}: got ${got} of its 16-byte record header`
          : `capture ends in the middle of packet ${whole + 1}: got ${got - 16} of ${40 + whole * 10} bytes`;
      assert.equal(w.message, expected);
    }
  });

  it('treats a file cut inside its header as not a capture', async () => {
    const c = collect();
    const parser = new PcapParser(c.sink);
    parser.push(file.subarray(0, 10));
    parser.end();
    assert.deepEqual(c.warnings, []);
    assert.equal(parser.headerError, 'capture ends inside the pcap file header: got 10 of 24 bytes');
    assert.throws(() => readCaptureBuffer(file.subarray(0, 23), c.sink), {
      name: 'CaptureInputError',
      message: 'capture ends inside the pcap file header: got 23 of 24 bytes',
    });
    await assert.rejects(readCapture(Readable.from([file.subarray(0, 23)]), c.sink), {
      name: 'CaptureInputError',
      message: 'capture ends inside the pcap file header: got 23 of 24 bytes',
    });
  });

  it('stops at garbage after a valid header', () => {
    const c = collect();
    const junk = Buffer.from('this is certainly not a packet record, just text that follows the header\n');
    const info = readCaptureBuffer(Buffer.concat([file.subarray(0, 24), junk]), c.sink);
    assert.equal(info.frames, 0);
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]?.offset, 24);
    assert.equal(c.warnings[0]?.fatal, true);
    assert.match(c.warnings[0]?.message ?? '', /^packet 1 claims \d+ captured bytes/);
  });

  it('stops at garbage after valid packets, keeping them', () => {
    const c = collect();
    const junk = Buffer.alloc(64, 0xff);
    const info = readCaptureBuffer(Buffer.concat([file, junk]), c.sink);
    assert.equal(info.frames, 3);
    assert.equal(c.warnings[0]?.offset, file.length);
    assert.equal(info.bytesRead, file.length);
  });

  it('treats caplen above max(snaplen, 262144) or above 16 MiB as absurd', () => {
    const header = new PcapWriter({ linkType: 1, snapLen: 1_000_000 }).header();
    const big = new PcapWriter({ linkType: 1 }).packet({ data: Buffer.alloc(500_000), seconds: 1 });
    const ok = collect();
    assert.equal(readCaptureBuffer(Buffer.concat([header, big]), ok.sink).frames, 1);
    assert.deepEqual(ok.warnings, []);

    const small = new PcapWriter({ linkType: 1 }).header(); // snaplen 262144
    const bad = collect();
    const info = readCaptureBuffer(Buffer.concat([small, file.subarray(24), big]), bad.sink);
    assert.equal(info.frames, 3);
    assert.equal(bad.warnings[0]?.offset, file.length);
    assert.match(
      bad.warnings[0]?.message ?? '',
      /packet 4 claims 500000 captured bytes, more than the maximum of 262144/,
    );

    const huge = new PcapWriter({ linkType: 1, snapLen: 0xffffffff }).header();
    const record = Buffer.alloc(16);
    record.writeUInt32LE(16 * 1024 * 1024 + 1, 8);
    const h = collect();
    readCaptureBuffer(Buffer.concat([huge, record]), h.sink);
    assert.match(h.warnings[0]?.message ?? '', /more than the maximum of 16777216/);
  });

  it('reads big-endian µs and ns files written by the writer', () => {
    for (const precision of ['us', 'ns'] as const) {
      const buf = PcapWriter.file({ linkType: 113, precision, bigEndian: true }, packets(2));
      const c = collect();
      const info = readCaptureBuffer(buf, c.sink);
      assert.equal(info.format, precision === 'ns' ? 'pcap-ns' : 'pcap');
      assert.deepEqual(summary(c.frames), [
        `1/0/113/40/40/1700000000.${precision === 'ns' ? '123456789' : '123456000'}`,
        `2/0/113/50/50/1700000001.${precision === 'ns' ? '123456789' : '123456000'}`,
      ]);
      assert.equal(c.frames[1]?.data[0], 2);
    }
  });

  it('swaps caplen and len for version 2.2, and for 2.3 only when caplen > len', () => {
    const make = (minor: number, first: number, second: number): Buffer => {
      const header = new PcapWriter({ linkType: 1 }).header();
      header.writeUInt16LE(minor, 6);
      const rec = Buffer.alloc(16 + Math.min(first, second));
      rec.writeUInt32LE(first, 8);
      rec.writeUInt32LE(second, 12);
      return Buffer.concat([header, rec]);
    };
    const v22 = collect();
    readCaptureBuffer(make(2, 100, 20), v22.sink);
    assert.deepEqual([v22.frames[0]?.capLen, v22.frames[0]?.origLen], [20, 100]);
    const v23swapped = collect();
    readCaptureBuffer(make(3, 100, 20), v23swapped.sink);
    assert.deepEqual([v23swapped.frames[0]?.capLen, v23swapped.frames[0]?.origLen], [20, 100]);
    const v23normal = collect();
    readCaptureBuffer(make(3, 20, 100), v23normal.sink);
    assert.deepEqual([v23normal.frames[0]?.capLen, v23normal.frames[0]?.origLen], [20, 100]);
    const v24 = collect();
    readCaptureBuffer(make(4, 20, 100), v24.sink);
    assert.deepEqual([v24.frames[0]?.capLen, v24.frames[0]?.origLen], [20, 100]);
  });

  it('hands out views into the pushed chunk, and copies only a straddling record', () => {
    const seen: Uint8Array[] = [];
    const parser = new PcapParser({ frame: (f) => seen.push(f.data), warning: () => undefined });
    parser.push(file);
    assert.equal(seen.length, 3);
    for (const d of seen) assert.equal(d.buffer, file.buffer);
  });
});
