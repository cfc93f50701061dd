/**
 * Speed and memory of pxe-doctor against tshark on a large mixed capture.
 *
 *   node dist/scripts/bench.js [--size 300MB] [--file F] [--big 2GB] [--format pcap|pcapng] [--runs N]
 *       [--dense 200MB] [--dense-only]
 *
 * Generates bench-data/mixed-<size>.<format> with scripts/gen-bench-capture.ts when it is missing (or uses
 * --file), then times, with /usr/bin/time -f "%e %M" (elapsed seconds, peak RSS KB):
 *   tshark -r F -Y "dhcp || tftp"              (the baseline)
 *   node bin/pxe-doctor.js decode F
 *   node bin/pxe-doctor.js decode F --json
 *   node bin/pxe-doctor.js analyze F --json
 *   node bin/pxe-doctor.js analyze F          (the text report: the same analysis without 70 MB of JSON)
 * every output to /dev/null, with CPU time (user + system). A command that fails or does not exist yet is reported as skipped. Each tool also
 * runs on a small bundled capture first: its start-up time, shown beside the totals with the speed-up once both
 * start-ups are taken out (the per-byte speed). With --big the same runs on a second, larger file, to show that
 * memory does not grow with the capture. Start-up budgets: `pxe-doctor --version` (0.15 s) and `analyze` of that
 * small capture (0.25 s), median of at least five interleaved rounds (with the best and the CPU time beside it
 * and the load average it was measured at), marked ok or OVER; --startup-only runs only these (with --against,
 * both builds round by round). Results go to bench-data/results.json.
 *
 * PXE-dense rows (scripts/lib/pxe-dense.ts): the same tools on the TFTP-heavy lab boots joined to --dense SIZE
 * (default 200MB; 0 leaves them out), every copy a client of its own, so that nearly every frame is DHCP or TFTP
 * and the packets/s are those of the decoders and the analysis, not of the skimmer. --dense-only runs only them.
 * On that file decode + analysis alone also runs in a process of its own (scripts/analysis-cpu.ts, best of
 * --runs, at least 3): its CPU time per frame as the share of one core it would take at 85,000 packets/s
 * (scripts/lib/line-rate.ts; target under 50 %), beside tshark's whole run on the same file.
 *
 * Files joined out of time order (scripts/lib/out-of-order.ts): six copies of a lab boot (--boot, default the
 * happy BIOS pxelinux boot; --groups N repeats the pattern N times, default 12: 17 MB) shifted by +0/60/600/660/120/180 s with editcap -t and joined with mergecap -a, against
 * the same six in time order: `analyze --json` of each (best of --runs, at least 3) and the analysis alone in
 * this process (best of 5, the two files alternating), with the ratio out-of-order / in-order (target ≤ 1.5×) and peak RSS.
 *
 * --tftp also runs the TFTP server benchmark (scripts/bench-tftp.ts: our server against dnsmasq, as root);
 * --tftp-only runs only that one.
 *
 * --against DIR compares with another build (a checkout of an older commit, built with `npx tsc`): each
 * pxe-doctor row and start-up budget also runs DIR/bin/pxe-doctor.js, marked "(against)". With --runs N the
 * runs are interleaved, round by round (tshark, this build, the other build, …), so a busy machine slows both
 * alike; the best of each is kept and the last table puts the two side by side.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { analyzeSource } from '../src/analysis/analyze-source.js';
import { bestAnalysisCpu, printLineRate, type AnalysisCpu } from './lib/line-rate.js';
import { joinedFiles } from './lib/out-of-order.js';
import { pxeDenseCapture } from './lib/pxe-dense.js';
import { formatSize, parseSize } from './lib/size.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const TIME = '/usr/bin/time';

interface Run {
  tool: string;
  command: string[];
  seconds: number | null;
  peakRssKB: number | null;
  /** User + system CPU seconds (from /usr/bin/time). */
  cpuSeconds?: number | null;
  exitCode: number | null;
  skipped?: string;
}

interface FileResult {
  file: string;
  bytes: number;
  frames: number | null;
  runs: Run[];
}

interface Tool {
  name: string;
  command: (file: string) => string[];
  /** The baseline the others are compared with. */
  baseline?: boolean;
}

