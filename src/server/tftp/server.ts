/**
 * The TFTP server's socket edge: a listening socket for requests, and per transfer a new socket on an
 * ephemeral port (its TID, RFC 1350) driving a TftpSession. Files are read a chunk at a time straight into
 * packet buffers (blocks.ts); only netascii files are read whole, to convert them. A window whose blocks are
 * in memory is sent synchronously from the ACK's callback: no promise, no timer and no allocation per packet.
 *
 * With the native engine, once the session has negotiated a read transfer its data phase (OACK and DATA
 * exchange) runs in the C pump (native.ts) on a socket and thread of its own; requests, refusals, the
 * negotiation and the events stay here.
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
  FILE_CHANGED_MESSAGE,
  FileBlocks,
  FileChangedError,
  MemoryBlocks,
  NETASCII_MAX_BYTES,
  READ_ERROR_MESSAGE,
  toNetascii,
  type BlockSource,
} from './blocks.js';
import { openTftpFile, realRoot } from './files.js';
import { loadTftpPump, tftpPumpProblem, type PumpOutcome, type TftpPump } from './native.js';
import { fromPumpOutcome, pumpStartOptions, type PumpSource } from './native-transfer.js';
import {
  TftpSession,
  type TftpDataBlock,
  type TftpEndpoint,
  type TftpSessionAction,
  type TftpSessionLimits,
  type TftpTransferOutcome,
} from './session.js';

/** Which engine runs the data phase of read transfers. */
export type TftpEngineChoice = 'auto' | 'js' | 'native';
export type TftpEngine = 'js' | 'native';

/** Native transfers at once by default; more run in TypeScript. */
export const DEFAULT_MAX_NATIVE_TRANSFERS = 128;
/**
 * How long a native transfer polls for the client's answer before it sleeps, µs. A client that answers
 * within it (on the same machine, or a fast LAN) saves the wake-up of a sleeping thread on every block;
 * a slower one stops the polling (native/tftp-pump/pump.c).
 */
export const DEFAULT_NATIVE_BUSY_POLL_US = 50;
/** Transfers at once from one client address by default (PXE firmware and iPXE use one or two). */
export const DEFAULT_MAX_TRANSFERS_PER_CLIENT = 8;

export class TftpEngineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TftpEngineError';
  }
}

