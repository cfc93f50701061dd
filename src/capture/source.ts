/**
 * Byte sources: a file path, "-" for stdin, or any readable stream (live capture), optionally gzip'ed.
 * Chunks go straight into the push parser from the stream's 'data' events: nothing is awaited per packet,
 * and only the sniffed first bytes and the one record that straddles two chunks are ever copied.
 */
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { createParser, notACaptureMessage, sniff, SNIFF_LENGTH } from './detect.js';
import { CaptureInputError } from './errors.js';
import type { CaptureInfo, CaptureParser, CaptureSink } from './types.js';

export interface ReadCaptureOptions {
  /**
   * Stops reading: the promise then resolves with what was read so far (this is how a live capture is
   * ended). If the capture's header had not arrived yet, it rejects with the abort reason instead.
   */
  signal?: AbortSignal;
  /** Read size for files; large reads keep the per-chunk overhead negligible. Default 1 MiB. */
  chunkSize?: number;
  /**
   * Called after each chunk's frames were delivered. When it returns a promise (the consumer's output is
   * full), reading pauses until it settles: a slow pipe downstream never makes memory grow.
   */
  afterChunk?: () => Promise<void> | undefined;
  /**
   * The consumer keeps no reference to a frame's bytes after its frame() call returns (it copies what it
   * keeps): a regular file is then read into one reused buffer, which spares the page faults of a fresh
   * buffer per chunk. Off by default, because a frame's `data` is a view into that buffer.
   */
  reuseBuffers?: boolean;
  /** Name of a stream input in error messages (default "<stream>"). */
  label?: string;
}

const DEFAULT_CHUNK = 1 << 20;
const STDIN = '-';

/**
 * Reads a whole capture, handing frames to `sink` as they are parsed (synchronously, in file order).
 * Rejects with CaptureInputError when the input cannot be opened or is not a capture at all; problems
 * inside a capture go to sink.warning and the promise resolves with what was read.
 */
export async function readCapture(
  input: string | NodeJS.ReadableStream,
  sink: CaptureSink,
  opts: ReadCaptureOptions = {},
): Promise<CaptureInfo> {
  const signal = opts.signal;
  if (signal?.aborted) throw signal.reason;
  if (input === STDIN)
    return new StreamReader(process.stdin, true, STDIN, sink, signal, opts.afterChunk).run();
  if (typeof input === 'string') {
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    const { handle, regular } = await openFile(input);
    if (regular) {
      const info = await readRegularFile(handle, input, sink, chunkSize, opts);
      if (info !== null) return info;
    }
    const stream = handle.createReadStream({ highWaterMark: chunkSize, start: 0 });
    return new StreamReader(stream, true, input, sink, signal, opts.afterChunk).run();
  }
  return new StreamReader(input, false, opts.label ?? '<stream>', sink, signal, opts.afterChunk).run();
}

/** Same as readCapture for bytes already in memory (tests, fuzzing); gzip'ed bytes are inflated first. */
export function readCaptureBuffer(buf: Uint8Array, sink: CaptureSink): CaptureInfo {
  const label = '<buffer>';
  if (buf.length === 0) throw new CaptureInputError(label, 'empty file');
  let data = buf;
  let compressed = false;
  let gzipProblem: string | undefined;
  if (sniff(buf) === 'gzip') {
    compressed = true;
    try {
      data = zlib.gunzipSync(buf);
    } catch (err) {
      gzipProblem = errorText(err);
      try {
        // Keep what inflates before the damage, as the streaming path does.
        data = zlib.gunzipSync(buf, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      } catch {
        throw new CaptureInputError(label, `not a valid gzip file: ${gzipProblem}`, { cause: err });
      }
    }
    if (data.length === 0) throw new CaptureInputError(label, 'empty file (after gzip decompression)');
  }
  const kind = sniff(data);
  if (kind !== 'pcap' && kind !== 'pcapng') {
    throw new CaptureInputError(label, notACaptureMessage(data.subarray(0, 16), compressed));
  }
  const parser = createParser(kind, sink);
  parser.push(data);
  if (gzipProblem !== undefined && !parser.stopped) {
    sink.warning({ offset: data.length, message: gzipMessage(gzipProblem), fatal: true });
  }
  parser.end();
  if (parser.headerError !== undefined) throw new CaptureInputError(label, parser.headerError);
  return captureInfo(parser, compressed);
}

function captureInfo(parser: CaptureParser, compressed: boolean): CaptureInfo {
  const last = parser.lastPacket();
  const stats = parser.stats?.();
  return {
    format: parser.format,
    compressed,
    interfaces: [...parser.interfaces],
    bytesRead: parser.bytesParsed,
    frames: parser.frames,
    nonPacketRecords: parser.nonPacketRecords,
    ...(last !== null ? { last } : {}),
    ...(stats !== undefined ? { stats } : {}),
  };
}

function gzipMessage(problem: string): string {
  return `gzip data is corrupt or cut short (${problem}); reading stopped there`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

function inputError(path: string, verb: string, err: unknown): CaptureInputError {
  const code = errnoCode(err);
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? errorText(err);
  return new CaptureInputError(path, `cannot ${verb} ${path}: ${reason}`, { cause: err, code });
}

async function openFile(path: string): Promise<{ handle: FileHandle; regular: boolean }> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw inputError(path, 'open', err);
  }
  let regular: boolean;
  try {
    const stat = await handle.stat();
    regular = stat.isFile();
    if (stat.isDirectory()) {
      throw new CaptureInputError(path, `cannot read ${path}: it is a directory`, { code: 'EISDIR' });
    }
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err instanceof CaptureInputError ? err : inputError(path, 'read', err);
  }
  return { handle, regular };
}

