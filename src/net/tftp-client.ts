/**
 * A small TFTP read client on the project's codec, for the server's tests and benchmark and for checking a
 * server by hand: RRQ with blksize/windowsize/tsize, lockstep or RFC 7440 windows, sha256 of what came.
 * It talks through a DatagramLink (link.ts): the kernel's UDP socket by default, or one the caller gives.
 */
import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';

import {
  TFTP_ACK,
  TFTP_DATA,
  TFTP_ERR_OPTION_NEGOTIATION,
  TFTP_ERR_UNKNOWN_TID,
  decodeTftp,
  encodeTftp,
  tftpError,
  tftpNumericOption,
  tftpRrq,
} from '../protocol/tftp/index.js';
import type { DatagramLink } from './link.js';
import { openUdpLink } from './udp-link.js';

export interface TftpGetOptions {
  host: string;
  port: number;
  filename: string;
  mode?: string;
  blksize?: number;
  windowsize?: number;
  /** Ask tsize=0. */
  tsize?: boolean;
  /** Only ask the size: stop with ERROR 8 after the OACK (as PXE firmware does before the real read). */
  probe?: boolean;
  /** Retransmission timeout, ms. Default 1000. */
  timeoutMs?: number;
  /** Retransmissions before giving up. Default 5. */
  retries?: number;
  /** Keep the file bytes in the result. Default true. */
  keep?: boolean;
  /**
   * SO_RCVBUF of the client socket, bytes (the kernel caps it at net.core.rmem_max). Default: room for four
   * windows, so a window sent at once is not dropped by a default-sized buffer (212 992 bytes on Linux hold
   * barely 16 blocks of 8192 on loopback).
   */
  recvBufferSize?: number;
  /** The link to talk through (the transfer closes it when done); default a new UDP socket. */
  link?: DatagramLink;
}

export interface TftpGetResult {
  bytes: number;
  sha256: string;
  seconds: number;
  /** The OACK options, or null when the server answered with DATA. */
  oack: Record<string, string> | null;
  /** tsize from the OACK, if any. */
  tsize: number | null;
  data: Buffer | null;
  /** Server's TID (transfer port). */
  serverPort: number;
}

export class TftpClientError extends Error {
  constructor(
    message: string,
    readonly code: number | null,
  ) {
    super(message);
    this.name = 'TftpClientError';
  }
}

const HASH_BATCH = 1 << 20;

/** What a received datagram costs in the receive buffer besides its payload (skb, headers), roughly. */
const RECV_OVERHEAD = 1024;

export async function tftpGet(options: TftpGetOptions): Promise<TftpGetResult> {
  const started = process.hrtime.bigint();
  const asked = (options.blksize ?? 512) + 4 + RECV_OVERHEAD;
  const link =
    options.link ??
    (await openUdpLink({
      ipv6: isIPv6(options.host),
      recvBufferSize: options.recvBufferSize ?? 4 * (options.windowsize ?? 1) * asked,
    }));
  return transfer(link, options, started);
}

