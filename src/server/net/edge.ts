/**
 * The DHCP socket edge: receives DHCP on exactly one interface at layer 2, hands each message to the
 * engine and sends its replies as complete frames from that interface. Ordinary UDP sockets on 67 and 4011
 * of the interface address are bound too, their data discarded, so that the kernel does not answer unicast
 * DHCP (a RENEW, a 4011 request) with ICMP port-unreachable (ISC dhcpd does the same).
 */
import { createSocket, type Socket } from 'node:dgram';
import { macToString } from '../../protocol/addr.js';
import type { DhcpInbound, DhcpOutbound } from '../dhcp/types.js';
import { InterfaceError } from './errors.js';
import {
  BROADCAST_MAC,
  dhcpReplyFrames,
  dhcpServerFilter,
  parseDhcpFrame,
  type FrameDropReason,
} from './frames.js';
import type { InterfaceFacts } from './interface.js';
import { openLink, type LinkHandle } from './pcap.js';

export interface DhcpEdgeOptions {
  facts: InterfaceFacts;
  /** The engine: replies for one received message (its events are the caller's business). */
  handle: (inbound: DhcpInbound) => readonly DhcpOutbound[];
  /** A frame that could not be used, a send that failed, a guard socket that could not bind. */
  onProblem?: (problem: EdgeProblem) => void;
}

export type EdgeProblem =
  | { kind: 'dropped'; reason: FrameDropReason | 'not-dhcp-port' | 'not-for-us' }
  | { kind: 'send-failed'; message: string }
  | { kind: 'guard-socket'; port: number; message: string }
  | { kind: 'handler-failed'; message: string };

export interface EdgeCounters {
  received: number;
  dropped: number;
  sent: number;
  sendFailed: number;
}

export interface DhcpEdge {
  counters(): EdgeCounters;
  close(): Promise<void>;
}

/** Binds a socket whose data is thrown away; resolves with null (and reports why) when it cannot. */
async function guardSocket(
  address: string,
  port: number,
  report: (p: EdgeProblem) => void,
): Promise<Socket | null> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  socket.on('message', () => undefined);
  return new Promise((resolve, reject) => {
    socket.once('error', (e: NodeJS.ErrnoException) => {
      socket.close();
      if (e.code === 'EACCES') {
        reject(new InterfaceError(`cannot bind UDP port ${port} on ${address}: run as root`));
        return;
      }
      // EADDRINUSE: another process listens there, so the kernel sends no port-unreachable either.
      report({ kind: 'guard-socket', port, message: e.message });
      resolve(null);
    });
    socket.bind(port, address, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve(socket);
    });
  });
}

/** Starts receiving on `options.facts.name`; resolves once the pcap handle and guard sockets are open. */
export async function startDhcpEdge(options: DhcpEdgeOptions): Promise<DhcpEdge> {
  const { facts } = options;
  const report = options.onProblem ?? ((): void => undefined);
  const counters: EdgeCounters = { received: 0, dropped: 0, sent: 0, sendFailed: 0 };
  const guards: Socket[] = [];
  for (const port of [67, 4011]) {
    const s = await guardSocket(facts.address, port, report);
    if (s !== null) guards.push(s);
  }
  const link = { mac: facts.mac, address: facts.address, mtu: facts.mtu };
  let ipId = Math.floor(Math.random() * 0x10000);
  let handle: LinkHandle | null = null;

  const send = (reply: DhcpOutbound): void => {
    for (const frame of dhcpReplyFrames(reply, link, ipId)) {
      try {
        handle?.send(frame);
        counters.sent++;
      } catch (e) {
        counters.sendFailed++;
        report({ kind: 'send-failed', message: e instanceof Error ? e.message : String(e) });
      }
    }
    ipId = (ipId + 1) & 0xffff;
  };

  const onFrame = (frame: Uint8Array): void => {
    counters.received++;
    const parsed = parseDhcpFrame(frame, Date.now());
    if (!parsed.ok) {
      counters.dropped++;
      report({ kind: 'dropped', reason: parsed.reason });
      return;
    }
    const { inbound } = parsed;
    // The filter already holds this; kept so a frame of another host can never be answered.
    const dst = macToString(frame, 0);
    if (dst !== facts.mac && dst !== BROADCAST_MAC) {
      counters.dropped++;
      report({ kind: 'dropped', reason: 'not-for-us' });
      return;
    }
    let replies: readonly DhcpOutbound[];
    try {
      replies = options.handle(inbound);
    } catch (e) {
      // One bad message must not stop the server: report it and keep serving.
      report({ kind: 'handler-failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      return;
    }
    for (const r of replies) send(r);
  };

  try {
    handle = openLink(facts.name, dhcpServerFilter(facts.mac), onFrame);
  } catch (e) {
    for (const g of guards) g.close();
    throw e;
  }

  return {
    counters: () => ({ ...counters }),
    async close(): Promise<void> {
      handle?.close();
      handle = null;
      await Promise.all(guards.map((g) => new Promise<void>((resolve) => g.close(() => resolve()))));
    },
  };
}
