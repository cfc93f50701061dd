import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PcapngParser } from '../../../src/capture/pcapng.js';
import { readCapture, readCaptureBuffer } from '../../../src/capture/source.js';
import { capturePath, collect, summary } from './helpers.js';
import { ifDescription, ifName, NgBuilder, tsoffset, tsresol } from './ngbuild.js';

const GEN = 'public/pcapng-test-generator';
const T0 = '1340954905';

/**
 * Frames of the pcapng-test-generator files, as "number/interface/LINKTYPE/caplen/len/epoch", from
 * `tshark -T fields -e frame.number -e frame.interface_id -e frame.encap_type -e frame.cap_len -e frame.len
 * -e frame.time_epoch` (identical for output_le and output_be; encap 15 is LINKTYPE_NULL 0). Frame numbers
 * missing from a list are custom blocks, which tshark numbers too. SPBs have no time ('').
 */
const GENERATOR: Record<string, { frames: string[]; interfaces: number; nonPackets: number }> = {
  'basic/test001': {
    interfaces: 1,
    nonPackets: 0,
    frames: [
      '1/0/1/314/314/0.000000000',
      '2/0/1/342/342/0.000000000',
      '3/0/1/314/314/0.000000000',
      '4/0/1/342/342/0.000000000',
    ],
  },
  'basic/test002': { interfaces: 0, nonPackets: 0, frames: [] },
  'basic/test005': {
    interfaces: 2,
    nonPackets: 0,
    frames: [
      `1/0/1/96/314/${T0}.298858000`,
      `2/1/1/128/342/${T0}.299858000`,
      `3/0/1/96/314/${T0}.300858000`,
      `4/1/1/128/342/${T0}.301858000`,
    ],
  },
  'basic/test006': {
    interfaces: 2,
    nonPackets: 0,
    frames: [
      `1/0/1/96/314/${T0}.298858000`,
      `2/1/0/168/168/${T0}.299858000`,
      `3/0/1/96/342/${T0}.300858000`,
      `4/0/1/96/314/${T0}.301858000`,
      `5/0/1/96/342/${T0}.302858000`,
    ],
  },
  'basic/test010': {
    interfaces: 1,
    nonPackets: 0,
    frames: ['1/0/1/314/314/', '2/0/1/342/342/', '3/0/1/314/314/', '4/0/1/342/342/'],
  },
  'advanced/test102': {
    interfaces: 3,
    nonPackets: 3,
    frames: [
      `2/0/1/96/314/${T0}.298858000`,
      `4/2/1/342/342/${T0}.298858000`,
      '5/0/1/96/314/',
      `6/0/1/96/342/${T0}.300858000`,
      `7/1/0/168/168/${T0}.301858000`,
    ],
  },
  'difficult/test200': { interfaces: 3, nonPackets: 0, frames: [] },
  'difficult/test201': {
    interfaces: 5,
    nonPackets: 0,
    frames: [
      `1/0/1/96/314/${T0}.298858000`,
      `2/0/1/128/342/${T0}.298858000`,
      '3/0/1/128/314/',
      `4/1/0/168/168/${T0}.301858000`,
    ],
  },
  'difficult/test202': {
    interfaces: 5,
    nonPackets: 3,
    frames: [
      `2/0/1/96/314/${T0}.298858000`,
      `3/0/1/96/342/${T0}.298858000`,
      `4/1/0/168/168/${T0}.301858000`,
      '5/0/1/128/314/',
      `6/0/1/128/342/${T0}.298858000`,
      '8/0/1/128/314/',
      `9/0/1/128/342/${T0}.298858000`,
      `11/1/0/168/168/${T0}.301858000`,
    ],
  },
};

