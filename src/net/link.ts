/**
 * The network layer's two carriers, so the same client code runs on a real interface and in process:
 *
 * - A **FrameLink** carries whole layer-2 frames. `openPcapLink` (pcap.ts) opens one on an interface through
 *   libpcap; `createMemorySegment` (memory-link.ts) joins any number of in-process links like a hub, so a
 *   client exchange and a reference engine can talk without root or namespaces.
 * - A **DatagramLink** carries UDP payloads between addresses and ports, for protocols that live above the
 *   kernel's UDP (the TFTP client). `openUdpLink` (udp-link.ts) is the kernel socket.
 *
 * Everything that sends (wire-exchange.ts, tftp-client.ts) takes a link and never opens a device itself.
 *
 * The rest of src/net, on top of these: frames.ts (Ethernet/IPv4/UDP frames built and parsed with the
 * protocol codecs), dhcp-client.ts (a simulated client's DISCOVER → OFFER → REQUEST → ACK over a
 * DhcpExchange function), wire-exchange.ts (that exchange as frames on a FrameLink: `linkExchange(link)`,
 * or `openWireExchange(device)` through libpcap), load-generator.ts (many clients at once), tftp-client.ts
 * (`tftpGet`: RRQ with blksize/windowsize/tsize over a DatagramLink), l2-host.ts (hosts posed at layer 2:
 * ARP for addresses the machine does not own, UDP as frames, a DatagramLink from such an address), routes.ts
 * (which interfaces carry a default route), errors.ts (InterfaceError). The server
 * side of an in-memory segment is the server's `attachDhcpEngine(link, …)` (server/net/edge.ts).
 */
import type { Timestamp } from '../capture/timestamp.js';

/** One frame as received. */
export interface ReceivedFrame {
  /** The captured bytes; only valid during the listener call (the capture buffer is reused): copy to keep. */
  data: Uint8Array;
  /**
   * When the frame was received, wall clock, nanosecond digits. libpcap's own timestamp is not passed on by
   * the `cap` binding (mscdex/cap#85), so a pcap link stamps the frame when Node's event loop takes it.
   */
  timestamp: Timestamp;
  /** True when the frame was longer than the receive buffer and `data` holds only its beginning. */
  truncated: boolean;
}

export type FrameListener = (frame: ReceivedFrame) => void;

export interface FrameLink {
  /** What the link is, for messages ("eth0", "memory:client"). */
  readonly name: string;
  /** The pcap LINKTYPE_* of the frames (1 = Ethernet). */
  readonly linkType: number;
  /** Sends one complete frame. Throws when the device refuses it. */
  send(frame: Uint8Array): void;
  /** Every frame received from now on goes to `listener`; returns the function that stops it. */
  listen(listener: FrameListener): () => void;
  /** Stops receiving and releases the device; a second call does nothing. */
  close(): void;
}

/** A UDP peer. */
export interface DatagramEndpoint {
  address: string;
  port: number;
}

export type DatagramListener = (payload: Uint8Array, from: DatagramEndpoint) => void;

export interface DatagramLink {
  /** The local port the link received on (the client's TID for TFTP). */
  readonly port: number;
  /** Sends one datagram; `sent` is called once the payload has left (or failed to). */
  send(payload: Uint8Array, to: DatagramEndpoint, sent?: () => void): void;
  /** Every datagram received from now on goes to `listener` (the payload is only valid during the call). */
  listen(listener: DatagramListener): void;
  /** A socket error (the link is unusable afterwards). */
  onError(listener: (error: Error) => void): void;
  close(): void;
}

/** The receipt time of a frame or datagram now: wall clock with nanosecond digits, monotonic within a run. */
export function receiptTime(): Timestamp {
  // Nanoseconds since the anchor second fit a double exactly for 104 days; since 1970 they would not.
  const ns = ANCHOR_NS + Number(process.hrtime.bigint() - HR_ANCHOR);
  const whole = Math.floor(ns / 1e9);
  return { seconds: ANCHOR_SECONDS + whole, fraction: ns - whole * 1e9, digits: 9 };
}

// One anchor per process: the wall clock read once, then advanced by the monotonic clock (no NTP steps).
const HR_ANCHOR = process.hrtime.bigint();
const ANCHOR_MS = Date.now();
const ANCHOR_SECONDS = Math.floor(ANCHOR_MS / 1000);
const ANCHOR_NS = (ANCHOR_MS - ANCHOR_SECONDS * 1000) * 1e6;
