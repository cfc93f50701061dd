import type { PacketOrigin } from '../protocol/packet.js';
import { BlockUnwrapper } from '../protocol/tftp/index.js';
import { ApprenticeWatch } from './transfer-apprentice.js';
import { ProgressTracker } from './transfer-progress.js';
import type { FrameRef, TftpOutcome, TftpTransfer } from './types.js';

/** The part of the codec's TftpPacket the analysis reads (structural, so the codec may carry more). */
export interface TftpPacketView {
  opcode: string;
  filename?: string;
  mode?: string;
  options?: Record<string, string>;
  block?: number;
  dataLength?: number;
  errorCode?: number;
  errorMessage?: string;
}

export interface TftpRecordView extends PacketOrigin {
  tftp: TftpPacketView;
}

/** What a packet inside a transfer is read for: a record, or the decoder's view of a plain DATA/ACK. */
export interface TftpTransferPacket {
  frame: number;
  fragmentFrames?: number[];
  tftp: TftpPacketView;
}

export interface TransferLimits {
  /** Frames listed per transfer; a 14 MB kernel is ~20,000 packets. */
  maxFrames: number;
  /** Seconds without a packet after which a transfer that stopped mid-way counts as given up. */
  stallTimeout: number;
}

/** Blocks remembered as missing, so a late (reordered) DATA fills its gap instead of counting twice. */
const MAX_MISSING = 4096;
const MAX_EVIDENCE = 64;

const ref = (frame: number, t: number): FrameRef => ({ frame, t });

function parseOption(value: string | undefined, min: number, max: number): number | null {
  if (value === undefined || !/^\d+$/.test(value.trim())) return null;
  const n = Number(value.trim());
  return n >= min && n <= max ? n : null;
}

/**
 * Everything learned about one TFTP transfer while its packets stream by. Memory per transfer is bounded
 * (frames, missing blocks, evidence lists, a few recent blocks for the apprentice check) whatever its size.
 */
export class TransferState {
  readonly clientIp: string;
  readonly clientPort: number;
  readonly serverIp: string;
  serverPort: number | null = null;
  lastSeen: number;
  /** Capture time at which the client was seen doing something else after this transfer's last packet. */
  movedOnAt: number | null = null;

  private readonly transfer: TftpTransfer;

  /** The frame of the request (or of the first packet seen, when the request was not). */
  get requestFrame(): number {
    return this.transfer.request.frame;
  }

  /** The Ethernet source of the request (null when not known). */
  get clientMac(): string | null {
    return this.transfer.clientMac;
  }
  private readonly blocks = new BlockUnwrapper();
  private readonly missing = new Set<number>();
  private highestAck = -1;
  private lastBlockNumber: number | null = null;
  private lastAckRef: FrameRef | null = null;
  private serverSpoke = false;
  private prevOpcode = 'RRQ';
  private prevDataBlock = 0;
  private clientSpokeSinceRequest = false;
  private tsizeProbe = false;
  private oackCount = 0;
  private apprentice = new ApprenticeWatch();
  private readonly progress: ProgressTracker;
  /** false when the capture began mid-transfer: no request, so neither the start nor the blksize is known. */
  private readonly requestSeen: boolean;