describe('pcapng: pcapng-test-generator files agree with tshark in both byte orders', () => {
  for (const [name, e] of Object.entries(GENERATOR)) {
    for (const order of ['output_le', 'output_be']) {
      it(`${order}/${name}`, async () => {
        const c = collect();
        const info = await readCapture(capturePath(`${GEN}/${order}/${name}.pcapng`), c.sink);
        assert.deepEqual(c.warnings, []);
        assert.equal(info.format, 'pcapng');
        assert.deepEqual(summary(c.frames), e.frames);
        assert.equal(info.frames, e.frames.length);
        assert.equal(info.nonPacketRecords, e.nonPackets);
        assert.equal(info.interfaces.length, e.interfaces);
        assert.deepEqual(c.interfaces, info.interfaces);
      });
    }
  }

  it('test202 (mixed-endian sections): every section restarts interface ids', async () => {
    const c = collect();
    const info = await readCapture(capturePath(`${GEN}/output_le/difficult/test202.pcapng`), c.sink);
    assert.deepEqual(
      info.interfaces.map((i) => `${i.section}:${i.id}:${i.linkType}:${i.snapLen}:${i.name}`),
      [
        '0:0:1:96:eth0',
        '0:1:0:0:null1',
        '1:0:1:128:silly ethernet interface 2',
        '2:0:1:96:eth0',
        '2:1:0:0:null1',
      ],
    );
  });

  it('test102: option strings keep their bytes (CR LF inside an if_name)', async () => {
    const info = await readCapture(capturePath(`${GEN}/output_be/advanced/test102.pcapng`), collect().sink);
    assert.equal(info.interfaces[2]?.name, 'silly!\r\nethernet interface 2');
  });
});

describe('pcapng: other shared captures agree with tshark', () => {
  it('PcapPlusPlus many_interfaces-1.pcapng: 11 interfaces, 64 frames on interfaces 0 and 10', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/pcapplusplus/many_interfaces-1.pcapng'), c.sink);
    assert.deepEqual(c.warnings, []);
    assert.equal(info.frames, 64);
    assert.equal(info.interfaces.length, 11);
    assert.deepEqual(
      info.interfaces.map((i) => i.linkType),
      [1, 1, 1, 1, 0, 1, 1, 1, 12, 1, 0],
    );
    assert.equal(info.interfaces[10]?.name, 'lo0');
    assert.equal(c.frames.filter((f) => f.interfaceId === 0).length, 62);
    assert.equal(c.frames.filter((f) => f.interfaceId === 10).length, 2);
    assert.equal(c.frames[0]?.epoch, '1439753725.701607000');
    assert.equal(c.frames[63]?.epoch, '1439753728.292345000');
    assert.equal(c.frames[0]?.origLen, 178);
  });

  it('PcapPlusPlus too_many_interfaces.pcapng: 95 interfaces, one frame on interface 82', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/pcapplusplus/too_many_interfaces.pcapng'), c.sink);
    assert.deepEqual(c.warnings, []);
    assert.equal(info.interfaces.length, 95);
    assert.deepEqual(summary(c.frames), ['1/82/1/78/78/1460283000.005015000']);
    assert.equal(info.interfaces[82]?.snapLen, 65535);
  });

  it('zeek pcapng-multi-interface.pcapng: ns and µs interfaces in one file', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/zeek/pcapng-multi-interface.pcapng'), c.sink);
    assert.deepEqual(
      info.interfaces.map((i) => [i.unitsPerSecond, i.digits]),
      [
        [1e9, 9],
        [1e6, 6],
      ],
    );
    assert.equal(info.interfaces[1]?.description, 'Ethernet 2');
    assert.deepEqual(
      c.frames.map((f) => `${f.interfaceId} ${f.epoch} ${f.display}`),
      [
        '0 1767663089.500330493 1767663089.500330493',
        '0 1767663089.514291940 1767663089.514291940',
        '1 1767663437.111897000 1767663437.111897',
        '1 1767663437.126460000 1767663437.126460',
        '1 1767663437.128303000 1767663437.128303',
        '1 1767663437.140942000 1767663437.140942',
      ],
    );
  });

  it('nDPI dhcp-fuzz.pcapng: one frame, a big NRB skipped', async () => {
    const c = collect();
    const info = await readCapture(capturePath('public/ndpi/dhcp-fuzz.pcapng'), c.sink);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(summary(c.frames), ['1/0/1/342/342/1268519154.926217000']);
    assert.equal(info.bytesRead, 9692);
  });

  const LAB: [string, number, string, string][] = [
    ['happy-bios-pxelinux', 372, '1795423053.264507506', '1795423072.730065563'],
    ['proxydhcp', 377, '1795423271.701291575', '1795423293.938612504'],
    ['missing-bootfile', 19, '1795423135.803197553', '1795423143.922904059'],
    ['no-dhcp-server', 10, '1795423241.693657134', '1795423249.634493990'],
    ['file-not-found', 23, '1795423165.751808801', '1795423181.832231237'],
    ['uefi-happy', 28, '1795423301.737949976', '1795423317.525140959'],
    ['tftp-no-blocksize', 904, '1795423677.832878118', '1795423697.346689357'],
    ['blksize-mtu-clamp', 512, '1795423605.252051808', '1795423624.691841490'],
    ['happy-ipxe', 26, '1795423111.703419261', '1795423127.781681287'],
    ['uefi-edk2-happy', 277, '1795423450.786388575', '1795423472.574019899'],
  ];
  for (const [name, count, first, last] of LAB) {
    it(`lab/${name}/capture.pcapng`, async () => {
      const c = collect();
      const info = await readCapture(capturePath(`lab/${name}/capture.pcapng`), c.sink);
      assert.deepEqual(c.warnings, []);
      assert.equal(info.frames, count);
      assert.equal(c.frames[0]?.epoch, first);
      assert.equal(c.frames[count - 1]?.epoch, last);
      assert.equal(c.frames[count - 1]?.frame, count);
    });
  }
});