/** Frames between two turns of the event loop on the fast path (lets an abort or a signal through). */
const YIELD_EVERY_CHUNKS = 16;

/**
 * The fast path for a regular, uncompressed file: synchronous reads in a loop. From the page cache a read
 * takes well under a millisecond, while a thread-pool read per chunk (a file stream) leaves the parser idle
 * between chunks about as long as it spends parsing. Returns null, having read nothing that matters, when
 * the file is gzip'ed or not a capture: the stream path then reads it and says what is wrong.
 */
async function readRegularFile(
  handle: FileHandle,
  label: string,
  sink: CaptureSink,
  chunkSize: number,
  opts: ReadCaptureOptions,
): Promise<CaptureInfo | null> {
  const fd = handle.fd;
  const reuse = opts.reuseBuffers === true;
  let buf = Buffer.allocUnsafeSlow(chunkSize);
  let n: number;
  try {
    n = readSync(fd, buf, 0, chunkSize, 0);
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw inputError(label, 'read', err);
  }
  const kind = sniff(buf.subarray(0, n));
  if (n < SNIFF_LENGTH || (kind !== 'pcap' && kind !== 'pcapng')) return null;
  const parser = createParser(kind, sink);
  const aborted = (): boolean => opts.signal?.aborted === true;
  let position = 0;
  let chunks = 0;
  try {
    for (;;) {
      position += n;
      if (!parser.push(n === buf.length ? buf : buf.subarray(0, n)) || aborted()) break;
      const wait = opts.afterChunk?.();
      if (wait !== undefined) await wait;
      else if (++chunks % YIELD_EVERY_CHUNKS === 0) await new Promise<void>((r) => setImmediate(r));
      if (aborted()) break;
      if (!reuse) buf = Buffer.allocUnsafeSlow(chunkSize);
      try {
        n = readSync(fd, buf, 0, chunkSize, position);
      } catch (err) {
        throw inputError(label, 'read', err);
      }
      if (n === 0) {
        // The end of the file: a record cut short there is reported by end().
        parser.end();
        break;
      }
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  if (parser.headerError !== undefined) throw new CaptureInputError(label, parser.headerError);
  return captureInfo(parser, false);
}

function destroyStream(stream: NodeJS.ReadableStream | zlib.Gunzip): void {
  const destroyable = stream as { destroy?: () => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}

/** Drives one capture read over a stream, switching to a gunzip stream when the bytes are gzip. */
class StreamReader {
  private parser: CaptureParser | undefined;
  private head: Uint8Array[] = [];
  private headLength = 0;
  private compressed = false;
  private gunzip: zlib.Gunzip | undefined;
  /** Bytes that came out of gunzip: where a gzip problem sits in the decompressed capture. */
  private inflated = 0;
  private settled = false;
  private resolve: (info: CaptureInfo) => void = () => undefined;
  private reject: (err: unknown) => void = () => undefined;

  constructor(
    private readonly raw: NodeJS.ReadableStream,
    private readonly owned: boolean,
    private readonly label: string,
    private readonly sink: CaptureSink,
    private readonly signal: AbortSignal | undefined,
    private readonly afterChunk: (() => Promise<void> | undefined) | undefined = undefined,
  ) {}

  run(): Promise<CaptureInfo> {
    return new Promise<CaptureInfo>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
      this.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.raw.on('error', this.onRawError);
      this.raw.on('end', this.onEnd);
      this.raw.on('data', this.onData);
      this.raw.resume();
    });
  }

  private readonly onData = (chunk: unknown): void => {
    if (this.settled) return;
    if (!(chunk instanceof Uint8Array)) {
      this.fail(new CaptureInputError(this.label, 'the input stream yields text, not bytes'));
      return;
    }
    if (this.gunzip !== undefined) this.inflated += chunk.length;
    const parser = this.parser;
    if (parser !== undefined) {
      // A throwing sink must reject our promise, not escape as an uncaught exception from the stream.
      try {
        if (!parser.push(chunk)) this.finish();
        else this.throttle();
      } catch (err) {
        this.fail(err);
      }
      return;
    }
    // Stdin may arrive a byte at a time: gather just enough to recognise the format.
    this.head.push(chunk);
    this.headLength += chunk.length;
    if (this.headLength >= SNIFF_LENGTH) this.guarded(() => this.decide(false));
  };

  /** Pauses the byte source while the consumer catches up (see ReadCaptureOptions.afterChunk). */
  private throttle(): void {
    const wait = this.afterChunk?.();
    if (wait === undefined) return;
    const source = (this.gunzip ?? this.raw) as NodeJS.ReadableStream;
    source.pause();
    void wait.then(
      () => {
        if (!this.settled) source.resume();
      },
      (err: unknown) => this.fail(err),
    );
  }

  private readonly onEnd = (): void => {
    if (this.settled) return;
    const parser = this.parser;
    this.guarded(() => {
      if (parser === undefined) this.decide(true);
      else {
        parser.end();
        this.finish();
      }
    });
  };

  private readonly onRawError = (err: unknown): void => {
    if (this.settled) return;
    this.fail(inputError(this.label, 'read', err));
  };

  private readonly onGzipError = (err: unknown): void => {
    if (this.settled) return;
    const parser = this.parser;
    if (parser === undefined) {
      this.fail(
        new CaptureInputError(this.label, `not a valid gzip file: ${errorText(err)}`, { cause: err }),
      );
      return;
    }
    this.guarded(() => {
      if (!parser.stopped) {
        this.sink.warning({ offset: this.inflated, message: gzipMessage(errorText(err)), fatal: true });
      }
      parser.end();
      this.finish();
    });
  };

  private readonly onAbort = (): void => {
    if (this.settled) return;
    if (this.parser === undefined) this.fail(this.signal?.reason);
    else this.finish();
  };

  private guarded(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.fail(err);
    }
  }

  private decide(atEnd: boolean): void {
    const head = this.head.length === 1 ? (this.head[0] as Uint8Array) : Buffer.concat(this.head);
    this.head = [];
    this.headLength = 0;
    if (head.length === 0) {
      const what = this.compressed ? 'empty file (after gzip decompression)' : 'empty file';
      this.fail(new CaptureInputError(this.label, `${what}: ${this.label}`));
      return;
    }
    const kind = sniff(head);
    if (kind === 'gzip' && !this.compressed) {
      this.startGunzip(head, atEnd);
      return;
    }
    if (kind !== 'pcap' && kind !== 'pcapng') {
      this.fail(new CaptureInputError(this.label, notACaptureMessage(head, this.compressed)));
      return;
    }
    const parser = createParser(kind, this.sink);
    this.parser = parser;
    if (!parser.push(head)) this.finish();
    else if (atEnd) {
      parser.end();
      this.finish();
    }
  }

  private startGunzip(head: Uint8Array, rawEnded: boolean): void {
    this.compressed = true;
    const gunzip = zlib.createGunzip({ chunkSize: DEFAULT_CHUNK });
    this.gunzip = gunzip;
    this.raw.removeListener('data', this.onData);
    this.raw.removeListener('end', this.onEnd);
    gunzip.on('data', this.onData);
    gunzip.on('end', this.onEnd);
    gunzip.on('error', this.onGzipError);
    gunzip.write(head);
    if (rawEnded) gunzip.end();
    else this.raw.pipe(gunzip);
  }

  private finish(): void {
    const parser = this.parser;
    if (this.settled || parser === undefined) return;
    if (parser.headerError !== undefined) {
      this.fail(new CaptureInputError(this.label, parser.headerError));
      return;
    }
    this.cleanup();
    this.resolve(captureInfo(parser, this.compressed));
  }

  private fail(err: unknown): void {
    if (this.settled) return;
    this.cleanup();
    this.reject(err);
  }

  private cleanup(): void {
    this.settled = true;
    this.signal?.removeEventListener('abort', this.onAbort);
    const raw = this.raw;
    raw.removeListener('data', this.onData);
    raw.removeListener('end', this.onEnd);
    raw.removeListener('error', this.onRawError);
    // A stream we leave behind may still fail later; that must not crash the process.
    raw.on('error', () => undefined);
    const gunzip = this.gunzip;
    if (gunzip !== undefined) {
      raw.unpipe(gunzip);
      gunzip.removeListener('data', this.onData);
      gunzip.removeListener('end', this.onEnd);
      gunzip.on('error', () => undefined);
      destroyStream(gunzip);
    }
    if (this.owned) destroyStream(raw);
    else raw.pause();
  }
}
