/**
 * dumpcap or tcpdump as a child process writing a capture to its stdout, read by the streaming capture
 * reader. The child holds the capture privileges; node needs none. It is stopped with SIGINT (SIGTERM if it
 * does not end), never SIGKILL: only a clean close makes dumpcap write its Interface Statistics Block and
 * tcpdump print its drop counts.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { readCapture, type ReadCaptureOptions } from '../source.js';
import type { CaptureInfo, CaptureSink, CaptureStats } from '../types.js';
import { captureHint, LiveCaptureError } from './errors.js';
import type { BackendName, LiveCapture, LiveCaptureOptions } from './types.js';

/** How long a child may take to start capturing, and to end after SIGINT before it gets SIGTERM. */
const START_TIMEOUT_MS = 15_000;
const STOP_GRACE_MS = 5_000;
/** stderr kept for messages: the first bytes (start-up lines, complaints) and the last (the newest statistics). */
const STDERR_LIMIT = 16 * 1024;
const STDERR_TAIL = 4 * 1024;
const READY_SETTLE_MS = 300;

interface ChildBackend {
  name: 'dumpcap' | 'tcpdump';
  args(o: LiveCaptureOptions): string[];
  /** stderr text meaning the capture is running. */
  ready: RegExp;
  /** The backend's statistics from its stderr (tcpdump: the newest ones told), else undefined. */
  stderrStats(text: string): CaptureStats | undefined;
  /**
   * The signal that makes the running backend print its statistics on stderr and go on capturing (tcpdump on
   * Linux: SIGUSR1, tcpdump(8)); absent when it tells them only when it closes (dumpcap: the pcapng Interface
   * Statistics Block; its -S mode counts on a handle of its own, not on the capture's).
   */
  statsSignal?: NodeJS.Signals;
}

const DUMPCAP: ChildBackend = {
  name: 'dumpcap',
  args: (o) => [
    '-i',
    o.iface,
    '-f',
    o.filter,
    '-w',
    '-',
    '-q',
    ...(o.bufferKiB !== undefined ? ['-B', String(Math.max(1, Math.ceil(o.bufferKiB / 1024)))] : []),
    ...(o.count !== undefined ? ['-c', String(o.count)] : []),
  ],
  ready: /Capturing on/,
  // dumpcap writes an Interface Statistics Block into the pcapng itself: the reader has them.
  stderrStats: () => undefined,
};

const TCPDUMP: ChildBackend = {
  name: 'tcpdump',
  args: (o) => [
    '-i',
    o.iface,
    '-n',
    '-U',
    '--immediate-mode',
    '-w',
    '-',
    ...(o.bufferKiB !== undefined ? ['-B', String(Math.max(1, Math.round(o.bufferKiB)))] : []),
    ...(o.count !== undefined ? ['-c', String(o.count)] : []),
    o.filter,
  ],
  ready: /listening on/,
  stderrStats: tcpdumpStats,
  statsSignal: 'SIGUSR1',
};

/**
 * tcpdump's statistics lines, printed when it closes and on each SIGUSR1: "N packets received by filter",
 * "N packets dropped by kernel" (and by interface). The newest of each counts (they only grow).
 */
export function tcpdumpStats(text: string): CaptureStats | undefined {
  const count = (what: RegExp): number | undefined => {
    const last = [...text.matchAll(what)].at(-1);
    return last === undefined ? undefined : Number(last[1]);
  };
  const received = count(/(\d+) packets? received by filter[,\n]/g);
  const kernel = count(/(\d+) packets? dropped by kernel[,\n]/g);
  const byInterface = count(/(\d+) packets? dropped by interface[,\n]/g);
  if (received === undefined && kernel === undefined) return undefined;
  const ifDropped =
    kernel === undefined && byInterface === undefined ? undefined : (kernel ?? 0) + (byInterface ?? 0);
  const stats: CaptureStats = { perInterface: [] };
  if (received !== undefined) stats.received = received;
  if (ifDropped !== undefined) {
    stats.ifDropped = ifDropped;
    stats.dropped = ifDropped;
  }
  return stats;
}

