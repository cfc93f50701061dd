/**
 * IPv4 reassembly (RFC 791 §3.2, hole descriptors as in RFC 815) with bounded state, for a capture
 * analyzer: a lost fragment is a diagnosis (TFTP blksize above the path MTU), so incomplete datagrams are
 * reported, not silently dropped.
 *
 * - Key: (src, dst, protocol, id).
 * - Overlaps: the bytes that arrived first win; later copies only fill holes.
 * - Completion: the datagram is returned by the add() call of the fragment that fills the last hole,
 *   the frame tshark shows the reassembled datagram in.
 * - A fragment repeated after completion (same place, same bytes: a duplicated frame) is swallowed, not
 *   taken for the start of a new datagram that would later be reported as lost.
 * - Bounds: at most maxDatagrams keys and maxBufferedBytes of fragment data (the oldest is evicted), and a
 *   timeout counted from the first fragment in capture time, like Linux's ipfrag_time (30 s).
 */
import type { Ipv4Header } from './ipv4.js';

export interface ReassembledDatagram {
  src: number;
  dst: number;
  protocol: number;
  id: number;
  /** The whole IP payload. */
  payload: Uint8Array;
  /** Frame of every fragment in arrival order (repeats included); the last one completed it. */
  frames: number[];
  firstTime: number;
  lastTime: number;
  /** Some fragments overlapped or repeated bytes already received (the first copy was kept). */
  overlap: boolean;
  /** A fragment was cut by the capture's snaplen: the bytes it lacked are zeros here. */
  truncated: boolean;
}

export type IncompleteReason = 'timeout' | 'evicted' | 'oversize' | 'end-of-capture';

/** A datagram given up on: which fragments came, and where the holes are. */
export interface IncompleteDatagram {
  src: number;
  dst: number;
  protocol: number;
  id: number;
  reason: IncompleteReason;
  /** Frames of the fragments that did arrive, in arrival order. */
  frames: number[];
  firstTime: number;
  lastTime: number;
  /** Payload bytes received (each byte once). */
  receivedBytes: number;
  /** Payload length, known once the last fragment (MF clear) arrived. */
  totalLength: number | null;
  /** Missing byte ranges [start, end); end null means "up to the unknown end". */
  holes: { start: number; end: number | null }[];
}

export interface ReassemblerOptions {
  /** Keys (datagrams in progress or recently finished) at once; the oldest is evicted beyond it. Default 1024. */
  maxDatagrams?: number;
  /** Seconds of capture time after the first fragment before giving up. Default 30 (Linux ipfrag_time). */
  timeoutSeconds?: number;
  /** Largest IP datagram accepted, header included. Default 65535. */
  maxSize?: number;
  /** Fragment bytes held at once across all datagrams; the oldest is evicted beyond it. Default 32 MiB. */
  maxBufferedBytes?: number;
  /** Receives every datagram given up on. */
  onIncomplete?: (datagram: IncompleteDatagram) => void;
  /**
   * Called with the (captured) payload of the first fragment (offset 0): return false to stop collecting
   * this datagram (e.g. UDP ports that are not DHCP/TFTP). It is then dropped silently, never reported.
   */
  accept?: (firstFragmentPayload: Uint8Array) => boolean;
}

/** Hole ends are exclusive; OPEN is "until the last fragment tells". */
const OPEN = Number.MAX_SAFE_INTEGER;

interface Piece {
  start: number;
  bytes: Uint8Array;
}

/**
 * collecting: in progress. ignored: not accepted. oversize: reported, its other fragments are swallowed.
 * done: completed, kept to recognise repeats.
 */
type State = 'collecting' | 'ignored' | 'oversize' | 'done';

interface Pending {
  key: string;
  state: State;
  src: number;
  dst: number;
  protocol: number;
  id: number;
  frames: number[];
  firstTime: number;
  lastTime: number;
  /** Sorted, disjoint [start, end). */
  holes: { start: number; end: number }[];
  pieces: Piece[];
  received: number;
  total: number | null;
  overlap: boolean;
  truncated: boolean;
  /** offset:length:hash of every fragment, to recognise a repeat after completion. */
  signatures: Set<string>;
}

/** FNV-1a over the fragment's bytes: enough to tell a duplicated frame from a new datagram reusing the id. */
function fragmentSignature(ip: Ipv4Header, data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = ip.payloadOffset; i < ip.payloadEnd; i++) h = Math.imul(h ^ data[i], 0x01000193);
  return `${ip.fragmentOffset}:${ip.payloadLength}:${ip.mf ? 1 : 0}:${h >>> 0}`;
}

