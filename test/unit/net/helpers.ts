/**
 * Test helpers shared by the net and tftp tests: tshark expectation tables, a classic pcap writer (so
 * tshark can judge what our encoders produce), a seeded PRNG for fuzzing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../support/prng.js';

/** The project root: this file runs from dist/test/unit/net/. */
export const projectRoot: string = fileURLToPath(new URL('../../../../', import.meta.url));

export function dataPath(...parts: string[]): string {
  return join(projectRoot, 'test', 'unit', ...parts);
}

export interface Tsv {
  columns: string[];
  rows: Map<string, string>[];
}

/** Reads an extract.sh table: "#" lines are comments, the last of them names the columns. */
export function readTsv(path: string): Tsv {
  let columns: string[] = [];
  const rows: Map<string, string>[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      columns = line.replace(/^# ?/, '').split('\t');
      continue;
    }
    const cells = line.split('\t');
    rows.push(new Map(columns.map((c, i) => [c, cells[i] ?? ''])));
  }
  return { columns, rows };
}

export function cell(row: Map<string, string>, column: string): string {
  const v = row.get(column);
  if (v === undefined) throw new Error(`no column ${column}`);
  return v;
}

export function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

/** Deterministic PRNG for fuzz loops (see test/support/prng.ts). */
export const prng = mulberry32;

export function randomInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/**
 * A classic little-endian microsecond pcap: 24-byte file header, 16-byte record headers. `uncaptured`: bytes
 * each packet had on the wire beyond the frame given (a capture cut by its snaplen).
 */
export function pcapBytes(
  linkType: number,
  frames: readonly Uint8Array[],
  snapLen = 262144,
  uncaptured = 0,
): Uint8Array {
  const total = 24 + frames.reduce((n, f) => n + 16 + f.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0xa1b2c3d4, true);
  view.setUint16(4, 2, true);
  view.setUint16(6, 4, true);
  view.setUint32(16, snapLen, true);
  view.setUint32(20, linkType, true);
  let offset = 24;
  frames.forEach((frame, i) => {
    // One frame per second from 2024-01-01: readable times in tshark output.
    view.setUint32(offset, 1704067200 + i, true);
    view.setUint32(offset + 4, 0, true);
    view.setUint32(offset + 8, frame.length, true);
    view.setUint32(offset + 12, frame.length + uncaptured, true);
    out.set(frame, offset + 16);
    offset += 16 + frame.length;
  });
  return out;
}

/**
 * A little-endian pcapng with one interface per distinct link type, so frames of many link types go to
 * tshark in one file (one process start instead of one per link type).
 */
export function pcapngBytes(frames: readonly { linkType: number; data: Uint8Array }[]): Uint8Array {
  const linkTypes = [...new Set(frames.map((f) => f.linkType))];
  const blocks: Uint8Array[] = [];
  const block = (type: number, body: Uint8Array): void => {
    const length = 12 + body.length;
    const b = new Uint8Array(length);
    const v = new DataView(b.buffer);
    v.setUint32(0, type, true);
    v.setUint32(4, length, true);
    b.set(body, 8);
    v.setUint32(length - 4, length, true);
    blocks.push(b);
  };
  const shb = new DataView(new ArrayBuffer(16));
  shb.setUint32(0, 0x1a2b3c4d, true);
  shb.setUint16(4, 1, true);
  shb.setBigInt64(8, -1n, true);
  block(0x0a0d0d0a, new Uint8Array(shb.buffer));
  for (const lt of linkTypes) {
    const idb = new DataView(new ArrayBuffer(8));
    idb.setUint16(0, lt, true);
    idb.setUint32(4, 262144, true);
    block(1, new Uint8Array(idb.buffer));
  }
  frames.forEach((f, i) => {
    const padded = (f.data.length + 3) & ~3;
    const body = new Uint8Array(20 + padded);
    const v = new DataView(body.buffer);
    v.setUint32(0, linkTypes.indexOf(f.linkType), true);
    // Microsecond units (the default if_tsresol): one frame per second from 2024-01-01.
    const ts = BigInt(1704067200 + i) * 1000000n;
    v.setUint32(4, Number(ts >> 32n), true);
    v.setUint32(8, Number(ts & 0xffffffffn), true);
    v.setUint32(12, f.data.length, true);
    v.setUint32(16, f.data.length, true);
    body.set(f.data, 20);
    block(6, body);
  });
  const out = new Uint8Array(blocks.reduce((n, b) => n + b.length, 0));
  let o = 0;
  for (const b of blocks) {
    out.set(b, o);
    o += b.length;
  }
  return out;
}

function writeTemp(name: string, bytes: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-test-'));
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

export function writeTempPcap(name: string, linkType: number, frames: readonly Uint8Array[]): string {
  return writeTemp(name, pcapBytes(linkType, frames));
}

export function writeTempPcapng(
  name: string,
  frames: readonly { linkType: number; data: Uint8Array }[],
): string {
  return writeTemp(name, pcapngBytes(frames));
}

let tsharkChecked: boolean | undefined;

/** Tests that ask tshark for a verdict skip themselves when it is not installed. */
export function hasTshark(): boolean {
  if (tsharkChecked === undefined) {
    const r = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
    tsharkChecked = r.status === 0;
  }
  return tsharkChecked;
}

/** Runs tshark -T fields on a capture; one array of cells per frame. */
export function tsharkFields(
  path: string,
  fields: readonly string[],
  extra: readonly string[] = [],
): string[][] {
  const args = ['-r', path, ...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}
