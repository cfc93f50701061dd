import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The DHCP payload fixtures: one TSV per capture, made by data/generate.sh with tshark (see data/README.md).
 * Reading them needs none of the project's capture code, so the codec is tested on its own.
 */
export interface PayloadRow {
  /** Fixture file name without extension, e.g. "lab__proxydhcp__capture". */
  file: string;
  frame: number;
  srcPort: number;
  dstPort: number;
  /** tshark's Info column. */
  info: string;
  /** tshark's dhcp.option.type list in wire order (pads, end and overloaded options included). */
  optionTypes: number[];
  payload: Uint8Array;
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above the test build');
    dir = up;
  }
  return dir;
}

export const DATA_DIR = join(projectRoot(), 'test', 'unit', 'dhcp', 'data');

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function parseFile(name: string, text: string): PayloadRow[] {
  const rows: PayloadRow[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const [frame, src, dst, info, types, payload] = line.split('\t');
    rows.push({
      file: name,
      frame: Number(frame),
      srcPort: Number(src),
      dstPort: Number(dst),
      info,
      optionTypes: types === '' ? [] : types.split(',').map(Number),
      payload: hexBytes(payload ?? ''),
    });
  }
  return rows;
}

let cache: Map<string, PayloadRow[]> | null = null;

/** Every fixture file's rows, by file name. */
export function allFixtures(): Map<string, PayloadRow[]> {
  if (cache !== null) return cache;
  cache = new Map();
  for (const f of readdirSync(DATA_DIR).sort()) {
    const m = /^(.*)\.tsv(\.gz)?$/.exec(f);
    if (m === null) continue;
    const buf = readFileSync(join(DATA_DIR, f));
    cache.set(m[1], parseFile(m[1], (m[2] !== undefined ? gunzipSync(buf) : buf).toString('utf8')));
  }
  return cache;
}

export function fixture(name: string): PayloadRow[] {
  const rows = allFixtures().get(name);
  if (rows === undefined) throw new Error(`no fixture ${name}`);
  return rows;
}

export function frame(name: string, n: number): PayloadRow {
  const row = fixture(name).find((r) => r.frame === n);
  if (row === undefined) throw new Error(`no frame ${n} in ${name}`);
  return row;
}
