import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { digitsForUnits, formatEpoch, secondsBetween, toTimestamp } from '../../../src/capture/timestamp.js';
import type { RawTimestamp } from '../../../src/capture/types.js';

function pcap(high: number, low: number, ns: boolean): RawTimestamp {
  return { high, low, unitsPerSecond: ns ? 1e9 : 1e6, combined: false, offsetSeconds: 0, digits: ns ? 9 : 6 };
}

function ng(units: bigint, unitsPerSecond: number, offsetSeconds = 0): RawTimestamp {
  return {
    high: Number(units >> 32n),
    low: Number(units & 0xffffffffn),
    unitsPerSecond,
    combined: true,
    offsetSeconds,
    digits: digitsForUnits(unitsPerSecond),
  };
}

describe('timestamps', () => {
  it('formats pcap µs and ns at the file precision', () => {
    assert.equal(formatEpoch(toTimestamp(pcap(1370200442, 323173, false))), '1370200442.323173');
    assert.equal(formatEpoch(toTimestamp(pcap(1370200442, 5, true))), '1370200442.000000005');
    assert.equal(formatEpoch(toTimestamp(pcap(1370200442, 323173, false)), 9), '1370200442.323173000');
    assert.equal(formatEpoch(toTimestamp(pcap(1370200442, 323173, false)), 3), '1370200442.323');
    assert.equal(formatEpoch(toTimestamp(pcap(1370200442, 323173, false)), 0), '1370200442');
  });

  it('carries an out-of-range pcap fraction into the seconds', () => {
    assert.deepEqual(toTimestamp(pcap(10, 1_000_000_000, true)), { seconds: 11, fraction: 0, digits: 9 });
    assert.deepEqual(toTimestamp(pcap(10, 2_500_000, false)), { seconds: 12, fraction: 500000, digits: 6 });
  });

  it('converts pcapng unit counts exactly, on the fast and the BigInt path alike', () => {
    assert.equal(formatEpoch(toTimestamp(ng(1700000000_123456n, 1e6))), '1700000000.123456');
    assert.equal(formatEpoch(toTimestamp(ng(1700000000_123456789n, 1e9))), '1700000000.123456789');
    assert.equal(formatEpoch(toTimestamp(ng(1700000000_123456n, 1e6, -100))), '1699999900.123456');
    for (let i = 0; i < 2000; i++) {
      const ups = [1e3, 1e6, 1e9, 2 ** 20, 2 ** 32, 1e4][i % 6] ?? 1e6;
      const units = BigInt(Math.floor(Math.random() * 2 ** 52)) * BigInt(1 + (i % 3) * 1000);
      const ts = toTimestamp(ng(units, ups), 9);
      const big = BigInt(ups);
      assert.equal(BigInt(ts.seconds), units / big);
      assert.equal(BigInt(ts.fraction), ((units % big) * 1_000_000_000n) / big, `${units} @ ${ups}`);
    }
  });

  it('uses tshark 4.0 display digits for every resolution', () => {
    const table: [number, number][] = [
      [1, 0],
      [8, 0],
      [10, 1],
      [100, 2],
      [128, 2],
      [1e3, 3],
      [1024, 3],
      [1e4, 3],
      [1e5, 3],
      [1e6, 6],
      [2 ** 20, 6],
      [1e7, 6],
      [2 ** 29, 6],
      [1e9, 9],
      [2 ** 30, 9],
      [1e12, 9],
    ];
    for (const [ups, digits] of table) assert.equal(digitsForUnits(ups), digits, `${ups}`);
  });

  it('measures intervals across precisions', () => {
    const a = toTimestamp(pcap(100, 500000, false));
    const b = toTimestamp(pcap(101, 250000000, true));
    assert.ok(Math.abs(secondsBetween(a, b) - 0.75) < 1e-9);
  });
});

describe('toTimestamp of 64-bit pcapng counts', () => {
  /** Exact reference: the same conversion in BigInt arithmetic throughout. */
  function reference(raw: RawTimestamp, digits: number): { seconds: number; fraction: number } {
    const total = (BigInt(raw.high) << 32n) + BigInt(raw.low);
    const ups = BigInt(raw.unitsPerSecond);
    const fraction = ((total % ups) * 10n ** BigInt(digits)) / ups;
    return { seconds: Number(total / ups) + raw.offsetSeconds, fraction: Number(fraction) };
  }

  it('agrees with BigInt arithmetic for every resolution, display precision and 32-bit word', () => {
    // A fixed LCG: the same 36,000 cases on every run.
    let state = 12345;
    const next = (): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
    const edges = [0, 1, 2 ** 21 - 1, 2 ** 21, 2 ** 31, 0x17c0e9b6, 0xfffffffe, 0xffffffff];
    const resolutions = [1e9, 1e6, 1e3, 1e4, 2 ** 20, 2 ** 30, 1e10, 2 ** 36, 10];
    let checked = 0;
    for (const ups of resolutions) {
      for (const digits of [0, 3, 6, 9]) {
        for (let i = 0; i < 1000; i++) {
          const high = i < edges.length ? edges[i] : next();
          const low = i < edges.length ? edges[(i + 3) % edges.length] : next();
          const raw: RawTimestamp = {
            high,
            low,
            unitsPerSecond: ups,
            combined: true,
            offsetSeconds: i % 3,
            digits,
          };
          const got = toTimestamp(raw, digits);
          const want = reference(raw, digits);
          assert.deepEqual(
            { seconds: got.seconds, fraction: got.fraction },
            want,
            `high ${high} low ${low} units/s ${ups} digits ${digits}`,
          );
          checked++;
        }
      }
    }
    assert.equal(checked, 36000);
  });
});
