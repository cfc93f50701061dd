/**
 * Push parser for classic libpcap files: magics a1b2c3d4 (µs) and a1b23c4d (ns), either byte order.
 * https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html
 */
import { ChunkedParser, viewOf } from './carry.js';
import type { CaptureFormat, CaptureInterface, CaptureParser, CaptureSink, RawTimestamp } from './types.js';

const FILE_HEADER_LEN = 24;
const RECORD_HEADER_LEN = 16;
/** wiretap's limit for ordinary link types: a bigger record means the file is corrupt, as tshark says. */
const STANDARD_MAX_CAPLEN = 262144;
/** Even with a huge snaplen in the header, nothing real captures more than this in one packet. */
const HARD_MAX_CAPLEN = 16 * 1024 * 1024;

/** How caplen/len are ordered in record headers; versions before 2.3 wrote them the other way round. */
const LENGTHS_NORMAL = 0;
const LENGTHS_SWAPPED = 1;
/** Version 2.3 files exist in both orders; libpcap swaps when caplen > len, and so do we. */
const LENGTHS_MAYBE_SWAPPED = 2;

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;

export class PcapParser extends ChunkedParser implements CaptureParser {
  format: CaptureFormat = 'pcap';
  headerError: string | undefined;
  bytesParsed = 0;
  frames = 0;
  readonly nonPacketRecords = 0;
  readonly interfaces: CaptureInterface[] = [];

  private readonly sink: CaptureSink;
  private headerDone = false;
  private little = true;
  private unitsPerSecond = 1e6;
  private digits = 6;
  private linkType = 0;
  private maxCapLen = STANDARD_MAX_CAPLEN;
  private lengthOrder = LENGTHS_NORMAL;
  private warnedTimestamp = false;
  /** The last packet's timestamp fields, recorded as plain numbers (see lastPacket). */
  private lastSeconds = 0;
  private lastSub = 0;
  /** How the records' timestamps count, for skim(): set with the file header. */
  private clock = { unitsPerSecond: 1e6, offsetSeconds: 0, digits: 6 };

  constructor(sink: CaptureSink) {
    super();
    this.sink = sink;
  }

  lastPacket(): { frame: number; ts: RawTimestamp } | null {
    if (this.frames === 0) return null;
    return { frame: this.frames, ts: this.timestamp(this.lastSeconds, this.lastSub) };
  }

  private timestamp(seconds: number, sub: number): RawTimestamp {
    return {
      high: seconds,
      low: sub,
      unitsPerSecond: this.unitsPerSecond,
      combined: false,
      offsetSeconds: 0,
      digits: this.digits,
    };
  }

  protected start(chunk: Uint8Array): number {
    if (this.headerDone) return 0;
    if (this.carry.length === 0 && chunk.length >= FILE_HEADER_LEN) {
      this.parseHeader(viewOf(chunk));
      return FILE_HEADER_LEN;
    }
    const off = this.carry.fill(chunk, 0, FILE_HEADER_LEN);
    if (this.carry.length < FILE_HEADER_LEN) return -1;
    this.parseHeader(this.carry.view);
    this.carry.clear();
    return off;
  }

  end(): void {
    if (this.stopped) return;
    const got = this.carry.length;
    if (!this.headerDone) {
      this.fatal(0, `capture ends inside the pcap file header: got ${got} of ${FILE_HEADER_LEN} bytes`);
      return;
    }
    if (got === 0) return;
    const packet = this.frames + 1;
    if (got < RECORD_HEADER_LEN) {
      this.fatal(
        this.bytesParsed,
        `capture ends in the middle of packet ${packet}: got ${got} of its ${RECORD_HEADER_LEN}-byte record header`,
      );
    } else {
      const capLen = this.capLen(this.carry.view, 0);
      this.fatal(
        this.bytesParsed,
        `capture ends in the middle of packet ${packet}: got ${got - RECORD_HEADER_LEN} of ${capLen} bytes`,
      );
    }
  }

