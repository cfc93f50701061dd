/**
 * Where the test captures are: the project's own `fixtures/captures/`, plus the shared capture set beside the
 * project (`../shared/captures/`, present for developers and CI, absent for users) for anything not copied yet.
 * Captures are recognised by their first bytes, never by their file name.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export type CaptureMagic = 'pcap' | 'pcap-ns' | 'pcapng' | 'gzip';

export interface CaptureFile {
  /** Absolute path. */
  path: string;
  /** Path below the capture root with `/` separators, e.g. `lab/proxydhcp/capture.pcapng`. */
  rel: string;
  /** Which root it was found in. */
  origin: 'fixtures' | 'shared';
  /** What the first bytes say (pcap in either byte order, pcapng, or gzip-compressed). */
  magic: CaptureMagic;
}

/** The project root: the nearest folder above this file whose package.json is pxe-doctor's. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && existsSync(join(dir, 'fixtures'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('project root (package.json + fixtures/) not found above ' + import.meta.url);
    dir = parent;
  }
}

export function fixturesCapturesDir(): string {
  return join(projectRoot(), 'fixtures', 'captures');
}

/** The shared capture set: $PXE_DOCTOR_SHARED_CAPTURES, else ../shared/captures from the project root. */
export function sharedCapturesDir(): string {
  const fromEnv = process.env['PXE_DOCTOR_SHARED_CAPTURES'];
  return fromEnv ? resolve(fromEnv) : resolve(projectRoot(), '..', 'shared', 'captures');
}

/** Classifies a file by its first four bytes; null when it is not a capture. */
export function captureMagic(path: string): CaptureMagic | null {
  const head = Buffer.alloc(4);
  let n = 0;
  const fd = openSync(path, 'r');
  try {
    n = readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (n >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (n < 4) return null;
  const be = head.readUInt32BE(0);
  const le = head.readUInt32LE(0);
  if (be === 0x0a0d0d0a) return 'pcapng';
  if (be === 0xa1b2c3d4 || le === 0xa1b2c3d4) return 'pcap';
  if (be === 0xa1b23c4d || le === 0xa1b23c4d) return 'pcap-ns';
  return null;
}

function walk(root: string, dir: string, out: string[]): void {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(root, full, out);
    else if (st.isFile()) out.push(full);
  }
}

function capturesUnder(root: string, origin: CaptureFile['origin']): CaptureFile[] {
  if (!existsSync(root)) return [];
  const files: string[] = [];
  walk(root, root, files);
  const out: CaptureFile[] = [];
  for (const path of files) {
    const magic = captureMagic(path);
    if (magic) out.push({ path, rel: relative(root, path).split(sep).join('/'), origin, magic });
  }
  return out;
}

/**
 * Every capture in fixtures/captures plus every capture of the shared set whose sub-path is not already in
 * fixtures (pass `{ shared: false }` for the project's own only), sorted by `rel`.
 */
export function listCaptureFiles(options: { shared?: boolean } = {}): CaptureFile[] {
  const own = capturesUnder(fixturesCapturesDir(), 'fixtures');
  const seen = new Set(own.map((c) => c.rel));
  const shared = options.shared === false ? [] : capturesUnder(sharedCapturesDir(), 'shared');
  const all = [...own, ...shared.filter((c) => !seen.has(c.rel))];
  return all.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** The capture with this sub-path (fixtures first, then the shared set), or null. */
export function findCapture(rel: string): CaptureFile | null {
  return listCaptureFiles().find((c) => c.rel === rel) ?? null;
}

/**
 * The files the lab's BIOS pxelinux boot (lab/happy-bios-pxelinux) reads, in the client's order: pxelinux.0,
 * its ldlinux.c32, the menu and its library, then the config again and the module the menu runs.
 */
export const PXELINUX_LAB_FILES: readonly string[] = [
  'pxelinux.0',
  'ldlinux.c32',
  'pxelinux.cfg/default',
  'menu.c32',
  'libutil.c32',
  'pxelinux.cfg/default',
  'poweroff.c32',
];
