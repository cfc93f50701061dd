/**
 * One TFTP read transfer as a pure state machine: no sockets, no timers, no files. It is fed events (the
 * request, the file lookup, datagrams, timer expiries, each with the current time) and answers with
 * actions (send these bytes, send these file blocks, arm the timer, done). server.ts carries them out.
 *
 * RFC 1350 (lockstep), RFC 2347 (OACK), 2348 (blksize), 2349 (timeout, tsize), 7440 (windowsize).
 */
import {
  TFTP_ACK,
  TFTP_ERR_ACCESS_VIOLATION,
  TFTP_ERR_ILLEGAL_OPERATION,
  TFTP_ERR_UNKNOWN_TID,
  BLKSIZE_MAX,
  BLKSIZE_MIN,
  decodeTftp,
  encodeTftp,
  parseOptionNumber,
  tftpError,
  tftpOack,
  type TftpPacket,
} from '../../protocol/tftp/index.js';
import { getLayout } from '../../protocol/tftp/layout.js';
import {
  DEFAULT_MAX_TIMEOUT_MS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
  retransmitDelayMs,
} from './timing.js';

export {
  DEFAULT_MAX_TIMEOUT_MS,
  DEFAULT_MAX_WAIT_MS,
  DEFAULT_RETRIES,
  DEFAULT_TIMEOUT_MS,
} from './timing.js';

/** A UDP endpoint: where a datagram came from or goes to. */
export interface TftpEndpoint {
  address: string;
  port: number;
}

export interface TftpSessionLimits {
  /**
   * MTU of the interface the server answers on: blksize is capped to mtu − 32 (IPv4 20 + UDP 8 + TFTP 4
   * bytes), as dnsmasq does, so no DATA packet is fragmented. With it, maxBlksize defaults to mtu − 32.
   */
  mtu?: number;
  /** Largest blksize granted (RFC 2348 allows 8–65464). Default 1468: a 1500-byte MTU less IP/UDP/TFTP. */
  maxBlksize?: number;
  /** Largest windowsize granted (RFC 7440 allows 1–65535). Default 64. */
  maxWindowsize?: number;
  /** Retransmission timeout when the client does not ask one, in ms. Default DEFAULT_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Retransmissions of one packet (or window) before giving up. Default DEFAULT_RETRIES. */
  retries?: number;
  /** Ceiling of the exponential back-off, in ms. Default DEFAULT_MAX_TIMEOUT_MS. */
  maxTimeoutMs?: number;
  /**
   * Longest wait for the client without progress, in ms, whatever timeout it asked for; then the transfer
   * ends as a timeout. Default DEFAULT_MAX_WAIT_MS.
   */
  maxWaitMs?: number;
}

export const DEFAULT_MAX_BLKSIZE = 1468;
export const DEFAULT_MAX_WINDOWSIZE = 64;
/** The text of the ERROR 5 a packet from a foreign TID gets (RFC 1350). */
export const UNKNOWN_TID_MESSAGE = 'Unknown transfer ID';
/** Bytes of headers a DATA packet carries besides its block: IPv4 20, UDP 8, TFTP 4. */
export const BLKSIZE_MTU_OVERHEAD = 32;

/** What the file lookup found: the size of a file ready to read, or the TFTP error to answer. */
export type TftpFileLookup = { size: number } | { errorCode: number; errorMessage: string };

/** One DATA block to send: its absolute number (1-based, never wraps), its 16-bit wire number, its bytes. */
export interface TftpDataBlock {
  block: number;
  wire: number;
  offset: number;
  length: number;
}

export type TftpTransferEnd =
  /** Every block was acknowledged. */
  | 'complete'
  /** The request was answered with an ERROR (missing file, write request, bad mode, …). */
  | 'refused'
  /** The client sent an ERROR (a tsize probe ends this way, with code 8, after the OACK). */
  | 'client-error'
  /** No progress after the last retransmission. */
  | 'timeout'
  /** The server stopped the transfer with an ERROR (the file changed size or could not be read). */
  | 'aborted';

export interface TftpTransferOutcome {
  end: TftpTransferEnd;
  /** File bytes acknowledged by the client. */
  bytes: number;
  /** Milliseconds from the request to the end (by the `now` values given). */
  ms: number;
  /** DATA/OACK packets sent again after a timeout. */
  retransmits: number;
  /** The ERROR sent (refused) or received (client-error). */
  errorCode?: number;
  errorMessage?: string;
}

