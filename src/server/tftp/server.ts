/**
 * The TFTP server's socket edge: a listening socket for requests, and per transfer a new socket on an
 * ephemeral port (its TID, RFC 1350) driving a TftpSession. Files are read a chunk at a time straight into
 * packet buffers (blocks.ts); only netascii files are read whole, to convert them. A window whose blocks are
 * in memory is sent synchronously from the ACK's callback: no promise, no timer and no allocation per packet.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';
import { isIP, isIPv6 } from 'node:net';

import {
  TFTP_ERR_NOT_DEFINED,
  decodeTftp,
  encodeTftp,
  tftpError,
  type TftpPacket,
} from '../../protocol/tftp/index.js';
import {
  FileBlocks,
  FileChangedError,
  MemoryBlocks,
  NETASCII_MAX_BYTES,
  toNetascii,
  type BlockSource,
} from './blocks.js';
import { openTftpFile, realRoot } from './files.js';
import {
  TftpSession,
  type TftpDataBlock,
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

class Transfer {
  readonly info: TransferInfo;
  private blocks: BlockSource | null = null;
  private handle: FileHandle | null = null;
  /** Actions waiting for a file read to finish (null: none is running). */
  private waiting: TftpSessionAction[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** When the session's timer is due (ms since the epoch); the Node timer may be set earlier or later. */
  private deadline = 0;
  /** When the Node timer fires. */
  private timerAt = 0;
  private closed = false;
  private reason: string | undefined;
  /** Control packets (OACK, ERROR) not yet handed to the kernel: the socket closes after them. */
  private pendingControl = 0;

  constructor(
    readonly server: Server,
    readonly session: TftpSession,
    readonly socket: Socket,
    /** The request's bytes: the same request again is a retransmission, another one a new transfer. */
    readonly requestBytes: Uint8Array,
    info: TransferInfo,
  ) {
    this.info = info;
    // RemoteInfo has the address and port a TftpEndpoint needs: no copy per packet.
    socket.on('message', (msg, rinfo) => {
      if (!this.closed) this.run(session.receive(msg, rinfo, Date.now()));
    });
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
    let size = opened.size;
    let netascii: Uint8Array | null = null;
    if (this.session.request.mode?.toLowerCase() === 'netascii') {
      if (size > NETASCII_MAX_BYTES) {
        this.reason = `netascii transfer of a file over ${NETASCII_MAX_BYTES} bytes`;
        this.run(
          this.session.start({ errorCode: TFTP_ERR_NOT_DEFINED, errorMessage: 'File too large' }, Date.now()),
        );
        return;
      }
      const raw = Buffer.allocUnsafe(size);
      const { bytesRead } = await opened.handle.read(raw, 0, size, 0);
      netascii = toNetascii(raw.subarray(0, bytesRead));
      size = netascii.length;
      if (this.closed) return;
    }
    const actions = this.session.start({ size }, Date.now());
    const negotiated = this.session.negotiated;
    if (negotiated !== null) {
      this.blocks =
        netascii !== null
          ? new MemoryBlocks(netascii, negotiated.blksize)
          : new FileBlocks(opened.handle, size, negotiated.blksize, negotiated.windowsize);
    }
    this.run(actions);
  }

  /**
   * Carries out the session's actions in order, synchronously while the blocks to send are in memory. When
   * a file read is needed, the rest (and whatever arrives meanwhile) waits for it.
   */
  private run(actions: TftpSessionAction[]): void {
    if (this.waiting !== null) {
      for (const a of actions) this.waiting.push(a);
      return;
    }
    for (let i = 0; i < actions.length; i++) {
      if (this.closed) return;
      const action = actions[i];
      switch (action.type) {
        case 'send':
          this.send(action.bytes, action.to);
          if (action.packet.opcode === 'OACK')
            this.server.emit('oack', { ...this.info, options: action.packet.options ?? {} });
          break;
        case 'send-data':
          if (!this.sendData(action.to, action.blocks)) {
            this.waiting = actions.slice(i);
            this.load(action.blocks[0].block, action.blocks.length);
            return;
          }
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

  private load(block: number, count: number): void {
    const blocks = this.blocks;
    if (blocks === null) return;
    // A packet still queued in the socket (the kernel said "later") must not be overwritten.
    const fresh = this.socket.getSendQueueCount() > 0;
    blocks.load(block, count, fresh).then(
      () => {
        const queued = this.waiting ?? [];
        this.waiting = null;
        this.run(queued);
      },
      (err: unknown) => {
        this.waiting = null;
        this.reason = err instanceof Error ? err.message : String(err);
        const message = err instanceof FileChangedError ? 'File changed during transfer' : 'Read error';
        this.run(this.session.abort(TFTP_ERR_NOT_DEFINED, message, Date.now()));
      },
    );
  }

  /** Sends the blocks if they are in memory; false (nothing sent) when they must be read first. */
  private sendData(to: TftpEndpoint, list: TftpDataBlock[]): boolean {
    const blocks = this.blocks;
    if (blocks === null || list.length === 0) return true;
    if (!blocks.has(list[0].block) || !blocks.has(list[list.length - 1].block)) return false;
    for (const b of list) this.socket.send(blocks.packet(b.block, b.wire, b.length), to.port, to.address);
    return true;
  }

  /** Sends a control packet; the socket closes only once it has left. */
  send(bytes: Uint8Array, to: TftpEndpoint): void {
    this.pendingControl++;
    this.socket.send(bytes, to.port, to.address, () => {
      this.pendingControl--;
      if (this.closed && this.pendingControl === 0) this.closeSocket();
    });
  }

  private closeSocket(): void {
    try {
      this.socket.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * The session re-arms its timer after every window; a Node timer per window would be churn. One timer
   * runs instead: it fires at the earliest deadline it was set for and, when the deadline moved later
   * meanwhile, sleeps again until the new one.
   */
  private arm(ms: number): void {
    const now = Date.now();
    this.deadline = now + ms;
    if (this.timer !== null && this.timerAt <= this.deadline) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.schedule(now);
  }

  private schedule(now: number): void {
    this.timerAt = this.deadline;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, this.deadline - now));
  }

  private onTimer(): void {
    this.timer = null;
    if (this.closed) return;
    const now = Date.now();
    if (now < this.deadline) {
      this.schedule(now);
      return;
    }
    this.run(this.session.timeout(now));
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
    this.waiting = null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    // A queued final ERROR leaves first; its send callback closes the socket then.
    if (this.pendingControl === 0) this.closeSocket();
    const handle = this.handle;
    this.handle = null;
    this.blocks = null;
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
    const running = this.active.get(key);
    if (running !== undefined) {
      // The same request again is the client resending it: the running transfer already answers.
      if (Buffer.compare(running.requestBytes, msg) === 0) return;
      // Another request from the same port (firmware that reads the real file after a tsize probe without
      // ending the probe): the old transfer is over for the client.
      running.close();
    }
    const busy = this.active.size >= (this.options.maxTransfers ?? 512);
    this.startTransfer(pkt, Uint8Array.from(msg), peer, key, busy);
  }

  private startTransfer(
    pkt: TftpPacket,
    bytes: Uint8Array,
    peer: TftpEndpoint,
    key: string,
    busy: boolean,
  ): void {
    const info: TransferInfo = { id: this.nextId++, peer, filename: pkt.filename ?? '' };
    this.emit('request', {
      ...info,
      opcode: pkt.opcode,
      mode: pkt.mode ?? '',
      options: { ...(pkt.options ?? {}) },
    });
    const local = this.socket.address();
    const socket = createSocket({ type: local.family === 'IPv6' ? 'udp6' : 'udp4', lookup: literalLookup });
    const session = new TftpSession(pkt, peer, Date.now(), this.options);
    const transfer = new Transfer(this, session, socket, bytes, info);
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

/**
 * Every send to an address string goes through the socket's lookup, by default dns.lookup, which answers
 * even an IP literal on the next tick. The transfer sockets only ever send to the IP literal a request
 * came from, so they answer at once.
 */
function literalLookup(
  hostname: string,
  _options: unknown,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family === 0) callback(new Error(`not an IP address: ${hostname}`), '', 0);
  else callback(null, hostname, family);
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