  constructor(
    rec: TftpRecordView,
    t: number,
    client: { ip: string; port: number },
    server: { ip: string; port: number | null },
    private readonly limits: TransferLimits,
  ) {
    this.clientIp = client.ip;
    this.clientPort = client.port;
    this.serverIp = server.ip;
    this.serverPort = server.port;
    this.lastSeen = t;
    const isRequest = rec.tftp.opcode === 'RRQ' || rec.tftp.opcode === 'WRQ';
    this.requestSeen = isRequest;
    this.transfer = {
      id: `${client.ip}:${client.port}>${server.ip}/f${rec.frame}`,
      clientIp: client.ip,
      clientPort: client.port,
      clientMac: (rec.src === client.ip ? rec.srcMac : rec.dstMac) ?? null,
      serverIp: server.ip,
      serverPort: server.port,
      direction: rec.tftp.opcode === 'WRQ' ? 'write' : 'read',
      filename: isRequest ? (rec.tftp.filename ?? '') : '',
      mode: isRequest ? (rec.tftp.mode ?? '') : '',
      requested: isRequest ? { ...(rec.tftp.options ?? {}) } : {},
      negotiated: {},
      blksize: 512,
      windowsize: 1,
      tsize: null,
      request: ref(rec.frame, t),
      requestRetries: [],
      oack: null,
      firstData: null,
      lastPacket: ref(rec.frame, t),
      blocks: 0,
      bytes: 0,
      dataPackets: 0,
      ackPackets: 0,
      duplicateData: 0,
      duplicateAcks: 0,
      gaps: 0,
      maxGap: 0,
      lastBlockSeen: false,
      lastBlockAcked: false,
      error: null,
      outcome: 'in-progress',
      outcomeFrame: null,
      frames: [],
      framesTruncated: false,
      duration: 0,
      throughput: null,
      unackedRetransmits: 0,
      retransmitFrames: [],
      lostFragments: 0,
      fragmentedData: false,
      apprenticeFrom: null,
      strayPackets: [],
      icmpErrors: [],
      notes: isRequest
        ? []
        : ['request not in the capture (it began before the capture or was filtered out)'],
    };
    this.progress = new ProgressTracker(ref(rec.frame, t));
    this.addFrame(rec.frame);
    if (!isRequest) this.packet(rec, t, rec.src === client.ip && rec.srcPort === client.port);
  }

  get filename(): string {
    return this.transfer.filename;
  }

  /** true once a reply came, or the client went on talking to the server (anything but the request). */
  get progressed(): boolean {
    return this.clientSpokeSinceRequest || this.transfer.lastBlockSeen || this.transfer.error !== null;
  }

  /** true once the transfer has ended on the wire: an ERROR, or the last block sent and acknowledged. */
  get ended(): boolean {
    const tr = this.transfer;
    return tr.error !== null || (tr.lastBlockSeen && tr.lastBlockAcked);
  }

  /**
   * Seconds of silence after which this transfer counts as given up (three of the negotiated retransmission
   * timeouts, at least the configured stall timeout); an ended one may still see a duplicate final ACK or a
   * retransmitted last block that long.
   */
  get stallTimeout(): number {
    return Math.max(
      this.limits.stallTimeout,
      3 * (parseOption(this.transfer.negotiated.timeout, 1, 255) ?? 0),
    );
  }

  /** The outcome already told through onDone when the transfer ended on the wire (null: not told yet). */
  told: TftpOutcome | null = null;

  /** true once anything came back from the server's side of the pair. */
  get answered(): boolean {
    return this.serverSpoke;
  }

  /** The same request again from the same client port: the client did not hear an answer. */
  retry(rec: TftpTransferPacket, t: number): void {
    this.transfer.requestRetries.push(ref(rec.frame, t));
    if (this.answered)
      this.transfer.notes.push(`request repeated after the server answered (frame ${rec.frame})`);
    this.touch(rec.frame, t);
  }

  /** A packet from or to the client port that is not this transfer's TID pair. */
  stray(rec: TftpTransferPacket, t: number): void {
    if (this.transfer.strayPackets.length < MAX_EVIDENCE) this.transfer.strayPackets.push(ref(rec.frame, t));
  }

  /** An ICMP error quoting one of this transfer's packets: the host or a router refused it. */
  icmpError(frame: number, t: number): void {
    if (this.transfer.icmpErrors.length < MAX_EVIDENCE) this.transfer.icmpErrors.push(ref(frame, t));
  }

  /** A packet of this transfer (after TID matching). */
  packet(rec: TftpTransferPacket, t: number, fromClient: boolean): void {
    const p = rec.tftp;
    if (rec.frame !== this.transfer.request.frame) this.touch(rec.frame, t);
    if (fromClient) this.clientSpokeSinceRequest = true;
    else this.serverSpoke = true;
    switch (p.opcode) {
      case 'OACK':
        this.oack(rec, t);
        break;
      case 'DATA':
        this.data(rec, t);
        break;
      case 'ACK':
        this.ack(rec, t);
        break;
      case 'ERROR':
        this.error(rec, t, fromClient);
        break;
      default:
        this.transfer.notes.push(`unexpected ${p.opcode} inside the transfer (frame ${rec.frame})`);
    }
    this.prevOpcode = p.opcode;
  }

