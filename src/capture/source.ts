/**
 * Byte sources: a file path, "-" for stdin, or any readable stream (live capture), optionally gzip'ed.
 * Chunks go straight into the push parser from the stream's 'data' events: nothing is awaited per packet,
 * and only the sniffed first bytes and the one record that straddles two chunks are ever copied.
 */
import { readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import * as zlib from 'node:zlib';
import { captureInfo, createParser, notACaptureMessage, sniff, SNIFF_LENGTH } from './detect.js';
import { CaptureInputError, errorText, gzipMessage, inputError } from './errors.js';
import { DEFAULT_CHUNK, StreamReader } from './stream-reader.js';
import type { CaptureInfo, CaptureSink } from './types.js';

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
