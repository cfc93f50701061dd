/**
 * Push parser for pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): any number
 * of sections, each with its own byte order and interfaces; EPB, SPB and the obsolete PB carry packets.
 */
import { ChunkedParser, viewOf } from './carry.js';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_ISB,
  BLOCK_PB,
  BLOCK_SHB,
  BLOCK_SPB,
  blockName,
  BYTE_ORDER_MAGIC,
  isPacketBlock,
  MAX_BLOCK_LEN,
  MIN_BLOCK_LEN,
  NUMBERED_NON_PACKET,
} from './pcapng-format.js';
import { readInterfaceBlock, timestampOf, type Interface } from './pcapng-interface.js';
import { CaptureStatsCollector } from './pcapng-stats.js';
import type {
  CaptureFormat,
  CaptureInterface,
  CaptureParser,
  CaptureSink,
  CaptureStats,
  RawTimestamp,
} from './types.js';

const MAX_NONFATAL_WARNINGS = 20;

export class PcapngParser extends ChunkedParser implements CaptureParser {
  readonly format: CaptureFormat = 'pcapng';
  headerError: string | undefined;
  bytesParsed = 0;
  frames = 0;
  nonPacketRecords = 0;
  readonly interfaces: CaptureInterface[] = [];

  private readonly sink: CaptureSink;
  /** Last frame number given out: packets plus NUMBERED_NON_PACKET blocks, like tshark's frame.number. */
  private frameNumber = 0;
  private section = -1;
  private little = true;
  private sectionInterfaces: Interface[] = [];
  private warnings = 0;
  /** The last packet, as plain numbers: recorded for every packet, turned into an object once at the end. */
  private lastFrame = 0;
  private lastHigh = 0;
  private lastLow = 0;
  private lastInterface: Interface | null = null;
  private lastMissing = false;
  private readonly statistics = new CaptureStatsCollector();

  constructor(sink: CaptureSink) {
    super();
    this.sink = sink;
  }

  lastPacket(): { frame: number; ts: RawTimestamp } | null {
    const iface = this.lastInterface;
    if (iface === null) return null;
    return { frame: this.lastFrame, ts: timestampOf(iface, this.lastHigh, this.lastLow, this.lastMissing) };
  }

  /** Interface statistics and drop counts the capture carried, if any. */
  stats(): CaptureStats | undefined {
    return this.statistics.result(this.lastPacket()?.ts ?? null);
  }

  /** Records the packet just counted, for lastPacket(). */
  private remember(frame: number, iface: Interface, high: number, low: number, missing: boolean): void {
    this.lastFrame = frame;
    this.lastHigh = high;
    this.lastLow = low;
    this.lastInterface = iface;
    this.lastMissing = missing;
  }

  /** No file header: every section starts with its own block. */
  protected start(): number {
    return 0;
  }

  end(): void {
    if (this.stopped) return;
    const got = this.carry.length;
    if (got === 0) return;
    const view = this.carry.view;
    const type = got >= 4 ? view.getUint32(0, this.little) : -1;
    // An SHB's length can only be read once its byte-order magic (bytes 8..11) is there.
    const knowsLength = got >= 12 || (got >= 8 && type !== BLOCK_SHB);
    const total = knowsLength ? view.getUint32(4, this.little) : 0;
    let what: string;
    if (type < 0) what = 'a block header';
    else if (isPacketBlock(type)) what = `packet ${this.frameNumber + 1} (${blockName(type)})`;
    else what = `a ${blockName(type)}`;
    const of = knowsLength ? `${got} of ${total} bytes` : `${got} bytes`;
    this.fatal(this.bytesParsed, `capture ends in the middle of ${what}: got ${of}`);
  }

  protected completeCarried(chunk: Uint8Array, off: number): number {
    const carry = this.carry;
    if (carry.length < MIN_BLOCK_LEN) {
      off = carry.fill(chunk, off, MIN_BLOCK_LEN);
      if (carry.length < MIN_BLOCK_LEN) return off;
    }
    const len = this.blockLength(carry.view, 0, this.bytesParsed);
    if (len < 0) return off;
    off = carry.fill(chunk, off, len);
    if (carry.length < len) return off;
    this.processBlock(carry.bytes, carry.view, 0, len, this.bytesParsed);
    if (this.stopped) return off;
    this.bytesParsed += len;
    carry.clear();
    return off;
  }

