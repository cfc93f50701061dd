/**
 * One capture read over a stream (stdin, a pipe, a live capture's output, a file that is not a regular
 * file): chunks go straight from the stream's 'data' events into the push parser, the first bytes decide the
 * format, and gzip'ed bytes are switched through a gunzip stream on the fly.
 */
import * as zlib from 'node:zlib';
import { captureInfo, createParser, notACaptureMessage, sniff, SNIFF_LENGTH } from './detect.js';
import { CaptureInputError, errorText, gzipMessage, inputError } from './errors.js';
import type { CaptureInfo, CaptureParser, CaptureSink } from './types.js';

/** Read size for files and for gunzip's output. */
export const DEFAULT_CHUNK = 1 << 20;

function destroyStream(stream: NodeJS.ReadableStream | zlib.Gunzip): void {
  const destroyable = stream as { destroy?: () => void };
  if (typeof destroyable.destroy === 'function') destroyable.destroy();
}

/** Drives one capture read over a stream, switching to a gunzip stream when the bytes are gzip. */
export class StreamReader {
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
