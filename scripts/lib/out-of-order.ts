/**
 * Files joined out of time order, made with public tools only: six copies of one lab boot shifted with
 * `editcap -t` by +0, +60, +600, +660, +120 and +180 s, joined with `mergecap -a` (concatenated, not sorted)
 * in that order, and the same six joined in time order for comparison. The analysis must stay linear and
 * its memory flat whatever the order. With `groups` > 1 the pattern repeats, each group 1000 s after the
 * previous one, so the file is large enough to time (12 groups of a 240 KB lab boot: 17 MB).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** The order of the report: two late pieces come after two much later ones. */
export const OUT_OF_ORDER_OFFSETS: readonly number[] = [0, 60, 600, 660, 120, 180];

export interface JoinedFiles {
  inOrder: string;
  outOfOrder: string;
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr ?? '').trim()}`);
}

/** Builds (or reuses) the two joined files for `boot` under `dir`; null when editcap/mergecap are missing. */
export function joinedFiles(boot: string, dir: string, groups = 1): JoinedFiles | null {
  if (spawnSync('mergecap', ['-v']).status !== 0 || spawnSync('editcap', ['-v']).status !== 0) return null;
  mkdirSync(dir, { recursive: true });
  const name = `${basename(dirname(boot))}-${basename(boot).replace(/\.[^.]*$/, '')}-x6x${groups}`;
  const out: JoinedFiles = {
    inOrder: join(dir, `${name}-in-order.pcapng`),
    outOfOrder: join(dir, `${name}-out-of-order.pcapng`),
  };
  const fresh = (f: string): boolean => existsSync(f) && statSync(f).mtimeMs >= statSync(boot).mtimeMs;
  if (fresh(out.inOrder) && fresh(out.outOfOrder)) return out;
  const pieces = new Map<number, string>();
  const offsets = (order: readonly number[]): number[] =>
    Array.from({ length: groups }, (_, g) => order.map((o) => g * 1000 + o)).flat();
  const files = (order: readonly number[]): string[] => offsets(order).map((o) => pieces.get(o) ?? '');
  try {
    for (const offset of offsets(OUT_OF_ORDER_OFFSETS)) {
      const piece = join(dir, `piece+${offset}.pcapng`);
      run('editcap', ['-F', 'pcapng', '-t', String(offset), boot, piece]);
      pieces.set(offset, piece);
    }
    const sorted = [...OUT_OF_ORDER_OFFSETS].sort((a, b) => a - b);
    run('mergecap', ['-F', 'pcapng', '-a', '-w', out.inOrder, ...files(sorted)]);
    run('mergecap', ['-F', 'pcapng', '-a', '-w', out.outOfOrder, ...files(OUT_OF_ORDER_OFFSETS)]);
  } finally {
    for (const p of pieces.values()) rmSync(p, { force: true });
  }
  return out;
}
