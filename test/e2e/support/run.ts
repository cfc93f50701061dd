/**
 * Running real programs from the end-to-end tests: every run has a time limit, output is collected, and a
 * process that outlives its limit is stopped by its PID (TERM, then KILL).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../support/fixtures.js';

export interface RunOptions {
  /** The process is stopped (TERM, then KILL 2 s later) when it runs longer. */
  timeoutMs: number;
  /** Written to stdin, which is then closed (stdin is empty otherwise). */
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface RunResult {
  /** Exit code, or null when a signal ended the process. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** The time limit was reached and the process was stopped. */
  timedOut: boolean;
  /** Wall time in milliseconds. */
  ms: number;
}

/** A started process: its output so far, a way to wait for a line of output, and a way to stop it. */
export interface Background {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout so far (unless stdout is handed to `onStdout` only). */
  stdout(): Buffer;
  stderr(): string;
  /** Resolves when stdout or stderr matches; rejects after `timeoutMs` or when the process ends first. */
  waitFor(pattern: RegExp, timeoutMs: number, stream?: 'stdout' | 'stderr'): Promise<void>;
  /** Resolves with the result once the process has ended (by itself or after `stop`). */
  done: Promise<RunResult>;
  /** Sends `signal` (default TERM), then KILL after `graceMs`; resolves when the process has ended. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<RunResult>;
}

export interface StartOptions extends RunOptions {
  /** Receives every stdout chunk as it arrives; the chunks are then not kept by `stdout()`. */
  onStdout?: (chunk: Buffer) => void;
  /** Leave stdin open for the caller to write to (`child.stdin`); it is closed at once otherwise. */
  stdinOpen?: boolean;
}

function hasEnded(child: ChildProcessWithoutNullStreams): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Starts `cmd args` in the background with a hard time limit. */
export function start(cmd: string, args: readonly string[], options: StartOptions): Background {
  const t0 = Date.now();
  const child = spawn(cmd, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  let err = '';
  let timedOut = false;
  let killTimer: NodeJS.Timeout | null = null;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const l of [...listeners]) l();
  };

  child.stdout.on('data', (b: Buffer) => {
    if (options.onStdout) options.onStdout(b);
    else out.push(b);
    notify();
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString('utf8');
    notify();
  });
  child.stdin.on('error', () => undefined); // a reader that exits early is not an error here
  if (options.input !== undefined) child.stdin.end(options.input);
  else if (!options.stdinOpen) child.stdin.end();

  const kill = (signal: NodeJS.Signals, graceMs: number): void => {
    if (hasEnded(child)) return;
    child.kill(signal);
    if (!killTimer) {
      killTimer = setTimeout(() => {
        if (!hasEnded(child)) child.kill('SIGKILL');
      }, graceMs);
    }
  };
  const limit = setTimeout(() => {
    timedOut = true;
    kill('SIGTERM', 2000);
  }, options.timeoutMs);

  const done = new Promise<RunResult>((resolve, reject) => {
    child.on('error', (e) => {
      clearTimeout(limit);
      reject(new Error(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(limit);
      if (killTimer) clearTimeout(killTimer);
      notify();
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: err, timedOut, ms: Date.now() - t0 });
    });
  });
  // Rejections are handled by whoever awaits `done`; avoid an unhandled rejection when nobody does.
  done.catch(() => undefined);

  return {
    child,
    stdout: () => Buffer.concat(out),
    stderr: () => err,
    done,
    waitFor(pattern, timeoutMs, stream) {
      return new Promise<void>((resolve, reject) => {
        const check = (): void => {
          const text =
            stream === 'stdout'
              ? Buffer.concat(out).toString('utf8')
              : stream === 'stderr'
                ? err
                : `${Buffer.concat(out).toString('utf8')}\n${err}`;
          if (pattern.test(text)) finish(null);
          else if (hasEnded(child))
            finish(new Error(`${cmd} ended before printing ${pattern}; stderr: ${err.trim()}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`${cmd}: no ${pattern} within ${timeoutMs} ms; stderr: ${err.trim()}`)),
          timeoutMs,
        );
        const finish = (e: Error | null): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (e) reject(e);
          else resolve();
        };
        listeners.add(check);
        check();
      });
    },
    stop(signal = 'SIGTERM', graceMs = 3000) {
      kill(signal, graceMs);
      return done;
    },
  };
}

/** Runs `cmd args` to completion (or to its time limit); never rejects for a non-zero exit. */
export function run(cmd: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  return start(cmd, args, options).done;
}

/** The project's CLI (bin/pxe-doctor.js, built output) with colour off. */
export const PXE_DOCTOR = join(projectRoot(), 'bin', 'pxe-doctor.js');

export function pxeDoctorArgs(args: readonly string[]): [string, string[]] {
  return [process.execPath, [PXE_DOCTOR, ...args]];
}

export function pxeDoctorEnv(): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' };
}

/** Runs `pxe-doctor <args>` (60 s limit unless given). */
export function pxeDoctor(args: readonly string[], options: Partial<RunOptions> = {}): Promise<RunResult> {
  const [cmd, argv] = pxeDoctorArgs(args);
  return run(cmd, argv, { timeoutMs: 60_000, env: pxeDoctorEnv(), cwd: projectRoot(), ...options });
}

/** Parses NDJSON output (one object per line). */
export function ndjson<T>(text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

/** A short description of a finished run, for assertion messages. */
export function describeRun(what: string, r: RunResult): string {
  const how = r.timedOut ? `timed out after ${r.ms} ms` : `exit ${r.code ?? r.signal}`;
  return `${what}: ${how}; stderr: ${r.stderr.trim().slice(-2000)}`;
}