  private touch(frame: number, t: number): void {
    const gap = t - this.transfer.lastPacket.t;
    if (gap > this.transfer.maxGap) this.transfer.maxGap = gap;
    if (t >= this.transfer.lastPacket.t) this.transfer.lastPacket = ref(frame, t);
    this.lastSeen = Math.max(this.lastSeen, t);
    this.movedOnAt = null;
    this.addFrame(frame);
  }

  private addFrame(frame: number): void {
    if (this.transfer.frames.length < this.limits.maxFrames) this.transfer.frames.push(frame);
    else this.transfer.framesTruncated = true;
  }

  private oack(rec: TftpTransferPacket, t: number): void {
    this.oackCount++;
    this.progress.oack(ref(rec.frame, t));
    if (this.transfer.oack !== null) return;
    const options = { ...(rec.tftp.options ?? {}) };
    this.transfer.oack = ref(rec.frame, t);
    this.transfer.negotiated = options;
    if (options.blksize !== undefined) {
      const blksize = parseOption(options.blksize, 8, 65464);
      if (blksize === null)
        this.transfer.notes.push(`OACK blksize "${options.blksize}" out of range 8-65464`);
      else this.transfer.blksize = blksize;
    }
    if (options.windowsize !== undefined) {
      const windowsize = parseOption(options.windowsize, 1, 65535);
      if (windowsize === null)
        this.transfer.notes.push(`OACK windowsize "${options.windowsize}" out of range`);
      else this.transfer.windowsize = windowsize;
    }
    if (options.tsize !== undefined)
      this.transfer.tsize = parseOption(options.tsize, 0, Number.MAX_SAFE_INTEGER);
  }

  private data(rec: TftpTransferPacket, t: number): void {
    const tr = this.transfer;
    const length = rec.tftp.dataLength ?? 0;
    tr.dataPackets++;
    tr.firstData ??= ref(rec.frame, t);
    if ((rec.fragmentFrames?.length ?? 0) > 1) tr.fragmentedData = true;
    if (length > tr.blksize) {
      // Without the request and OACK the block size is only known from the largest DATA seen.
      if (!this.requestSeen && tr.oack === null) tr.blksize = length;
      else tr.notes.push(`DATA of ${length} bytes exceeds blksize ${tr.blksize} (frame ${rec.frame})`);
    }
    const block = this.blocks.data(rec.tftp.block ?? 0);
    // Blocks before the first one captured are not gaps when the capture began mid-transfer.
    if (!this.requestSeen && tr.dataPackets === 1) tr.blocks = block - 1;
    this.prevDataBlock = block;
    this.countRecent(block, 'data');
    this.progress.data(ref(rec.frame, t), block, length, tr.blksize, block > tr.blocks);

    if (block > tr.blocks) {
      for (let missing = tr.blocks + 1; missing < block; missing++) {
        if (this.missing.size >= MAX_MISSING) break;
        this.missing.add(missing);
      }
      tr.gaps += block - tr.blocks - 1;
      tr.blocks = block;
      tr.bytes += length;
      this.apprentice.advance(block);
      if (length < tr.blksize) {
        tr.lastBlockSeen = true;
        this.lastBlockNumber = block;
      }
    } else if (this.missing.delete(block)) {
      tr.gaps--;
      tr.bytes += length;
    } else {
      tr.duplicateData++;
      if (this.highestAck < block) {
        // Resent while nothing acknowledged it: the client never got it (lost, or fragments dropped).
        tr.unackedRetransmits++;
        if (tr.retransmitFrames.length < MAX_EVIDENCE) tr.retransmitFrames.push(rec.frame);
      }
    }
  }

  private ack(rec: TftpTransferPacket, t: number): void {
    const tr = this.transfer;
    tr.ackPackets++;
    const block = this.blocks.ack(rec.tftp.block ?? 0);
    this.countRecent(block, 'ack');
    this.progress.ack(ref(rec.frame, t), block);
    if (block <= this.highestAck) tr.duplicateAcks++;
    else this.highestAck = block;
    if (this.lastBlockNumber !== null && block >= this.lastBlockNumber && !tr.lastBlockAcked) {
      tr.lastBlockAcked = true;
      this.lastAckRef = ref(rec.frame, t);
    }
  }

