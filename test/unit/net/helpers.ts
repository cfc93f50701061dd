/**
 * Test helpers shared by the net and tftp tests: tshark expectation tables, a classic pcap writer (so
 * tshark can judge what our encoders produce), a seeded PRNG for fuzzing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Deterministic PRNG (mulberry32): the fuzz tests replay the same cases everywhere. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(rand: () => number, n: number): number {
  return Math.floor(rand() * n);
}

/** A classic little-endian microsecond pcap: 24-byte file header, 16-byte record headers. */
export function pcapBytes(linkType: number, frames: readonly Uint8Array[], snapLen = 262144): Uint8Array {
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
    view.setUint32(offset + 12, frame.length, true);
    out.set(frame, offset + 16);
    offset += 16 + frame.length;
  });
  return out;
}

export function writeTempPcap(name: string, linkType: number, frames: readonly Uint8Array[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-test-'));
  const path = join(dir, name);
  writeFileSync(path, pcapBytes(linkType, frames));
  return path;
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
export function tsharkFields(path: string, fields: readonly string[], extra: readonly string[] = []): string[][] {
  const args = ['-r', path, ...extra, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a'];
  for (const f of fields) args.push('-e', f);
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split('\t'));
}
