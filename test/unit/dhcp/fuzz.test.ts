import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeDhcp,
  dhcpMessageToJson,
  encodeDhcp,
  summarizeDhcp,
} from '../../../src/protocol/dhcp/index.js';
import { mulberry32 } from '../../support/prng.js';
import { allFixtures } from './support/fixtures.js';

/**
 * Mutation fuzzing, bounded and reproducible (seeded PRNG): every mutated packet must decode without throwing,
 * summarize and serialise, and re-encode to exactly its own bytes.
 */

const rand = mulberry32(0x9e3779b9);
const int = (n: number): number => Math.floor(rand() * n);

let checked = 0;
function check(bytes: Uint8Array, what: string): void {
  let out: Uint8Array;
  try {
    const msg = decodeDhcp(bytes);
    summarizeDhcp(msg);
    JSON.stringify(dhcpMessageToJson(msg));
    out = encodeDhcp(msg);
  } catch (e) {
    assert.fail(`${what}: threw ${String(e)} on ${Buffer.from(bytes).toString('hex')}`);
  }
  if (
    Buffer.compare(
      Buffer.from(out.buffer, out.byteOffset, out.length),
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length),
    ) !== 0
  ) {
    assert.equal(
      Buffer.from(out).toString('hex'),
      Buffer.from(bytes).toString('hex'),
      `${what}: not byte-exact`,
    );
  }
  checked++;
}

/** Offsets of the length bytes of the options area (stops at the end option or a truncated option). */
function lengthOffsets(p: Uint8Array): number[] {
  const out: number[] = [];
  let off = 240;
  while (off < p.length && p[off] !== 255) {
    if (p[off] === 0) {
      off++;
      continue;
    }
    if (off + 1 >= p.length) break;
    out.push(off + 1);
    off += 2 + p[off + 1];
  }
  return out;
}

function corpus(): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const rows of allFixtures().values()) {
    // The two floods are thousands of near-identical Discovers: a few of each are enough.
    for (const row of rows.slice(0, 60)) {
      const key = Buffer.from(row.payload).toString('hex');
      if (!seen.has(key)) {
        seen.add(key);
        out.push(row.payload);
      }
    }
  }
  return out;
}

function randomOptions(n: number): Uint8Array {
  // Garbage that looks like options about half the time: code, plausible length, bytes.
  const out = new Uint8Array(n);
  let off = 0;
  while (off < n) {
    if (rand() < 0.5) {
      out[off++] = int(256);
      continue;
    }
    out[off++] = int(256);
    if (off < n) out[off++] = rand() < 0.7 ? int(Math.max(1, n - off)) : int(256);
  }
  return out;
}

test('fuzz: ≥100 000 mutated packets decode, never throw, and re-encode byte-exact', () => {
  const start = Date.now();
  const seeds = corpus();
  assert.ok(seeds.length > 300, `small corpus: ${seeds.length}`);

  check(new Uint8Array(0), 'empty input');
  for (const s of seeds) check(s, 'seed');

  // Truncation at every length, on every tenth seed (lab PXE packets, overload, relay info, fuzz captures ...).
  for (let i = 0; i < seeds.length; i += 10) {
    const s = seeds[i];
    for (let len = 0; len < s.length; len++) check(s.subarray(0, len), `truncated to ${len}`);
  }

  // Every option length byte set to 0, 1 and 255.
  for (const s of seeds) {
    for (const off of lengthOffsets(s)) {
      for (const v of [0, 1, 255]) {
        const m = s.slice();
        m[off] = v;
        check(m, `length at ${off} set to ${v}`);
      }
    }
  }

  // Option 52 set (value 1, 2, 3 and random) with garbage, or option-like garbage, in file and sname.
  for (const s of seeds) {
    if (s.length < 240) continue;
    for (const v of [1, 2, 3, int(256)]) {
      const m = new Uint8Array(s.length + 3);
      m.set(s.subarray(0, 240));
      m.set([52, 1, v], 240);
      m.set(s.subarray(240), 243);
      m.set(randomOptions(64), 44);
      m.set(rand() < 0.5 ? randomOptions(128) : Uint8Array.from({ length: 128 }, () => int(256)), 108);
      check(m, `overload ${v}`);
    }
  }

  // Bit flips, byte edits, insertions, deletions and random tails until 100 000 packets.
  while (checked < 100_000) {
    const s = seeds[int(seeds.length)];
    const r = rand();
    let m: Uint8Array;
    if (r < 0.5) {
      m = s.slice();
      const flips = 1 + int(8);
      for (let i = 0; i < flips && m.length > 0; i++) m[int(m.length)] ^= 1 << int(8);
    } else if (r < 0.7) {
      m = s.slice();
      for (let i = 0; i < 1 + int(4) && m.length > 0; i++)
        m[int(m.length)] = [0, 1, 52, 53, 255, int(256)][int(6)];
    } else if (r < 0.85) {
      const at = int(s.length + 1);
      const ins = Uint8Array.from({ length: 1 + int(20) }, () => int(256));
      m = new Uint8Array(s.length + ins.length);
      m.set(s.subarray(0, at));
      m.set(ins, at);
      m.set(s.subarray(at), at + ins.length);
    } else if (r < 0.95) {
      const at = int(s.length + 1);
      const n = int(30);
      m = new Uint8Array([...s.subarray(0, at), ...s.subarray(at + n)]);
    } else {
      m = new Uint8Array([...s.subarray(0, Math.min(s.length, 240)), ...randomOptions(int(600))]);
    }
    check(m, 'mutation');
  }
  assert.ok(checked >= 100_000);
  // Bounded: a slow decoder would show here before it shows in production.
  assert.ok(Date.now() - start < 60_000, `fuzzing took ${Date.now() - start} ms`);
});
