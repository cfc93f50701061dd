/**
 * Output helpers for the CLI. Writes respect back-pressure so piping a large decode into `head` or a
 * slow consumer neither buffers the whole output in memory nor crashes with EPIPE.
 */

import { OutputError, osReason } from '../errors.js';

let stdoutClosed = false;
let stdoutFailure: unknown = null;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // The reader went away (`pxe-doctor decode big.pcap | head`): like a SIGPIPE, stop writing, say nothing.
  stdoutClosed = true;
  // Anything else (a full disk, an I/O error) is reported once the command stops: exit 6, never 1.
  if (err.code !== 'EPIPE') stdoutFailure ??= err;
});

/** Thrown to stop a command early once standard output is closed or broken; main() turns it into the code. */
export class StdoutGone extends Error {}

/** True once standard output cannot take more (reader gone or write error): stop producing. */
export function stdoutGone(): boolean {
  return stdoutClosed;
}

/** The error to report for standard output, if writing to it failed for another reason than EPIPE. */
export function stdoutError(): OutputError | null {
  return stdoutFailure === null
    ? null
    : new OutputError(`cannot write to standard output: ${osReason(stdoutFailure)}`);
}

/** One write to standard output; nothing once it is gone. */
export function writeOut(text: string): void {
  if (!stdoutClosed) process.stdout.write(text);
}

/** Batches small writes; flushes when the batch is large or on demand, awaiting 'drain' when needed. */
export class OutputBuffer {
  private parts: string[] = [];
  private size = 0;
  /** The one pending wait for 'drain': flushes during it chain on it instead of adding listeners each. */
  private waiting: Promise<void> | null = null;

  constructor(private readonly limit = 1 << 16) {}

  /** Returns a promise only when the caller must wait (stream full); otherwise undefined. */
  write(text: string): Promise<void> | undefined {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.limit) return this.flush();
    return undefined;
  }

  flush(): Promise<void> | undefined {
    if (this.parts.length === 0 || stdoutClosed) {
      this.parts = [];
      this.size = 0;
      return undefined;
    }
    if (this.waiting !== null) return this.waiting.then(() => this.flush());
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (process.stdout.write(chunk)) return undefined;
    this.waiting = new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        process.stdout.off('error', done);
        this.waiting = null;
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('close', done);
      process.stdout.on('error', done);
    });
    return this.waiting;
  }
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/**
 * The width text output is laid out for: the terminal's columns, else COLUMNS, else 80 on a terminal that
 * does not say; null (no limit) when output goes to a file or a program and COLUMNS is not set, so that
 * `grep` and `cut` see one line per packet, finding and row.
 */
export function outputWidth(): number | null {
  const columns = process.stdout.isTTY === true ? process.stdout.columns : undefined;
  if (columns !== undefined && columns > 0) return columns;
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return process.stdout.isTTY === true ? 80 : null;
}

/** Colour is on for a terminal unless NO_COLOR is set or TERM=dumb; --color / --no-color override. */
export function useColor(flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  // A terminal that says it cannot show escape codes (emacs shells, some CI logs).
  if (process.env.TERM === 'dumb') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true;
}

/** yargs hands a lone "-" positional over as ""; both mean stdin. */
export function inputPath(file: string): string {
  return file === '' ? '-' : file;
}
