/**
 * TFTP throughput: our server, with each of its engines (TypeScript and the native data pump), against
 * dnsmasq's, a 100 MB file over loopback, blksize 512/1468/8192 × windowsize 1/8/16. The servers run
 * inside a network namespace made for the run (its own loopback), so dnsmasq can take port 69 without
 * touching the host; the namespace and the files are removed at the end.
 *
 *   node dist/scripts/bench-tftp.js [--size MB] [--runs N]     (as root; needs ip, dnsmasq, curl)
 *
 * Clients: curl (lockstep only: it has no windowsize) and the project's codec client (every combination),
 * each in its own process, the same for every server. Each cell is the best of N runs (default 3), the
 * servers taking turns: other load on the machine only ever slows a run down. Each of our servers runs in
 * its own process with one engine, and every completed transfer reports the engine that ran it; a row
 * whose transfers ran on another engine fails. dnsmasq does not implement windowsize (RFC 7440): it
 * answers those requests in lockstep, which the table notes. When the native pump is not built, its
 * column says so.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { tftpGet } from '../src/net/tftp-client.js';
import { loadTftpPump, tftpPumpProblem } from '../src/server/tftp/native.js';
import { createTftpServer, type TftpEngine } from '../src/server/tftp/server.js';

const SELF = fileURLToPath(import.meta.url);
const FILE = 'bench.img';
const BLKSIZES = [512, 1468, 8192];
const WINDOWS = [1, 8, 16];

type ServerKey = 'js' | 'native' | 'dnsmasq';
const PORTS: Record<ServerKey, number> = { js: 1069, native: 1070, dnsmasq: 69 };
const SERVERS: ServerKey[] = ['js', 'native', 'dnsmasq'];

interface Row {
  client: string;
  blksize: number;
  windowsize: number;
  'ours js': number | string;
  'ours native': number | string;
  dnsmasq: number | string;
  'js/dnsmasq': string;
  'native/dnsmasq': string;
  note?: string;
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Outside: make the namespace and the file, run the inside part there, clean up. */
async function driver(): Promise<void> {
  const mb = Number(arg('--size') ?? '100');
  const ns = `pxe-doctor-bench-${process.pid}`;
  const dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-bench-tftp-'));
  // dnsmasq drops to user nobody: the directory and file must be readable by others.
  chmodSync(dir, 0o755);
  const path = join(dir, FILE);
  const fd = openSync(path, 'w', 0o644);
  const chunk = Buffer.alloc(1 << 20);
  let seed = 0x9e3779b9;
  for (let i = 0; i < mb; i++) {
    for (let j = 0; j < chunk.length; j += 4) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      chunk.writeUInt32LE(seed, j);
    }
    writeSync(fd, chunk);
  }
  closeSync(fd);
  chmodSync(path, 0o644);
  try {
    execFileSync('ip', ['netns', 'add', ns]);
    execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    const runs = arg('--runs') ?? '3';
    execFileSync(
      'ip',
      ['netns', 'exec', ns, process.execPath, SELF, '--inside', dir, '--size', String(mb), '--runs', runs],
      { stdio: 'inherit' },
    );
  } finally {
    try {
      execFileSync('ip', ['netns', 'del', ns]);
    } catch {
      // Never created.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function waitForLine(child: ChildProcess, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${ms} ms`)), ms);
    let seen = '';
    const onData = (data: Buffer): void => {
      seen += data.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${seen}`)));
  });
}

/** Where curl writes: memory (tmpfs) when there is one, so no disk is timed. */
const CURL_OUT_DIR = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/**
 * Runs curl writing to a file in memory, and hashes the file once curl is done: while it runs only curl
 * and the server are busy (hashing from a pipe would put a third process on the CPUs, and writing 100 MB to
 * a busy disk would time the disk). Resolves with the seconds and the sha256.
 */
function curlDownload(args: string[]): Promise<{ seconds: number; sha256: string }> {
  const out = join(CURL_OUT_DIR, `pxe-doctor-bench-${process.pid}.out`);
  const start = process.hrtime.bigint();
  return new Promise<number>((resolve, reject) => {
    const child = spawn('curl', [...args, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => child.kill(), 300_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(Number(process.hrtime.bigint() - start) / 1e9);
      else reject(new Error(`curl exit ${code}: ${stderr.trim()}`));
    });
  })
    .then(async (seconds) => ({ seconds, sha256: await sha256File(out) }))
    .finally(() => rmSync(out, { force: true }));
}

/** The codec client in its own process, so the server under test does not share its event loop. */
function codecClient(
  port: number,
  blksize: number,
  windowsize: number,
): Promise<{ seconds: number; sha256: string; windowsize: string }> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [SELF, '--get', String(port), String(blksize), String(windowsize)],
      { timeout: 300_000 },
      (err, stdout, stderr) => {
        if (err !== null) reject(new Error(`${err.message} ${stderr}`));
        else resolve(JSON.parse(stdout) as { seconds: number; sha256: string; windowsize: string });
      },
    ),
  );
}

/** Completed transfers each of our servers reported, by the engine that ran them. */
const ranOn: Record<'js' | 'native', Record<TftpEngine, number>> = {
  js: { js: 0, native: 0 },
  native: { js: 0, native: 0 },
};

/** Counts the `complete ENGINE` lines a server of ours prints. */
function countEngines(key: 'js' | 'native', child: ChildProcess): void {
  let pending = '';
  child.stdout?.on('data', (data: Buffer) => {
    pending += data.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^complete (js|native)$/.exec(line);
      if (m !== null) ranOn[key][m[1] as TftpEngine]++;
    }
  });
}

/** Whether every transfer `key` completed ran on its engine, waiting a moment for the last line. */
async function ranOnItsEngine(key: ServerKey, before: number): Promise<boolean> {
  if (key === 'dnsmasq') return true;
  const other: TftpEngine = key === 'js' ? 'native' : 'js';
  for (let i = 0; i < 50 && ranOn[key][key] === before; i++) await new Promise((r) => setTimeout(r, 10));
  return ranOn[key][other] === 0 && ranOn[key][key] > before;
}

/**
 * Best of `runs` (MB/s) for each server, or why it failed: the fastest run is the one least disturbed by
 * other load. The servers take turns run by run, so a busy spell on the machine hits all alike.
 */
async function bestOf(
  runs: number,
  servers: ServerKey[],
  once: (server: ServerKey, port: number) => Promise<number>,
): Promise<Record<ServerKey, number | string>> {
  const top: Record<ServerKey, number | string> = { js: 0, native: 0, dnsmasq: 0 };
  for (const key of SERVERS) if (!servers.includes(key)) top[key] = 'not built';
  for (let i = 0; i < runs; i++) {
    for (const key of servers) {
      const sofar = top[key];
      if (typeof sofar === 'string') continue;
      try {
        const before = key === 'dnsmasq' ? 0 : ranOn[key][key];
        const mbps = await once(key, PORTS[key]);
        if (!(await ranOnItsEngine(key, before)))
          throw new Error(`a transfer did not run on the ${key} engine`);
        top[key] = Math.max(sofar, mbps);
      } catch (err) {
        top[key] = `failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
      }
    }
  }
  for (const key of SERVERS) {
    const value = top[key];
    if (typeof value === 'number') top[key] = Math.round(value * 10) / 10;
  }
  return top;
}

