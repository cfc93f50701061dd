/**
 * sha256 of each captured TFTP read, block by block as the DATA packets pass: a file's digest is known only
 * when every block from 1 on was in the capture, in order (a duplicate is skipped, a gap makes it unknown).
 * Data that is nothing but zero bytes is what an anonymiser leaves of a file (`fixture anonymize` zeroes TFTP
 * DATA and keeps the lengths): such a capture does not hold the file, so its digest is unknown too.
 */
import { createHash, type Hash } from 'node:crypto';
import type { DecodedPacket } from '../protocol/packet.js';

/** One direction of a transfer: the server's TID to the client's. */
export function conversationKey(
  serverIp: string,
  serverPort: number,
  clientIp: string,
  clientPort: number,
): string {
  return `${serverIp}:${serverPort}>${clientIp}:${clientPort}`;
}

interface Running {
  hash: Hash;
  /** Next block expected, 16-bit wire number. */
  next: number;
  bytes: number;
  broken: boolean;
  /** Every byte so far was zero. */
  zeroed: boolean;
  chunks: Uint8Array[] | null;
}

export class DataHashes {
  private readonly running = new Map<string, Running>();

  /** `keep`: also keep the bytes (a reference server's root is made of them). */
  constructor(private readonly keep: boolean) {}

  add(p: DecodedPacket): void {
    if (p.protocol !== 'tftp' || p.tftp.opcode !== 'DATA' || p.tftp.block === undefined) return;
    const data = p.tftp.data;
    const key = conversationKey(p.src, p.srcPort, p.dst, p.dstPort);
    let r = this.running.get(key);
    if (r === undefined) {
      if (p.tftp.block !== 1) return;
      r = {
        hash: createHash('sha256'),
        next: 1,
        bytes: 0,
        broken: false,
        zeroed: true,
        chunks: this.keep ? [] : null,
      };
      this.running.set(key, r);
    }
    if (r.broken) return;
    if (p.tftp.block !== r.next) {
      // The previous block again is a retransmission; anything else is a gap.
      if (p.tftp.block !== ((r.next - 1) & 0xffff)) r.broken = true;
      return;
    }
    if (data === undefined || data.length !== p.tftp.dataLength) {
      r.broken = true;
      return;
    }
    r.hash.update(data);
    if (r.zeroed) r.zeroed = data.every((b) => b === 0);
    if (r.chunks !== null) r.chunks.push(data.slice());
    r.bytes += data.length;
    r.next = (r.next + 1) & 0xffff;
  }

  /**
   * The digest (and bytes when kept) of a transfer of `size` bytes, or null when not every block was seen or
   * the data was zeroed.
   */
  result(key: string, size: number): { sha256: string; data: Uint8Array | null } | null {
    const r = this.running.get(key);
    if (r === undefined || r.broken || r.bytes !== size || (r.zeroed && size > 0)) return null;
    const data = r.chunks === null ? null : Buffer.concat(r.chunks);
    return { sha256: r.hash.copy().digest('hex'), data };
  }
}
