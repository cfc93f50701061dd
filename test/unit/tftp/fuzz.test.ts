/**
 * Seeded fuzzing of the TFTP codec: real payloads from the captures, mutated. decodeTftp must never throw
 * (nor fall back to its internal-error note), and every decoded packet must encode to the same bytes.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

import { decodeTftp, encodeTftp, summarizeTftp } from '../../../src/protocol/tftp/index.js';
import { cell, dataPath, hexToBytes, prng, randomInt, readTsv } from '../net/helpers.js';

function seeds(): Uint8Array[] {
  const dir = dataPath('tftp', 'data');
  const out = new Map<string, Uint8Array>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tsv'))) {
    for (const row of readTsv(`${dir}/${file}`).rows)
      out.set(cell(row, 'payload_hex'), hexToBytes(cell(row, 'payload_hex')));
  }
  const text = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  out.set('odd1', text('\x00\x01boot\\x86\\wdsnbp.com\x00octet\x00blksize'));
  out.set('odd2', text('\x00\x05\x00\x08abort\x00\x00\x00'));
  out.set('odd3', text('\x00\xff\x00'));
  return [...out.values()];
}

function check(bytes: Uint8Array): void {
  const pkt = decodeTftp(bytes);
  if (pkt.notes.some((n) => n.startsWith('internal decoder error')))
    assert.fail(`decoder error on ${Buffer.from(bytes).toString('hex')}`);
  const again = encodeTftp(pkt);
  if (Buffer.compare(Buffer.from(again), Buffer.from(bytes)) !== 0) {
    assert.fail(
      `round trip differs: ${Buffer.from(bytes).toString('hex')} -> ${Buffer.from(again).toString('hex')}`,
    );
  }
  summarizeTftp(pkt, 512);
}

function mutate(rand: () => number, seed: Uint8Array): Uint8Array {
  let b = seed.slice();
  const steps = 1 + randomInt(rand, 4);
  for (let s = 0; s < steps; s++) {
    switch (randomInt(rand, 8)) {
      case 0: // bit flip
        if (b.length > 0) b[randomInt(rand, b.length)] ^= 1 << randomInt(rand, 8);
        break;
      case 1: // truncate
        b = b.slice(0, randomInt(rand, b.length + 1));
        break;
      case 2: // a NUL, 0xff or random byte somewhere (the opcode too)
        if (b.length > 0) b[randomInt(rand, b.length)] = [0, 0xff, randomInt(rand, 256)][randomInt(rand, 3)];
        break;
      case 3: {
        // insert random bytes
        const at = randomInt(rand, b.length + 1);
        const extra = Uint8Array.from({ length: 1 + randomInt(rand, 8) }, () => randomInt(rand, 256));
        const n = new Uint8Array(b.length + extra.length);
        n.set(b.subarray(0, at));
        n.set(extra, at);
        n.set(b.subarray(at), at + extra.length);
        b = n;
        break;
      }
      case 4: // delete a byte
        if (b.length > 0) {
          const at = randomInt(rand, b.length);
          b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
        }
        break;
      case 5: // opcode at an extreme or out of range
        if (b.length >= 2)
          [b[0], b[1]] = [
            [0, 0],
            [0xff, 0xff],
            [0, 7],
            [0, randomInt(rand, 8)],
          ][randomInt(rand, 4)];
        break;
      case 6: {
        // duplicate a slice (repeated options)
        const from = randomInt(rand, b.length + 1);
        const to = Math.min(b.length, from + randomInt(rand, 24));
        b = Uint8Array.from([...b, ...b.subarray(from, to)]);
        break;
      }
      default: // block/error code at an extreme
        if (b.length >= 4)
          [b[2], b[3]] = [
            [0, 0],
            [0xff, 0xff],
            [0x80, 0],
          ][randomInt(rand, 3)];
    }
  }
  return b;
}

test('TFTP: every prefix of every seed round-trips', () => {
  let cases = 0;
  for (const seed of seeds()) {
    for (let n = 0; n <= Math.min(seed.length, 80); n++) {
      check(seed.subarray(0, n));
      cases++;
    }
  }
  assert.ok(cases > 1000);
});

test('TFTP: 120 000 mutated payloads round-trip and never throw', () => {
  const rand = prng(2347);
  const all = seeds();
  for (let i = 0; i < 120_000; i++) check(mutate(rand, all[randomInt(rand, all.length)]));
});

test('TFTP: random bytes', () => {
  const rand = prng(7440);
  for (let i = 0; i < 20_000; i++) {
    const b = Uint8Array.from({ length: randomInt(rand, 40) }, () =>
      rand() < 0.3 ? 0 : randomInt(rand, 256),
    );
    if (b.length >= 2 && rand() < 0.8) b[0] = 0;
    if (b.length >= 2 && rand() < 0.8) b[1] = randomInt(rand, 8);
    check(b);
  }
});
