/**
 * Builds the native TFTP data pump (native/tftp-pump/*.c) into dist/native/tftp-pump.node with the
 * system C compiler and Node's own headers: no node-gyp, no Python. It never fails the build or the
 * install: without a compiler, without the headers, off Linux, or with PXE_DOCTOR_NO_NATIVE=1 it prints
 * one line and the server runs its TypeScript engine.
 *
 *   node dist/scripts/build-native.js        (npm run build and npm's prepare run it after tsc)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SOURCES = join(ROOT, 'native', 'tftp-pump');
const OUT_DIR = join(ROOT, 'dist', 'native');
const OUT = join(OUT_DIR, 'tftp-pump.node');

/** One line, and no addon left from an earlier build: dist/native matches the sources or is absent. */
function notice(why: string): void {
  rmSync(OUT, { force: true });
  console.log(`tftp-pump: ${why}; the TFTP server uses its TypeScript engine`);
}

/** Folders that may hold node_api.h: beside this node binary, then the usual system places. */
function headerDirs(): string[] {
  const prefix = resolve(dirname(process.execPath), '..');
  const dirs = [join(prefix, 'include', 'node')];
  const nodedir = process.env.npm_config_nodedir;
  if (nodedir !== undefined && nodedir !== '') dirs.push(join(nodedir, 'include', 'node'));
  dirs.push('/usr/include/node', '/usr/local/include/node');
  return dirs;
}

function compiler(): string | null {
  const cc = process.env.CC ?? 'cc';
  return spawnSync(cc, ['--version'], { stdio: 'ignore' }).status === 0 ? cc : null;
}

function build(): void {
  if (process.env.PXE_DOCTOR_NO_NATIVE === '1') {
    notice('not built (PXE_DOCTOR_NO_NATIVE=1)');
    return;
  }
  if (process.platform !== 'linux') {
    notice(`not built (it is Linux-only; this is ${process.platform})`);
    return;
  }
  const cc = compiler();
  if (cc === null) {
    notice('not built: no C compiler (apt-get install build-essential)');
    return;
  }
  const include = headerDirs().find((dir) => existsSync(join(dir, 'node_api.h')));
  if (include === undefined) {
    notice("not built: Node's headers (node_api.h) were not found beside node or in /usr/include/node");
    return;
  }
  const sources = readdirSync(SOURCES)
    .filter((name) => name.endsWith('.c'))
    .map((name) => join(SOURCES, name));
  mkdirSync(OUT_DIR, { recursive: true });
  // Written beside the target, then renamed: a running server never loads a half-written file.
  const temp = `${OUT}.${process.pid}.tmp`;
  const flags = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-shared', '-fPIC', '-pthread', `-I${include}`];
  try {
    execFileSync(cc, [...flags, '-o', temp, ...sources], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(temp, OUT);
    console.log(`tftp-pump: built ${OUT}`);
  } catch (err) {
    rmSync(temp, { force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    const first = stderr.split('\n').find((line) => /error/i.test(line)) ?? (err as Error).message;
    notice(`not built: ${cc} failed: ${first.trim()}`);
  }
}

try {
  build();
} catch (err) {
  notice(`not built: ${err instanceof Error ? err.message : String(err)}`);
}