/** The rows for the build in `dir`; `mark` ends their names (the build compared with). */
function pxeDoctorTools(dir: string, mark: string): Tool[] {
  const bin = join(dir, 'bin', 'pxe-doctor.js');
  return [
    { name: `pxe-doctor decode${mark}`, command: (f) => ['node', bin, 'decode', f] },
    { name: `pxe-doctor decode --json${mark}`, command: (f) => ['node', bin, 'decode', f, '--json'] },
    { name: `pxe-doctor analyze --json${mark}`, command: (f) => ['node', bin, 'analyze', f, '--json'] },
    { name: `pxe-doctor analyze${mark}`, command: (f) => ['node', bin, 'analyze', f] },
  ];
}

const AGAINST = ' (against)';

const TOOLS: Tool[] = [
  {
    name: 'tshark -Y "dhcp || tftp"',
    command: (f) => ['tshark', '-r', f, '-Y', 'dhcp || tftp'],
    baseline: true,
  },
  ...pxeDoctorTools(root, ''),
];

/** With --against DIR: each of this build's rows followed by the same row of the other build. */
function addAgainst(dir: string): void {
  const other = pxeDoctorTools(dir, AGAINST);
  const ours = TOOLS.splice(1);
  ours.forEach((t, i) => TOOLS.push(t, other[i] as Tool));
}

function sizeLabel(bytes: number): string {
  if (bytes % 1024 ** 3 === 0) return `${bytes / 1024 ** 3}GB`;
  if (bytes % 1024 ** 2 === 0) return `${bytes / 1024 ** 2}MB`;
  return `${bytes}B`;
}

/** The generated capture for this size, made when missing (or made with other settings). */
function ensureCapture(size: number, format: string): string {
  const file = join(root, 'bench-data', `mixed-${sizeLabel(size)}.${format}`);
  const meta = `${file}.meta.json`;
  if (existsSync(file) && existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { targetBytes?: number; bytes?: number };
    if (m.targetBytes === size && m.bytes === statSync(file).size) return file;
  }
  mkdirSync(join(root, 'bench-data'), { recursive: true });
  console.log(`generating ${relative(root, file)} (${formatSize(size)}) …`);
  const gen = join(root, 'dist', 'scripts', 'gen-bench-capture.js');
  const r = spawnSync('node', [gen, '--size', String(size), '--out', file, '--format', format, '--quiet'], {
    stdio: 'inherit',
  });
  if (r.status !== 0) throw new Error(`gen-bench-capture failed (exit ${String(r.status)})`);
  return file;
}

function frameCount(file: string): number | null {
  const meta = `${file}.meta.json`;
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as { frames?: number; bytes?: number };
    if (m.bytes === statSync(file).size && typeof m.frames === 'number') return m.frames;
  }
  const r = spawnSync('capinfos', ['-c', '-M', '-T', '-r', file], { encoding: 'utf8' });
  const n = Number((r.stdout ?? '').trim().split('\t').pop());
  return r.status === 0 && Number.isFinite(n) ? n : null;
}

function timed(tool: Tool, file: string, scratch: string): Run {
  const command = tool.command(file);
  const run: Run = { tool: tool.name, command, seconds: null, peakRssKB: null, exitCode: null };
  const haveTime = existsSync(TIME);
  const timeOut = join(scratch, 'time.txt');
  const errOut = join(scratch, 'stderr.txt');
  const argv = haveTime ? [TIME, '-f', '%e %M %U %S', '-o', timeOut, ...command] : command;
  const started = process.hrtime.bigint();
  const r = spawnSync('/bin/sh', ['-c', '"$@" > /dev/null 2> "$ERR"', 'sh', ...argv], {
    env: { ...process.env, ERR: errOut, NO_COLOR: '1' },
    stdio: 'inherit',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  run.exitCode = r.status;
  if (haveTime && existsSync(timeOut)) {
    const lines = readFileSync(timeOut, 'utf8').trim().split('\n');
    const [secs, rss, user, sys] = (lines[lines.length - 1] ?? '').split(' ');
    run.seconds = Number(secs);
    run.peakRssKB = Number(rss);
    run.cpuSeconds = Number(user) + Number(sys);
  } else run.seconds = wall;
  if (r.status !== 0) {
    const lines = existsSync(errOut)
      ? readFileSync(errOut, 'utf8')
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
      : [];
    const err = lines.find((l) => /(^|\b)\w*Error\b|error:/i.test(l)) ?? lines[lines.length - 1] ?? '';
    run.skipped = `exit ${String(r.status)}${err ? `: ${err}` : ''}`;
  }
  return run;
}

function cliAvailable(): string | null {
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'main.js')))
    return 'CLI not built (dist/src/cli/main.js missing)';
  return null;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/**
 * Each tool's time on a capture of a few hundred packets: its fixed cost (process start, loading code), paid
 * once whatever the file. Shown beside the totals so the per-byte speed can be read apart from it.
 */
