import type { CaptureSink, RawTimestamp, SkimInfo } from './types.js';

/**
 * The bytes of the one record that straddles two chunks. Only the leftover tail of a chunk and the rest of
 * that single record are ever copied here; every record wholly inside a chunk is read in place.
 */
export class Carry {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(this.bytes.buffer);
  length = 0;

  /** Copies from `chunk[off..]` until the carry holds `need` bytes or the chunk runs out; returns the new off. */
  fill(chunk: Uint8Array, off: number, need: number): number {
    const take = Math.min(need - this.length, chunk.length - off);
    if (take <= 0) return off;
    this.reserve(this.length + take);
    this.bytes.set(chunk.subarray(off, off + take), this.length);
    this.length += take;
    return off + take;
  }

  clear(): void {
    this.length = 0;
    // A giant record (up to 64 MiB) should not pin its buffer for the rest of the file.
    if (this.bytes.length > 1 << 20) {
      this.bytes = new Uint8Array(0);
      this.view = new DataView(this.bytes.buffer);
    }
  }

  private reserve(size: number): void {
    if (this.bytes.length >= size) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2, 4096));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** A DataView over exactly the bytes of `chunk` (which may be a slice of a larger pooled buffer). */
export function viewOf(chunk: Uint8Array): DataView {
  return new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The same bytes as a plain Uint8Array: frames cut from it as views are far cheaper than Buffer views. */
export function plainBytes(chunk: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(chunk) === Uint8Array.prototype
    ? chunk
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * What the pcap and pcapng push parsers share: chunks arrive in any sizes; the record that straddles two
 * chunks is completed in the Carry, every whole record is parsed in place, and a chunk's tail is carried over.
 */
export abstract class ChunkedParser {
  stopped = false;
  protected readonly carry = new Carry();
  /** Bytes pushed so far: the file offset of the next chunk. */
  private received = 0;
  /** Handed to skim() with each packet, rewritten every time (see CaptureSink.skim). */
  private readonly skimInfo: SkimInfo = {
    origLen: 0,
    ts: { high: 0, low: 0, unitsPerSecond: 1, combined: false, offsetSeconds: 0, digits: 0 },
  };

  /**
   * Offers a packet to the sink's skim with its wire length and its raw timestamp (`clock` and `combined`: how
   * the reader's timestamps count, as in RawTimestamp) in the one reused SkimInfo: true when the sink took it.
   */
  protected skim(
    sink: CaptureSink,
    frame: number,
    linkType: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    origLen: number,
    high: number,
    low: number,
    clock: Pick<RawTimestamp, 'unitsPerSecond' | 'offsetSeconds' | 'digits'>,
    combined: boolean,
  ): boolean {
    const skim = sink.skim;
    if (skim === undefined) return false;
    const info = this.skimInfo;
    const ts = info.ts;
    info.origLen = origLen;
    ts.high = high;
    ts.low = low;
    ts.unitsPerSecond = clock.unitsPerSecond;
    ts.combined = combined;
    ts.offsetSeconds = clock.offsetSeconds;
    ts.digits = clock.digits;
    return skim.call(sink, frame, linkType, bytes, offset, length, info);
  }

  /**
   * Reads what comes before the records (a file header) from the start of `chunk`: the offset after it,
   * 0 when there is nothing (left) to read, or -1 while more bytes are needed for it.
   */
  protected abstract start(chunk: Uint8Array): number;
  /** Completes the carried record with bytes from chunk[off..]; returns the offset after what it took. */
  protected abstract completeCarried(chunk: Uint8Array, off: number): number;
  /** The hot loop: whole records inside `chunk` from `off` (file offset `base` + off); returns where it stopped. */
  protected abstract parseRecords(chunk: Uint8Array, off: number, base: number): number;

  push(input: Uint8Array): boolean {
    if (this.stopped) return false;
    // Frames are views of the chunk: a plain Uint8Array makes them far cheaper than Buffer views.
    const chunk = plainBytes(input);
    const base = this.received;
    this.received += chunk.length;
    let off = this.start(chunk);
    if (this.stopped) return false;
    if (off < 0) return true;
    if (this.carry.length > 0) {
      off = this.completeCarried(chunk, off);
      if (this.stopped) return false;
      if (this.carry.length > 0) return true;
    }
    off = this.parseRecords(chunk, off, base);
    if (this.stopped) return false;
    if (off < chunk.length) this.carry.fill(chunk, off, chunk.length - off);
    return true;
  }
}
