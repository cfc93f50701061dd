/**
 * The TFTP server's socket edge: a listening socket for requests, and per transfer a new socket on an
 * ephemeral port (its TID, RFC 1350) driving a TftpSession. Files are read a chunk at a time, never whole.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { isIPv6 } from 'node:net';

import {
  TFTP_ERR_NOT_DEFINED,
  decodeTftp,
  encodeTftp,
  tftpError,
  type TftpPacket,
} from '../../protocol/tftp/index.js';
import { openTftpFile, realRoot } from './files.js';
import {
  TftpSession,
  tftpDataPacket,
  type TftpEndpoint,
  type TftpSessionAction,
  type TftpSessionLimits,
  type TftpTransferOutcome,
} from './session.js';

export interface TftpServerOptions extends TftpSessionLimits {
  /** Directory served. */
  root: string;
  /** Address to listen on. Default 0.0.0.0. */
  address?: string;
  /** Port to listen on; 0 lets the OS choose. Default 69. */
  port?: number;
  /** Transfers at once; further requests get ERROR 0 "Server busy". Default 512. */
  maxTransfers?: number;
}

interface TransferInfo {
  /** Sequence number of the transfer, from 1. */
  id: number;
  peer: TftpEndpoint;
  /** Requested name as displayed by the codec (non-printable bytes as \xNN). */
  filename: string;
}

export interface TftpServerEvents {
  request: TransferInfo & { opcode: string; mode: string; options: Record<string, string> };
  oack: TransferInfo & { options: Record<string, string> };
  complete: TransferInfo & {
    bytes: number;
    seconds: number;
    blksize: number;
    windowsize: number;
    retransmits: number;
  };
  /** A transfer that did not complete: refused, ended by the client, timed out, or a socket error. */
  error: TransferInfo & {
    end: TftpTransferOutcome['end'] | 'socket';
    errorCode?: number;
    message: string;
    /** Server-side detail (why a file was refused); never sent to the client. */
    reason?: string;
    bytes: number;
    seconds: number;
  };
}

export type TftpServerEventName = keyof TftpServerEvents;

export interface TftpServer {
  address(): { address: string; port: number; family: string };
  /** Transfers in progress. */
  transfers(): number;
  on<K extends TftpServerEventName>(event: K, listener: (event: TftpServerEvents[K]) => void): TftpServer;
  off<K extends TftpServerEventName>(event: K, listener: (event: TftpServerEvents[K]) => void): TftpServer;
  /** Stops listening and aborts the transfers in progress. */
  close(): Promise<void>;
}

/** Bytes read from the file at once (at least one window). */
const READ_CHUNK = 256 * 1024;

/** A read-ahead buffer over a file: blocks are served from it, the file is read a chunk at a time. */
class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;

  constructor(private readonly handle: FileHandle) {}

  /** A view of [offset, offset + length), valid until the next call. */
  async get(offset: number, length: number): Promise<Uint8Array> {
    if (offset < this.start || offset + length > this.end) {
      const want = Math.max(READ_CHUNK, length);
      if (this.buffer.length < want) this.buffer = Buffer.allocUnsafe(want);
      const { bytesRead } = await this.handle.read(this.buffer, 0, want, offset);
      this.start = offset;
      this.end = offset + bytesRead;
      if (offset + length > this.end) throw new Error('file shrank during the transfer');
    }
    return this.buffer.subarray(offset - this.start, offset - this.start + length);
  }
}

class Transfer {
  readonly info: TransferInfo;
  private handle: FileHandle | null = null;
  private reader: ChunkReader | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  private reason: string | undefined;
  private pending = 0;

  constructor(
    readonly server: Server,
    readonly session: TftpSession,
    readonly socket: Socket,
    info: TransferInfo,
  ) {
    this.info = info;
    socket.on('message', (msg, rinfo) => this.run(session.receive(msg, endpoint(rinfo), Date.now())));
    socket.on('error', (err) => this.fail(err));
  }