function ratio(a: number | string, b: number | string): string {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? `${(a / b).toFixed(2)}x` : '-';
}

function row(
  client: string,
  blksize: number,
  windowsize: number,
  best: Record<ServerKey, number | string>,
): Row {
  return {
    client,
    blksize,
    windowsize,
    'ours js': best.js,
    'ours native': best.native,
    dnsmasq: best.dnsmasq,
    'js/dnsmasq': ratio(best.js, best.dnsmasq),
    'native/dnsmasq': ratio(best.native, best.dnsmasq),
  };
}

function startOurs(dir: string, key: 'js' | 'native'): ChildProcess {
  const child = spawn(process.execPath, [SELF, '--serve', dir, String(PORTS[key]), key], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  countEngines(key, child);
  return child;
}

/** Inside the namespace: the servers up, every client run, a table out. */
async function inside(dir: string, mb: number, runs: number): Promise<void> {
  const want = await sha256File(join(dir, FILE));
  const bytes = mb * 1024 * 1024;
  const dnsmasq = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--log-facility=-',
      '--conf-file=/dev/null',
      '--pid-file',
      '--port=0',
      '--enable-tftp',
      `--tftp-root=${dir}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const native = loadTftpPump() !== null;
  if (!native) console.error(`native engine: ${tftpPumpProblem()}; its column is left empty`);
  const servers: ServerKey[] = native ? ['js', 'native', 'dnsmasq'] : ['js', 'dnsmasq'];
  const ours = servers.filter((k): k is 'js' | 'native' => k !== 'dnsmasq').map((k) => startOurs(dir, k));
  const rows: Row[] = [];
  const mbps = (seconds: number): number => bytes / 1e6 / seconds;
  try {
    await Promise.all([
      waitForLine(dnsmasq, /TFTP root/i, 5000),
      ...ours.map((child) => waitForLine(child, /listening/, 5000)),
    ]);
    for (const blksize of BLKSIZES) {
      const best = await bestOf(runs, servers, async (_key, port) => {
        const r = await curlDownload([
          '-sS',
          '--tftp-blksize',
          String(blksize),
          `tftp://127.0.0.1:${port}/${FILE}`,
        ]);
        if (r.sha256 !== want) throw new Error('sha256 mismatch');
        return mbps(r.seconds);
      });
      rows.push(row('curl', blksize, 1, best));
      report(rows[rows.length - 1]);
    }
    const granted = new Map<string, string>();
    for (const blksize of BLKSIZES) {
      for (const windowsize of WINDOWS) {
        const best = await bestOf(runs, servers, async (key, port) => {
          const r = await codecClient(port, blksize, windowsize);
          if (r.sha256 !== want) throw new Error('sha256 mismatch');
          granted.set(key, r.windowsize);
          return mbps(r.seconds);
        });
        const cells = row('codec client', blksize, windowsize, best);
        if (windowsize > 1 && granted.get('dnsmasq') === '')
          cells.note = 'dnsmasq grants no windowsize: lockstep';
        rows.push(cells);
        report(cells);
      }
    }
  } finally {
    dnsmasq.kill();
    for (const child of ours) child.kill();
  }
  console.log(`\n${mb} MiB over loopback in a network namespace, MB/s (10^6 bytes/s), best of ${runs}:`);
  console.log(
    '(ours js: the TypeScript engine; ours native: the C data pump; each row checked per transfer)',
  );
  console.table(rows);
  const windows: Record<string, number | string>[] = [];
  for (const engine of servers.filter((k) => k !== 'dnsmasq')) {
    const column = engine === 'js' ? 'ours js' : 'ours native';
    for (const blksize of BLKSIZES) {
      const at = (w: number): number | string =>
        rows.find((r) => r.client === 'codec client' && r.blksize === blksize && r.windowsize === w)?.[
          column
        ] ?? '';
      windows.push({
        engine,
        blksize,
        'windowsize 1': at(1),
        'windowsize 16': at(16),
        'ws16/ws1': ratio(at(16), at(1)),
      });
    }
  }
  console.log('\nOur server, windowsize 16 against lockstep (codec client), per engine:');
  console.table(windows);
}