export class Ipv4Reassembler {
  private readonly pending = new Map<string, Pending>();
  private readonly maxDatagrams: number;
  private readonly timeout: number;
  private readonly maxSize: number;
  private readonly maxBuffered: number;
  private readonly onIncomplete: (datagram: IncompleteDatagram) => void;
  private readonly accept: ((firstFragmentPayload: Uint8Array) => boolean) | undefined;
  private buffered = 0;

  constructor(options: ReassemblerOptions = {}) {
    this.maxDatagrams = options.maxDatagrams ?? 1024;
    this.timeout = options.timeoutSeconds ?? 30;
    this.maxSize = options.maxSize ?? 65535;
    this.maxBuffered = options.maxBufferedBytes ?? 32 * 1024 * 1024;
    this.onIncomplete = options.onIncomplete ?? ((): void => undefined);
    this.accept = options.accept;
  }

  /** Keys currently held (in progress, ignored or recently completed). */
  get size(): number {
    return this.pending.size;
  }

  /** Fragment bytes currently held. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /**
   * Adds one fragment: a header for which isFragment() is true, status IPV4_OK or IPV4_TRUNCATED, and the
   * frame it was decoded from (copied from, never kept). Returns the datagram when this fragment
   * completes it, else null. `time` is the frame's capture time in seconds; it also expires old datagrams.
   */
  add(frame: number, time: number, ip: Ipv4Header, data: Uint8Array): ReassembledDatagram | null {
    this.expire(time);
    const key = `${ip.src}/${ip.dst}/${ip.protocol}/${ip.id}`;
    let entry = this.pending.get(key);
    if (entry !== undefined && entry.state !== 'collecting') {
      if (entry.state === 'done' && entry.signatures.has(fragmentSignature(ip, data))) return null;
      if (entry.state === 'oversize') return null;
      // An ignored datagram swallows its own fragments; a new first fragment means the id was reused.
      if (entry.state === 'ignored' && ip.fragmentOffset !== 0) return null;
      this.pending.delete(key);
      entry = undefined;
    }
    if (entry === undefined) {
      this.makeRoom();
      entry = this.newEntry(key, ip, time);
      this.pending.set(key, entry);
    }
    entry.lastTime = time;
    entry.frames.push(frame);
    entry.signatures.add(fragmentSignature(ip, data));

    const start = ip.fragmentOffset;
    const end = start + ip.payloadLength;
    if (end + ip.headerLength > this.maxSize) {
      this.giveUp(entry, 'oversize');
      return null;
    }
    const captured = ip.payloadEnd - ip.payloadOffset;
    if (captured < ip.payloadLength) entry.truncated = true;
    if (
      start === 0 &&
      this.accept !== undefined &&
      !this.accept(data.subarray(ip.payloadOffset, ip.payloadEnd))
    ) {
      this.ignore(entry);
      return null;
    }
    if (!ip.mf) {
      // The last fragment fixes the length. A second, different "last", or bytes already past it, is a
      // conflict: the first word stands (first wins, as for bytes).
      if (entry.total === null && end >= this.coveredEnd(entry)) {
        entry.total = end;
        this.clipHoles(entry, end);
      } else if (entry.total !== end) {
        entry.overlap = true;
      }
    }
    const limit = entry.total ?? OPEN;
    this.fill(entry, start, Math.min(end, limit), data, ip.payloadOffset, captured);
    if (end > limit) entry.overlap = true;

    if (entry.total !== null && entry.holes.length === 0) return this.complete(entry);
    this.makeRoomForBytes(entry);
    return null;
  }

  /** Gives up on every datagram whose first fragment is older than the timeout at capture time `now`. */
  expire(now: number): void {
    // Map order is insertion order, i.e. first-fragment order: stop at the first one still young.
    for (const entry of this.pending.values()) {
      if (now - entry.firstTime <= this.timeout) break;
      this.giveUp(entry, 'timeout');
    }
  }

  /** End of capture: reports every datagram still incomplete and empties the state. */
  flush(): void {
    for (const entry of [...this.pending.values()]) this.giveUp(entry, 'end-of-capture');
  }

