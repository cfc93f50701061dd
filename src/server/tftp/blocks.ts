/**
 * Where the DATA packets of one transfer come from. A file is read straight into preallocated packet
 * slots (4 header bytes, then one block), many blocks per read: a packet costs no allocation and no copy,
 * and the file costs one read per chunk, however small the blocks. A netascii transfer is converted in
 * memory first (RFC 1350: CR LF line ends, CR NUL for a bare CR), so its size is known for tsize.
 */
import type { FileHandle } from 'node:fs/promises';

import { TFTP_DATA } from '../../protocol/tftp/index.js';
import { tftpDataPacket } from './session.js';

/** Bytes of file read at once (rounded to whole blocks). */
export const READ_CHUNK = 256 * 1024;
/** Most blocks per read: one readv() takes at most IOV_MAX (1024) buffers on Linux. */
const MAX_SLOTS = 1024;
/** Largest file served in netascii mode: it is converted in memory. */
export const NETASCII_MAX_BYTES = 16 * 1024 * 1024;

/** ERROR 0 texts when the file cannot be served to the end (fixed texts: never a path). */
export const FILE_CHANGED_MESSAGE = 'File changed during transfer';
export const READ_ERROR_MESSAGE = 'Read error';

/** The file has fewer bytes than when the transfer started. */
export class FileChangedError extends Error {
  constructor() {
    super('the file shrank during the transfer');
    this.name = 'FileChangedError';
  }
}

export interface BlockSource {
  /** Bytes the transfer sends (the file's size when opened; the converted size for netascii). */
  readonly size: number;
  /** Whether block `block` (absolute, from 1) can be sent at once. */
  has(block: number): boolean;
  /**
   * The DATA packet for a block that `has`: a view valid until the next load(). `length` is the block's
   * data length (blksize, less for the last one).
   */
  packet(block: number, wire: number, length: number): Uint8Array;
  /**
   * Makes blocks from `block` on available, as many as a chunk holds (at least `count`). `fresh`: packets
   * handed out earlier may still be queued for sending, so they must not be overwritten.
   */
  load(block: number, count: number, fresh: boolean): Promise<void>;
}

/** A file read a chunk at a time into packet slots. */
export class FileBlocks implements BlockSource {
  private buffer: Buffer;
  private readonly slotSize: number;
  private readonly slots: number;
  /** Absolute block number held by slot 0; 0 before the first load. */
  private first = 0;
  private loaded = 0;

  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
    private readonly blksize: number,
    minSlots: number,
  ) {
    this.slotSize = 4 + blksize;
    this.slots = Math.max(minSlots, Math.min(MAX_SLOTS, Math.ceil(READ_CHUNK / blksize)));
    this.buffer = Buffer.allocUnsafe(0);
  }

  has(block: number): boolean {
    return block >= this.first && block < this.first + this.loaded;
  }

  packet(block: number, wire: number, length: number): Uint8Array {
    const at = (block - this.first) * this.slotSize;
    const buf = this.buffer;
    buf[at] = 0;
    buf[at + 1] = TFTP_DATA;
    buf[at + 2] = wire >> 8;
    buf[at + 3] = wire & 0xff;
    return buf.subarray(at, at + 4 + length);
  }

  async load(block: number, count: number, fresh: boolean): Promise<void> {
    const totalBlocks = Math.floor(this.size / this.blksize) + 1;
    const n = Math.min(Math.max(count, this.slots), totalBlocks - block + 1);
    const want = n * this.slotSize;
    if (fresh || this.buffer.length < want) this.buffer = Buffer.allocUnsafe(Math.max(want, this.slotSize));
    this.loaded = 0;
    const position = (block - 1) * this.blksize;
    // The bytes these blocks carry by the size the transfer announced; a file that grew is cut there.
    const need = Math.min(n * this.blksize, this.size - position);
    const views: Buffer[] = [];
    for (let i = 0; i < n; i++)
      views.push(this.buffer.subarray(i * this.slotSize + 4, (i + 1) * this.slotSize));
    let got = need > 0 ? (await this.handle.readv(views, position)).bytesRead : 0;
    // A short read that is not the end of the file: finish block by block.
    while (got < need) {
      const slot = Math.floor(got / this.blksize);
      const into = slot * this.slotSize + 4 + (got % this.blksize);
      const end = (slot + 1) * this.slotSize;
      const { bytesRead } = await this.handle.read(this.buffer, into, end - into, position + got);
      if (bytesRead === 0) throw new FileChangedError();
      got += bytesRead;
    }
    this.first = block;
    this.loaded = n;
  }
}

/** Bytes already in memory (a netascii conversion): every block is available, each packet a new buffer. */
export class MemoryBlocks implements BlockSource {
  readonly size: number;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly blksize: number,
  ) {
    this.size = bytes.length;
  }

  has(): boolean {
    return true;
  }

  packet(block: number, wire: number, length: number): Uint8Array {
    const offset = (block - 1) * this.blksize;
    return tftpDataPacket(wire, this.bytes.subarray(offset, offset + length));
  }

  load(): Promise<void> {
    return Promise.resolve();
  }
}

/** RFC 1350 netascii (RFC 764), as tftp-hpa sends it: LF becomes CR LF, CR becomes CR NUL. */
export function toNetascii(raw: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < raw.length; i++) if (raw[i] === 0x0a || raw[i] === 0x0d) extra++;
  if (extra === 0) return raw;
  const out = new Uint8Array(raw.length + extra);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    if (b === 0x0a) {
      out[o++] = 0x0d;
      out[o++] = 0x0a;
    } else if (b === 0x0d) {
      out[o++] = 0x0d;
      out[o++] = 0;
    } else {
      out[o++] = b;
    }
  }
  return out;
}
