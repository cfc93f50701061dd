/**
 * Regenerates the tshark reference decodes in fixtures/tshark/ (see docs/conformance.md).
 *
 *   node dist/scripts/refresh-tshark.js [--fixtures-only] [--only SUBSTRING] [--check] [--prune] [--jobs N]
 *
 * For every capture under fixtures/captures (written to fixtures/tshark/<rel>.json) and every capture of the
 * shared set that is not in fixtures (written to fixtures/tshark/shared/<rel>.json), runs tshark once with the
 * display filter `dhcp || tftp` and JSON output of the fields in scripts/lib/tshark.ts, and once more to count
 * the frames tshark reads. What tshark printed on stderr and its exit code are kept, so a capture tshark stops
 * reading early says so. Outputs over 512 KB are stored as `<rel>.json.gz`. `--check` writes nothing and exits 1
 * when an output is missing or stale; `--prune` deletes outputs whose capture is gone.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  listCaptureFiles,
  projectRoot,
  sharedCapturesDir,
  type CaptureFile,
} from '../test/support/fixtures.js';
import {
  DISPLAY_FILTER,
  TSHARK_FIELDS,
  decodeCommandLine,
  tsharkReference,
  tsharkVersion,
  tsharkVersionLine,
} from './lib/tshark.js';

/** Bumped when the layout of the output files changes. */
const FORMAT = 1;

/** Outputs larger than this are stored gzip-compressed as `<rel>.json.gz`. */
const GZIP_ABOVE = 512 * 1024;