  /** The hot loop: whole blocks inside `chunk` are read in place. */
  protected parseRecords(chunk: Uint8Array, off: number, base: number): number {
    const dv = viewOf(chunk);
    const n = chunk.length;
    while (off + MIN_BLOCK_LEN <= n) {
      const len = this.blockLength(dv, off, base + off);
      if (len < 0 || off + len > n) break;
      this.processBlock(chunk, dv, off, len, base + off);
      if (this.stopped) break;
      off += len;
    }
    if (!this.stopped) this.bytesParsed = base + off;
    return off;
  }

  /**
   * Reads and checks a block's leading length (at least 12 bytes available at `at`); for an SHB it first
   * takes the section's byte order from the magic. Returns -1 after a fatal warning.
   */
  private blockLength(dv: DataView, at: number, offset: number): number {
    const type = dv.getUint32(at, this.little);
    if (type === BLOCK_SHB) {
      const magic = dv.getUint32(at + 8, true);
      if (magic === BYTE_ORDER_MAGIC) this.little = true;
      else if (dv.getUint32(at + 8, false) === BYTE_ORDER_MAGIC) this.little = false;
      else {
        this.bytesParsed = offset;
        this.fatal(offset, `section header block has a bad byte-order magic 0x${magic.toString(16)}`);
        return -1;
      }
    } else if (this.section < 0) {
      this.bytesParsed = offset;
      this.fatal(offset, 'not a pcapng file: it does not start with a section header block');
      return -1;
    }
    const len = dv.getUint32(at + 4, this.little);
    if (len < MIN_BLOCK_LEN || len % 4 !== 0 || len > MAX_BLOCK_LEN) {
      this.bytesParsed = offset;
      const why =
        len > MAX_BLOCK_LEN ? 'absurdly large' : len < MIN_BLOCK_LEN ? 'too small' : 'not a multiple of 4';
      this.fatal(
        offset,
        `${blockName(type)} has an invalid total length ${len} (${why}): the file is corrupt`,
      );
      return -1;
    }
    return len;
  }

  private processBlock(bytes: Uint8Array, dv: DataView, at: number, len: number, offset: number): void {
    const little = this.little;
    const type = dv.getUint32(at, little);
    const trailing = dv.getUint32(at + len - 4, little);
    if (trailing !== len) {
      this.bytesParsed = offset;
      this.fatal(
        offset,
        `${blockName(type)} has a trailing length ${trailing} that differs from its leading length ${len}: ` +
          'the file is corrupt',
      );
      return;
    }
    if (type === BLOCK_EPB || type === BLOCK_PB) this.packet(bytes, dv, at, len, offset, type);
    else if (type === BLOCK_SPB) this.simplePacket(bytes, dv, at, len, offset);
    else if (type === BLOCK_IDB) this.interfaceBlock(bytes, dv, at, len, offset);
    else if (type === BLOCK_SHB) this.sectionHeader(dv, at, len, offset);
    else if (type === BLOCK_ISB) {
      const id = len >= 12 ? dv.getUint32(at + 8, little) : -1;
      this.statistics.statisticsBlock(dv, at, len, little, this.section, this.sectionInterfaces[id]);
    } else if (NUMBERED_NON_PACKET.has(type)) {
      this.frameNumber++;
      this.nonPacketRecords++;
    }
    // Anything else (NRB, DSB, unknown types) carries nothing we need: skipped by its length.
  }

