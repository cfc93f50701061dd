/**
 * The TFTP server's socket edge: a listening socket for requests, and per transfer a new socket on an
 * ephemeral port (its TID, RFC 1350) driving a TftpSession (transfer.ts). Files are read a chunk at a time straight into
 * packet buffers (blocks.ts); only netascii files are read whole, to convert them. A window whose blocks are
 * in memory is sent synchronously from the ACK's callback: no promise, no timer and no allocation per packet.
 *
 * With the native engine, once the session has negotiated a read transfer its data phase (OACK and DATA
 * exchange) runs in the C pump (native.ts) on a socket and thread of its own; requests, refusals, the
 * negotiation and the events stay here.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIP, isIPv6 } from 'node:net';

import {
  TFTP_ERR_NOT_DEFINED,
  decodeTftp,
  encodeTftp,
  tftpError,
  type TftpPacket,
} from '../../protocol/tftp/index.js';
import { realRoot } from './files.js';
import { HardLinkGuard } from './hard-links.js';
import { loadTftpPump, tftpPumpProblem, type TftpPump } from './native.js';
import { TftpSession, type TftpEndpoint } from './session.js';
import {
  DEFAULT_MAX_NATIVE_TRANSFERS,
  DEFAULT_MAX_TRANSFERS_PER_CLIENT,
  DEFAULT_NATIVE_BUSY_POLL_US,
  TftpEngineError,
  type TftpEngine,
  type TftpEngineChoice,
  type TftpServer,
  type TftpServerEventName,
  type TftpServerEvents,
  type TftpServerOptions,
  type TransferInfo,
} from './server-types.js';
import { Transfer, type TransferHost } from './transfer.js';

export * from './server-types.js';

function endpoint(rinfo: RemoteInfo): TftpEndpoint {
  return { address: rinfo.address, port: rinfo.port };
}

type Listeners = { [K in TftpServerEventName]: Set<(event: TftpServerEvents[K]) => void> };

class Server implements TftpServer, TransferHost {
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
  private readonly hardLinks: HardLinkGuard | null;

  constructor(
    private readonly socket: Socket,
    private readonly root: string,
    private readonly options: TftpServerOptions,
    private readonly pump: TftpPump | null,
  ) {
    this.maxNative = Math.max(0, options.maxNativeTransfers ?? DEFAULT_MAX_NATIVE_TRANSFERS);
    this.busyPollUs = Math.max(0, Math.round(options.nativeBusyPollUs ?? DEFAULT_NATIVE_BUSY_POLL_US));
    this.hardLinks = options.noHardlinks === true ? new HardLinkGuard(root) : null;
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
      transfer.start(this.root, this.hardLinks).catch((err: unknown) => {
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