  private parseHeader(dv: DataView): void {
    const magic = dv.getUint32(0, false);
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) this.little = false;
    else if (dv.getUint32(0, true) === PCAP_MAGIC_US || dv.getUint32(0, true) === PCAP_MAGIC_NS)
      this.little = true;
    else {
      this.fatal(0, `not a pcap file (magic 0x${magic.toString(16).padStart(8, '0')})`);
      return;
    }
    const nanos = dv.getUint32(0, this.little) === PCAP_MAGIC_NS;
    this.format = nanos ? 'pcap-ns' : 'pcap';
    this.unitsPerSecond = nanos ? 1e9 : 1e6;
    this.digits = nanos ? 9 : 6;
    this.clock = { unitsPerSecond: this.unitsPerSecond, offsetSeconds: 0, digits: this.digits };
    const major = dv.getUint16(4, this.little);
    const minor = dv.getUint16(6, this.little);
    // 543 (0x021f) is what a byte-swapped old Solaris/AIX writer left: libpcap treats it as swapped too.
    if ((major === 2 && minor < 3) || major === 543) this.lengthOrder = LENGTHS_SWAPPED;
    else if (major === 2 && minor === 3) this.lengthOrder = LENGTHS_MAYBE_SWAPPED;
    const snapLen = dv.getUint32(16, this.little);
    // The upper bits carry FCS information (pcap draft §4); the link type is the low 16 bits.
    this.linkType = dv.getUint32(20, this.little) & 0xffff;
    this.maxCapLen = Math.min(Math.max(snapLen, STANDARD_MAX_CAPLEN), HARD_MAX_CAPLEN);
    this.headerDone = true;
    this.bytesParsed = FILE_HEADER_LEN;
    const iface: CaptureInterface = {
      id: 0,
      linkType: this.linkType,
      snapLen,
      unitsPerSecond: this.unitsPerSecond,
      digits: this.digits,
      offsetSeconds: 0,
      section: 0,
    };
    this.interfaces.push(iface);
    this.sink.interface?.(iface);
  }

  /** Finishes the record whose start is in the carry; returns the offset in `chunk` after what it took. */
  protected completeCarried(chunk: Uint8Array, off: number): number {
    const carry = this.carry;
    if (carry.length < RECORD_HEADER_LEN) {
      off = carry.fill(chunk, off, RECORD_HEADER_LEN);
      if (carry.length < RECORD_HEADER_LEN) return off;
    }
    const capLen = this.capLen(carry.view, 0);
    if (capLen > this.maxCapLen) {
      this.absurd(capLen, this.bytesParsed);
      return off;
    }
    const total = RECORD_HEADER_LEN + capLen;
    off = carry.fill(chunk, off, total);
    if (carry.length < total) return off;
    this.emit(carry.bytes, carry.view, 0, capLen, this.bytesParsed);
    this.bytesParsed += total;
    carry.clear();
    return off;
  }

  /** The hot loop: every record wholly inside `chunk` is handed out as a view into it. */
  protected parseRecords(chunk: Uint8Array, off: number, base: number): number {
    const dv = viewOf(chunk);
    const n = chunk.length;
    const little = this.little;
    const normal = this.lengthOrder === LENGTHS_NORMAL;
    while (off + RECORD_HEADER_LEN <= n) {
      const capLen = normal ? dv.getUint32(off + 8, little) : this.capLen(dv, off);
      if (capLen > this.maxCapLen) {
        this.bytesParsed = base + off;
        this.absurd(capLen, base + off);
        return off;
      }
      const end = off + RECORD_HEADER_LEN + capLen;
      if (end > n) break;
      this.emit(chunk, dv, off, capLen, base + off);
      off = end;
    }
    this.bytesParsed = base + off;
    return off;
  }

  private emit(bytes: Uint8Array, dv: DataView, at: number, capLen: number, offset: number): void {
    const little = this.little;
    const seconds = dv.getUint32(at, little);
    const sub = dv.getUint32(at + 4, little);
    const frame = ++this.frames;
    if (sub >= this.unitsPerSecond && !this.warnedTimestamp) this.warnTimestamp(frame, sub, offset);
    this.lastSeconds = seconds;
    this.lastSub = sub;
    const origLen = this.origLen(dv, at);
    const data = at + RECORD_HEADER_LEN;
    if (
      this.skim(
        this.sink,
        frame,
        this.linkType,
        bytes,
        data,
        capLen,
        origLen,
        seconds,
        sub,
        this.clock,
        false,
      )
    )
      return;
    this.sink.frame({
      frame,
      linkType: this.linkType,
      interfaceId: 0,
      data: bytes.subarray(at + RECORD_HEADER_LEN, at + RECORD_HEADER_LEN + capLen),
      origLen,
      ts: this.timestamp(seconds, sub),
    });
  }

  private capLen(dv: DataView, at: number): number {
    const first = dv.getUint32(at + 8, this.little);
    if (this.lengthOrder === LENGTHS_NORMAL) return first;
    const second = dv.getUint32(at + 12, this.little);
    return this.lengthOrder === LENGTHS_SWAPPED || first > second ? second : first;
  }

  private origLen(dv: DataView, at: number): number {
    const second = dv.getUint32(at + 12, this.little);
    if (this.lengthOrder === LENGTHS_NORMAL) return second;
    const first = dv.getUint32(at + 8, this.little);
    return this.lengthOrder === LENGTHS_SWAPPED || first > second ? first : second;
  }

  private absurd(capLen: number, offset: number): void {
    this.fatal(
      offset,
      `packet ${this.frames + 1} claims ${capLen} captured bytes, more than the maximum of ${this.maxCapLen}: ` +
        'the file is corrupt from here on',
    );
  }

  private warnTimestamp(frame: number, sub: number, offset: number): void {
    this.warnedTimestamp = true;
    const unit = this.unitsPerSecond === 1e9 ? 'nanoseconds' : 'microseconds';
    this.sink.warning({
      offset,
      fatal: false,
      message:
        `packet ${frame} has an invalid timestamp: ${sub} ${unit} is not less than one second ` +
        '(the excess is carried into the seconds; later packets like it are not reported)',
    });
  }

  private fatal(offset: number, message: string): void {
    this.stopped = true;
    this.carry.clear();
    if (this.headerDone) this.sink.warning({ offset, message, fatal: true });
    else this.headerError = message;
  }
}