interface ExpectationFile {
  format: number;
  capture: string;
  origin: CaptureFile['origin'];
  sha256: string;
  bytes: number;
  tshark: string;
  command: string;
  filter: string;
  frames: number;
  lastFrame: number;
  exitCode: number;
  stderr: string;
  countExitCode: number;
  countStderr: string;
  packets: Record<string, string[]>[];
  /** Present when tshark's JSON could not be parsed as a whole (it stopped mid-output): its raw text. */
  rawStdout?: string;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The output path without its `.json` / `.json.gz` ending. */
function outputBase(root: string, c: CaptureFile): string {
  const base = join(root, 'fixtures', 'tshark');
  return c.origin === 'fixtures' ? join(base, c.rel) : join(base, 'shared', c.rel);
}

function readExisting(base: string): Partial<ExpectationFile> | null {
  if (existsSync(`${base}.json`))
    return JSON.parse(readFileSync(`${base}.json`, 'utf8')) as Partial<ExpectationFile>;
  if (existsSync(`${base}.json.gz`)) {
    return JSON.parse(
      gunzipSync(readFileSync(`${base}.json.gz`)).toString('utf8'),
    ) as Partial<ExpectationFile>;
  }
  return null;
}

/** Writes `<base>.json`, or `<base>.json.gz` when large, and removes the other one; returns the path written. */
function writeOutput(base: string, text: string): string {
  mkdirSync(dirname(base), { recursive: true });
  const big = Buffer.byteLength(text) > GZIP_ABOVE;
  const target = big ? `${base}.json.gz` : `${base}.json`;
  const other = big ? `${base}.json` : `${base}.json.gz`;
  writeFileSync(target, big ? gzipSync(text, { level: 9 }) : text);
  if (existsSync(other)) unlinkSync(other);
  return target;
}

function scrub(text: string, c: CaptureFile): string {
  return text.split(c.path).join(c.rel);
}

async function decode(c: CaptureFile, version: string): Promise<ExpectationFile> {
  const { decoded, count, packets: parsed, frames, lastFrame } = await tsharkReference(c.path);
  const out: ExpectationFile = {
    format: FORMAT,
    capture: c.rel,
    origin: c.origin,
    sha256: sha256(c.path),
    bytes: statSync(c.path).size,
    tshark: version,
    command: decodeCommandLine(),
    filter: DISPLAY_FILTER,
    frames,
    lastFrame,
    exitCode: decoded.exitCode,
    stderr: scrub(decoded.stderr, c),
    countExitCode: count.exitCode,
    countStderr: scrub(count.stderr, c),
    packets: parsed ?? [],
  };
  if (parsed === null) out.rawStdout = decoded.stdout;
  return out;
}

/** JSON with one packet per line: readable diffs, no megabytes of indentation. */
function serialise(e: ExpectationFile): string {
  const { packets, ...head } = e;
  const headText = JSON.stringify(head, null, 2);
  const body = packets.map((p) => '    ' + JSON.stringify(p)).join(',\n');
  return `${headText.slice(0, -2)},\n  "packets": [${packets.length ? '\n' + body + '\n  ' : ''}]\n}\n`;
}

function listJson(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) listJson(full, out);
    else if (name.endsWith('.json') || name.endsWith('.json.gz')) out.push(full);
  }
  return out;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'fixtures-only': { type: 'boolean', default: false },
      only: { type: 'string' },
      check: { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      jobs: { type: 'string' },
    },
  });
  const root = projectRoot();
  const versionLine = tsharkVersionLine();
  const version = tsharkVersion(versionLine);
  if (!version.startsWith('4.0.')) {
    console.warn(`warning: the reference decodes were made with tshark 4.0; this is ${versionLine}`);
  }
  const captures = listCaptureFiles({ shared: !values['fixtures-only'] }).filter(
    (c) => !values.only || c.rel.includes(values.only),
  );
  const expected = new Set(
    captures.flatMap((c) => [`${outputBase(root, c)}.json`, `${outputBase(root, c)}.json.gz`]),
  );

  if (values.check) {
    let stale = 0;
    for (const c of captures) {
      const current = readExisting(outputBase(root, c));
      if (
        !current ||
        current.sha256 !== sha256(c.path) ||
        current.format !== FORMAT ||
        current.tshark !== version
      ) {
        console.log(`stale: ${relative(root, outputBase(root, c))}.json`);
        stale++;
      }
    }
    console.log(stale ? `${stale} stale of ${captures.length}` : `all ${captures.length} up to date`);
    return stale ? 1 : 0;
  }

  const jobs = Math.max(1, Number(values.jobs ?? Math.min(8, availableParallelism())));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < captures.length) {
      const c = captures[next++];
      if (!c) break;
      const e = await decode(c, version);
      const written = writeOutput(outputBase(root, c), serialise(e));
      const note = e.exitCode !== 0 || e.stderr ? `  [exit ${e.exitCode}: ${e.stderr.split('\n')[0]}]` : '';
      console.log(`${relative(root, written)}: ${e.packets.length}/${e.frames} frames${note}`);
    }
  };
  await Promise.all(Array.from({ length: jobs }, () => worker()));

  if (!values.only) {
    const tsharkDir = join(root, 'fixtures', 'tshark');
    writeFileSync(
      join(tsharkDir, 'VERSION'),
      [
        versionLine,
        '',
        `format: ${FORMAT}`,
        `filter: ${DISPLAY_FILTER}`,
        `command: ${decodeCommandLine()}`,
        `frame count: tshark -n -r <capture> -T fields -e frame.number`,
        `environment: WIRESHARK_CONFIG_DIR=<empty folder> LC_ALL=C.UTF-8 TZ=UTC`,
        `fields: ${TSHARK_FIELDS.join(' ')}`,
        '',
      ].join('\n'),
    );
    for (const f of listJson(tsharkDir)) {
      if (expected.has(f)) continue;
      const rel = relative(root, f).split(sep).join('/');
      const sharedMissing = values['fixtures-only'] || !existsSync(sharedCapturesDir());
      if (sharedMissing && rel.startsWith('fixtures/tshark/shared/')) continue;
      if (values.prune) {
        unlinkSync(f);
        console.log(`removed ${rel} (its capture is gone)`);
      } else console.log(`orphan: ${rel} (no capture; --prune removes it)`);
    }
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 2;
  },
);
