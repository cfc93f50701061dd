import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import type { CaptureSink } from '../../../src/capture/types.js';
import { ifName, NgBuilder, tsresol, type Option } from './ngbuild.js';
import { timestampToNumber, toTimestamp } from '../../../src/capture/timestamp.js';

const PKT = Buffer.alloc(60, 0xab);
const sink: CaptureSink = { frame: () => undefined, warning: () => undefined };

function u64(b: NgBuilder, v: bigint): Uint8Array {
  return b.i64(v);
}

/** An Interface Statistics Block: interface id, timestamp, options (4 ifrecv, 5 ifdrop, 7 osdrop). */
function isb(b: NgBuilder, id: number, opts: Option[]): Buffer {
  return b.block(5, Buffer.concat([b.u32(id), b.u32(0), b.u32(0), b.options(opts)]));
}

/** An EPB carrying an epb_dropcount option (code 4). */
function epbWithDrops(b: NgBuilder, drops: bigint): Buffer {
  const body = Buffer.concat([
    b.u32(0),
    b.u32(0),
    b.u32(1),
    b.u32(PKT.length),
    b.u32(PKT.length),
    PKT,
    b.options([{ code: 4, value: u64(b, drops) }]),
  ]);
  return b.block(6, body);
}

describe('pcapng capture statistics', () => {
  for (const little of [true, false]) {
    it(`reads ISB counters, the last per interface (${little ? 'little' : 'big'}-endian)`, () => {
      const b = new NgBuilder(little);
      const file = Buffer.concat([
        b.shb(),
        b.idb(1, 0, [ifName('br0')]),
        b.idb(1, 0, [ifName('eth1')]),
        b.epb(0, 1n, PKT),
        isb(b, 0, [
          { code: 4, value: u64(b, 10n) },
          { code: 5, value: u64(b, 1n) },
        ]),
        isb(b, 0, [
          { code: 4, value: u64(b, 5_000_000_000n) },
          { code: 5, value: u64(b, 7n) },
          { code: 7, value: u64(b, 2n) },
        ]),
        isb(b, 1, [{ code: 4, value: u64(b, 3n) }]),
      ]);
      const info = readCaptureBuffer(file, sink);
      assert.equal(info.frames, 1);
      assert.deepEqual(info.stats, {
        perInterface: [
          { id: 0, section: 0, name: 'br0', received: 5_000_000_000, ifDropped: 7, osDropped: 2 },
          { id: 1, section: 0, name: 'eth1', received: 3 },
        ],
        received: 5_000_000_003,
        ifDropped: 7,
        osDropped: 2,
        dropped: 9,
      });
    });
  }

  it('adds the drop counts of Enhanced Packet Blocks and still reads their packets', () => {
    const b = new NgBuilder();
    const frames: number[] = [];
    const info = readCaptureBuffer(
      Buffer.concat([b.shb(), b.idb(1), epbWithDrops(b, 4n), epbWithDrops(b, 0n), epbWithDrops(b, 3n)]),
      { frame: (f) => frames.push(f.data.length), warning: () => undefined },
    );
    assert.deepEqual(frames, [60, 60, 60]);
    assert.equal(info.stats?.packetDrops, 7);
    assert.equal(info.stats?.dropped, 7);
  });

  it('says nothing when the capture carries no statistics (not "no drops")', () => {
    const b = new NgBuilder();
    const info = readCaptureBuffer(Buffer.concat([b.shb(), b.idb(1), b.epb(0, 1n, PKT)]), sink);
    assert.equal(info.stats, undefined);
  });

  /** isb_endtime (code 3): two 32-bit words, high first. */
  function endTime(b: NgBuilder, units: bigint): Option {
    return {
      code: 3,
      value: Buffer.concat([b.u32(Number(units >> 32n)), b.u32(Number(units & 0xffffffffn))]),
    };
  }

  /** One packet at 1_700_000_100 s on a nanosecond interface, then an ISB whose isb_endtime is `units`. */
  function endOf(units: bigint, little = true): number | undefined {
    const b = new NgBuilder(little);
    const file = Buffer.concat([
      b.shb(),
      b.idb(1, 0, [tsresol(9)]),
      b.epb(0, 1_700_000_100_000_000_000n, PKT),
      isb(b, 0, [endTime(b, units)]),
    ]);
    const end = readCaptureBuffer(file, sink).stats?.endTs;
    return end === undefined ? undefined : timestampToNumber(toTimestamp(end, 9));
  }

  for (const little of [true, false]) {
    it(`reads when the capture stopped from isb_endtime (${little ? 'little' : 'big'}-endian)`, () => {
      assert.equal(endOf(1_700_000_112_500_000_000n, little), 1_700_000_112.5);
    });
  }

  it("reads dumpcap's microsecond isb_endtime on a nanosecond interface", () => {
    // dumpcap writes ISB times in µs whatever the interface's if_tsresol; read as ns they would be 1970.
    assert.equal(endOf(1_700_000_112_500_000n), 1_700_000_112.5);
  });

  it('ignores an isb_endtime before the last packet or hours after it (a shifted file, a wrong clock)', () => {
    assert.equal(endOf(1_700_000_050_000_000_000n), undefined);
    assert.equal(endOf(1_700_010_000_000_000_000n), undefined);
  });
});