export const CHILD_BACKENDS: Record<'dumpcap' | 'tcpdump', ChildBackend> = {
  dumpcap: DUMPCAP,
  tcpdump: TCPDUMP,
};

type Child = ChildProcessByStdio<null, Readable, Readable>;

class ChildCapture implements LiveCapture {
  readonly label: string;
  readonly backend: BackendName;
  readonly arrivalTimestamps = false;
  onBytes?: (chunk: Uint8Array) => void;
  private stderr = '';
  private stderrTail = '';
  private exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private stopping = false;
  private spawnError: Error | null = null;

  constructor(
    private readonly kind: ChildBackend,
    private readonly child: Child,
    private readonly program: string,
    opts: LiveCaptureOptions,
  ) {
    this.label = `live:${opts.iface}`;
    this.backend = kind.name;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (this.stderr.length < STDERR_LIMIT) this.stderr += text;
      this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (err) => {
        this.spawnError = err;
        resolve({ code: null, signal: null });
      });
    });
  }

  /** Resolves once the child says it captures; rejects with its complaint when it exits first. */
  async started(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    let exit: { code: number | null } | null = null;
    void this.exited.then((e) => {
      exit = e;
    });
    // dumpcap announces "Capturing on" before it has opened the device: a failure follows at once.
    let readySince: number | null = null;
    while (readySince === null || Date.now() - readySince < READY_SETTLE_MS) {
      if (readySince === null && this.kind.ready.test(this.stderr)) readySince = Date.now();
      if (this.spawnError !== null)
        throw new LiveCaptureError(`cannot run ${this.program}: ${this.spawnError.message}`);
      if (exit !== null) throw this.failure();
      if (Date.now() > deadline) {
        this.stop();
        throw new LiveCaptureError(
          `${this.program} did not start capturing within ${START_TIMEOUT_MS / 1000} s`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  private failure(): LiveCaptureError {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !this.kind.ready.test(l));
    const message =
      lines.find((l) => /error|denied|permi|no such|no device|doesn.t|can.t|cannot|invalid/i.test(l)) ??
      lines[0] ??
      'no message';
    const hint = captureHint(this.kind.name, message);
    return new LiveCaptureError(
      `${this.kind.name} cannot capture: ${message}${hint !== '' ? `: ${hint}` : ''}`,
    );
  }

  async read(sink: CaptureSink, opts: ReadCaptureOptions = {}): Promise<CaptureInfo> {
    const onBytes = this.onBytes;
    if (onBytes !== undefined) this.child.stdout.on('data', (chunk: Uint8Array) => onBytes(chunk));
    let info: CaptureInfo;
    try {
      info = await readCapture(this.child.stdout, sink, opts);
    } catch (err) {
      // No capture at all on stdout: the child's own message says why.
      const exit = await this.exited;
      if (exit.code !== 0 || this.spawnError !== null) throw this.failure();
      throw err;
    }
    const exit = await this.exited;
    if (!this.stopping && exit.code !== 0 && exit.code !== null && info.frames === 0) throw this.failure();
    const stats = this.kind.stderrStats(this.stderrTail) ?? info.stats;
    return stats !== undefined ? { ...info, stats } : info;
  }

  pollStats(): void {
    const signal = this.kind.statsSignal;
    if (signal === undefined || this.stopping) return;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill(signal);
  }

  runningStats(): CaptureStats | undefined {
    return this.kind.stderrStats(this.stderrTail);
  }

  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGINT');
    const timer = setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    }, STOP_GRACE_MS);
    timer.unref();
    void this.exited.then(() => clearTimeout(timer));
  }
}

/** Starts `program` (the backend's binary) on the interface; resolves once it captures. */
export async function startChildCapture(
  name: 'dumpcap' | 'tcpdump',
  program: string,
  opts: LiveCaptureOptions,
): Promise<LiveCapture> {
  const kind = CHILD_BACKENDS[name];
  const [cmd, argv] = opts.wrap?.(program, kind.args(opts)) ?? [program, kind.args(opts)];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  const capture = new ChildCapture(kind, child, program, opts);
  await capture.started();
  return capture;
}