export interface TftpServerOptions extends TftpSessionLimits {
  /** Directory served. */
  root: string;
  /** Address to listen on. Default 0.0.0.0. */
  address?: string;
  /** Port to listen on; 0 lets the OS choose. Default 69. */
  port?: number;
  /** Transfers at once; further requests get ERROR 0 "Server busy". Default 512. */
  maxTransfers?: number;
  /**
   * Transfers at once from one client address (idle ones included); its further requests get ERROR 0
   * "Server busy", so one host cannot hold every slot. Default 8.
   */
  maxTransfersPerClient?: number;
  /**
   * 'native': the C data pump (createTftpServer fails when it is not built); 'js': TypeScript only;
   * 'auto' (default): native when built.
   */
  engine?: TftpEngineChoice;
  /** Transfers the native engine runs at once (a thread each); further ones run in TypeScript. Default 128. */
  maxNativeTransfers?: number;
  /** Busy-polling of a native transfer after each send, µs; 0 turns it off. Default 50. */
  nativeBusyPollUs?: number;
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
    /** Which engine ran the data phase. */
    engine: TftpEngine;
    bytes: number;
    seconds: number;
    blksize: number;
    windowsize: number;
    retransmits: number;
  };
  /** A transfer that did not complete: refused, ended by the client, timed out, or a socket error. */
  error: TransferInfo & {
    engine: TftpEngine;
    /** 'superseded': the client's port sent another request, which ends this transfer. */
    end: TftpTransferOutcome['end'] | 'socket' | 'superseded';
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
  /** The engine that runs data phases (a native server still runs a transfer in TypeScript past its cap). */
  readonly engine: TftpEngine;
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
  /** Which engine runs the data phase: TypeScript until the pump takes it. */
  private engine: TftpEngine = 'js';
  /** Control packets (OACK, ERROR) not yet handed to the kernel: the socket closes after them. */
  private pendingControl = 0;
  /** The native pump's transfer id while it runs the data phase. */
  private nativeId: number | null = null;

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
    const source: PumpSource = netascii !== null ? { data: netascii } : { fd: opened.handle.fd };
    if (this.handOver(actions, source, size)) return;
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
   * Gives the data phase to the native pump when the server runs it and it has room: true when it took
   * it. The transfer's own socket is closed unused (the pump binds another; the client learns the TID from
   * the first packet), and so is the file handle (the pump reads a duplicate of its descriptor).
   */
  private handOver(actions: TftpSessionAction[], source: PumpSource, size: number): boolean {
    const pump = this.server.nativePump();
    if (pump === null) return false;
    const options = pumpStartOptions(
      this.session,
      actions,
      source,
      size,
      this.socket.address().address,
      this.server.busyPollUs,
    );
    if (options === null) return false;
    let started: { id: number; port: number };
    try {
      started = pump.start(options, (outcome) => this.nativeDone(outcome));
    } catch {
      // Whatever the pump cannot take (an address it cannot parse or bind) runs here instead.
      return false;
    }
    this.nativeId = started.id;
    this.engine = 'native';
    this.server.nativeStarted(this);
    this.closeSocket();
    const handle = this.handle;
    this.handle = null;
    if (handle !== null) void handle.close().catch(() => undefined);
    if (options.oack !== undefined) {
      const oack = actions[0];
      if (oack.type === 'send')
        this.server.emit('oack', { ...this.info, options: oack.packet.options ?? {} });
    }
    return true;
  }

  private nativeDone(outcome: PumpOutcome): void {
    this.nativeId = null;
    this.server.nativeEnded(this);
    if (this.closed) return;
    const end = fromPumpOutcome(outcome, Date.now() - this.session.startedAt);
    if (end.kind === 'closed') this.close();
    else if (end.kind === 'socket') this.fail(new Error(end.message));
    else {
      if (end.reason !== undefined) this.reason = end.reason;
      this.finish(end.outcome);
    }
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
        const message = err instanceof FileChangedError ? FILE_CHANGED_MESSAGE : READ_ERROR_MESSAGE;
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
        engine: this.engine,
        bytes: outcome.bytes,
        seconds,
        blksize: negotiated?.blksize ?? 512,
        windowsize: negotiated?.windowsize ?? 1,
        retransmits: outcome.retransmits,
      });
    } else {
      const event: TftpServerEvents['error'] = {
        ...this.info,
        engine: this.engine,
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
      engine: this.engine,
      end: 'socket',
      message: err instanceof Error ? err.message : String(err),
      bytes: 0,
      seconds: 0,
    });
    this.close();
  }

  /** The client's port asked for another transfer: this one is over for the client, and says so. */
  supersede(): void {
    if (this.closed) return;
    this.server.emit('error', {
      ...this.info,
      engine: this.engine,
      end: 'superseded',
      message: 'ended by a new request from the same port',
      bytes: 0,
      seconds: (Date.now() - this.session.startedAt) / 1000,
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
    // The pump stops promptly and reports "closed", which only ends its count (nativeDone).
    if (this.nativeId !== null) this.server.abortNative(this.nativeId);
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
  /** Transfers in progress by client address (for the per-client limit). */
  private readonly perAddress = new Map<string, number>();
  private nextId = 1;
  private closing = false;
  /** Transfers the pump runs, until it reports their end (which may come after close()). */
  private readonly pumped = new Set<Transfer>();
  private readonly maxNative: number;
  readonly busyPollUs: number;
  /** Resolves close() once the last pumped transfer has reported. */
  private pumpedIdle: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly root: string,
    private readonly options: TftpServerOptions,
    private readonly pump: TftpPump | null,
  ) {
    this.maxNative = Math.max(0, options.maxNativeTransfers ?? DEFAULT_MAX_NATIVE_TRANSFERS);
    this.busyPollUs = Math.max(0, Math.round(options.nativeBusyPollUs ?? DEFAULT_NATIVE_BUSY_POLL_US));
    socket.on('message', (msg, rinfo) => this.onRequest(msg, rinfo));
    // A bound UDP socket reports little (no ICMP on unconnected sockets); it must not crash the process.
    socket.on('error', () => undefined);
  }

  get engine(): TftpEngine {
    return this.pump !== null ? 'native' : 'js';
  }

  /** The pump, when it runs this server's transfers and has room for one more. */
  nativePump(): TftpPump | null {
    return this.pumped.size < this.maxNative ? this.pump : null;
  }

  /** Stops a pumped transfer (whether or not the pump is at its cap). */
  abortNative(id: number): void {
    this.pump?.abort(id);
  }

  nativeStarted(transfer: Transfer): void {
    this.pumped.add(transfer);
  }

  nativeEnded(transfer: Transfer): void {
    this.pumped.delete(transfer);
    if (this.pumped.size === 0) this.pumpedIdle?.();
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
    const address = transfer.info.peer.address;
    const left = this.transfersFrom(address) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const transfer of [...this.active.values()]) transfer.close();
    // Pumped transfers were aborted above; their threads end at once and report.
    const idle =
      this.pumped.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => (this.pumpedIdle = resolve));
    await new Promise<void>((resolve) => this.socket.close(() => resolve()));
    await idle;
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
      running.supersede();
    }
    const perClient = this.options.maxTransfersPerClient ?? DEFAULT_MAX_TRANSFERS_PER_CLIENT;
    const busy: string | null =
      this.active.size >= (this.options.maxTransfers ?? 512)
        ? 'every transfer slot is taken'
        : this.transfersFrom(peer.address) >= perClient
          ? `${peer.address} already has ${perClient} transfers (the per-client limit)`
          : null;
    this.startTransfer(pkt, Uint8Array.from(msg), peer, key, busy);
  }

  /** Transfers in progress from one client address. */
  private transfersFrom(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }

  /** `why`: the reason the request is refused as busy, null to serve it. */
  private startTransfer(
    pkt: TftpPacket,
    bytes: Uint8Array,
    peer: TftpEndpoint,
    key: string,
    busy: string | null,
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
    this.perAddress.set(peer.address, this.transfersFrom(peer.address) + 1);
    socket.bind(0, local.address, () => {
      if (busy !== null) {
        // No file is opened: ERROR 0 from the transfer's own port, then the transfer ends.
        this.refuseBusy(transfer, busy);
        return;
      }
      transfer.start(this.root).catch((err: unknown) => {
        this.emit('error', {
          ...info,
          engine: 'js',
          end: 'socket',
          message: String(err),
          bytes: 0,
          seconds: 0,
        });
        transfer.close();
      });
    });
  }

  private refuseBusy(transfer: Transfer, why: string): void {
    const peer = transfer.info.peer;
    transfer.send(encodeTftp(tftpError(TFTP_ERR_NOT_DEFINED, 'Server busy')), peer);
    this.emit('error', {
      ...transfer.info,
      engine: 'js',
      end: 'refused',
      errorCode: 0,
      message: 'Server busy',
      reason: why,
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

/** The pump the engine choice asks for: null for TypeScript; throws when 'native' cannot be had. */
function choosePump(choice: TftpEngineChoice): TftpPump | null {
  if (choice === 'js') return null;
  const pump = loadTftpPump();
  if (pump === null && choice === 'native')
    throw new TftpEngineError(`the native TFTP engine is ${tftpPumpProblem()}`);
  return pump;
}

/** The engine a server started with this choice runs; throws TftpEngineError when 'native' cannot be had. */
export function tftpEngineFor(choice: TftpEngineChoice): TftpEngine {
  return choosePump(choice) !== null ? 'native' : 'js';
}

/** Starts a TFTP server; resolves once it listens. Rejects with TftpEngineError for an engine it lacks. */
export async function createTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const pump = choosePump(options.engine ?? 'auto');
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
  return new Server(socket, root, options, pump);
}
