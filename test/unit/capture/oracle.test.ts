/**
 * pcap-parser (an independent npm reader of classic µs pcap) as an oracle: on every classic microsecond
 * pcap among the shared captures, it and our reader see the same records.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'pcap-parser';
import type { Packet } from 'pcap-parser';
import { readCapture } from '../../../src/capture/source.js';
import { capturePath, collect } from './helpers.js';

// pcap-parser still calls the deprecated Buffer() constructor; its warning is noise here.
process.noDeprecation = true;

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...walk(full));
    else out.push(full);
  }
  return out;
}

/** Classic µs pcaps, either byte order; pcap-parser reads no other kind. */
function isMicrosecondPcap(file: string): boolean {
  const head = readFileSync(file).subarray(0, 4).toString('hex');
  return head === 'a1b2c3d4' || head === 'd4c3b2a1';
}

function oracle(file: string): Promise<Packet[]> {
  return new Promise((resolve, reject) => {
    const packets: Packet[] = [];
    const parser = parse(file);
    parser.on('packet', (p) => packets.push(p));
    parser.on('error', reject);
    parser.on('end', () => resolve(packets));
  });
}

const files = ['public', 'lab'].flatMap((d) => walk(capturePath(d))).filter(isMicrosecondPcap);

describe('classic µs pcap agrees with pcap-parser', () => {
  it('finds the shared captures', () => {
    assert.ok(files.length >= 50, `only ${files.length} µs pcaps found`);
  });

  for (const file of files) {
    it(path.relative(capturePath('.'), file), async () => {
      const expected = await oracle(file);
      const c = collect();
      const info = await readCapture(file, c.sink);
      // pcap-parser silently drops a cut-off or absurd last record; we report it, and read the same before.
      assert.equal(info.frames, expected.length);
      c.frames.forEach((f, i) => {
        const p = expected[i];
        assert.ok(p !== undefined);
        assert.equal(f.capLen, p.header.capturedLength, `frame ${f.frame} caplen`);
        assert.equal(f.origLen, p.header.originalLength, `frame ${f.frame} len`);
        assert.equal(f.raw.high, p.header.timestampSeconds, `frame ${f.frame} seconds`);
        assert.equal(f.raw.low, p.header.timestampMicroseconds, `frame ${f.frame} µs`);
        const us = String(p.header.timestampMicroseconds).padStart(6, '0');
        if (p.header.timestampMicroseconds < 1e6)
          assert.equal(f.display, `${p.header.timestampSeconds}.${us}`);
        assert.ok(Buffer.from(f.data).equals(p.data), `frame ${f.frame} bytes`);
      });
    });
  }
});