/** One read over `link`, which it closes at the end. */
function transfer(link: DatagramLink, options: TftpGetOptions, started: bigint): Promise<TftpGetResult> {
  const timeoutMs = options.timeoutMs ?? 1000;
  const retries = options.retries ?? 5;
  const keep = options.keep ?? true;
  const requested: Record<string, string | number> = {};
  if (options.blksize !== undefined) requested.blksize = options.blksize;
  if (options.windowsize !== undefined) requested.windowsize = options.windowsize;
  if (options.tsize === true || options.probe === true) requested.tsize = 0;
  const rrq = encodeTftp(tftpRrq(options.filename, options.mode ?? 'octet', requested));

  return new Promise<TftpGetResult>((resolve, reject) => {
    const hash = createHash('sha256');
    // Blocks are hashed a megabyte at a time: one hash call per block costs more than the copy.
    const staging = Buffer.allocUnsafe(HASH_BATCH);
    let staged = 0;
    const digest = (data: Uint8Array): void => {
      if (staged + data.length > staging.length) {
        hash.update(staging.subarray(0, staged));
        staged = 0;
      }
      if (data.length > staging.length) hash.update(data);
      else {
        staging.set(data, staged);
        staged += data.length;
      }
    };
    const chunks: Buffer[] = [];
    let bytes = 0;
    let blksize = 512;
    let windowsize = 1;
    let server: { address: string; port: number } | null = null;
    let oack: Record<string, string> | null = null;
    let tsize: number | null = null;
    let last = 0;
    let inWindow = 0;
    let lastSent: Uint8Array = rrq;
    let tries = 0;
    let timer: NodeJS.Timeout | null = null;
    let finished = false;

    let pending = 0;
    const send = (packet: Uint8Array): void => {
      lastSent = packet;
      pending++;
      const sent = (): void => {
        // The final ACK (or ERROR) must leave before the socket closes.
        if (--pending === 0 && finished) link.close();
      };
      link.send(packet, server ?? { address: options.host, port: options.port }, sent);
    };
    // One timer for the whole transfer: each packet only moves the deadline (a timer per packet is churn).
    let deadline = 0;
    const onTimer = (): void => {
      timer = null;
      if (finished) return;
      const now = Date.now();
      if (now < deadline) {
        timer = setTimeout(onTimer, deadline - now);
        return;
      }
      if (++tries > retries) {
        end(new TftpClientError('timed out', null));
        return;
      }
      // Nothing came since our last packet: say it again (RRQ, or the ACK of the last block in order).
      send(lastSent);
      arm();
    };
    const arm = (): void => {
      deadline = Date.now() + timeoutMs;
      if (timer === null) timer = setTimeout(onTimer, timeoutMs);
    };
    const end = (error: Error | null): void => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      if (pending === 0) link.close();
      if (error !== null) {
        reject(error);
        return;
      }
      resolve({
        bytes,
        sha256: hash.update(staging.subarray(0, staged)).digest('hex'),
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        oack,
        tsize,
        data: keep ? Buffer.concat(chunks) : null,
        serverPort: server?.port ?? 0,
      });
    };
    const ack = (): void => {
      inWindow = 0;
      send(Buffer.from([0, TFTP_ACK, (last >> 8) & 0xff, last & 0xff]));
    };

    link.onError((err) => end(err));
    link.listen((msg, from) => {
      if (finished) return;
      if (server === null) server = from;
      else if (from.port !== server.port || from.address !== server.address) {
        link.send(encodeTftp(tftpError(TFTP_ERR_UNKNOWN_TID, 'Unknown transfer ID')), from);
        return;
      }
      // DATA, the packet of nearly every exchange, is read in place; the rest goes through the codec.
      if (msg.length >= 4 && msg[0] === 0 && msg[1] === TFTP_DATA) {
        onData((msg[2] << 8) | msg[3], msg.subarray(4));
        return;
      }
      const pkt = decodeTftp(msg);
      if (pkt.opcode === 'ERROR') {
        end(
          new TftpClientError(
            `ERROR ${pkt.errorCode ?? '?'}: ${pkt.errorMessage ?? ''}`,
            pkt.errorCode ?? null,
          ),
        );
        return;
      }
      if (pkt.opcode === 'OACK' && last === 0 && oack === null) {
        oack = { ...(pkt.options ?? {}) };
        blksize = tftpNumericOption(pkt, 'blksize') ?? 512;
        windowsize = tftpNumericOption(pkt, 'windowsize') ?? 1;
        tsize = tftpNumericOption(pkt, 'tsize');
        tries = 0;
        if (options.probe === true) {
          send(encodeTftp(tftpError(TFTP_ERR_OPTION_NEGOTIATION, 'tsize probe')));
          end(null);
          return;
        }
        ack();
        arm();
      }
    });
    const onData = (block: number, data: Uint8Array): void => {
      tries = 0;
      if (block !== ((last + 1) & 0xffff)) {
        // A gap or a duplicate: acknowledge what came in order (RFC 7440), the server resends from there.
        ack();
        arm();
        return;
      }
      last++;
      inWindow++;
      bytes += data.length;
      digest(data);
      if (keep) chunks.push(Buffer.from(data));
      if (data.length < blksize) {
        ack();
        end(null);
        return;
      }
      if (inWindow >= windowsize) ack();
      arm();
    };

    send(rrq);
    arm();
  });
}