const LAB_DIR = join(root, 'fixtures', 'captures', 'lab');
const STARTUP_CAPTURE = join(LAB_DIR, 'happy-bios-pxelinux', 'capture.pcapng');

function printTable(result: FileResult, startup: Map<string, number>): void {
  const base = result.runs.find((r) => r.tool === TOOLS[0]?.name && !r.skipped);
  const baseStartup = startup.get(TOOLS[0]?.name ?? '');
  const mb = result.bytes / 1024 ** 2;
  console.log(
    `\n${relative(root, result.file)}: ${formatSize(result.bytes)}, ${result.frames ?? '?'} frames`,
  );
  const head = [
    'tool',
    'seconds',
    'speed-up',
    'start-up s',
    'speed-up w/o',
    'packets/s',
    'MB/s',
    'peak RSS MB',
    'CPU s',
  ];
  const widths = [40, 9, 10, 10, 12, 11, 8, 12, 7];
  console.log(head.map((h, i) => pad(h, widths[i] ?? 8, i > 0)).join('  '));
  for (const r of result.runs) {
    if (r.skipped && r.seconds === null) {
      console.log(`${pad(r.tool, 40)}  skipped: ${r.skipped}`);
      continue;
    }
    if (r.skipped) {
      console.log(`${pad(r.tool, 40)}  skipped (${r.skipped})`);
      continue;
    }
    const s = r.seconds ?? 0;
    const cells = [
      r.tool,
      s.toFixed(2),
      // How many times faster than the tshark run on the same file (tshark itself: 1.0×).
      base?.seconds && s > 0 ? `${(base.seconds / s).toFixed(1)}×` : '-',
      startup.has(r.tool) ? (startup.get(r.tool) ?? 0).toFixed(2) : '-',
      // The same ratio with each tool's start-up taken out: the per-byte speed of the two.
      withoutStartup(base?.seconds, baseStartup, s, startup.get(r.tool)),
      result.frames && s > 0 ? Math.round(result.frames / s).toLocaleString('en-US') : '-',
      s > 0 ? (mb / s).toFixed(1) : '-',
      r.peakRssKB !== null ? (r.peakRssKB / 1024).toFixed(0) : '-',
      r.cpuSeconds != null && Number.isFinite(r.cpuSeconds) ? r.cpuSeconds.toFixed(2) : '-',
    ];
    console.log(cells.map((c, i) => pad(c, widths[i] ?? 8, i > 0)).join('  '));
  }
}

function withoutStartup(
  baseSeconds: number | null | undefined,
  baseStartup: number | undefined,
  seconds: number,
  startup: number | undefined,
): string {
  if (baseSeconds == null || baseStartup === undefined || startup === undefined) return '-';
  const ours = seconds - startup;
  return ours > 0 ? `${((baseSeconds - baseStartup) / ours).toFixed(1)}×` : '-';
}

/** Best of three runs of every tool on STARTUP_CAPTURE (seconds by tool name); empty when it is missing. */
function measureStartup(scratch: string, cliProblem: string | null): Map<string, number> {
  const out = new Map<string, number>();
  if (!existsSync(STARTUP_CAPTURE)) return out;
  const failed = new Set<string>();
  for (let i = 0; i < 3; i++) {
    for (const tool of TOOLS) {
      if ((!tool.baseline && cliProblem) || failed.has(tool.name)) continue;
      const r = timed(tool, STARTUP_CAPTURE, scratch);
      if (r.skipped || r.seconds === null) {
        failed.add(tool.name);
        out.delete(tool.name);
        continue;
      }
      out.set(tool.name, Math.min(out.get(tool.name) ?? Infinity, r.seconds));
    }
  }
  return out;
}

