import type { FrameRef, TftpProgress } from './types.js';

/** Evidence frames kept for each kind of repeat after the stall (the counts stay exact). */
const MAX_REPEAT_FRAMES = 16;

/**
 * Where a transfer stood when it last moved forward, and what the two ends did after that: the client
 * re-sending its last ACK, the server re-sending DATA. Told as it happened for transfers that stop mid-way
 * ("stopped at block 2, byte 1432; DATA 2 sent 5 times; the client re-ACKed block 1 four times"). Memory is
 * a few numbers and two capped frame lists, whatever the transfer's size.
 */
export class ProgressTracker {
  private ackedBlock: number | null = null;
  private ackedAt: FrameRef | null = null;
  private firstBlock: number | null = null;
  private newestBlock = 0;
  private newestData: FrameRef | null = null;
  private lastData: FrameRef | null = null;
  private lastProgress: FrameRef;
  private reAcks = 0;
  private readonly reAckFrames: FrameRef[] = [];
  private resends = 0;
  private readonly resendFrames: FrameRef[] = [];
  private oackAt: FrameRef | null = null;
  private oackAcked: FrameRef | null = null;
  private firstFullBlock: number | null = null;
  private lastBlock: number | null = null;
  private firstDataT: number | null = null;

  constructor(request: FrameRef) {
    this.lastProgress = request;
  }

  oack(at: FrameRef): void {
    this.oackAt ??= at;
  }

  /** A DATA packet; `isNew` when it carries a block beyond every block sent before. */
  data(at: FrameRef, block: number, length: number, blksize: number, isNew: boolean): void {
    this.lastData = at;
    this.firstDataT ??= at.t;
    this.firstBlock ??= block;
    if (length >= blksize && this.firstFullBlock === null) this.firstFullBlock = block;
    if (length < blksize && this.lastBlock === null) this.lastBlock = block;
    if (isNew) {
      this.newestBlock = block;
      this.newestData = at;
      this.moved(at);
    } else {
      this.resends++;
      if (this.resendFrames.length < MAX_REPEAT_FRAMES) this.resendFrames.push(at);
    }
  }

  /** An ACK; a block beyond the highest acknowledged so far moves the transfer on. */
  ack(at: FrameRef, block: number): void {
    if (this.ackedBlock === null || block > this.ackedBlock) {
      this.ackedBlock = block;
      this.ackedAt = at;
      if (block === 0 && this.oackAt !== null && this.oackAcked === null) this.oackAcked = at;
      this.moved(at);
      return;
    }
    this.reAcks++;
    if (this.reAckFrames.length < MAX_REPEAT_FRAMES) this.reAckFrames.push(at);
  }

  private moved(at: FrameRef): void {
    this.lastProgress = at;
    this.reAcks = 0;
    this.resends = 0;
    this.reAckFrames.length = 0;
    this.resendFrames.length = 0;
  }

  /** The record; `bytes` are the payload bytes of distinct DATA blocks seen, `blksize` the negotiated size. */
  result(bytes: number, blksize: number): TftpProgress {
    const acked = this.ackedBlock;
    // Every block before the last is full-size, so the acknowledged bytes follow from the block number.
    let ackedBytes = 0;
    if (acked !== null && acked > 0) {
      const first = this.firstBlock ?? 1;
      ackedBytes =
        this.lastBlock !== null && acked >= this.lastBlock
          ? bytes
          : Math.min(bytes, Math.max(0, acked - first + 1) * blksize);
    }
    const span = this.ackedAt !== null && this.firstDataT !== null ? this.ackedAt.t - this.firstDataT : 0;
    return {
      ackedBlock: acked,
      ackedBytes,
      ackedAt: this.ackedAt,
      newestBlock: this.newestBlock,
      newestData: this.newestData,
      lastData: this.lastData,
      lastProgress: this.lastProgress,
      reAcks: this.reAcks,
      reAckFrames: [...this.reAckFrames],
      resends: this.resends,
      resendFrames: [...this.resendFrames],
      rateBefore: ackedBytes > 0 && span > 0 ? ackedBytes / span : null,
      fullBlockSent: this.firstFullBlock !== null,
      fullBlockAcked: this.firstFullBlock !== null && acked !== null && acked >= this.firstFullBlock,
      oackAcked: this.oackAcked,
    };
  }
}
