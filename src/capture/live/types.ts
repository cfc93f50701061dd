/** What every live capture backend offers: a frame source that can be stopped. */
import type { ReadCaptureOptions } from '../source.js';
import type { CaptureInfo, CaptureSink, CaptureStats } from '../types.js';

export type BackendName = 'dumpcap' | 'tcpdump' | 'cap';

export interface LiveCaptureOptions {
  iface: string;
  /** BPF capture filter (DEFAULT_CAPTURE_FILTER unless the user gave one). */
  filter: string;
  /** Kernel capture buffer in KiB (dumpcap rounds up to whole MiB); the backend's default when absent. */
  bufferKiB?: number;
  /**
   * Runs a capture program through a wrapper, e.g. `ip netns exec NS` to capture inside a network namespace
   * (`fixture record`): given the program and its arguments, the command to spawn. Child backends only.
   */
  wrap?: (program: string, args: string[]) => [string, string[]];
  /** Stops after this many packets (passed to the backend, so it closes cleanly and writes its statistics). */
  count?: number;
}

/**
 * A capture running on an interface. read() delivers frames until stop() (or the backend's own end) and
 * resolves with the capture's statistics; it may be called once.
 */
export interface LiveCapture {
  readonly label: string;
  readonly backend: BackendName;
  /**
   * true when packets are stamped on arrival in this process (the `cap` backend: libpcap's timestamps do not
   * reach JavaScript), false for kernel timestamps.
   */
  readonly arrivalTimestamps: boolean;
  /** Each chunk of capture-file bytes as the backend produced it (for -w); set before read(). */
  onBytes?: (chunk: Uint8Array) => void;
  read(sink: CaptureSink, opts?: ReadCaptureOptions): Promise<CaptureInfo>;
  /**
   * Asks the backend for its statistics while it runs (tcpdump: SIGUSR1, answered on its stderr). A no-op for
   * backends that tell them only when they close (dumpcap's Interface Statistics Block) or never (cap).
   */
  pollStats(): void;
  /** The latest statistics the running backend told (undefined: none yet, or it cannot tell while running). */
  runningStats(): CaptureStats | undefined;
  /** Asks the backend to finish: a child gets SIGINT (then SIGTERM), never SIGKILL, so it writes its statistics. */
  stop(): void;
}
