/**
 * Mutated real captures: the readers must never throw on bad bytes, and must say exactly the same thing
 * whether the bytes arrive at once or in random chunks.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CaptureInputError } from '../../../src/capture/errors.js';
import { createParser, sniff } from '../../../src/capture/detect.js';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { capturePath, collect, summary } from './helpers.js';
import type { Collected } from './helpers.js';

/** xorshift32: deterministic, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

function mutate(src: Buffer, random: () => number): Buffer {
  const buf = Buffer.from(src);
  const edits = 1 + Math.floor(random() * 8);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * buf.length);
    const kind = random();
    if (kind < 0.6) buf[at] = Math.floor(random() * 256);
    else if (kind < 0.8) buf.writeUInt32LE(Math.floor(random() * 4294967296), Math.min(at, buf.length - 4));
    else return buf.subarray(0, at);
  }
  return buf;
}

function chunked(buf: Buffer, random: () => number): { c: Collected; headerError: string | undefined } {
  const c = collect();
  const kind = sniff(buf);
  assert.ok(kind === 'pcap' || kind === 'pcapng');
  const parser = createParser(kind, c.sink);
  for (let i = 0; i < buf.length;) {
    const n = 1 + Math.floor(random() * (random() < 0.5 ? 8 : 600));
    parser.push(buf.subarray(i, i + n));
    i += n;
  }
  parser.end();
  return { c, headerError: parser.headerError };
}

const FILES = [
  'public/zeek/dhcp.pcap',
  'public/pcapplusplus/nanosecs_big_endian.pcap',
  'public/pcapng-test-generator/output_le/difficult/test202.pcapng',
  'public/pcapng-test-generator/output_be/advanced/test102.pcapng',
  'public/zeek/pcapng-multi-interface.pcapng',
  'lab/no-dhcp-server/capture.pcapng',
];

describe('fuzzed captures', () => {
  for (const rel of FILES) {
    it(rel, () => {
      const original = readFileSync(capturePath(rel));
      const random = rng(0x5eed ^ original.length);
      for (let round = 0; round < 150; round++) {
        const buf = mutate(original, random);
        const whole = collect();
        let error: unknown;
        try {
          readCaptureBuffer(buf, whole.sink);
        } catch (err) {
          error = err;
        }
        if (error !== undefined) {
          assert.ok(error instanceof CaptureInputError, `round ${round}: ${String(error)}`);
          if (buf.length < 4 || (sniff(buf) !== 'pcap' && sniff(buf) !== 'pcapng')) continue;
        }
        const { c, headerError } = chunked(buf, random);
        assert.equal(
          headerError,
          error instanceof CaptureInputError ? error.message : undefined,
          `round ${round}`,
        );
        assert.deepEqual(summary(c.frames), summary(whole.frames), `round ${round}`);
        assert.deepEqual(c.warnings, whole.warnings, `round ${round}`);
      }
    });
  }
});