/**
 * Start-up budgets of the CLI (seconds): `--version` answers without loading the parser, and a small
 * capture's analysis stays quick enough to run per boot in a CI job. The budget is held by the median.
 */
const STARTUP_TARGETS: { name: string; command: string[]; target: number }[] = [
  { name: 'pxe-doctor --version', command: ['--version'], target: 0.15 },
  { name: 'pxe-doctor analyze (small capture)', command: ['analyze', STARTUP_CAPTURE], target: 0.25 },
];

/** Rounds of the start-up budgets at least (--runs raises it). */
const STARTUP_ROUNDS = 5;

interface BudgetRow {
  name: string;
  /** Elapsed seconds, median of the rounds. */
  seconds: number | null;
  /** Elapsed seconds, best round. */
  best: number | null;
  /** User + system CPU seconds, median: what the budget costs on an idle machine. */
  cpu: number | null;
  rounds: number;
  target: number;
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Each budget of this build and (with --against) the other, round by round, every command once per round:
 * the machine's load falls on both builds alike. Median and best of `rounds`.
 */
function measureStartupTargets(scratch: string, against: string | undefined, rounds: number): BudgetRow[] {
  const out = join(scratch, 'budget.txt');
  const builds: [string, string][] = [[root, '']];
  if (against !== undefined) builds.push([against, AGAINST]);
  const jobs = STARTUP_TARGETS.flatMap((t) =>
    builds.map(([dir, mark]) => ({
      t,
      name: `${t.name}${mark}`,
      bin: join(dir, 'bin', 'pxe-doctor.js'),
      wall: [] as number[],
      cpu: [] as number[],
      failed: false,
    })),
  );
  for (let i = 0; i < rounds; i++) {
    for (const job of jobs) {
      if (job.failed) continue;
      const r = spawnSync(
        '/bin/sh',
        [
          '-c',
          '"$@" > /dev/null 2>&1',
          'sh',
          TIME,
          '-f',
          '%e %U %S',
          '-o',
          out,
          'node',
          job.bin,
          ...job.t.command,
        ],
        { env: { ...process.env, NO_COLOR: '1' } },
      );
      if (r.status !== 0 || !existsSync(out)) {
        job.failed = true;
        continue;
      }
      const [e, u, sys] = readFileSync(out, 'utf8').trim().split('\n').pop()?.split(' ').map(Number) ?? [];
      job.wall.push(e);
      job.cpu.push(u + sys);
    }
  }
  return jobs.map((j) => ({
    name: j.name,
    seconds: j.failed ? null : median(j.wall),
    best: j.failed || j.wall.length === 0 ? null : Math.min(...j.wall),
    cpu: j.failed ? null : median(j.cpu),
    rounds: j.wall.length,
    target: j.t.target,
  }));
}

function printStartupTargets(rows: BudgetRow[]): void {
  const rounds = Math.max(...rows.map((r) => r.rounds));
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `\nstart-up budgets (median of ${rounds} interleaved rounds; CPU = user + system; load average ${load}):`,
  );
  console.log(
    `${pad('command', 46)}  ${pad('median', 7, true)}  ${pad('best', 6, true)}  ${pad('CPU s', 6, true)}  ` +
      `${pad('budget', 7, true)}`,
  );
  const fmt = (x: number | null, w: number): string => pad(x === null ? 'failed' : x.toFixed(2), w, true);
  for (const r of rows)
    console.log(
      `${pad(r.name, 46)}  ${fmt(r.seconds, 7)}  ${fmt(r.best, 6)}  ${fmt(r.cpu, 6)}  ` +
        `${pad(r.target.toFixed(2), 7, true)}  ${r.seconds !== null && r.seconds <= r.target ? 'ok' : 'OVER'}`,
    );
}

