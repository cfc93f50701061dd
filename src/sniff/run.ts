/**
 * `pxe-doctor sniff IFACE`: a live capture (src/capture/live) → decode → streaming analysis, one event line
 * per boot event as it happens, and when it stops (Ctrl-C, SIGTERM, --duration, --count) the full `analyze`
 * report of what was seen with the capture's packet and drop counts.
 */
import type { Server } from 'node:http';
import { analyzeSource } from '../analysis/analyze-source.js';
import { diagnose } from '../diagnosis/engine.js';
import { filterByClient } from '../analysis/filter.js';
import type { AnalysisResult } from '../analysis/types.js';
import type { FrameSource } from '../capture/frame-source.js';
import { CaptureFile } from '../capture/live/capture-file.js';
import type { BackendName } from '../capture/live/types.js';
import type { CaptureStats } from '../capture/types.js';
import type { Finding } from '../diagnosis/types.js';
import { OutputError, osReason } from '../errors.js';
import type { SniffEvent } from '../report/sniff-events.js';
import { startLiveCapture } from './backends.js';
import { DEFAULT_SESSION_QUIET, LiveAnalysis } from './live.js';
import { serveMetrics, SniffMetrics } from './metrics.js';
import { LiveVerdicts } from './verdicts.js';

export interface SniffOptions {
  iface: string;
  backend?: BackendName;
  filter: string;
  bufferKiB?: number;
  /** Runs the capture program through this wrapper (e.g. `ip netns exec NS`, see LiveCaptureOptions.wrap). */
  wrap?: (program: string, args: string[]) => [string, string[]];
  /** -w: capture file (with a ring, the stem of the ring's files). */
  write?: string;
  ring?: number;
  ringSizeBytes?: number;
  /** Seconds after which sniff stops by itself. */
  duration?: number;
  count?: number;
  /** Only this client's events and report (normalised MAC). */
  client: string | null;
  metrics?: { host: string; port: number };
  /** Seconds of client silence after which its boot is judged. */
  sessionQuiet?: number;
  /** Seconds a judged client stays in the analysis and the stop report after its last packet (DEFAULT_RETAIN). */
  retain?: number;
  /** Receives each event with its capture time (epoch seconds). */
  onEvent(e: SniffEvent, seconds: number): void;
  /** Called once the capture runs (with the metrics address when serving). */
  onStarted?(info: { metrics: string | null }): void;
}

export interface SniffOutcome {
  result: AnalysisResult;
  findings: Finding[];
  packets: number;
  stats: CaptureStats | undefined;
  files: string[];
  reason: string;
  /** -w could not be written to the end (the capture stopped there): the caller's error after the report. */
  writeError: OutputError | null;
}

/** How often the analysis clock is moved on while no packet arrives, and how far behind the wall clock. */
const TICK_MS = 200;
/** Packets may sit this long in the backend's pipe; the clock never overtakes them. */
const CLOCK_LAG_S = 1;
/** How often a backend that can tell its statistics while running (tcpdump) is asked for them. */
const STATS_MS = 2000;

/** The MAC an event concerns (null: not about one client). */
function eventMac(e: SniffEvent): string | null {
  switch (e.event) {
    case 'client':
    case 'offer':
    case 'ack':
    case 'nak':
    case 'verdict':
      return e.mac;
    case 'tftp-start':
    case 'tftp-end':
      return e.mac;
    case 'finding':
      return e.finding.client;
    default:
      return null;
  }
}

export class SniffRun {
  private reason = 'stopped';
  private stopRequested: ((reason: string) => void) | null = null;
  private pendingStop: string | null = null;

  constructor(private readonly opts: SniffOptions) {}

  /** Ends the capture (the backend closes cleanly and the report follows). Safe to call more than once. */
  stop(reason: string): void {
    if (this.stopRequested !== null) this.stopRequested(reason);
    else this.pendingStop ??= reason;
  }

