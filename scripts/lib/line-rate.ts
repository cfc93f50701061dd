/**
 * The load decode + analysis puts on a core at a given packet rate: CPU seconds per frame of a capture
 * (scripts/analysis-cpu.ts, a process of its own per run, best of N) × the rate. The target for a 1 GbE
 * segment full of TFTP: 85,000 packets/s with under half of one core. tshark's figure beside it is its whole
 * run's CPU time (it has no "analysis alone") on the same file.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const LINE_RATE = 85000;
/** The share of one core decode + analysis may take at LINE_RATE. */
export const CORE_BUDGET = 0.5;

export interface AnalysisCpu {
  label: string;
  cpuSeconds: number;
  frames: number;
  packets: number;
}

/** One run of the analysis of `file` by the build in `root` (with `build`, that build's code instead). */
export function analysisCpu(root: string, file: string, build?: string): Omit<AnalysisCpu, 'label'> | null {
  const args = [join(root, 'dist', 'scripts', 'analysis-cpu.js'), file];
  if (build !== undefined) args.push('--build', build);
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout.trim()) as Omit<AnalysisCpu, 'label'>;
}

/** Best of `runs` for each build, round by round (every build once per round). */
export function bestAnalysisCpu(
  root: string,
  file: string,
  builds: { label: string; build?: string }[],
  runs: number,
): AnalysisCpu[] {
  const best = new Map<string, AnalysisCpu>();
  for (let i = 0; i < runs; i++) {
    for (const b of builds) {
      process.stderr.write(`decode + analysis alone, ${b.label} (${i + 1}/${runs}) …\n`);
      const r = analysisCpu(root, file, b.build);
      const before = best.get(b.label);
      if (r !== null && (before === undefined || r.cpuSeconds < before.cpuSeconds))
        best.set(b.label, { label: b.label, ...r });
    }
  }
  return [...best.values()];
}

/** Share of one core (1 = a whole core) that `cpuSeconds` over `frames` frames takes at LINE_RATE frames/s. */
export function coreShare(cpuSeconds: number, frames: number): number {
  return (cpuSeconds / frames) * LINE_RATE;
}

/** The rows: µs per frame, frames/s one core keeps up with, and the share of a core at LINE_RATE. */
export function printLineRate(
  rows: AnalysisCpu[],
  tshark: { cpuSeconds: number; frames: number } | null,
  load: string,
): void {
  console.log(
    `\ndecode + analysis at ${LINE_RATE.toLocaleString('en-US')} packets/s (CPU time, best of the runs; ` +
      `load average ${load}; target under ${CORE_BUDGET * 100} % of one core):`,
  );
  const head = ['', 'CPU s', 'µs/frame', 'frames/s per core', `% of a core at ${LINE_RATE / 1000}k/s`];
  const widths = [44, 7, 9, 18, 20];
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 8) : c.padStart(widths[i] ?? 8))).join('  ');
  console.log(line(head));
  const all = [...rows.map((r) => ({ label: r.label, cpu: r.cpuSeconds, frames: r.frames, mark: true }))];
  if (tshark !== null)
    all.push({
      label: 'tshark -Y "dhcp || tftp" (whole run)',
      cpu: tshark.cpuSeconds,
      frames: tshark.frames,
      mark: false,
    });
  for (const r of all) {
    const share = coreShare(r.cpu, r.frames);
    const verdict = r.mark ? (share < CORE_BUDGET ? '  ok' : '  OVER') : '';
    console.log(
      line([
        r.label,
        r.cpu.toFixed(2),
        ((r.cpu / r.frames) * 1e6).toFixed(2),
        Math.round(r.frames / r.cpu).toLocaleString('en-US'),
        `${(share * 100).toFixed(0)} %${verdict}`,
      ]),
    );
  }
}
