/**
 * Network namespaces for the end-to-end tests. Everything that sends DHCP or TFTP runs inside namespaces
 * created here and deleted afterwards (also when the test fails, and on SIGINT/SIGTERM/exit of the test
 * process, see cleanup.ts), so nothing ever reaches the host's own interfaces. Names must start with `pxd-e2e-`; addresses
 * configured by the tests must be in 10.99.0.0/16.
 */
import { spawnSync } from 'node:child_process';
import { atExit } from './cleanup.js';
import { which } from './require.js';
import { run, type RunResult } from './run.js';

export const NETNS_PREFIX = 'pxd-e2e-';

const IP = (): string => which('ip') ?? 'ip';

function listNamespaces(): string[] {
  const r = spawnSync(IP(), ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 });
  return (r.stdout ?? '')
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '');
}

/** Stops the processes still inside `name` (all started by the test) by PID, then deletes it. */
function deleteNamespaceSync(name: string): void {
  const pids = spawnSync(IP(), ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 });
  const list = (pids.stdout ?? '')
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 1 && n !== process.pid);
  for (const pid of list) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  spawnSync(IP(), ['netns', 'del', name], { timeout: 10_000 });
}

/** Throws unless every address is in 10.99.0.0/16 (the only range the tests configure). */
export function assertTestAddress(...addresses: string[]): void {
  for (const a of addresses) {
    if (!/^10\.99\.\d{1,3}\.\d{1,3}(\/\d{1,2})?$/.test(a)) throw new Error(`refusing address ${a}`);
  }
}

/** Runs `ip <args>` (10 s limit) and throws with ip's message when it fails. */
export async function ip(args: readonly string[]): Promise<RunResult> {
  const r = await run(IP(), args, { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r;
}

/** The command line that runs `cmd args` inside namespace `ns`: [program, argv]. */
export function inNamespace(ns: string, cmd: string, args: readonly string[]): [string, string[]] {
  return [IP(), ['netns', 'exec', ns, cmd, ...args]];
}

/**
 * Creates the namespaces (loopback up, IPv6 off so only the test's own IPv4 traffic is on the wire), runs
 * `fn`, and deletes them whatever happens. A namespace of the same name left by an earlier run that was
 * killed is deleted first (the `pxd-e2e-` names belong to these tests).
 */
export async function withNamespaces<T>(names: readonly string[], fn: () => Promise<T>): Promise<T> {
  for (const n of names) {
    if (!n.startsWith(NETNS_PREFIX) || !/^[a-z0-9-]+$/.test(n)) throw new Error(`bad namespace name ${n}`);
  }
  const existing = new Set(listNamespaces());
  const created: { name: string; unregister: () => void }[] = [];
  try {
    for (const n of names) {
      if (existing.has(n)) deleteNamespaceSync(n);
      created.push({ name: n, unregister: atExit(() => deleteNamespaceSync(n)) });
      await ip(['netns', 'add', n]);
      await ip([
        'netns',
        'exec',
        n,
        'sysctl',
        '-qw',
        'net.ipv6.conf.all.disable_ipv6=1',
        'net.ipv6.conf.default.disable_ipv6=1',
      ]);
      await ip(['-n', n, 'link', 'set', 'lo', 'up']);
    }
    return await fn();
  } finally {
    for (const c of created.reverse()) {
      c.unregister();
      deleteNamespaceSync(c.name);
    }
  }
}

/** Names of namespaces of these tests that exist right now (for the final leak check). */
export function leftoverNamespaces(): string[] {
  return listNamespaces().filter((n) => n.startsWith(NETNS_PREFIX));
}