export type TftpSessionAction =
  | { type: 'send'; to: TftpEndpoint; bytes: Uint8Array; packet: TftpPacket }
  /** Read these contiguous blocks from the file and send each as DATA (see tftpDataPacket) to `to`. */
  | { type: 'send-data'; to: TftpEndpoint; blocks: TftpDataBlock[]; retransmit: boolean }
  /** (Re)arm the single transfer timer: call timeout() after `ms`, unless another 'timer' replaces it. */
  | { type: 'timer'; ms: number }
  /** The transfer is over: clear the timer, close the socket and the file. */
  | { type: 'done'; outcome: TftpTransferOutcome };

/** Options granted in the OACK, and the transfer parameters in force. */
export interface TftpNegotiated {
  blksize: number;
  windowsize: number;
  timeoutMs: number;
  /** Options echoed in the OACK, in the client's order (names lower-case); empty: no OACK. */
  oack: Record<string, string>;
}

type Phase = 'new' | 'oack' | 'data' | 'done';

/** The DATA packet bytes for one block: byte for byte what encodeTftp(tftpData(wire, data)) gives. */
export function tftpDataPacket(wire: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  out[1] = 3;
  out[2] = (wire >> 8) & 0xff;
  out[3] = wire & 0xff;
  out.set(data, 4);
  return out;
}

function sameEndpoint(a: TftpEndpoint, b: TftpEndpoint): boolean {
  return a.port === b.port && a.address === b.address;
}

/** Grants the options the server accepts, capped to its limits; unknown or malformed ones are left out. */
export function negotiateOptions(
  options: Readonly<Record<string, string>>,
  fileSize: number,
  limits: Required<TftpSessionLimits>,
): TftpNegotiated {
  const result: TftpNegotiated = { blksize: 512, windowsize: 1, timeoutMs: limits.timeoutMs, oack: {} };
  for (const name of Object.keys(options)) {
    const n = parseOptionNumber(options[name]);
    if (Number.isNaN(n)) continue;
    switch (name) {
      case 'blksize':
        if (n < BLKSIZE_MIN) break;
        result.blksize = Math.min(n, limits.maxBlksize, BLKSIZE_MAX);
        result.oack.blksize = String(result.blksize);
        break;
      case 'windowsize':
        if (n < 1 || n > 65535) break;
        result.windowsize = Math.min(n, limits.maxWindowsize);
        result.oack.windowsize = String(result.windowsize);
        break;
      case 'timeout':
        if (n < 1 || n > 255) break;
        result.timeoutMs = n * 1000;
        result.oack.timeout = String(n);
        break;
      case 'tsize':
        // RFC 2349: a read request carries tsize 0 and the server answers the real size.
        result.oack.tsize = String(fileSize);
        break;
    }
  }
  return result;
}

