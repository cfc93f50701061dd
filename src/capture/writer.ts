/**
 * Minimal, fast capture writers for tests, benchmarks and the recorder. Each call returns the bytes to
 * append; writeCapture() streams a whole packet sequence to a file or stream with backpressure.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

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

export class PcapWriter implements CaptureWriter {
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
    const len = p.data.length;
    const b = Buffer.allocUnsafe(16 + len);
    const nanos = p.nanos ?? 0;
    const sub = this.nanos ? nanos : Math.floor(nanos / 1000);
    const orig = p.origLen ?? len;
    if (this.little) {
      b.writeUInt32LE(p.seconds, 0);
      b.writeUInt32LE(sub, 4);
      b.writeUInt32LE(len, 8);
      b.writeUInt32LE(orig, 12);
    } else {
      b.writeUInt32BE(p.seconds, 0);
      b.writeUInt32BE(sub, 4);
      b.writeUInt32BE(len, 8);
      b.writeUInt32BE(orig, 12);
    }
    b.set(p.data, 16);
    return b;
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
}

/** Little-endian pcapng: SHB, then an IDB (ns resolution) the first time each link type appears, then EPBs. */
export class PcapngWriter implements CaptureWriter {
  private readonly interfaces = new Map<number, number>();

  constructor(private readonly opts: PcapngWriterOptions = {}) {}

  header(): Buffer {
    const app = this.opts.application === undefined ? undefined : Buffer.from(this.opts.application, 'utf8');
    const optLen = app === undefined ? 0 : 4 + pad4(app.length) + 4;
    const len = 28 + optLen;
    const b = Buffer.alloc(len);
    b.writeUInt32LE(0x0a0d0d0a, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt32LE(0x1a2b3c4d, 8);
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
    const linkType = p.linkType ?? this.opts.linkType ?? 1;
    let id = this.interfaces.get(linkType);
    let idb: Buffer | undefined;
    if (id === undefined) {
      id = this.interfaces.size;
      this.interfaces.set(linkType, id);
      idb = this.interfaceBlock(linkType);
    }
    const capLen = p.data.length;
    const len = 32 + pad4(capLen);
    const offset = idb === undefined ? 0 : idb.length;
    const b = Buffer.allocUnsafe(offset + len);
    if (idb !== undefined) idb.copy(b, 0);
    const [high, low] = nanosSplit(p.seconds, p.nanos ?? 0);
    b.writeUInt32LE(6, offset);
    b.writeUInt32LE(len, offset + 4);
    b.writeUInt32LE(id, offset + 8);
    b.writeUInt32LE(high, offset + 12);
    b.writeUInt32LE(low, offset + 16);
    b.writeUInt32LE(capLen, offset + 20);
    b.writeUInt32LE(p.origLen ?? capLen, offset + 24);
    b.set(p.data, offset + 28);
    b.fill(0, offset + 28 + capLen, offset + len - 4);
    b.writeUInt32LE(len, offset + len - 4);
    return b;
  }

  static file(opts: PcapngWriterOptions, packets: Iterable<WritePacket>): Buffer {
    return buildFile(new PcapngWriter(opts), packets);
  }

  private interfaceBlock(linkType: number): Buffer {
    const len = 20 + 8 + 4; // fixed part, if_tsresol option, opt_endofopt
    const b = Buffer.alloc(len);
    b.writeUInt32LE(1, 0);
    b.writeUInt32LE(len, 4);
    b.writeUInt16LE(linkType, 8);
    b.writeUInt32LE(this.opts.snapLen ?? DEFAULT_SNAPLEN, 12);
    b.writeUInt16LE(9, 16); // if_tsresol
    b.writeUInt16LE(1, 18);
    b.writeUInt8(9, 20); // 10^-9: nanoseconds
    b.writeUInt32LE(len, len - 4);
    return b;
  }
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
