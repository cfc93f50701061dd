/**
 * Minimal, fast capture writers for tests, benchmarks and the recorder. Each call returns the bytes to
 * append; writeCapture() streams a whole packet sequence to a file or stream with backpressure, and
 * SyncCaptureFile writes one packet at a time for generators that run as one synchronous loop.
 */
import { closeSync, createWriteStream, openSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { BLOCK_EPB, BLOCK_IDB, BLOCK_SHB, BYTE_ORDER_MAGIC } from './pcapng-format.js';

export interface WritePacket {
  data: Uint8Array;
  /** Whole seconds since the epoch. */
  seconds: number;
  /** Nanoseconds within the second (0..999999999); a µs pcap keeps the whole microseconds. */
  nanos?: number;
  /** Length on the wire; defaults to data.length (only smaller data means "cut by snaplen"). */
  origLen?: number;
  /** pcapng: the packet's link type (one interface per link type); ignored by PcapWriter. */
  linkType?: number;
}

export interface PcapWriterOptions {
  linkType: number;
  /** 'us' writes magic a1b2c3d4, 'ns' writes a1b23c4d. Default 'us'. */
  precision?: 'us' | 'ns';
  snapLen?: number;
  /** Default little-endian, like every capture tool on x86/ARM. */
  bigEndian?: boolean;
}

const DEFAULT_SNAPLEN = 262144;

export interface CaptureWriter {
  header(): Buffer;
  packet(packet: WritePacket): Buffer;
}

/** A writer that can also lay a packet's record straight into a caller's buffer, with no allocation. */
export interface RecordWriter extends CaptureWriter {
  /** Bytes that packet() or packetInto() produces for this packet next. */
  packetLength(packet: WritePacket): number;
  /** Writes what packet() would return at `at` in `out` (which must have room); returns its length. */
  packetInto(packet: WritePacket, out: Buffer, at: number): number;
}

export class PcapWriter implements RecordWriter {
  private readonly little: boolean;
  private readonly nanos: boolean;

  constructor(private readonly opts: PcapWriterOptions) {
    this.little = opts.bigEndian !== true;
    this.nanos = opts.precision === 'ns';
  }

  header(): Buffer {
    const b = Buffer.alloc(24);
    const u32 = (v: number, at: number): number =>
      this.little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at);
    const u16 = (v: number, at: number): number =>
      this.little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at);
    u32(this.nanos ? 0xa1b23c4d : 0xa1b2c3d4, 0);
    u16(2, 4);
    u16(4, 6);
    u32(this.opts.snapLen ?? DEFAULT_SNAPLEN, 16);
    u32(this.opts.linkType, 20);
    return b;
  }

  packet(p: WritePacket): Buffer {
    return recordBuffer(this, p);
  }

  packetLength(p: WritePacket): number {
    return 16 + p.data.length;
  }

  packetInto(p: WritePacket, b: Buffer, at: number): number {
    const len = p.data.length;
    const nanos = p.nanos ?? 0;
    const sub = this.nanos ? nanos : Math.floor(nanos / 1000);
    const orig = p.origLen ?? len;
    if (this.little) {
      b.writeUInt32LE(p.seconds, at);
      b.writeUInt32LE(sub, at + 4);
      b.writeUInt32LE(len, at + 8);
      b.writeUInt32LE(orig, at + 12);
    } else {
      b.writeUInt32BE(p.seconds, at);
      b.writeUInt32BE(sub, at + 4);
      b.writeUInt32BE(len, at + 8);
      b.writeUInt32BE(orig, at + 12);
    }
    b.set(p.data, at + 16);
    return 16 + len;
  }

  /** A whole file in memory. */
  static file(opts: PcapWriterOptions, packets: Iterable<WritePacket>): Buffer {
    return buildFile(new PcapWriter(opts), packets);
  }
}

export interface PcapngWriterOptions {
  snapLen?: number;
  /** Link type for packets that do not name one. Default 1 (Ethernet). */
  linkType?: number;
  /** Written as shb_userappl. */
  application?: string;
  /** Written as if_name in every interface block. */
  interfaceName?: string;
}

/** Interface Statistics Block counters (pcapng isb_ifrecv, isb_ifdrop, isb_osdrop). */
export interface IsbCounters {
  received?: number;
  ifDropped?: number;
  osDropped?: number;
  /** isb_endtime: when the capture stopped, as whole seconds and nanoseconds (written in the IDB's ns units). */
  end?: { seconds: number; nanos: number };
}

/** Little-endian pcapng: SHB, then an IDB (ns resolution) the first time each link type appears, then EPBs. */
export class PcapngWriter implements RecordWriter {
  private readonly interfaces = new Map<number, number>();