export function resolveLimits(limits: TftpSessionLimits = {}): Required<TftpSessionLimits> {
  const mtu = limits.mtu !== undefined && limits.mtu > 0 ? limits.mtu : 0;
  const mtuCap = mtu > 0 ? mtu - BLKSIZE_MTU_OVERHEAD : BLKSIZE_MAX;
  const asked = Math.min(limits.maxBlksize ?? (mtu > 0 ? mtuCap : DEFAULT_MAX_BLKSIZE), mtuCap);
  const maxBlksize = Math.max(BLKSIZE_MIN, Math.min(BLKSIZE_MAX, asked));
  // The window must stay under 65536 blocks so a 16-bit ACK names exactly one block of it.
  const maxWindowsize = Math.max(1, Math.min(65535, limits.maxWindowsize ?? DEFAULT_MAX_WINDOWSIZE));
  return {
    mtu,
    maxBlksize,
    maxWindowsize,
    timeoutMs: Math.max(1, limits.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    retries: Math.max(0, limits.retries ?? DEFAULT_RETRIES),
    maxTimeoutMs: Math.max(1, limits.maxTimeoutMs ?? DEFAULT_MAX_TIMEOUT_MS),
    maxWaitMs: Math.max(1, limits.maxWaitMs ?? DEFAULT_MAX_WAIT_MS),
  };
}

export class TftpSession {
  readonly peer: TftpEndpoint;
  readonly request: TftpPacket;
  readonly limits: Required<TftpSessionLimits>;
  /** Set by start(): the parameters in force. */
  negotiated: TftpNegotiated | null = null;

  private phase: Phase = 'new';
  /** The `now` of the request: outcomes count their ms from it. */
  readonly startedAt: number;
  private size = 0;
  /** Blocks in the file: the last one is short (possibly empty). */
  private totalBlocks = 0;
  /** Highest block acknowledged (absolute). */
  private acked = 0;
  /** Highest block sent (absolute). */
  private sentUpTo = 0;
  /** Timeouts in a row without progress. */
  private tries = 0;
  private retransmits = 0;
  private lastControl: { bytes: Uint8Array; packet: TftpPacket } | null = null;
  /** The last progress (start, the OACK's ACK, a window advanced): maxWaitMs counts from it. */
  private progressAt = 0;
  /** The `now` of the last call: the timer's ceiling is computed from it. */
  private clock = 0;

  constructor(request: TftpPacket, peer: TftpEndpoint, now: number, limits: TftpSessionLimits = {}) {
    this.request = request;
    this.peer = peer;
    this.startedAt = now;
    this.limits = resolveLimits(limits);
  }

  /**
   * The raw filename bytes of a read request that should be looked up, or null when the request is refused
   * whatever the file (a write request, an unknown mode, a malformed request): then call start(null).
   */
  get fileToOpen(): Uint8Array | null {
    if (this.refusal() !== null) return null;
    return getLayout(this.request)?.strings[0] ?? null;
  }

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Starts the transfer once the file was looked up (null when fileToOpen was null). */
  start(file: TftpFileLookup | null, now: number): TftpSessionAction[] {
    if (this.phase !== 'new') return [];
    const refusal = this.refusal();
    if (refusal !== null) return this.refuse(refusal[0], refusal[1], now);
    if (file === null) return this.refuse(TFTP_ERR_ACCESS_VIOLATION, 'Access violation', now);
    if ('errorCode' in file) return this.refuse(file.errorCode, file.errorMessage, now);
    this.size = file.size;
    this.progressAt = now;
    this.clock = now;
    this.negotiated = negotiateOptions(this.request.options ?? {}, file.size, this.limits);
    this.totalBlocks = Math.floor(file.size / this.negotiated.blksize) + 1;
    if (Object.keys(this.negotiated.oack).length > 0) {
      this.phase = 'oack';
      return [this.control(tftpOack(this.negotiated.oack)), this.timer()];
    }
    this.phase = 'data';
    return this.sendWindow(false);
  }

  /** A datagram that arrived on the transfer's socket. */
  receive(bytes: Uint8Array, from: TftpEndpoint, now: number, decoded?: TftpPacket): TftpSessionAction[] {
    if (this.phase === 'done' || this.phase === 'new') return [];
    if (!sameEndpoint(from, this.peer)) {
      // RFC 1350: a packet from another TID gets ERROR 5, and the transfer goes on undisturbed.
      const packet = tftpError(TFTP_ERR_UNKNOWN_TID, UNKNOWN_TID_MESSAGE);
      return [{ type: 'send', to: from, bytes: encodeTftp(packet), packet }];
    }
    // An ACK (the packet of nearly every exchange) is read in place: no decoding, no allocation.
    if (decoded === undefined && bytes.length >= 4 && bytes[0] === 0 && bytes[1] === TFTP_ACK)
      return this.ack((bytes[2] << 8) | bytes[3], now);
    const pkt = decoded ?? decodeTftp(bytes);
    if (pkt.opcode === 'ERROR') {
      return this.finish(now, 'client-error', pkt.errorCode ?? 0, pkt.errorMessage ?? '');
    }
    if (pkt.opcode !== 'ACK' || pkt.block === undefined) return [];
    return this.ack(pkt.block, now);
  }

  /**
   * The server gives up on the transfer (the file shrank or a read failed): ERROR to the client, then done.
   * `message` goes on the wire: a fixed text, never a path.
   */
  abort(code: number, message: string, now: number): TftpSessionAction[] {
    if (this.phase === 'done') return [];
    return [this.control(tftpError(code, message)), ...this.finish(now, 'aborted', code, message)];
  }

  private ack(wire: number, now: number): TftpSessionAction[] {
    if (this.phase === 'oack') {
      if (wire !== 0) return [];
      this.phase = 'data';
      this.tries = 0;
      this.progressAt = this.clock = now;
      return this.sendWindow(false);
    }
    // The ACK names one block of [acked, sentUpTo]; anything else is stale.
    const block = this.acked + ((wire - (this.acked & 0xffff)) & 0xffff);
    if (block > this.sentUpTo) return [];
    // A duplicate ACK is never answered: resending on it is the Sorcerer's Apprentice bug. The timer
    // covers a lost window.
    if (block === this.acked) return [];
    this.acked = block;
    this.tries = 0;
    this.progressAt = this.clock = now;
    if (this.acked >= this.totalBlocks) return this.finish(now, 'complete');
    // A full window acked: the next one. A partial one (RFC 7440: the client saw a gap): resend from there.
    return this.sendWindow(false);
  }

  /** The timer armed by the last 'timer' action fired. */
  timeout(now: number): TftpSessionAction[] {
    if (this.phase === 'done' || this.phase === 'new') return [];
    this.clock = now;
    if (now - this.progressAt >= this.limits.maxWaitMs) return this.finish(now, 'timeout');
    if (this.tries >= this.limits.retries) return this.finish(now, 'timeout');
    this.tries++;
    this.retransmits++;
    if (this.phase === 'oack' && this.lastControl !== null) {
      const { bytes, packet } = this.lastControl;
      return [{ type: 'send', to: this.peer, bytes, packet }, this.timer()];
    }
    return this.sendWindow(true);
  }

  /** Why the request is refused before any file lookup, or null. */
  private refusal(): [number, string] | null {
    const req = this.request;
    if (req.opcode === 'WRQ') return [TFTP_ERR_ACCESS_VIOLATION, 'Write not supported'];
    if (req.opcode !== 'RRQ') return [TFTP_ERR_ILLEGAL_OPERATION, 'Illegal TFTP operation'];
    const layout = getLayout(req);
    if (req.filename === undefined || req.mode === undefined || layout === undefined || layout.unterminated)
      return [TFTP_ERR_ILLEGAL_OPERATION, 'Illegal TFTP operation'];
    if (layout.strings[0].length === 0) return [TFTP_ERR_ACCESS_VIOLATION, 'Access violation'];
    const mode = req.mode.toLowerCase();
    if (mode !== 'octet' && mode !== 'netascii') return [TFTP_ERR_ILLEGAL_OPERATION, 'Unsupported mode'];
    return null;
  }

  /** Blocks acked+1 … acked+window (not past the last), and the timer. */
  private sendWindow(retransmit: boolean): TftpSessionAction[] {
    const negotiated = this.negotiated;
    if (negotiated === null) return [];
    const last = Math.min(this.acked + negotiated.windowsize, this.totalBlocks);
    const blocks: TftpDataBlock[] = [];
    for (let b = this.acked + 1; b <= last; b++) {
      const offset = (b - 1) * negotiated.blksize;
      blocks.push({
        block: b,
        wire: b & 0xffff,
        offset,
        length: Math.min(negotiated.blksize, this.size - offset),
      });
    }
    this.sentUpTo = Math.max(this.sentUpTo, last);
    return [{ type: 'send-data', to: this.peer, blocks, retransmit }, this.timer()];
  }

  private timer(): TftpSessionAction {
    const base = this.negotiated?.timeoutMs ?? this.limits.timeoutMs;
    const delay = retransmitDelayMs(base, this.tries, this.limits.maxTimeoutMs);
    // Never past the server's ceiling, however long a timeout the client asked for.
    const left = this.progressAt + this.limits.maxWaitMs - this.clock;
    return { type: 'timer', ms: Math.max(1, Math.min(delay, left)) };
  }

  private control(packet: TftpPacket): TftpSessionAction {
    const bytes = encodeTftp(packet);
    this.lastControl = { bytes, packet };
    return { type: 'send', to: this.peer, bytes, packet };
  }

  private refuse(code: number, message: string, now: number): TftpSessionAction[] {
    return [this.control(tftpError(code, message)), ...this.finish(now, 'refused', code, message)];
  }

  private finish(
    now: number,
    end: TftpTransferEnd,
    errorCode?: number,
    errorMessage?: string,
  ): TftpSessionAction[] {
    this.phase = 'done';
    const bytes = this.negotiated === null ? 0 : Math.min(this.size, this.acked * this.negotiated.blksize);
    const outcome: TftpTransferOutcome = {
      end,
      bytes,
      ms: now - this.startedAt,
      retransmits: this.retransmits,
    };
    if (errorCode !== undefined) outcome.errorCode = errorCode;
    if (errorMessage !== undefined) outcome.errorMessage = errorMessage;
    return [{ type: 'done', outcome }];
  }
}