  private error(rec: TftpTransferPacket, t: number, fromClient: boolean): void {
    const tr = this.transfer;
    const code = rec.tftp.errorCode ?? 0;
    if (tr.error !== null) {
      tr.notes.push(`another ERROR ${code} (frame ${rec.frame})`);
      return;
    }
    tr.error = {
      code,
      message: rec.tftp.errorMessage ?? '',
      from: fromClient ? 'client' : 'server',
      frame: ref(rec.frame, t),
    };
    // Wireshark's tftp.likely_tsize_probe: the client asked for tsize, got the OACK, and hangs up at once
    // (right after the OACK or DATA 1) with code 0 or 8, to fetch the file for real on a new port.
    const rightAfterOack =
      this.prevOpcode === 'OACK' ||
      (this.prevOpcode === 'DATA' && this.prevDataBlock === 1 && tr.oack !== null);
    this.tsizeProbe = fromClient && (code === 0 || code === 8) && 'tsize' in tr.requested && rightAfterOack;
  }

  private countRecent(block: number, kind: 'data' | 'ack'): void {
    if (this.transfer.windowsize === 1) this.apprentice.count(block, kind, this.transfer.blocks);
  }

  /**
   * The record with its outcome. `atCaptureEnd`: finalised because the capture ended (rather than idle,
   * evicted or replaced); a transfer with no answer at all is settled later against the capture filter view.
   */
  /**
   * What finalize(captureEnd, true) would return if the capture ended now, leaving this state as it was:
   * finalize runs on a copy (the record and the few recent blocks it judges are cloned; the rest it only reads).
   */
  preview(captureEnd: number): TftpTransfer {
    const copy = Object.assign(Object.create(TransferState.prototype) as object, this) as TransferState;
    const writable = copy as unknown as { transfer: TftpTransfer; apprentice: ApprenticeWatch };
    writable.transfer = structuredClone(this.transfer);
    writable.apprentice = this.apprentice.clone();
    return copy.finalize(captureEnd, true);
  }

  finalize(captureEnd: number, atCaptureEnd: boolean): TftpTransfer {
    const tr = this.transfer;
    tr.serverPort = this.serverPort;
    tr.duration = tr.lastPacket.t - tr.request.t;
    // Over the same interval as the duration, so every report's size ÷ time = rate.
    tr.throughput = tr.bytes > 0 && tr.duration > 0 ? tr.bytes / tr.duration : null;
    if (this.oackCount > 1) tr.notes.push(`OACK sent ${this.oackCount} times`);

    tr.apprenticeFrom = this.apprentice.finish(this.lastBlockNumber);
    tr.progress = this.progress.result(tr.bytes, tr.blksize);

    const stallTimeout = this.stallTimeout;
    const endedRightAfter = atCaptureEnd && captureEnd - tr.lastPacket.t < stallTimeout;
    const movedOn = this.movedOnAt !== null;
    let outcome: TftpOutcome;
    let outcomeFrame: FrameRef | null = tr.lastPacket;
    if (tr.error !== null) {
      outcome = this.tsizeProbe ? 'tsize-probe' : 'error';
      outcomeFrame = tr.error.frame;
    } else if (tr.lastBlockSeen && tr.lastBlockAcked) {
      outcome = 'complete';
      outcomeFrame = this.lastAckRef;
    } else if (tr.lastBlockSeen && (movedOn || endedRightAfter)) {
      // The client went on (or the capture stopped) right after the last block: it got the file.
      outcome = 'complete';
      tr.notes.push('acknowledgement of the last block not captured');
    } else if (endedRightAfter && !movedOn) {
      outcome = 'in-progress';
    } else {
      outcome = 'abandoned';
      if (!this.answered && tr.icmpErrors.length > 0)
        tr.notes.push('request refused with ICMP destination unreachable');
      else if (!this.answered && tr.filename !== '') tr.notes.push('no answer to the request');
    }
    tr.outcome = outcome;
    tr.outcomeFrame = outcomeFrame;
    return tr;
  }
}
