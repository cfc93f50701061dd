/** `pxe-doctor sniff --json` inside a test namespace, its NDJSON events collected with their arrival times. */
import { inNamespace } from './netns.js';
import { pxeDoctorArgs, pxeDoctorEnv, start, type Background } from './run.js';

export interface SniffLine {
  at: number;
  e: Record<string, unknown> & { event: string };
}

/** Starts `pxe-doctor sniff IFACE --json ARGS` in namespace `ns`. */
export function startSniffIn(
  ns: string,
  iface: string,
  args: readonly string[],
  timeoutMs: number,
): { lines: SniffLine[]; bg: Background } {
  const lines: SniffLine[] = [];
  let partial = '';
  const [cmd, argv] = pxeDoctorArgs(['sniff', iface, '--json', ...args]);
  const bg = start(...inNamespace(ns, cmd, argv), {
    timeoutMs,
    env: pxeDoctorEnv(),
    onStdout: (chunk) => {
      partial += chunk.toString('utf8');
      const parts = partial.split('\n');
      partial = parts.pop() ?? '';
      for (const p of parts)
        if (p.trim() !== '') lines.push({ at: Date.now(), e: JSON.parse(p) as SniffLine['e'] });
    },
  });
  return { lines, bg };
}
