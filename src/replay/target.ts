/**
 * What the replayer plays against: something that answers a client's DHCP messages and TFTP reads. The
 * in-process reference server and a live server on a segment both implement it, so one player drives both.
 */
import type { DhcpMessage } from '../protocol/dhcp/index.js';
import type { TftpAnswer } from '../report/replay-model.js';

export interface DhcpSend {
  /** The request's bytes (a captured request with its xid, addresses and server identifier made current). */
  bytes: Uint8Array;
  /** 67, or 4011 for the PXE boot service. */
  port: 67 | 4011;
  /** IP destination: 255.255.255.255 or a server's address. */
  dst: string;
  /** IP source: 0.0.0.0 until the client has an address. */
  src: string;
}

export interface ReceivedDhcp {
  message: DhcpMessage;
  /** The answering server's address and UDP source port. */
  src: string;
  srcPort: number;
}

export interface TftpRead {
  server: string;
  filename: string;
  mode: string;
  options: Record<string, string>;
  /** Ask the size only: hang up (ERROR 8) after the OACK, as PXE firmware does before the real read. */
  probe: boolean;
  /** The client's address (the source of the read). */
  client: string;
}

export interface ReplayTarget {
  /** Says what it is, for the report ("reference server (in-process)", "live server on br0"). */
  readonly description: string;
  /** False for a TFTP-only target: the client's DHCP is not played (default true). */
  readonly playsDhcp?: boolean;
  /** Sends one request and returns every answer addressed to the client within the target's wait. */
  dhcp(send: DhcpSend): Promise<ReceivedDhcp[]>;
  tftp(read: TftpRead): Promise<TftpAnswer>;
  close(): Promise<void>;
}