  /** EPB and the obsolete PB: same layout except a 16-bit interface id (plus drop count) in the PB. */
  private packet(
    bytes: Uint8Array,
    dv: DataView,
    at: number,
    len: number,
    offset: number,
    type: number,
  ): void {
    const little = this.little;
    const frame = ++this.frameNumber;
    if (len < 32) {
      this.warn(offset, `packet ${frame}: ${blockName(type)} of ${len} bytes is too short; skipped`);
      return;
    }
    const ifaceId = type === BLOCK_EPB ? dv.getUint32(at + 8, little) : dv.getUint16(at + 8, little);
    const capLen = dv.getUint32(at + 20, little);
    if (capLen > len - 32) {
      this.warn(
        offset,
        `packet ${frame}: captured length ${capLen} does not fit in its ${len}-byte block; skipped`,
      );
      return;
    }
    const iface = this.sectionInterfaces[ifaceId];
    if (iface === undefined) {
      this.warn(offset, `packet ${frame}: interface ${ifaceId} was never described in this section; skipped`);
      return;
    }
    this.frames++;
    const high = dv.getUint32(at + 12, little);
    const low = dv.getUint32(at + 16, little);
    this.remember(frame, iface, high, low, false);
    // Options (epb_dropcount) follow the padded packet data, when the block is longer than that.
    const dataEnd = at + 28 + ((capLen + 3) & ~3);
    if (type === BLOCK_EPB && dataEnd + 4 < at + len - 4)
      this.statistics.packetOptions(dv, dataEnd, at + len - 4, little);
    const origLen = dv.getUint32(at + 24, little);
    const data = at + 28;
    if (this.skim(this.sink, frame, iface.linkType, bytes, data, capLen, origLen, high, low, iface, true))
      return;
    this.sink.frame({
      frame,
      linkType: iface.linkType,
      interfaceId: ifaceId,
      data: bytes.subarray(at + 28, at + 28 + capLen),
      origLen,
      ts: timestampOf(iface, high, low, false),
    });
  }

  /** SPB: interface 0, no timestamp; captured length is what fits, cut to the interface's snaplen. */
  private simplePacket(bytes: Uint8Array, dv: DataView, at: number, len: number, offset: number): void {
    const frame = ++this.frameNumber;
    if (len < 16) {
      this.warn(offset, `packet ${frame}: simple packet block of ${len} bytes is too short; skipped`);
      return;
    }
    const iface = this.sectionInterfaces[0];
    if (iface === undefined) {
      this.warn(offset, `packet ${frame}: simple packet block before any interface description; skipped`);
      return;
    }
    const origLen = dv.getUint32(at + 8, this.little);
    let capLen = Math.min(origLen, len - 16);
    if (iface.snapLen > 0 && iface.snapLen < capLen) capLen = iface.snapLen;
    this.frames++;
    this.remember(frame, iface, 0, 0, true);
    if (this.sink.skim?.(frame, iface.linkType, bytes, at + 12, capLen) === true) return;
    this.sink.frame({
      frame,
      linkType: iface.linkType,
      interfaceId: 0,
      data: bytes.subarray(at + 12, at + 12 + capLen),
      origLen,
      ts: timestampOf(iface, 0, 0, true),
    });
  }

  private sectionHeader(dv: DataView, at: number, len: number, offset: number): void {
    if (len < 28) {
      this.bytesParsed = offset;
      this.fatal(offset, `section header block of ${len} bytes is too short: the file is corrupt`);
      return;
    }
    const major = dv.getUint16(at + 12, this.little);
    const minor = dv.getUint16(at + 14, this.little);
    if (major !== 1) {
      this.bytesParsed = offset;
      this.fatal(offset, `unsupported pcapng version ${major}.${minor}`);
      return;
    }
    this.section++;
    this.sectionInterfaces = [];
  }

  private interfaceBlock(bytes: Uint8Array, dv: DataView, at: number, len: number, offset: number): void {
    if (len < 20) {
      // Skipping it would shift every later interface id onto the wrong link type.
      this.bytesParsed = offset;
      this.fatal(offset, `interface description block of ${len} bytes is too short: the file is corrupt`);
      return;
    }
    const iface = readInterfaceBlock(bytes, dv, at, len, {
      little: this.little,
      id: this.sectionInterfaces.length,
      section: this.section,
      warn: (message) => this.warn(offset, message),
    });
    this.sectionInterfaces.push(iface);
    const pub: CaptureInterface = { ...iface };
    this.interfaces.push(pub);
    this.sink.interface?.(pub);
  }

  private warn(offset: number, message: string): void {
    this.warnings++;
    if (this.warnings <= MAX_NONFATAL_WARNINGS) this.sink.warning({ offset, message, fatal: false });
    else if (this.warnings === MAX_NONFATAL_WARNINGS + 1) {
      this.sink.warning({
        offset,
        message: 'more problems in this capture; no longer reported',
        fatal: false,
      });
    }
  }

  private fatal(offset: number, message: string): void {
    this.stopped = true;
    this.carry.clear();
    // Until a first section header has been read, the bytes are not a usable capture at all.
    if (this.section >= 0) this.sink.warning({ offset, message, fatal: true });
    else this.headerError = message;
  }
}
