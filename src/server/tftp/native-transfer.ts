/**
 * Handing a transfer's data phase to the native pump, and reading back how it ended. The session has
 * already parsed the request, looked the file up and negotiated the options; what the pump needs is taken
 * from it, and its outcome is turned into the session's outcome, so the server's events are the same
 * whichever engine ran.
 */
import {
  TFTP_ERR_NOT_DEFINED,
  TFTP_ERR_UNKNOWN_TID,
  decodeTftp,
  encodeTftp,
  tftpError,
} from '../../protocol/tftp/index.js';
import { FILE_CHANGED_MESSAGE, FileChangedError, READ_ERROR_MESSAGE } from './blocks.js';
import type { PumpOutcome, PumpStartOptions } from './native.js';
import {
  UNKNOWN_TID_MESSAGE,
  type TftpSession,
  type TftpSessionAction,
  type TftpTransferOutcome,
} from './session.js';
import { retransmitSchedule } from './timing.js';

/** Where the blocks come from: a file descriptor, or bytes in memory (a netascii conversion). */
export type PumpSource = { fd: number } | { data: Uint8Array };

/**
 * The pump's start options for a session that start() has just answered with `actions` (an OACK and its
 * timer, or the first window), or null when the session is not at the start of a data transfer.
 */
export function pumpStartOptions(
  session: TftpSession,
  actions: readonly TftpSessionAction[],
  source: PumpSource,
  size: number,
  localAddress: string,
  busyPollUs: number,
): PumpStartOptions | null {
  const negotiated = session.negotiated;
  const first = actions[0];
  if (negotiated === null || first === undefined || session.done) return null;
  const oack = first.type === 'send' && first.packet.opcode === 'OACK' ? first.bytes : undefined;
  if (oack === undefined && first.type !== 'send-data') return null;
  const limits = session.limits;
  const options: PumpStartOptions = {
    localAddress,
    peerAddress: session.peer.address,
    peerPort: session.peer.port,
    fd: 'fd' in source ? source.fd : -1,
    size,
    blksize: negotiated.blksize,
    windowsize: negotiated.windowsize,
    retries: limits.retries,
    delaysMs: retransmitSchedule(negotiated.timeoutMs, limits.retries, limits.maxTimeoutMs),
    maxWaitMs: limits.maxWaitMs,
    busyPollUs,
    errUnknownTid: encodeTftp(tftpError(TFTP_ERR_UNKNOWN_TID, UNKNOWN_TID_MESSAGE)),
    errFileChanged: encodeTftp(tftpError(TFTP_ERR_NOT_DEFINED, FILE_CHANGED_MESSAGE)),
    errRead: encodeTftp(tftpError(TFTP_ERR_NOT_DEFINED, READ_ERROR_MESSAGE)),
  };
  if ('data' in source) options.data = source.data;
  if (oack !== undefined) options.oack = oack;
  return options;
}

/** How a pumped transfer ended, in the session's terms. */
export type PumpedEnd =
  | { kind: 'outcome'; outcome: TftpTransferOutcome; reason?: string }
  /** send or receive failed: the server reports it as a socket error. */
  | { kind: 'socket'; message: string }
  /** Stopped by the server (closing, or the client's port asked for another transfer). */
  | { kind: 'closed' };

/** The pump's outcome; `ms` is the time since the request, on the session's clock. */
export function fromPumpOutcome(o: PumpOutcome, ms: number): PumpedEnd {
  const base = { bytes: o.bytes, ms, retransmits: o.retransmits };
  switch (o.end) {
    case 'complete':
      return { kind: 'outcome', outcome: { end: 'complete', ...base } };
    case 'timeout':
      return { kind: 'outcome', outcome: { end: 'timeout', ...base } };
    case 'client-error': {
      const pkt = decodeTftp(o.clientError ?? new Uint8Array([0, 5]));
      const outcome: TftpTransferOutcome = {
        end: 'client-error',
        ...base,
        errorCode: pkt.errorCode ?? 0,
        errorMessage: pkt.errorMessage ?? '',
      };
      return { kind: 'outcome', outcome };
    }
    case 'file-changed':
      return serverAbort(base, FILE_CHANGED_MESSAGE, new FileChangedError().message);
    case 'read-error':
      return serverAbort(base, READ_ERROR_MESSAGE, o.errnoMessage ?? 'read failed');
    case 'socket-error':
      return { kind: 'socket', message: o.errnoMessage ?? 'socket error' };
    case 'closed':
      return { kind: 'closed' };
  }
}

/** The server gave up on a transfer itself: ERROR 0 with `message` went to the client, `reason` to the log. */
function serverAbort(
  base: { bytes: number; ms: number; retransmits: number },
  message: string,
  reason: string,
): PumpedEnd {
  return {
    kind: 'outcome',
    outcome: { end: 'aborted', ...base, errorCode: TFTP_ERR_NOT_DEFINED, errorMessage: message },
    reason,
  };
}