  async run(): Promise<SniffOutcome> {
    const o = this.opts;
    let packets = 0;
    let dropped: number | null = null;
    const metrics = o.metrics !== undefined ? new SniffMetrics(() => ({ packets, dropped })) : null;
    const emit = (e: SniffEvent, seconds: number): void => {
      metrics?.observe(e, seconds);
      const mac = eventMac(e);
      if (o.client !== null && mac !== null && mac !== o.client) return;
      o.onEvent(e, seconds);
    };
    const capture = await startLiveCapture(
      { iface: o.iface, filter: o.filter, bufferKiB: o.bufferKiB, count: o.count, wrap: o.wrap },
      o.backend,
    );
    let server: Server | null = null;
    let file: CaptureFile | null = null;
    let writeError: OutputError | null = null;
    const cannotWrite = (err: unknown): OutputError =>
      new OutputError(`-w ${o.write ?? ''}: cannot write: ${osReason(err)}`);
    let timer: NodeJS.Timeout | null = null;
    let ticker: NodeJS.Timeout | null = null;
    let statsPoll: NodeJS.Timeout | null = null;
    try {
      if (metrics !== null && o.metrics !== undefined)
        server = await serveMetrics(metrics, o.metrics.host, o.metrics.port);
      if (o.write !== undefined) {
        try {
          file = new CaptureFile(o.write, { ring: o.ring, ringSize: o.ringSizeBytes });
        } catch (err) {
          throw cannotWrite(err);
        }
        const out = file;
        // A full disk (or a ring file that cannot be opened) ends the capture; the report for what was seen
        // still follows, and the caller then fails with this error.
        capture.onBytes = (chunk) => {
          if (writeError !== null) return;
          try {
            out.write(chunk);
          } catch (err) {
            writeError = cannotWrite(err);
            this.stop('write error');
          }
        };
      }
      this.stopRequested = (reason) => {
        this.reason = reason;
        capture.stop();
      };
      const now = (): number => Date.now() / 1000;
      emit(
        {
          event: 'capture',
          interface: o.iface,
          backend: capture.backend,
          filter: o.filter,
          files: file !== null ? [...file.files] : [],
          arrivalTimestamps: capture.arrivalTimestamps,
        },
        now(),
      );
      const address = server?.address();
      o.onStarted?.({
        metrics:
          address !== null && typeof address === 'object' ? `${address.address}:${address.port}` : null,
      });
      if (this.pendingStop !== null) this.stop(this.pendingStop);
      if (o.duration !== undefined) timer = setTimeout(() => this.stop('duration'), o.duration * 1000);
      if (o.count !== undefined) this.reason = 'count';

      const label = file !== null && o.ring === undefined ? (o.write ?? capture.label) : capture.label;
      const verdicts = new LiveVerdicts(emit, () =>
        live.view({ file: label, format: 'pcapng', frames: packets }),
      );
      const live = new LiveAnalysis(emit, (e, epoch) => verdicts.session(e, epoch));
      // Drops while running: told (and counted in the metrics) as soon as the backend reports more.
      statsPoll = setInterval(() => {
        const running = capture.runningStats();
        const more = running?.dropped;
        if (more !== undefined && more > (dropped ?? 0))
          emit({ event: 'drops', dropped: more, received: running?.received ?? null }, now());
        if (more !== undefined) dropped = more;
        capture.pollStats();
      }, STATS_MS);
      let lastArrival = Date.now();
      ticker = setInterval(() => {
        if (Date.now() - lastArrival >= TICK_MS / 2) live.tick(now() - CLOCK_LAG_S);
      }, TICK_MS);
      // Counts every frame (for the metrics) and notes that the segment is not quiet.
      const counted: FrameSource = {
        label: capture.label,
        read: (sink, readOpts) =>
          capture.read(
            {
              ...sink,
              skim: (frame, linkType, bytes, offset, length) => {
                packets = frame;
                lastArrival = Date.now();
                return sink.skim?.(frame, linkType, bytes, offset, length) ?? false;
              },
              frame: (f) => {
                packets = f.frame;
                lastArrival = Date.now();
                sink.frame(f);
              },
            },
            readOpts,
          ),
      };
      const outcome = await analyzeSource(counted, {
        ...live.options(o.sessionQuiet ?? DEFAULT_SESSION_QUIET, o.retain),
        label,
      });
      const decode = outcome.decode;
      let result = outcome.result;
      let findings = diagnose(result);
      packets = decode.frames;
      if (statsPoll !== null) clearInterval(statsPoll);
      const stats = decode.capture.stats;
      dropped = stats?.dropped ?? null;
      if (dropped !== null && dropped > 0)
        emit({ event: 'drops', dropped, received: stats?.received ?? null }, now());
      const files = file !== null ? [...file.files] : [];
      if (file !== null) {
        // Closed here, not only in finally: the last bytes of a ring file may still meet a full disk.
        const closing = file;
        file = null;
        try {
          closing.close();
        } catch (err) {
          writeError ??= cannotWrite(err);
        }
      }
      emit(
        { event: 'stopped', reason: this.reason, packets, dropped, received: stats?.received ?? null, files },
        now(),
      );
      if (o.client !== null) ({ result, findings } = filterByClient(result, findings, o.client));
      return { result, findings, packets, stats, files, reason: this.reason, writeError };
    } finally {
      if (timer !== null) clearTimeout(timer);
      if (ticker !== null) clearInterval(ticker);
      if (statsPoll !== null) clearInterval(statsPoll);
      capture.stop();
      file?.close();
      if (server !== null) await new Promise((r) => server?.close(r));
    }
  }
}
