import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, describe, it } from 'node:test';
import { readCapture, readCaptureBuffer } from '../../../src/capture/source.js';
import {
  nanosSplit,
  PcapngWriter,
  PcapWriter,
  SyncCaptureFile,
  writeCapture,
} from '../../../src/capture/writer.js';
import type { WritePacket } from '../../../src/capture/writer.js';
import { collect, summary } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pxe-doctor-writer-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const PACKETS: WritePacket[] = [
  { data: Buffer.alloc(60, 1), seconds: 1700000000, nanos: 123456789 },
  { data: Buffer.alloc(33, 2), seconds: 1700000001, nanos: 999999999, origLen: 1500, linkType: 113 },
  { data: Buffer.alloc(0), seconds: 4294967295, nanos: 1, linkType: 1 },
];

describe('writers round-trip through the readers', () => {
  for (const precision of ['us', 'ns'] as const) {
    for (const bigEndian of [false, true]) {
      it(`pcap ${precision} ${bigEndian ? 'big' : 'little'}-endian`, () => {
        const c = collect();
        const info = readCaptureBuffer(
          PcapWriter.file({ linkType: 228, precision, bigEndian }, PACKETS),
          c.sink,
        );
        assert.equal(info.format, precision === 'ns' ? 'pcap-ns' : 'pcap');
        const frac = (ns: string): string => (precision === 'ns' ? ns : `${ns.slice(0, 6)}000`);
        assert.deepEqual(summary(c.frames), [
          `1/0/228/60/60/1700000000.${frac('123456789')}`,
          `2/0/228/33/1500/1700000001.${frac('999999999')}`,
          `3/0/228/0/0/4294967295.${frac('000000001')}`,
        ]);
        assert.equal(c.frames[1]?.data[32], 2);
      });
    }
  }

  it('pcapng: one ns interface per link type', () => {
    const c = collect();
    const info = readCaptureBuffer(PcapngWriter.file({ application: 'test' }, PACKETS), c.sink);
    assert.deepEqual(
      info.interfaces.map((i) => [i.id, i.linkType, i.unitsPerSecond]),
      [
        [0, 1, 1e9],
        [1, 113, 1e9],
      ],
    );
    assert.deepEqual(summary(c.frames), [
      '1/0/1/60/60/1700000000.123456789',
      '2/1/113/33/1500/1700000001.999999999',
      '3/0/1/0/0/4294967295.000000001',
    ]);
  });

  it('writeCapture streams to a file and to a stream', async () => {
    const file = path.join(tmp, 'out.pcapng');
    const bytes = await writeCapture(file, new PcapngWriter(), PACKETS);
    assert.equal(readFileSync(file).length, bytes);
    const c = collect();
    assert.equal((await readCapture(file, c.sink)).frames, 3);

    const pass = new PassThrough();
    const read = collect();
    const reading = readCapture(pass, read.sink);
    await writeCapture(pass, new PcapWriter({ linkType: 1 }), PACKETS);
    pass.end();
    assert.equal((await reading).frames, 3);
  });

  it('names the pcapng interface when asked (if_name before if_tsresol)', () => {
    const c = collect();
    const info = readCaptureBuffer(PcapngWriter.file({ interfaceName: 'br0' }, PACKETS), c.sink);
    assert.deepEqual(
      info.interfaces.map((i) => [i.id, i.linkType, i.name, i.unitsPerSecond]),
      [
        [0, 1, 'br0', 1e9],
        [1, 113, 'br0', 1e9],
      ],
    );
    assert.equal(c.frames.length, 3);
  });

  it('SyncCaptureFile writes the same bytes as the in-memory file, whatever its buffer size', () => {
    const writers = {
      pcap: (): PcapWriter => new PcapWriter({ linkType: 1, precision: 'ns' }),
      pcapng: (): PcapngWriter => new PcapngWriter({ application: 'test', interfaceName: 'eth0' }),
    };
    for (const [name, make] of Object.entries(writers)) {
      const expected = buildExpected(make(), PACKETS);
      // 40 bytes: smaller than some records (written past the buffer), larger than others (buffered).
      for (const bufferSize of [40, 4096]) {
        const file = path.join(tmp, `sync-${bufferSize}.${name}`);
        const out = new SyncCaptureFile(file, make(), bufferSize);
        for (const p of PACKETS) out.write(p);
        out.writeRaw(Uint8Array.of(1, 2, 3));
        out.close();
        out.close();
        const bytes = readFileSync(file);
        assert.deepEqual(bytes, Buffer.concat([expected, Buffer.from([1, 2, 3])]), `${name} ${bufferSize}`);
        assert.equal(out.bytesWritten, bytes.length);
        assert.equal(out.frames, 3);
      }
    }
  });

  it('splits seconds·1e9 + nanos exactly', () => {
    const cases: [number, number][] = [
      [0, 0],
      [1, 999999999],
      [1700000000, 123456789],
      [4294967295, 999999999],
      [65535, 999999999],
      [65536, 0],
    ];
    for (let i = 0; i < 1000; i++) {
      cases.push([Math.floor(Math.random() * 2 ** 32), Math.floor(Math.random() * 1e9)]);
    }
    for (const [s, ns] of cases) {
      const total = BigInt(s) * 1_000_000_000n + BigInt(ns);
      assert.deepEqual(nanosSplit(s, ns), [Number(total >> 32n), Number(total & 0xffffffffn)], `${s}.${ns}`);
    }
  });
});

function buildExpected(writer: PcapWriter | PcapngWriter, packets: WritePacket[]): Buffer {
  return Buffer.concat([writer.header(), ...packets.map((p) => writer.packet(p))]);
}
