/**
 * The TFTP server's public shape: its options, engines, events and handle (server.ts builds it, transfer.ts
 * runs one transfer of it).
 */
import type { TftpEndpoint, TftpSessionLimits, TftpTransferOutcome } from './session.js';

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
  /** Refuse files that have a hard link outside the root (--no-hardlinks, hard-links.ts). Default false. */
  noHardlinks?: boolean;
}

export interface TransferInfo {
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
