/**
 * The DHCP / proxyDHCP engine's contract with the socket edge. The engine is pure (no I/O, no clock of its
 * own): the edge hands it each received DHCP message with where it came from, and sends the replies it
 * returns. The edge decides how a reply reaches the wire (layer 2 on one interface); the engine decides
 * what the reply says and where RFC 2131 §4.1 wants it to go.
 */
import type { DhcpServicePort } from '../../net/frames.js';
import type { ArchFamily, DhcpMessage } from '../../protocol/dhcp/index.js';

export type { DhcpServicePort };

/** One received DHCP message, as the edge saw it on the interface. */
export interface DhcpInbound {
  message: DhcpMessage;
  /** The UDP port it was sent to. */
  port: DhcpServicePort;
  /** Source and destination as seen on the wire. */
  srcMac: string;
  srcIp: string;
  srcPort: number;
  dstIp: string;
  /** Receipt time, milliseconds since the epoch (the engine's only clock). */
  now: number;
}

/**
 * Where a reply goes (RFC 2131 §4.1): to a relay (giaddr, port 67), unicast to ciaddr, broadcast when the
 * client asked for it or has no address, else unicast to yiaddr at chaddr (no ARP: layer 2).
 */
export interface DhcpDestination {
  ip: string;
  port: number;
  /** Link-layer destination: chaddr for unicast, ff:ff:ff:ff:ff:ff for broadcast, the relay's MAC (srcMac) for a relay. */
  mac: string;
  broadcast: boolean;
}

export interface DhcpOutbound {
  message: DhcpMessage;
  /** The UDP source port (67, or 4011 for an answer on the boot service). */
  srcPort: DhcpServicePort;
  to: DhcpDestination;
}

/** Why a message got no answer, for the event log (never silent). */
export type DhcpIgnoreReason =
  | 'not-a-request'
  | 'not-pxe-client'
  | 'other-server-selected'
  | 'no-free-address'
  | 'unknown-message-type'
  | 'malformed'
  | 'not-for-us'
  /** A DECLINE from a client the address was never offered or leased to (RFC 2131 §4.3.3). */
  | 'decline-not-owner'
  /** The lease file cannot be written: no new address is granted until it can. */
  | 'leases-unwritable';

export type DhcpServerEvent =
  | {
      kind: 'received';
      mac: string;
      xid: number;
      messageType: string | null;
      port: DhcpServicePort;
      arch: string | null;
      userClass: string | null;
    }
  | {
      kind: 'replied';
      mac: string;
      xid: number;
      messageType: string;
      yiaddr: string;
      file: string;
      nextServer: string;
      to: DhcpDestination;
    }
  | { kind: 'ignored'; mac: string; xid: number; reason: DhcpIgnoreReason; detail: string }
  | {
      kind: 'lease';
      mac: string;
      ip: string;
      expires: number;
      action: 'offered' | 'bound' | 'released' | 'declined';
    }
  /** The boot file chosen for a reply (null: none), and the rule that decided. */
  | { kind: 'boot'; mac: string; xid: number; file: string | null; reason: string };

export interface DhcpHandleResult {
  replies: DhcpOutbound[];
  events: DhcpServerEvent[];
  /**
   * The replies may go out only once the lease store has written the binding: 'grant' for an address new to
   * the client (dropped if the write fails), 'renewal' for one it already holds (sent even then).
   */
  hold?: 'grant' | 'renewal';
}

/** What the boot file choice looks at: the client's request, classified. */
export interface BootClient {
  mac: string;
  /** Option 93 family, null when the client sent none. */
  arch: ArchFamily | null;
  /** Option 93's raw code (first value), null when absent. */
  archCode: number | null;
  /** True when option 77 says "iPXE" or option 175 is present: the chainloaded iPXE asks. */
  ipxe: boolean;
  /** Option 60 starts with PXEClient / HTTPClient. */
  pxeClient: boolean;
  httpClient: boolean;
}

/** The boot answer for one client: a TFTP file (or URL for HTTP boot / iPXE) and the server that has it. */
export interface BootChoice {
  file: string;
  nextServer: string;
  /** Why this file (rule that matched), for the event log. */
  reason: string;
  /** The file is a URL (HTTP boot, an iPXE script over HTTP): no option 66, no TFTP. */
  url: boolean;
  /** UEFI HTTP boot: the reply says option 60 "HTTPClient", which the firmware insists on. */
  httpClient: boolean;
}

/** The engine as the edge uses it. Leases are persisted by the engine's lease store (atomic writes). */
export interface DhcpEngine {
  handle(inbound: DhcpInbound): DhcpHandleResult;
  /** Writes pending lease changes (the edge calls it on shutdown; the store also flushes on its own). */
  flush(): Promise<void>;
}
