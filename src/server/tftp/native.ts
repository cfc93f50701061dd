/**
 * The native TFTP data pump (native/tftp-pump/, a Node-API addon in C built by scripts/build-native.ts
 * into dist/native/): the data phase of a read transfer on a thread of its own. It is optional: when it
 * was not built (no C compiler, no Node headers) the server runs every transfer in TypeScript.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** What start() needs: everything on the wire besides DATA comes ready-made from the codec. */
export interface PumpStartOptions {
  /** Address the transfer socket binds (the request socket's). */
  localAddress: string;
  peerAddress: string;
  peerPort: number;
  /** File descriptor to read blocks from (the pump duplicates it), or -1 to send `data`. */
  fd: number;
  /** The bytes to send when fd is -1 (a netascii conversion). */
  data?: Uint8Array;
  /** Bytes the transfer sends. */
  size: number;
  blksize: number;
  windowsize: number;
  /** Timeouts in a row before giving up. */
  retries: number;
  /** The retransmission timer by tries (retransmitSchedule). */
  delaysMs: number[];
  /** The server's ceiling on a wait without progress, ms, whatever the delays (0: none). */
  maxWaitMs: number;
  /** After each send, how long to poll for the answer before sleeping, µs (0: never). */
  busyPollUs: number;
  /** The OACK to send first (absent: DATA 1 at once). */
  oack?: Uint8Array;
  errUnknownTid: Uint8Array;
  errFileChanged: Uint8Array;
  errRead: Uint8Array;
}

export type PumpEnd =
  | 'complete'
  | 'client-error'
  | 'timeout'
  | 'file-changed'
  | 'read-error'
  | 'socket-error'
  /** abort() stopped it. */
  | 'closed';

export interface PumpOutcome {
  end: PumpEnd;
  /** File bytes acknowledged. */
  bytes: number;
  blocks: number;
  retransmits: number;
  /** From start() to the end, on the pump's clock. */
  seconds: number;
  errno?: number;
  errnoMessage?: string;
  /** The client's ERROR datagram, for the codec to decode. */
  clientError?: Buffer;
}

export interface TftpPump {
  /** Binds the transfer socket, starts the thread; throws when the socket cannot be bound. */
  start(options: PumpStartOptions, onDone: (outcome: PumpOutcome) => void): { id: number; port: number };
  /** Stops a transfer; its onDone follows with end "closed". */
  abort(id: number): void;
}

/** Where the build puts the addon: dist/native/, three folders up from dist/src/server/tftp/. */
export const TFTP_PUMP_PATH = fileURLToPath(new URL('../../../native/tftp-pump.node', import.meta.url));

let loaded: { pump: TftpPump | null; problem: string } | null = null;

function load(): { pump: TftpPump | null; problem: string } {
  if (!existsSync(TFTP_PUMP_PATH))
    return { pump: null, problem: `not built (${TFTP_PUMP_PATH} is missing; npm run build makes it)` };
  try {
    const addon = createRequire(import.meta.url)(TFTP_PUMP_PATH) as Partial<TftpPump>;
    if (typeof addon.start !== 'function' || typeof addon.abort !== 'function')
      return { pump: null, problem: `${TFTP_PUMP_PATH} is not the TFTP pump` };
    return { pump: addon as TftpPump, problem: '' };
  } catch (err) {
    return { pump: null, problem: `${TFTP_PUMP_PATH} does not load: ${(err as Error).message}` };
  }
}

/** The addon, or null when it is not built or does not load on this platform. */
export function loadTftpPump(): TftpPump | null {
  loaded ??= load();
  return loaded.pump;
}

/** Why loadTftpPump() gives null ('' when it loads). */
export function tftpPumpProblem(): string {
  loaded ??= load();
  return loaded.problem;
}