  constructor(private readonly opts: PcapngWriterOptions = {}) {}

  header(): Buffer {
    const app = this.opts.application === undefined ? undefined : Buffer.from(this.opts.application, 'utf8');
    const optLen = app === undefined ? 0 : 4 + pad4(app.length) + 4;
    const len = 28 + optLen;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(BLOCK_SHB, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(BYTE_ORDER_MAGIC, 8);
    b.writeUInt16LE(1, 12);
    b.writeUInt16LE(0, 14);
    b.writeBigInt64LE(-1n, 16); // section length unknown: we stream
    if (app !== undefined) {
      b.writeUInt16LE(4, 24); // shb_userappl
      b.writeUInt16LE(app.length, 26);
      app.copy(b, 28);
    }
    b.writeUInt32LE(len, len - 4);
    return b;
  }

  packet(p: WritePacket): Buffer {
    return recordBuffer(this, p);
  }

  /** The Enhanced Packet Block, after the packet's Interface Description Block when its link type is new. */
  packetLength(p: WritePacket): number {
    const linkType = this.linkTypeOf(p);
    const idb = this.interfaces.has(linkType) ? 0 : this.interfaceBlock(linkType).length;
    return idb + 32 + pad4(p.data.length);
  }

  packetInto(p: WritePacket, b: Buffer, at: number): number {
    const linkType = this.linkTypeOf(p);
    let id = this.interfaces.get(linkType);
    let offset = at;
    if (id === undefined) {
      id = this.interfaces.size;
      this.interfaces.set(linkType, id);
      offset += this.interfaceBlock(linkType).copy(b, offset);
    }
    const capLen = p.data.length;
    const len = 32 + pad4(capLen);
    const [high, low] = nanosSplit(p.seconds, p.nanos ?? 0);
    b.writeUInt32LE(BLOCK_EPB, offset);
    b.writeUInt32LE(len, offset + 4);
    b.writeUInt32LE(id, offset + 8);
    b.writeUInt32LE(high, offset + 12);
    b.writeUInt32LE(low, offset + 16);
    b.writeUInt32LE(capLen, offset + 20);
    b.writeUInt32LE(p.origLen ?? capLen, offset + 24);
    b.set(p.data, offset + 28);
    b.fill(0, offset + 28 + capLen, offset + len - 4);
    b.writeUInt32LE(len, offset + len - 4);
    return offset + len - at;
  }

  static file(opts: PcapngWriterOptions, packets: Iterable<WritePacket>): Buffer {
    return buildFile(new PcapngWriter(opts), packets);
  }

  /**
   * An Interface Statistics Block for interface `id` (the order link types first appeared in), stamped at
   * `seconds`: isb_ifrecv / isb_ifdrop / isb_osdrop, each written only when given. Counters are cumulative.
   */
  statistics(id: number, seconds: number, counters: IsbCounters): Buffer {
    const fields: [code: number, value: number | [high: number, low: number]][] = [];
    // A timestamp option is two 32-bit words, high first, as in the block's own timestamp.
    if (counters.end !== undefined) fields.push([3, nanosSplit(counters.end.seconds, counters.end.nanos)]);
    if (counters.received !== undefined) fields.push([4, counters.received]);
    if (counters.ifDropped !== undefined) fields.push([5, counters.ifDropped]);
    if (counters.osDropped !== undefined) fields.push([7, counters.osDropped]);
    const len = 20 + fields.length * 12 + 4 + 4;
    const b = Buffer.alloc(len);
    const [high, low] = nanosSplit(seconds, 0);
    b.writeUInt32LE(5, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(id, 8);
    b.writeUInt32LE(high, 12);
    b.writeUInt32LE(low, 16);
    fields.forEach(([code, value], i) => {
      b.writeUInt16LE(code, 20 + i * 12);
      b.writeUInt16LE(8, 22 + i * 12);
      if (typeof value === 'number') b.writeBigUInt64LE(BigInt(value), 24 + i * 12);
      else {
        b.writeUInt32LE(value[0], 24 + i * 12);
        b.writeUInt32LE(value[1], 28 + i * 12);
      }
    });
    b.writeUInt32LE(len, len - 4); // opt_endofopt is the zeroed word before it
    return b;
  }

  private linkTypeOf(p: WritePacket): number {
    return p.linkType ?? this.opts.linkType ?? 1;
  }

  private interfaceBlock(linkType: number): Buffer {
    const name =
      this.opts.interfaceName === undefined ? undefined : Buffer.from(this.opts.interfaceName, 'utf8');
    const nameLen = name === undefined ? 0 : 4 + pad4(name.length);
    const len = 20 + nameLen + 8 + 4; // fixed part, if_name, if_tsresol option, opt_endofopt
    const b = Buffer.alloc(len);
    b.writeUInt32LE(BLOCK_IDB, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt16LE(linkType, 8);
    b.writeUInt32LE(this.opts.snapLen ?? DEFAULT_SNAPLEN, 12);
    if (name !== undefined) {
      b.writeUInt16LE(2, 16); // if_name
      b.writeUInt16LE(name.length, 18);
      name.copy(b, 20);
    }
    b.writeUInt16LE(9, 16 + nameLen); // if_tsresol
    b.writeUInt16LE(1, 18 + nameLen);
    b.writeUInt8(9, 20 + nameLen); // 10^-9: nanoseconds
    b.writeUInt32LE(len, len - 4);
    return b;
  }
}

/** A packet's record in a buffer of its own. */
function recordBuffer(writer: RecordWriter, p: WritePacket): Buffer {
  const b = Buffer.allocUnsafe(writer.packetLength(p));
  writer.packetInto(p, b, 0);
  return b;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

/**
 * seconds·1e9 + nanos as two 32-bit words without BigInt: the product reaches 2^62, past a double's 53
 * exact bits, so it is built from 16-bit halves of the seconds whose partial products stay exact.
 */
export function nanosSplit(seconds: number, nanos: number): [number, number] {
  const hiPart = Math.floor(seconds / 65536) * 1e9; // < 2^46
  const loPart = (seconds % 65536) * 1e9 + nanos; // < 2^47
  const hiLow = (hiPart % 65536) * 65536 + loPart; // < 2^49
  const high = Math.floor(hiPart / 65536) + Math.floor(hiLow / 4294967296);
  return [high, hiLow % 4294967296];
}

function buildFile(writer: CaptureWriter, packets: Iterable<WritePacket>): Buffer {
  const parts: Buffer[] = [writer.header()];
  for (const p of packets) parts.push(writer.packet(p));
  return Buffer.concat(parts);
}

/**
 * Writes a header and every packet to `out` (a path or a writable stream), waiting on backpressure, and
 * resolves with the bytes written. A path's file is closed at the end; a given stream is left open.
 */
export async function writeCapture(
  out: string | NodeJS.WritableStream,
  writer: CaptureWriter,
  packets: Iterable<WritePacket> | AsyncIterable<WritePacket>,
): Promise<number> {
  const stream = typeof out === 'string' ? createWriteStream(out) : out;
  let bytes = 0;
  const put = async (b: Buffer): Promise<void> => {
    bytes += b.length;
    if (!stream.write(b)) await once(stream, 'drain');
  };
  await put(writer.header());
  for await (const p of packets) await put(writer.packet(p));
  if (typeof out === 'string') {
    stream.end();
    await once(stream, 'close');
  }
  return bytes;
}

/**
 * A capture written to a file through a fixed-size buffer with synchronous writes: constant memory for a file
 * of any size, and no event-loop turn per packet for a generator that produces millions of them in one loop.
 */
export class SyncCaptureFile {
  /** Bytes written so far (headers included). */
  bytesWritten = 0;
  /** Packets written so far. */
  frames = 0;
  private readonly fd: number;
  private readonly buf: Buffer;
  private used = 0;
  private closed = false;

  constructor(
    path: string,
    private readonly writer: RecordWriter,
    bufferSize = 4 * 1024 * 1024,
  ) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferSize);
    this.append(writer.header());
  }

  /** Lays the record straight into the buffer: a generator's frames are copied once, never allocated. */
  write(packet: WritePacket): void {
    const len = this.writer.packetLength(packet);
    if (len > this.buf.length - this.used) this.flush();
    if (len > this.buf.length) this.writeAll(this.writer.packet(packet));
    else this.used += this.writer.packetInto(packet, this.buf, this.used);
    this.bytesWritten += len;
    this.frames++;
  }

  /** Appends bytes as they are: a record cut short, for a deliberately damaged file. */
  writeRaw(bytes: Uint8Array): void {
    this.append(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    closeSync(this.fd);
    this.closed = true;
  }

  private append(bytes: Uint8Array): void {
    if (bytes.length > this.buf.length - this.used) this.flush();
    if (bytes.length > this.buf.length) this.writeAll(bytes);
    else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.bytesWritten += bytes.length;
  }

  private flush(): void {
    if (this.used > 0) this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let off = 0;
    while (off < bytes.length) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }
}
