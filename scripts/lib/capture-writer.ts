/**
 * Streaming pcap and pcapng writers: frames go through a fixed-size buffer straight to a file descriptor, so a
 * capture of any size is written in constant memory.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Bytes } from './packets.js';

export type CaptureFileFormat = 'pcap' | 'pcapng';

export const LINKTYPE_ETHERNET = 1;

/** A point in time as whole epoch seconds plus nanoseconds. */
export interface WallTime {
  sec: number;
  nsec: number;
}

export interface CaptureWriterOptions {
  format: CaptureFileFormat;
  linkType?: number;
  snapLen?: number;
  /** pcap only: write the nanosecond-resolution magic (0xa1b23c4d) instead of microseconds. */
  nanosecond?: boolean;
  /** pcapng only: interface name and shb_userappl. */
  interfaceName?: string;
  application?: string;
  /** Size of the write buffer (default 4 MiB). */
  bufferSize?: number;
}

export class CaptureWriter {
  readonly format: CaptureFileFormat;
  private readonly fd: number;
  private readonly buf: Buffer;
  private used = 0;
  private closed = false;
  private readonly nanosecond: boolean;
  /** Bytes written so far (headers included). */
  bytesWritten = 0;
  /** Frames written so far. */
  frames = 0;

  constructor(path: string, options: CaptureWriterOptions) {
    this.format = options.format;
    this.nanosecond = options.nanosecond ?? false;
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(options.bufferSize ?? 4 * 1024 * 1024);
    const linkType = options.linkType ?? LINKTYPE_ETHERNET;
    const snapLen = options.snapLen ?? 262144;
    if (this.format === 'pcap') this.append(pcapHeader(linkType, snapLen, this.nanosecond));
    else {
      this.append(pcapngSectionHeader(options.application ?? 'pxe-doctor'));
      this.append(pcapngInterface(linkType, snapLen, options.interfaceName ?? 'eth0'));
    }
  }

  /** Appends one frame; `origLen` defaults to the captured length (pass more to record a snaplen cut). */
  write(time: WallTime, frame: Bytes, origLen = frame.length): void {
    if (this.format === 'pcap') {
      const rec = Buffer.allocUnsafe(16);
      rec.writeUInt32LE(time.sec >>> 0, 0);
      rec.writeUInt32LE(this.nanosecond ? time.nsec : Math.floor(time.nsec / 1000), 4);
      rec.writeUInt32LE(frame.length, 8);
      rec.writeUInt32LE(origLen, 12);
      this.append(rec);
      this.append(frame);
    } else {
      const padded = (frame.length + 3) & ~3;
      const total = 32 + padded;
      const head = Buffer.allocUnsafe(28);
      const ts = BigInt(time.sec) * 1_000_000_000n + BigInt(time.nsec);
      head.writeUInt32LE(6, 0);
      head.writeUInt32LE(total, 4);
      head.writeUInt32LE(0, 8);
      head.writeUInt32LE(Number(ts >> 32n), 12);
      head.writeUInt32LE(Number(ts & 0xffffffffn), 16);
      head.writeUInt32LE(frame.length, 20);
      head.writeUInt32LE(origLen, 24);
      this.append(head);
      this.append(frame);
      const tail = Buffer.alloc(padded - frame.length + 4);
      tail.writeUInt32LE(total, tail.length - 4);
      this.append(tail);
    }
    this.frames++;
  }

  /** Appends raw bytes (for deliberately broken files). */
  writeRaw(bytes: Bytes): void {
    this.append(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  private append(bytes: Bytes): void {
    if (bytes.length > this.buf.length - this.used) this.flush();
    if (bytes.length > this.buf.length) {
      this.writeAll(bytes);
    } else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.bytesWritten += bytes.length;
  }

  private flush(): void {
    if (this.used > 0) this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(bytes: Bytes): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }
}

function pcapHeader(linkType: number, snapLen: number, nanosecond: boolean): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8);
  h.writeUInt32LE(0, 12);
  h.writeUInt32LE(snapLen, 16);
  h.writeUInt32LE(linkType, 20);
  return h;
}

/** pcapng options: code, length, value padded to 4, ending with opt_endofopt. */
function pcapngOptions(options: readonly (readonly [number, Bytes])[]): Buffer {
  const parts: Buffer[] = [];
  for (const [code, value] of options) {
    const h = Buffer.alloc(4);
    h.writeUInt16LE(code, 0);
    h.writeUInt16LE(value.length, 2);
    parts.push(h, Buffer.from(value), Buffer.alloc(((value.length + 3) & ~3) - value.length));
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

function pcapngBlock(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const out = Buffer.alloc(total);
  out.writeUInt32LE(type, 0);
  out.writeUInt32LE(total, 4);
  body.copy(out, 8);
  out.writeUInt32LE(total, total - 4);
  return out;
}

function pcapngSectionHeader(application: string): Buffer {
  const fixed = Buffer.alloc(16);
  fixed.writeUInt32LE(0x1a2b3c4d, 0);
  fixed.writeUInt16LE(1, 4);
  fixed.writeUInt16LE(0, 6);
  fixed.writeInt32LE(-1, 8);
  fixed.writeInt32LE(-1, 12);
  return pcapngBlock(
    0x0a0d0d0a,
    Buffer.concat([fixed, pcapngOptions([[4, Buffer.from(application, 'utf8')]])]),
  );
}

function pcapngInterface(linkType: number, snapLen: number, name: string): Buffer {
  const fixed = Buffer.alloc(8);
  fixed.writeUInt16LE(linkType, 0);
  fixed.writeUInt32LE(snapLen, 4);
  const options = pcapngOptions([
    [2, Buffer.from(name, 'utf8')],
    [9, Uint8Array.of(9)], // if_tsresol: 10^-9 s
  ]);
  return pcapngBlock(1, Buffer.concat([fixed, options]));
}

/** Adds nanoseconds to a wall time. */
export function addNs(base: WallTime, ns: number): WallTime {
  const total = base.nsec + Math.round(ns);
  const carry = Math.floor(total / 1e9);
  return { sec: base.sec + carry, nsec: total - carry * 1e9 };
}
