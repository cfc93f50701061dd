/**
 * Building blocks of the `pxe-doctor serve` end-to-end tests: a server namespace joined by veth pairs to
 * client namespaces (10.99.x only), `serve` started inside the server namespace, and commands run inside a
 * client namespace. Everything is deleted by withNamespaces and the Background handles' stop().
 */
import type { TestContext } from 'node:test';
import { capAvailable } from '../../../src/net/pcap.js';
import { projectRoot } from '../../support/fixtures.js';
import { assertTestAddress, inNamespace, ip } from './netns.js';
import { requireNetns, requireRoot, requireTools } from './require.js';
import { pxeDoctorArgs, pxeDoctorEnv, run, start, type Background, type RunResult } from './run.js';

/** Root, namespaces, the tools and the libpcap binding; skips the test (returns false) when one is missing. */
export function requireServeLab(t: TestContext, tools: readonly string[] = []): boolean {
  if (!requireRoot(t) || !requireNetns(t) || !requireTools(t, ['ip', ...tools])) return false;
  if (!capAvailable()) {
    t.skip(
      'needs the cap package (libpcap binding): apt-get install libpcap-dev; npm_config_nodedir=/usr npm install cap',
    );
    return false;
  }
  return true;
}

/** A veth pair: `serverIf` in `serverNs` with `serverCidr`, `clientIf` in `clientNs` with no address. */
export async function link(
  serverNs: string,
  serverIf: string,
  serverCidr: string,
  clientNs: string,
  clientIf: string,
): Promise<void> {
  assertTestAddress(serverCidr);
  await ip([
    'link',
    'add',
    serverIf,
    'netns',
    serverNs,
    'type',
    'veth',
    'peer',
    'name',
    clientIf,
    'netns',
    clientNs,
  ]);
  await ip(['-n', serverNs, 'addr', 'add', serverCidr, 'dev', serverIf]);
  await ip(['-n', serverNs, 'link', 'set', serverIf, 'up']);
  await ip(['-n', clientNs, 'link', 'set', clientIf, 'up']);
}

/** `pxe-doctor serve --json <args>` inside `ns`; resolves once the ready event is out. */
export async function startServe(
  ns: string,
  args: readonly string[],
  timeoutMs = 120_000,
): Promise<Background> {
  const [node, argv] = pxeDoctorArgs(['serve', '--json', ...args]);
  const [cmd, full] = inNamespace(ns, node, argv);
  const bg = start(cmd, full, { timeoutMs, env: pxeDoctorEnv(), cwd: projectRoot() });
  await bg.waitFor(/"event":"ready"/, 20_000, 'stdout');
  return bg;
}

/** Runs a command inside `ns`. */
export function runIn(
  ns: string,
  cmd: string,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<RunResult> {
  const [c, a] = inNamespace(ns, cmd, args);
  return run(c, a, { timeoutMs, cwd: projectRoot() });
}

/** The serve event log so far, parsed. */
export interface LoggedEvent {
  event: string;
  [key: string]: unknown;
}
export function events(bg: Background): LoggedEvent[] {
  return bg
    .stdout()
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LoggedEvent);
}
