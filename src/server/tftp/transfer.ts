/**
 * One TFTP transfer on its own socket and ephemeral port (its TID, RFC 1350): opens the file, drives the
 * TftpSession, sends blocks straight from the packet buffers (blocks.ts), or hands the data phase to the
 * native pump, and reports how it ended through the server that started it (server.ts).
 */
import type { Socket } from 'node:dgram';
import type { FileHandle } from 'node:fs/promises';

import { TFTP_ERR_NOT_DEFINED } from '../../protocol/tftp/index.js';
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
import { openTftpFile } from './files.js';
import type { HardLinkGuard } from './hard-links.js';
import type { PumpOutcome, TftpPump } from './native.js';
import { fromPumpOutcome, pumpStartOptions, type PumpSource } from './native-transfer.js';
import type {
  TftpDataBlock,
  TftpEndpoint,
  TftpSession,
  TftpSessionAction,
  TftpTransferOutcome,
} from './session.js';
import type { TftpEngine, TftpServerEventName, TftpServerEvents, TransferInfo } from './server-types.js';

/** What a transfer needs from the server that runs it. */
export interface TransferHost {
  /** Busy-polling of a native transfer after each send, µs. */
  readonly busyPollUs: number;
  /** The pump, when it runs this server's transfers and has room for one more. */
  nativePump(): TftpPump | null;
  nativeStarted(transfer: Transfer): void;
  nativeEnded(transfer: Transfer): void;
  /** Stops a pumped transfer. */
  abortNative(id: number): void;
  emit<K extends TftpServerEventName>(event: K, payload: TftpServerEvents[K]): void;
  /** The transfer is over: its slot is free. */
  forget(transfer: Transfer): void;
}

export class Transfer {
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
    readonly server: TransferHost,
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

  async start(root: string, hardLinks: HardLinkGuard | null): Promise<void> {
    const name = this.session.fileToOpen;
    if (name === null) {
      this.run(this.session.start(null, Date.now()));
      return;
    }
    const opened = await openTftpFile(root, name, hardLinks);
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