const PKT = Buffer.alloc(60, 0x42);

describe('pcapng: synthetic files', () => {
  it('applies if_tsresol and if_tsoffset, with tshark 4.0 display digits', () => {
    const b = new NgBuilder(true);
    // One instant, 1700000000.123456789123 s, in picoseconds; each interface stores it truncated to its unit.
    const instant = 1700000000_123456789123n;
    // [if_tsresol byte, units per second, tshark -e frame.time_epoch, tshark -t e] — from tshark 4.0 on
    // the same file.
    const cases: [number, bigint, string, string][] = [
      [0x80 | 20, 1n << 20n, '1700000000.123456001', '1700000000.123456'],
      [0x80 | 30, 1n << 30n, '1700000000.123456788', '1700000000.123456788'],
      [0x80 | 10, 1n << 10n, '1700000000.123046875', '1700000000.123'],
      [0x80 | 7, 1n << 7n, '1700000000.117187500', '1700000000.11'],
      [3, 10n ** 3n, '1700000000.123000000', '1700000000.123'],
      [4, 10n ** 4n, '1700000000.123400000', '1700000000.123'],
      [0, 1n, '1700000000.000000000', '1700000000'],
      [9, 10n ** 9n, '1700000000.123456789', '1700000000.123456789'],
    ];
    const file = Buffer.concat([
      b.shb(),
      ...cases.map(([res]) => b.idb(1, 0, [tsresol(res)])),
      ...cases.map(([, ups], i) => b.epb(i, (instant * ups) / 10n ** 12n, PKT)),
    ]);
    const c = collect();
    const info = readCaptureBuffer(file, c.sink);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(
      c.frames.map((f) => [f.epoch, f.display]),
      cases.map(([, , epoch, display]) => [epoch, display]),
    );
    assert.deepEqual(
      info.interfaces.map((i) => i.digits),
      [6, 9, 3, 2, 3, 3, 0, 9],
    );
    // Picoseconds overflow 64 bits after ~213 days of epoch, so this one is near 1970. tshark 4.0
    // mis-converts it (prints 1000000.012776324); the exact value is below.
    const pico = collect();
    readCaptureBuffer(
      Buffer.concat([b.shb(), b.idb(1, 0, [tsresol(12)]), b.epb(0, 1000000_123456789123n, PKT)]),
      pico.sink,
    );
    assert.equal(pico.frames[0]?.epoch, '1000000.123456789');
    const off = collect();
    readCaptureBuffer(
      Buffer.concat([b.shb(), b.idb(1, 0, [tsoffset(b, 100n)]), b.epb(0, 1700000000123456n, PKT)]),
      off.sink,
    );
    assert.equal(off.frames[0]?.epoch, '1700000100.123456000');
  });

  it('reads IDB names, descriptions and snaplen; SPB is cut to the snaplen and has no time', () => {
    for (const little of [true, false]) {
      const b = new NgBuilder(little);
      const file = Buffer.concat([
        b.shb(),
        b.idb(113, 40, [ifName('eth0'), ifDescription('uplink\0\0')]),
        b.spb(PKT),
        b.spb(PKT.subarray(0, 32), 500),
      ]);
      const c = collect();
      const info = readCaptureBuffer(file, c.sink);
      assert.equal(info.interfaces[0]?.name, 'eth0');
      assert.equal(info.interfaces[0]?.description, 'uplink');
      assert.deepEqual(summary(c.frames), ['1/0/113/40/60/', '2/0/113/32/500/']);
      assert.equal(c.frames[0]?.raw.missing, true);
    }
  });

  it('reads the obsolete Packet Block and numbers custom/journal blocks but not DSB/NRB/ISB', () => {
    const b = new NgBuilder(false);
    const file = Buffer.concat([
      b.shb(),
      b.idb(1),
      b.idb(0),
      b.pb(1, 5_000_001n, PKT),
      b.block(0x0000000a, Buffer.alloc(16)), // decryption secrets: no frame number in tshark 4.0
      b.block(0x00000bad, Buffer.alloc(8)), // custom block: frame 2
      b.block(0x00000004, Buffer.alloc(4)), // NRB
      b.block(0x00000005, Buffer.alloc(12)), // ISB
      b.block(0x00000009, Buffer.from('MESSAGE=hi\n')), // systemd journal: frame 3
      b.block(0x12345678, Buffer.alloc(20)), // unknown: skipped
      b.epb(0, 7_000_000n, PKT),
    ]);
    const c = collect();
    const info = readCaptureBuffer(file, c.sink);
    assert.deepEqual(c.warnings, []);
    assert.deepEqual(summary(c.frames), ['1/1/0/60/60/5.000001000', '4/0/1/60/60/7.000000000']);
    assert.equal(info.nonPacketRecords, 2);
  });

  it('resets interfaces at each section, whatever its byte order', () => {
    const le = new NgBuilder(true);
    const be = new NgBuilder(false);
    const file = Buffer.concat([
      le.shb(),
      le.idb(1),
      le.epb(0, 1n, PKT),
      be.shb(),
      be.idb(113),
      be.idb(101),
      be.epb(1, 2n, PKT),
      be.epb(0, 3n, PKT),
      le.shb(),
      le.epb(0, 4n, PKT), // no interface yet in this section
      le.idb(276),
      le.epb(0, 5n, PKT),
    ]);
    const c = collect();
    const info = readCaptureBuffer(file, c.sink);
    assert.deepEqual(
      c.frames.map((f) => `${f.frame}:${f.interfaceId}:${f.linkType}`),
      ['1:0:1', '2:1:101', '3:0:113', '5:0:276'],
    );
    assert.equal(c.warnings.length, 1);
    assert.equal(c.warnings[0]?.fatal, false);
    assert.match(c.warnings[0]?.message ?? '', /packet 4: interface 0 was never described/);
    assert.deepEqual(
      info.interfaces.map((i) => i.section),
      [0, 1, 1, 2],
    );
  });

  describe('block length sanity stops reading with the offset', () => {
    const b = new NgBuilder(true);
    const head = Buffer.concat([b.shb(), b.idb(1), b.epb(0, 1n, PKT)]);
    const cases: [string, Buffer, RegExp][] = [
      [
        'not a multiple of 4',
        b.block(6, Buffer.alloc(20), { leading: 34 }),
        /invalid total length 34 \(not a multiple of 4\)/,
      ],
      ['too small', b.block(5, Buffer.alloc(0), { leading: 8 }), /invalid total length 8 \(too small\)/],
      [
        'absurd',
        b.block(4, Buffer.alloc(0), { leading: 65 * 1024 * 1024 }),
        /invalid total length 68157440 \(absurdly large\)/,
      ],
      [
        'trailing differs',
        b.block(6, Buffer.alloc(20), { trailing: 36 }),
        /trailing length 36 that differs from its leading length 32/,
      ],
    ];
    for (const [name, bad, message] of cases) {
      it(name, () => {
        const c = collect();
        const info = readCaptureBuffer(Buffer.concat([head, bad, b.epb(0, 2n, PKT)]), c.sink);
        assert.equal(info.frames, 1);
        assert.equal(c.warnings.length, 1);
        assert.equal(c.warnings[0]?.fatal, true);
        assert.equal(c.warnings[0]?.offset, head.length);
        assert.match(c.warnings[0]?.message ?? '', message);
        assert.equal(info.bytesRead, head.length);
      });
    }

    it('a bad byte-order magic in a later section', () => {
      const shb = b.shb();
      shb.writeUInt32LE(0xdeadbeef, 8);
      const c = collect();
      readCaptureBuffer(Buffer.concat([head, shb]), c.sink);
      assert.equal(c.warnings[0]?.offset, head.length);
      assert.match(c.warnings[0]?.message ?? '', /bad byte-order magic 0xdeadbeef/);
    });

    it('an unsupported major version', () => {
      const c = collect();
      readCaptureBuffer(Buffer.concat([head, b.shb(2)]), c.sink);
      assert.equal(c.warnings[0]?.message, 'unsupported pcapng version 2.0');
    });

    it('a packet whose captured length overflows its block is skipped, not fatal', () => {
      const epb = b.epb(0, 2n, PKT);
      epb.writeUInt32LE(1000, 20);
      const c = collect();
      const info = readCaptureBuffer(Buffer.concat([head, epb, b.epb(0, 3n, PKT)]), c.sink);
      assert.deepEqual(
        c.frames.map((f) => f.frame),
        [1, 3],
      );
      assert.equal(info.frames, 2);
      assert.equal(c.warnings[0]?.fatal, false);
      assert.match(c.warnings[0]?.message ?? '', /packet 2: captured length 1000 does not fit/);
    });
  });

  it('reports a truncated block at every cut point, keeping the frames before it', () => {
    const b = new NgBuilder(false);
    const blocks = [b.shb(), b.idb(1), b.epb(0, 1n, PKT), b.block(4, Buffer.alloc(8)), b.epb(0, 2n, PKT)];
    const file = Buffer.concat(blocks);
    const starts: number[] = [];
    let at = 0;
    for (const blk of blocks) {
      starts.push(at);
      at += blk.length;
    }
    for (let cut = 1; cut < file.length; cut++) {
      const c = collect();
      const parser = new PcapngParser(c.sink);
      parser.push(file.subarray(0, cut));
      parser.end();
      const complete = starts.filter((s, i) => s + (blocks[i]?.length ?? 0) <= cut).length;
      const start = starts[complete] ?? 0;
      const frames = [2, 4].filter((i) => i < complete).length;
      assert.equal(parser.frames, frames, `cut ${cut}`);
      if (start === cut) {
        assert.deepEqual(c.warnings, [], `cut ${cut}`);
        continue;
      }
      if (start === 0) {
        // Inside the first section header: not a capture yet, so no warning but a header error.
        assert.deepEqual(c.warnings, [], `cut ${cut}`);
        assert.match(
          parser.headerError ?? '',
          /^capture ends in the middle of a (section header block|block header)/,
        );
        continue;
      }
      assert.equal(c.warnings.length, 1, `cut ${cut}`);
      assert.equal(c.warnings[0]?.offset, start, `cut ${cut}`);
      assert.equal(c.warnings[0]?.fatal, true);
      const got = cut - start;
      if (complete === 4 && got >= 8) {
        assert.equal(
          c.warnings[0]?.message,
          `capture ends in the middle of packet 2 (enhanced packet block): got ${got} of ${blocks[4]?.length} bytes`,
        );
      }
    }
  });

  it('refuses a file that does not start with a section header', () => {
    const b = new NgBuilder(true);
    const c = collect();
    const parser = new PcapngParser(c.sink);
    assert.equal(parser.push(b.idb(1)), false);
    assert.deepEqual(c.warnings, []);
    assert.equal(parser.headerError, 'not a pcapng file: it does not start with a section header block');
  });

  it('treats a broken first section header as not a capture', () => {
    const b = new NgBuilder(true);
    const badMagic = b.shb();
    badMagic.writeUInt32LE(0x01020304, 8);
    const cases: [Buffer, string][] = [
      [badMagic, 'section header block has a bad byte-order magic 0x1020304'],
      [b.shb(2), 'unsupported pcapng version 2.0'],
      [b.shb().subarray(0, 20), 'capture ends in the middle of a section header block: got 20 of 28 bytes'],
    ];
    for (const [file, message] of cases) {
      const c = collect();
      assert.throws(() => readCaptureBuffer(file, c.sink), { name: 'CaptureInputError', message });
      assert.deepEqual(c.warnings, []);
    }
  });
});