  private newEntry(key: string, ip: Ipv4Header, time: number): Pending {
    return {
      key,
      state: 'collecting',
      src: ip.src,
      dst: ip.dst,
      protocol: ip.protocol,
      id: ip.id,
      frames: [],
      firstTime: time,
      lastTime: time,
      holes: [{ start: 0, end: OPEN }],
      pieces: [],
      received: 0,
      total: null,
      overlap: false,
      truncated: false,
      signatures: new Set(),
    };
  }

  private coveredEnd(entry: Pending): number {
    let max = 0;
    for (const p of entry.pieces) max = Math.max(max, p.start + p.bytes.length);
    return max;
  }

  private clipHoles(entry: Pending, total: number): void {
    const kept: { start: number; end: number }[] = [];
    for (const h of entry.holes) {
      if (h.start >= total) continue;
      kept.push({ start: h.start, end: Math.min(h.end, total) });
    }
    entry.holes = kept;
  }

  /** Copies the parts of [start, end) that fall into holes, and cuts the holes (RFC 815). */
  private fill(
    entry: Pending,
    start: number,
    end: number,
    data: Uint8Array,
    payloadOffset: number,
    captured: number,
  ): void {
    if (end <= start) return;
    const holes: { start: number; end: number }[] = [];
    let filled = 0;
    for (const h of entry.holes) {
      if (h.end <= start || h.start >= end) {
        holes.push(h);
        continue;
      }
      const from = Math.max(h.start, start);
      const to = Math.min(h.end, end);
      const bytes = new Uint8Array(to - from);
      // Only captured bytes exist; the rest of a snaplen-cut fragment stays zero.
      const srcFrom = from - start;
      const srcTo = Math.min(to - start, captured);
      if (srcTo > srcFrom) bytes.set(data.subarray(payloadOffset + srcFrom, payloadOffset + srcTo));
      entry.pieces.push({ start: from, bytes });
      filled += to - from;
      if (h.start < from) holes.push({ start: h.start, end: from });
      if (to < h.end) holes.push({ start: to, end: h.end });
    }
    if (filled < end - start) entry.overlap = true;
    entry.holes = holes;
    entry.received += filled;
    this.buffered += filled;
  }

  private complete(entry: Pending): ReassembledDatagram {
    const payload = new Uint8Array(entry.total ?? 0);
    for (const p of entry.pieces) payload.set(p.bytes, p.start);
    const result: ReassembledDatagram = {
      src: entry.src,
      dst: entry.dst,
      protocol: entry.protocol,
      id: entry.id,
      payload,
      frames: entry.frames,
      firstTime: entry.firstTime,
      lastTime: entry.lastTime,
      overlap: entry.overlap,
      truncated: entry.truncated,
    };
    this.release(entry);
    entry.state = 'done';
    entry.frames = [];
    return result;
  }

  /** Frees the held bytes (the key stays). */
  private release(entry: Pending): void {
    this.buffered -= entry.received;
    entry.received = 0;
    entry.pieces = [];
    entry.holes = [];
  }

  /** Stops collecting without a report; the key stays to swallow the rest until the timeout. */
  private ignore(entry: Pending): void {
    this.release(entry);
    entry.state = 'ignored';
  }

  private giveUp(entry: Pending, reason: IncompleteReason): void {
    if (entry.state === 'collecting') {
      this.onIncomplete({
        src: entry.src,
        dst: entry.dst,
        protocol: entry.protocol,
        id: entry.id,
        reason,
        frames: entry.frames,
        firstTime: entry.firstTime,
        lastTime: entry.lastTime,
        receivedBytes: entry.received,
        totalLength: entry.total,
        holes: entry.holes.map((h) => ({ start: h.start, end: h.end === OPEN ? null : h.end })),
      });
    }
    if (reason === 'oversize') {
      // Keep the key so the other fragments of this datagram are not taken for a new one.
      this.release(entry);
      entry.state = 'oversize';
    } else {
      this.release(entry);
      this.pending.delete(entry.key);
    }
  }

  private makeRoom(): void {
    for (const entry of this.pending.values()) {
      if (this.pending.size < this.maxDatagrams) return;
      this.giveUp(entry, 'evicted');
    }
  }

  /** Evicts the oldest datagrams, never `current`, until the held bytes fit the budget again. */
  private makeRoomForBytes(current: Pending): void {
    for (const entry of this.pending.values()) {
      if (this.buffered <= this.maxBuffered) return;
      if (entry !== current) this.giveUp(entry, 'evicted');
    }
  }
}
