import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/**
 * The DHCP fixtures, made by data/generate.sh with tshark (see data/README.md): per capture, the UDP payloads
 * (data/payloads) and the values tshark decoded from them (data/fields). Reading them needs none of the
 * project's capture code, so the codec is tested on its own.
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

/** The text of every .tsv / .tsv.gz file in a data subdirectory, by name without extension. */
function readTables(sub: string): Map<string, string> {
  const out = new Map<string, string>();
  const dir = join(DATA_DIR, sub);
  for (const f of readdirSync(dir).sort()) {
    const m = /^(.*)\.tsv(\.gz)?$/.exec(f);
    if (m === null) continue;
    const buf = readFileSync(join(dir, f));
    out.set(m[1], (m[2] !== undefined ? gunzipSync(buf) : buf).toString('utf8'));
  }
  return out;
}

let cache: Map<string, PayloadRow[]> | null = null;

/** Every capture's payload rows, by fixture name. */
export function allFixtures(): Map<string, PayloadRow[]> {
  if (cache !== null) return cache;
  cache = new Map();
  for (const [name, text] of readTables('payloads')) cache.set(name, parseFile(name, text));
  return cache;
}

/** tshark's decoded fields for one frame: field name → values (empty when tshark had none). */
export type FieldRow = Map<string, string[]>;

let fieldCache: Map<string, Map<number, FieldRow>> | null = null;

/** Every capture's tshark fields, by fixture name, then frame number. */
export function allFields(): Map<string, Map<number, FieldRow>> {
  if (fieldCache !== null) return fieldCache;
  fieldCache = new Map();
  for (const [name, text] of readTables('fields')) {
    let names: string[] = [];
    const frames = new Map<number, FieldRow>();
    for (const line of text.split('\n')) {
      if (line.startsWith('# fields: ')) names = line.slice(10).split(' ');
      if (line === '' || line.startsWith('#')) continue;
      const cols = line.split('\t');
      const row: FieldRow = new Map();
      names.forEach((n, i) => row.set(n, cols[i] === undefined || cols[i] === '' ? [] : cols[i].split('|')));
      frames.set(Number(cols[0]), row);
    }
    fieldCache.set(name, frames);
  }
  return fieldCache;
}

/** Whether tshark dissected the payload as DHCP/BOOTP (not, e.g., as DNS for port 53 -> 67). */
export function tsharkSawDhcp(row: PayloadRow): boolean {
  return /^(DHCP|proxyDHCP|Boot Re|Unknown BOOTP)/.test(row.info);
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

/**
 * Option 43 sub-option 6 with bits 3 (no broadcast, no multicast discovery), as the JSON view shows it: what
 * dnsmasq's proxy sends in the lab (tshark: "Disable Broadcast, Disable Multicast").
 */
export const PXE_DISCOVERY_CONTROL_3_JSON = {
  code: 6,
  name: 'PXE discovery control',
  value: {
    bits: 3,
    disableBroadcast: true,
    disableMulticast: true,
    serverListOnly: false,
    bootFileFromOffer: false,
  },
};
