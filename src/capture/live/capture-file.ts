/**
 * `-w FILE`: the capture's bytes exactly as the backend produced them, so `analyze FILE` reads what the live
 * analysis read (dumpcap's closing statistics included). With a ring (`--ring N --ring-size MB`) the bytes
 * are cut at record boundaries into FILE-00001.ext, FILE-00002.ext…, each starting with the capture's header
 * (pcap file header, or pcapng section header and interface descriptions), and only the newest N are kept.
 * Written synchronously: a chunk is on disk before the next is read, and memory never grows with a slow disk.
 */
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { extname } from 'node:path';
import { BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC } from '../pcapng-format.js';

export interface CaptureFileOptions {
  /** Files kept (ring); absent: one file, no rotation. */
  ring?: number;
  /** Bytes after which the ring starts its next file. */
  ringSize?: number;
}

const PCAP_HEADER = 24;
const PCAP_RECORD_HEADER = 16;

/** Record boundaries in a capture byte stream: pcap records or pcapng blocks. */
class RecordSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private format: 'pcap' | 'pcapng' | null = null;
  private little = true;
  private seenHeader = false;

  /** Feeds bytes; calls `record` for each whole record (and `header` true for the ones a new file repeats). */
  push(chunk: Uint8Array, record: (bytes: Buffer, header: boolean) => void): void {
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    let off = 0;
    const buf = this.pending;
    for (;;) {
      const len = this.nextLength(buf, off);
      if (len <= 0 || off + len > buf.length) break;
      record(buf.subarray(off, off + len), this.isHeader(buf, off));
      off += len;
    }
    this.pending = off === 0 ? buf : Buffer.from(buf.subarray(off));
  }

  /** Whatever is left (a record cut short by the end of the capture). */
  rest(): Buffer {
    return this.pending;
  }

  private nextLength(buf: Buffer, off: number): number {
    if (this.format === null) {
      if (buf.length - off < 4) return 0;
      const magic = buf.readUInt32LE(off);
      this.format = magic === BLOCK_SHB ? 'pcapng' : 'pcap';
      if (this.format === 'pcap') this.little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
    }
    if (this.format === 'pcap') {
      if (!this.seenHeader) return buf.length - off >= PCAP_HEADER ? PCAP_HEADER : 0;
      if (buf.length - off < PCAP_RECORD_HEADER) return 0;
      const capLen = this.little ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
      return PCAP_RECORD_HEADER + capLen;
    }
    if (buf.length - off < 12) return 0;
    if (buf.readUInt32LE(off) === BLOCK_SHB) this.little = buf.readUInt32LE(off + 8) === BYTE_ORDER_MAGIC;
    return this.little ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
  }

  private isHeader(buf: Buffer, off: number): boolean {
    if (this.format === 'pcap') {
      const first = !this.seenHeader;
      this.seenHeader = true;
      return first;
    }
    const type = this.little ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
    return type === BLOCK_SHB || type === BLOCK_IDB;
  }
}

export class CaptureFile {
  private fd: number;
  private size = 0;
  private index = 1;
  private readonly written: string[] = [];
  private readonly splitter: RecordSplitter | null;
  /** Header records, repeated at the start of every ring file. */
  private header: Buffer[] = [];

  constructor(
    private readonly path: string,
    private readonly opts: CaptureFileOptions = {},
  ) {
    this.splitter = opts.ring !== undefined ? new RecordSplitter() : null;
    this.fd = this.open(this.currentPath());
  }

  /** Every file written, oldest first (with a ring, only those still kept). */
  get files(): readonly string[] {
    return this.written;
  }

  write(chunk: Uint8Array): void {
    const splitter = this.splitter;
    if (splitter === null) {
      this.put(chunk);
      return;
    }
    splitter.push(chunk, (bytes, header) => {
      if (header) this.header.push(Buffer.from(bytes));
      else if (this.size >= (this.opts.ringSize ?? Infinity)) this.rotate();
      this.put(bytes);
    });
  }

  close(): void {
    const rest = this.splitter?.rest();
    if (rest !== undefined && rest.length > 0) this.put(rest);
    closeSync(this.fd);
  }

  private currentPath(): string {
    if (this.opts.ring === undefined) return this.path;
    const ext = extname(this.path);
    const stem = ext === '' ? this.path : this.path.slice(0, -ext.length);
    return `${stem}-${String(this.index).padStart(5, '0')}${ext}`;
  }

  private open(path: string): number {
    const fd = openSync(path, 'w');
    this.written.push(path);
    return fd;
  }

  private put(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.size += bytes.length;
  }

  private rotate(): void {
    closeSync(this.fd);
    this.index++;
    this.size = 0;
    this.fd = this.open(this.currentPath());
    for (const h of this.header) this.put(h);
    const keep = this.opts.ring ?? Infinity;
    while (this.written.length > keep) {
      const old = this.written.shift();
      if (old !== undefined) unlinkSync(old);
    }
  }
}