  async start(root: string): Promise<void> {
    const name = this.session.fileToOpen;
    if (name === null) {
      this.run(this.session.start(null, Date.now()));
      return;
    }
    const opened = await openTftpFile(root, name);
    if (this.closed) {
      if (opened.ok) await opened.handle.close();
      return;
    }
    if (!opened.ok) {
      this.reason = opened.reason;
      this.run(this.session.start({ errorCode: opened.code, errorMessage: opened.message }, Date.now()));
      return;
    }
    this.handle = opened.handle;
    this.reader = new ChunkReader(opened.handle);
    this.run(this.session.start({ size: opened.size }, Date.now()));
  }

  /** Carries out actions in order; data reads are async, so later actions wait for earlier ones. */
  private run(actions: TftpSessionAction[]): void {
    if (actions.length === 0) return;
    this.chain = this.chain.then(() => this.perform(actions)).catch((err: unknown) => this.fail(err));
  }

  private async perform(actions: TftpSessionAction[]): Promise<void> {
    for (const action of actions) {
      if (this.closed) return;
      switch (action.type) {
        case 'send':
          this.send(action.bytes, action.to);
          if (action.packet.opcode === 'OACK')
            this.server.emit('oack', { ...this.info, options: action.packet.options ?? {} });
          break;
        case 'send-data':
          await this.sendData(action.to, action.blocks);
          break;
        case 'timer':
          this.arm(action.ms);
          break;
        case 'done':
          this.finish(action.outcome);
          break;
      }
    }
  }

  private async sendData(to: TftpEndpoint, blocks: { wire: number; offset: number; length: number }[]) {
    const reader = this.reader;
    if (reader === null || blocks.length === 0) return;
    const first = blocks[0];
    const last = blocks[blocks.length - 1];
    const bytes = await reader.get(first.offset, last.offset + last.length - first.offset);
    if (this.closed) return;
    for (const b of blocks) {
      const at = b.offset - first.offset;
      this.send(tftpDataPacket(b.wire, bytes.subarray(at, at + b.length)), to);
    }
  }

  /** Sends one datagram; the socket closes only once every queued send has left. */
  send(bytes: Uint8Array, to: TftpEndpoint): void {
    this.pending++;
    this.socket.send(bytes, to.port, to.address, () => {
      this.pending--;
      if (this.closed && this.pending === 0) this.closeSocket();
    });
  }

  private closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  private arm(ms: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run(this.session.timeout(Date.now()));
    }, ms);
  }

  private finish(outcome: TftpTransferOutcome): void {
    const seconds = outcome.ms / 1000;
    if (outcome.end === 'complete') {
      const negotiated = this.session.negotiated;
      this.server.emit('complete', {
        ...this.info,
        bytes: outcome.bytes,
        seconds,
        blksize: negotiated?.blksize ?? 512,
        windowsize: negotiated?.windowsize ?? 1,
        retransmits: outcome.retransmits,
      });
    } else {
      const event: TftpServerEvents['error'] = {
        ...this.info,
        end: outcome.end,
        message: outcome.end === 'timeout' ? 'timed out' : (outcome.errorMessage ?? ''),
        bytes: outcome.bytes,
        seconds,
      };
      if (outcome.errorCode !== undefined) event.errorCode = outcome.errorCode;
      if (this.reason !== undefined) event.reason = this.reason;
      this.server.emit('error', event);
    }
    this.close();
  }

  private fail(err: unknown): void {
    if (this.closed) return;
    this.server.emit('error', {
      ...this.info,
      end: 'socket',
      message: err instanceof Error ? err.message : String(err),
      bytes: 0,
      seconds: 0,
    });
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // Queued sends (a final ERROR) leave first; the last send's callback closes the socket then.
    if (this.pending === 0) this.closeSocket();
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) void handle.close().catch(() => undefined);
    this.server.forget(this);
  }
}

function endpoint(rinfo: RemoteInfo): TftpEndpoint {
  return { address: rinfo.address, port: rinfo.port };
}

type Listeners = { [K in TftpServerEventName]: Set<(event: TftpServerEvents[K]) => void> };

