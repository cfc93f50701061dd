/**
 * Output helpers for the CLI. Writes respect back-pressure so piping a large decode into `head` or a
 * slow consumer neither buffers the whole output in memory nor crashes with EPIPE.
 */

let stdoutClosed = false;
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') {
    // The reader went away (`pxe-doctor decode big.pcap | head`): nothing left to do, like a SIGPIPE.
    stdoutClosed = true;
    process.exit(process.exitCode ?? 0);
  }
  throw err;
});

/** Batches small writes; flushes when the batch is large or on demand, awaiting 'drain' when needed. */
export class OutputBuffer {
  private parts: string[] = [];
  private size = 0;

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
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (process.stdout.write(chunk)) return undefined;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        process.stdout.off('drain', done);
        process.stdout.off('close', done);
        resolve();
      };
      process.stdout.on('drain', done);
      process.stdout.on('close', done);
    });
  }
}

export function writeErr(text: string): void {
  process.stderr.write(text);
}

/** Colour is on for a terminal unless NO_COLOR is set; --color / --no-color override. */
export function useColor(flag: boolean | undefined): boolean {
  if (flag !== undefined) return flag;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return process.stdout.isTTY === true;
}

/** yargs hands a lone "-" positional over as ""; both mean stdin. */
export function inputPath(file: string): string {
  return file === '' ? '-' : file;
}
