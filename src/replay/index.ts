/**
 * `pxe-doctor replay` as a library: reads a capture into each client's script, plays every client (or one)
 * against a target and returns the diff. Nothing is sent before the capture was checked to hold something
 * to replay; the CLI prints and picks the exit code.
 */
import { InputError } from '../errors.js';
import type { ReplayReport } from '../report/replay-model.js';
import { inferSetup } from './infer.js';
import { playClient } from './play.js';
import { ReferenceTarget, type ReferenceSetup } from './reference-target.js';
import { readClientScripts, type CaptureScripts, type ClientScript } from './script.js';
import type { ReplayTarget } from './target.js';

export { inferSetup, PLACEHOLDER_BOOT_FILE } from './infer.js';
export {
  ReferenceTarget,
  MemoryFiles,
  DiskFiles,
  type ReferenceSetup,
  type TftpFiles,
} from './reference-target.js';
export { readClientScripts, type CaptureScripts, type ClientScript } from './script.js';
export type { ReplayTarget } from './target.js';

export interface ReplayOptions {
  /** Only this client (lower-case MAC). */
  client?: string | null;
  /** Stop after the offers. */
  discoverOnly?: boolean;
  /** The reference's configuration; absent: inferred from the capture (and said in `inference`). */
  setup?: ReferenceSetup;
  /** Interface MTU of the in-process reference (TFTP blksize cap). */
  mtu?: number;
  /**
   * Another target than the in-process reference (a live server); opened once the capture was checked, with
   * the clients that will be played.
   */
  openTarget?: (scripts: CaptureScripts, clients: readonly ClientScript[]) => Promise<ReplayTarget>;
  /** New xids (tests make them predictable); default random. */
  newXid?: () => number;
  label?: string;
}

/** A client with nothing to replay, or null when it can be played. */
function whyNot(c: ClientScript): string | null {
  const answered = c.steps.some((s) =>
    s.kind === 'dhcp' ? s.answers.length > 0 : s.answer.answered !== false,
  );
  if (!answered) return 'never got an offer (no DHCP server answered it in the capture): nothing to compare';
  return null;
}

/**
 * An anonymised capture names files that exist nowhere (rewritten MACs and addresses in pxelinux.cfg names,
 * hashed file names): when not one file the clients read exists on the given root, replaying would only
 * measure that. Stops before anything is sent.
 */
async function checkNamesExist(
  clients: readonly ClientScript[],
  setup: ReferenceSetup,
  label: string,
): Promise<void> {
  const read = new Set<string>();
  for (const c of clients)
    for (const s of c.steps)
      if (s.kind === 'tftp' && s.answer.answered === true && s.answer.error === null) read.add(s.filename);
  if (read.size === 0 || setup.tftp.size === 0) return;
  for (const files of setup.tftp.values())
    for (const name of read) if ('data' in (await files.read(name))) return;
  const names = [...read].slice(0, 3).join(', ');
  throw new InputError(
    `${label}: none of the ${read.size} files the capture's clients read (${names}${read.size > 3 ? ', …' : ''}) exists on the configured TFTP root — an anonymised capture? Nothing sent`,
  );
}

export async function replayCapture(input: string, opts: ReplayOptions = {}): Promise<ReplayReport> {
  const reference = opts.openTarget === undefined;
  const scripts = await readClientScripts(input, {
    keepData: reference && opts.setup === undefined,
    label: opts.label,
  });
  const label = opts.label ?? input;
  if (scripts.clients.length === 0)
    throw new InputError(
      `${label}: no client side to replay: the capture holds no DHCP request or TFTP read from a client (a server-only or filtered capture?)`,
    );
  let clients = scripts.clients;
  if (opts.client != null) {
    clients = clients.filter((c) => c.mac === opts.client);
    if (clients.length === 0)
      throw new InputError(
        `${label}: no client ${opts.client} in the capture (clients: ${scripts.clients.map((c) => c.mac).join(', ')})`,
      );
  }
  const skipped: ReplayReport['skipped'] = [];
  const playable = clients.filter((c) => {
    const why = whyNot(c);
    if (why !== null) skipped.push({ mac: c.mac, reason: why });
    return why === null;
  });
  if (playable.length === 0)
    throw new InputError(
      `${label}: ${skipped.map((s) => `client ${s.mac} ${s.reason}`).join('; ')}; nothing sent`,
    );

  if (opts.setup !== undefined) await checkNamesExist(playable, opts.setup, label);
  let inference: string[] = [];
  let target: ReplayTarget;
  if (opts.openTarget !== undefined) target = await opts.openTarget(scripts, playable);
  else {
    let setup = opts.setup;
    if (setup === undefined) {
      const inferred = inferSetup(scripts);
      setup = inferred.setup;
      inference = inferred.lines;
    }
    target = await ReferenceTarget.open(setup, { mtu: opts.mtu });
  }
  const replays = [];
  try {
    for (const c of playable)
      replays.push(
        await playClient(c, {
          target,
          findings: scripts.findings,
          discoverOnly: opts.discoverOnly,
          newXid: opts.newXid,
        }),
      );
  } finally {
    await target.close();
  }
  return {
    capture: label,
    target: target.description,
    inference,
    clients: replays,
    skipped,
    differences: replays.reduce((n, r) => n + r.differences, 0),
    warnings: scripts.analysis.capture.warnings,
  };
}