class Server implements TftpServer {
  private readonly listeners: Listeners = {
    request: new Set(),
    oack: new Set(),
    complete: new Set(),
    error: new Set(),
  };
  private readonly active = new Map<string, Transfer>();
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly socket: Socket,
    private readonly root: string,
    private readonly options: TftpServerOptions,
  ) {
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    // A bound UDP socket reports little (no ICMP on unconnected sockets); it must not crash the process.
    socket.on('error', () => undefined);
  }

  address(): { address: string; port: number; family: string } {
    const a = this.socket.address();
    return { address: a.address, port: a.port, family: a.family };
  }

  transfers(): number {
    return this.active.size;
  }

  on<K extends TftpServerEventName>(event: K, listener: (event: TftpServerEvents[K]) => void): TftpServer {
    (this.listeners[event] as Set<(event: TftpServerEvents[K]) => void>).add(listener);
    return this;
  }

  off<K extends TftpServerEventName>(event: K, listener: (event: TftpServerEvents[K]) => void): TftpServer {
    (this.listeners[event] as Set<(event: TftpServerEvents[K]) => void>).delete(listener);
    return this;
  }

  emit<K extends TftpServerEventName>(event: K, payload: TftpServerEvents[K]): void {
    for (const listener of this.listeners[event] as Set<(event: TftpServerEvents[K]) => void>)
      listener(payload);
  }

  forget(transfer: Transfer): void {
    const key = peerKey(transfer.info.peer);
    if (this.active.get(key) === transfer) this.active.delete(key);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const transfer of [...this.active.values()]) transfer.close();
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
  }

  private onRequest(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.closing) return;
    const pkt = decodeTftp(msg);
    // Only requests start a transfer; anything else sent to the request port is dropped.
    if (pkt.opcode !== 'RRQ' && pkt.opcode !== 'WRQ') return;
    const peer = endpoint(rinfo);
    const key = peerKey(peer);
    // A client resending its request while its transfer runs: the transfer already answers it.
    if (this.active.has(key)) return;
    const busy = this.active.size >= (this.options.maxTransfers ?? 512);
    this.startTransfer(pkt, peer, key, busy);
  }

  private startTransfer(pkt: TftpPacket, peer: TftpEndpoint, key: string, busy: boolean): void {
    const info: TransferInfo = { id: this.nextId++, peer, filename: pkt.filename ?? '' };
    this.emit('request', {
      ...info,
      opcode: pkt.opcode,
      mode: pkt.mode ?? '',
      options: { ...(pkt.options ?? {}) },
    });
    const local = this.socket.address();
    const socket = createSocket({ type: local.family === 'IPv6' ? 'udp6' : 'udp4' });
    const session = new TftpSession(pkt, peer, Date.now(), this.options);
    const transfer = new Transfer(this, session, socket, info);
    this.active.set(key, transfer);
    socket.bind(0, local.address, () => {
      if (busy) {
        // No file is opened: ERROR 0 from the transfer's own port, then the transfer ends.
        this.refuseBusy(transfer);
        return;
      }
      transfer.start(this.root).catch((err: unknown) => {
        this.emit('error', { ...info, end: 'socket', message: String(err), bytes: 0, seconds: 0 });
        transfer.close();
      });
    });
  }

  private refuseBusy(transfer: Transfer): void {
    const peer = transfer.info.peer;
    transfer.send(encodeTftp(tftpError(TFTP_ERR_NOT_DEFINED, 'Server busy')), peer);
    this.emit('error', {
      ...transfer.info,
      end: 'refused',
      errorCode: 0,
      message: 'Server busy',
      bytes: 0,
      seconds: 0,
    });
    transfer.close();
  }
}

function peerKey(peer: TftpEndpoint): string {
  return `${peer.address}|${peer.port}`;
}

/** Starts a TFTP server; resolves once it listens. */
export async function createTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const root = await realRoot(options.root);
  const address = options.address ?? '0.0.0.0';
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 69, address, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return new Server(socket, root, options);
}
