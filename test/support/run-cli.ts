/**
 * The CLI as a user runs it: bin/pxe-doctor.js spawned with this Node, colour off unless the caller's env
 * says otherwise. Shared by the CLI tests.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from './fixtures.js';

export const CLI_BIN = join(projectRoot(), 'bin', 'pxe-doctor.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  input?: Buffer;
  /** Added to (or, with undefined values, removed from) the environment. */
  env?: Record<string, string | undefined>;
  /** Node flags before the script (e.g. --import a fault injector). */
  nodeArgs?: string[];
  /** Run as this user (root only). */
  uid?: number;
  gid?: number;
  /** A bash command line instead of plain arguments: `$PXE` is the CLI. */
  shell?: string;
}

export function runCli(args: string[], opts: CliOptions = {}): CliRun {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const spawnOpts: SpawnSyncOptions = {
    cwd: projectRoot(),
    input: opts.input,
    env,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  };
  if (opts.uid !== undefined) spawnOpts.uid = opts.uid;
  if (opts.gid !== undefined) spawnOpts.gid = opts.gid;
  const r =
    opts.shell !== undefined
      ? spawnSync('bash', ['-c', opts.shell], {
          ...spawnOpts,
          env: { ...env, PXE: `${process.execPath} ${CLI_BIN}` },
        })
      : spawnSync(process.execPath, [...(opts.nodeArgs ?? []), CLI_BIN, ...args], spawnOpts);
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}