/** This build and the --against build side by side: seconds (best), and this build's time as a ratio. */
function printAgainst(results: FileResult[], startup: Map<string, number>, budgets: BudgetRow[]): void {
  console.log(`\nthis build against the other (best seconds; ratio < 1: this build is faster):`);
  const row = (what: string, ours: number | null | undefined, theirs: number | null | undefined): void => {
    const ratio = ours != null && theirs != null && theirs > 0 ? (ours / theirs).toFixed(2) : '-';
    const fmt = (x: number | null | undefined): string => (x == null ? '-' : x.toFixed(2));
    console.log(
      `  ${pad(what, 52)}  ${pad(fmt(ours), 7, true)}  ${pad(fmt(theirs), 7, true)}  ${pad(ratio, 5, true)}`,
    );
  };
  console.log(
    `  ${pad('', 52)}  ${pad('this', 7, true)}  ${pad('other', 7, true)}  ${pad('ratio', 5, true)}`,
  );
  for (const tool of TOOLS.filter((t) => !t.baseline && !t.name.endsWith(AGAINST))) {
    row(`start-up: ${tool.name}`, startup.get(tool.name), startup.get(`${tool.name}${AGAINST}`));
    for (const res of results) {
      const find = (name: string): number | null | undefined =>
        res.runs.find((r) => r.tool === name && !r.skipped)?.seconds;
      row(`${basename(res.file)}: ${tool.name}`, find(tool.name), find(`${tool.name}${AGAINST}`));
    }
  }
  for (const b of budgets.filter((x) => !x.name.endsWith(AGAINST)))
    row(b.name, b.seconds, budgets.find((x) => x.name === `${b.name}${AGAINST}`)?.seconds);
  console.log(
    `  load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

function tsharkVersion(): string {
  const r = spawnSync('tshark', ['-v'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? 'unknown';
}

function main(): number {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '300MB' },
      file: { type: 'string' },
      big: { type: 'string' },
      format: { type: 'string', default: 'pcapng' },
      runs: { type: 'string', default: '1' },
      out: { type: 'string', default: join(root, 'bench-data', 'results.json') },
      tftp: { type: 'boolean', default: false },
      against: { type: 'string' },
      'tftp-only': { type: 'boolean', default: false },
      boot: { type: 'string', default: STARTUP_CAPTURE },
      groups: { type: 'string', default: '12' },
      'order-only': { type: 'boolean', default: false },
      dense: { type: 'string', default: '200MB' },
      'dense-only': { type: 'boolean', default: false },
      'startup-only': { type: 'boolean', default: false },
    },
  });
  if (values['tftp-only']) return tftpBench();
  const groups = Math.max(1, Number(values.groups));
  if (values['startup-only']) return startupBench(values.against, Number(values.runs));
  if (values['order-only']) return orderBench(resolve(values.boot), Math.max(3, Number(values.runs)), groups);
  if (values.format !== 'pcap' && values.format !== 'pcapng')
    throw new Error('--format must be pcap or pcapng');
  if (!existsSync(TIME))
    console.warn(`${TIME} not found (apt-get install time): peak RSS will not be measured`);
  const files: string[] = [];
  if (!values['dense-only'])
    files.push(values.file ? resolve(values.file) : ensureCapture(parseSize(values.size), values.format));
  if (values.big && !values['dense-only']) files.push(ensureCapture(parseSize(values.big), values.format));
  const denseSize = parseSize(values.dense);
  let denseFile: string | null = null;
  if (denseSize > 0) {
    process.stderr.write(`PXE-dense capture (${formatSize(denseSize)} of joined lab boots) …\n`);
    const dense = pxeDenseCapture(LAB_DIR, join(root, 'bench-data'), denseSize, sizeLabel(denseSize));
    if (dense === null)
      console.log('PXE-dense rows skipped: editcap/mergecap not found (apt-get install wireshark-common)');
    else {
      files.push(dense.file);
      denseFile = dense.file;
    }
  }
  const against = values.against === undefined ? undefined : resolve(values.against);
  if (against !== undefined) {
    if (!existsSync(join(against, 'dist', 'src', 'cli', 'main.js')))
      throw new Error(`--against ${against}: not a built checkout (run npx tsc there)`);
    addAgainst(against);
  }
  const cliProblem = cliAvailable();
  const runs = Math.max(1, Number(values.runs));
  const scratch = mkdtempSync(join(tmpdir(), 'pxe-doctor-bench-'));
  const results: FileResult[] = [];
  let startup = new Map<string, number>();
  let startupTargets: BudgetRow[] = [];
  try {
    process.stderr.write(`start-up: every tool on ${relative(root, STARTUP_CAPTURE)} …\n`);
    startup = measureStartup(scratch, cliProblem);
    if (!cliProblem) startupTargets = measureStartupTargets(scratch, against, Math.max(STARTUP_ROUNDS, runs));
    for (const file of files) {
      const result: FileResult = { file, bytes: statSync(file).size, frames: frameCount(file), runs: [] };
      const best = new Map<string, Run>();
      for (const tool of TOOLS) {
        if (!tool.baseline && cliProblem)
          best.set(tool.name, {
            tool: tool.name,
            command: tool.command(file),
            seconds: null,
            peakRssKB: null,
            exitCode: null,
            skipped: cliProblem,
          });
      }
      // Round by round, every tool once per round: load on a shared machine falls on all of them alike.
      for (let i = 0; i < runs; i++) {
        for (const tool of TOOLS) {
          if (best.get(tool.name)?.skipped !== undefined) continue;
          process.stderr.write(`${basename(file)}: ${tool.name} (${i + 1}/${runs}) …\n`);
          const r = timed(tool, file, scratch);
          const before = best.get(tool.name);
          if (r.skipped || !before || (r.seconds ?? Infinity) < (before.seconds ?? Infinity))
            best.set(tool.name, r);
        }
      }
      for (const tool of TOOLS) {
        const r = best.get(tool.name);
        if (r) result.runs.push(r);
      }
      results.push(result);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const r of results) printTable(r, startup);
  let lineRate: AnalysisCpu[] = [];
  if (denseFile !== null && cliProblem === null) {
    const builds: { label: string; build?: string }[] = [{ label: 'pxe-doctor decode + analysis' }];
    if (against !== undefined)
      builds.push({ label: `pxe-doctor decode + analysis${AGAINST}`, build: against });
    lineRate = bestAnalysisCpu(root, denseFile, builds, Math.max(3, runs));
    const dense = results.find((r) => r.file === denseFile);
    const tshark = dense?.runs.find((r) => r.tool === TOOLS[0]?.name && !r.skipped);
    printLineRate(
      lineRate,
      tshark?.cpuSeconds != null && dense?.frames != null
        ? { cpuSeconds: tshark.cpuSeconds, frames: dense.frames }
        : null,
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' '),
    );
  }
  if (startupTargets.length > 0) printStartupTargets(startupTargets);
  if (results.length > 1) {
    console.log('\npeak RSS by file size (MB):');
    for (const tool of TOOLS) {
      const cells = results.map((res) => {
        const run = res.runs.find((x) => x.tool === tool.name);
        return run?.peakRssKB && !run.skipped
          ? `${formatSize(res.bytes)}: ${(run.peakRssKB / 1024).toFixed(0)}`
          : `${formatSize(res.bytes)}: -`;
      });
      console.log(`  ${pad(tool.name, 40)}  ${cells.join('   ')}`);
    }
  }
  if (against !== undefined) printAgainst(results, startup, startupTargets);
  const report = {
    date: new Date().toISOString(),
    against,
    loadAverage: loadavg(),
    node: process.version,
    tshark: tsharkVersion(),
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    runsPerTool: runs,
    startupCapture: relative(root, STARTUP_CAPTURE),
    startupSeconds: Object.fromEntries(startup),
    startupBudgets: startupTargets,
    files: results.map((r) => ({ ...r, file: relative(root, r.file) })),
    denseAnalysisCpu: lineRate,
  };
  mkdirSync(resolve(values.out, '..'), { recursive: true });
  writeFileSync(values.out, JSON.stringify(report, null, 2) + '\n');
  console.log(`\nresults: ${relative(root, values.out)}`);
  if (values['dense-only']) return 0;
  const order = orderBench(resolve(values.boot), Math.max(3, runs), groups);
  return values.tftp ? tftpBench() : order;
}

/** The start-up budgets alone (--startup-only), of this build and with --against the other. */
function startupBench(againstDir: string | undefined, runs: number): number {
  const against = againstDir === undefined ? undefined : resolve(againstDir);
  if (against !== undefined && !existsSync(join(against, 'dist', 'src', 'cli', 'main.js')))
    throw new Error(`--against ${against}: not a built checkout (run npx tsc there)`);
  const scratch = mkdtempSync(join(tmpdir(), 'pxe-doctor-bench-'));
  try {
    console.log(`node ${process.version}; load average before: ${loadavg()[0].toFixed(2)}`);
    const rows = measureStartupTargets(scratch, against, Math.max(STARTUP_ROUNDS, runs || 0));
    printStartupTargets(rows);
    return rows.some((r) => r.seconds === null) ? 1 : 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const ORDER_TARGET = 1.5;

/** Best wall time of the analysis alone (read, decode, correlate) in this process, over `n` runs. */
async function analysisSeconds(file: string, n: number): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const started = process.hrtime.bigint();
    await analyzeSource(file);
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return best;
}

/** The out-of-order rows: the same boots joined in time order and out of it, side by side. */
async function orderBenchAsync(boot: string, runs: number, groups: number): Promise<number> {
  const files = joinedFiles(boot, join(root, 'bench-data'), groups);
  if (files === null) {
    console.log('\nout-of-order rows skipped: editcap/mergecap not found (apt-get install wireshark-common)');
    return 0;
  }
  const tool = TOOLS.find((t) => t.name === 'pxe-doctor analyze --json');
  if (tool === undefined) return 0;
  const scratch = mkdtempSync(join(tmpdir(), 'pxe-doctor-bench-'));
  const rows: { label: string; file: string; cli: Run | null; inProcess: number }[] = [];
  try {
    for (const [label, file] of [
      ['time order (+0/60/120/180/600/660 s)', files.inOrder],
      ['mergecap -a +0/60/600/660/120/180 s', files.outOfOrder],
    ] as const) {
      let best: Run | null = null;
      for (let i = 0; i < runs; i++) {
        const r = timed(tool, file, scratch);
        if (r.skipped) {
          best = r;
          break;
        }
        if (!best || (r.seconds ?? Infinity) < (best.seconds ?? Infinity)) best = r;
      }
      rows.push({ label, file, cli: best, inProcess: Infinity });
    }
    // Alternate the two files so warm-up and machine load weigh on both alike.
    for (let i = 0; i < 5; i++)
      for (const r of rows) r.inProcess = Math.min(r.inProcess, await analysisSeconds(r.file, 1));
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const [a, b] = rows;
  console.log(
    `\nsix copies of ${relative(root, boot)}${groups > 1 ? `, the pattern ${groups} times` : ''} ` +
      `(${formatSize(statSync(a?.file ?? boot).size)} joined), analyze --json; load average ${loadavg()[0].toFixed(1)}:`,
  );
  console.log(
    `${pad('order', 40)}  ${pad('CLI s', 7, true)}  ${pad('RSS MB', 7, true)}  ${pad('analysis s', 10, true)}`,
  );
  for (const r of rows) {
    const cli = r.cli?.skipped ? `skipped (${r.cli.skipped})` : (r.cli?.seconds ?? 0).toFixed(2);
    const rss = r.cli?.peakRssKB ? (r.cli.peakRssKB / 1024).toFixed(0) : '-';
    console.log(
      `${pad(r.label, 40)}  ${pad(cli, 7, true)}  ${pad(rss, 7, true)}  ${pad(r.inProcess.toFixed(4), 10, true)}`,
    );
  }
  if (a === undefined || b === undefined || a.inProcess <= 0) return 0;
  const ratio = b.inProcess / a.inProcess;
  const cliRatio = a.cli?.seconds && b.cli?.seconds ? (b.cli.seconds / a.cli.seconds).toFixed(2) : '-';
  console.log(
    `out-of-order / in-order: analysis ${ratio.toFixed(2)}×, CLI ${cliRatio}× (target ≤ ${ORDER_TARGET}×) ` +
      `${ratio <= ORDER_TARGET ? 'ok' : 'OVER'}`,
  );
  return 0;
}

function orderBench(boot: string, runs: number, groups: number): number {
  // The rest of the bench is synchronous; this part awaits the in-process analysis.
  void orderBenchAsync(boot, runs, groups).then(
    (code) => {
      process.exitCode = Math.max(Number(process.exitCode ?? 0), code);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 2;
    },
  );
  return 0;
}

/** The TFTP throughput benchmark, in its own process (it needs root for its network namespace). */
function tftpBench(): number {
  if (process.getuid?.() !== 0) {
    console.warn('TFTP benchmark skipped: it needs root (a network namespace for dnsmasq on port 69)');
    return 0;
  }
  const r = spawnSync(process.execPath, [join(root, 'dist', 'scripts', 'bench-tftp.js')], {
    stdio: 'inherit',
  });
  return r.status ?? 1;
}

try {
  process.exitCode = main();
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exitCode = 2;
}