function report(r: Row): void {
  console.error(
    `${r.client} blksize ${r.blksize} windowsize ${r.windowsize}: js ${r['ours js']}, native ${r['ours native']}, dnsmasq ${r.dnsmasq}`,
  );
}

async function serve(dir: string, port: number, engine: TftpEngine): Promise<void> {
  const server = await createTftpServer({ root: dir, address: '127.0.0.1', port, maxBlksize: 65464, engine });
  server.on('error', (e) => console.error(`transfer ${e.id}: ${e.end} ${e.message}`));
  // One line per transfer: the bench checks that each ran on the engine asked for.
  server.on('complete', (e) => console.log(`complete ${e.engine}`));
  console.log(`listening on ${server.address().port}, engine ${server.engine}`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

async function get(port: number, blksize: number, windowsize: number): Promise<void> {
  const r = await tftpGet({
    host: '127.0.0.1',
    port,
    filename: FILE,
    blksize,
    windowsize,
    keep: false,
    retries: 10,
  });
  console.log(JSON.stringify({ seconds: r.seconds, sha256: r.sha256, windowsize: r.oack?.windowsize ?? '' }));
}

const insideDir = arg('--inside');
const serveDir = arg('--serve');
const getPort = arg('--get');
if (serveDir !== undefined) {
  const i = process.argv.indexOf('--serve');
  await serve(serveDir, Number(process.argv[i + 2]), process.argv[i + 3] === 'native' ? 'native' : 'js');
} else if (getPort !== undefined) {
  const i = process.argv.indexOf('--get');
  await get(Number(getPort), Number(process.argv[i + 2]), Number(process.argv[i + 3]));
} else if (insideDir !== undefined) {
  await inside(insideDir, Number(arg('--size') ?? '100'), Math.max(1, Number(arg('--runs') ?? '3')));
} else {
  await driver();
}
