/**
 * The DHCP socket edge: receives DHCP on exactly one interface at layer 2, hands each message to the
 * engine and sends its replies as complete frames from that interface. Ordinary UDP sockets on 67 and 4011
 * of the interface address are bound too, their data discarded, so that the kernel does not answer unicast
 * DHCP (a RENEW, a 4011 request) with ICMP port-unreachable (ISC dhcpd does the same).
 * `attachDhcpEngine` is the frame part alone, on any FrameLink (an in-memory segment in tests and replays).
 */
import { createSocket, type Socket } from 'node:dgram';
import { BROADCAST_MAC, type FrameDropReason } from '../../net/frames.js';
import { InterfaceError } from '../../net/errors.js';
import type { FrameLink, ReceivedFrame } from '../../net/link.js';
import { openPcapLink } from '../../net/pcap.js';
import { macToString } from '../../protocol/addr.js';
import type { DhcpInbound, DhcpOutbound } from '../dhcp/types.js';
import { dhcpReplyFrames, dhcpServerFilter, parseDhcpFrame, type ServerLink } from './frames.js';
import type { InterfaceFacts } from './interface.js';

export interface DhcpEdgeOptions {
  facts: InterfaceFacts;
  /**
   * The engine: replies for one received message (its events are the caller's business); a promise when
   * they must wait (an ACK waits for its lease to be on disk).
   */
  handle: (inbound: DhcpInbound) => readonly DhcpOutbound[] | Promise<readonly DhcpOutbound[]>;
  /** A frame that could not be used, a send that failed, a guard socket that could not bind. */
  onProblem?: (problem: EdgeProblem) => void;
}

export type EdgeProblem =
  | { kind: 'dropped'; reason: FrameDropReason | 'not-dhcp-port' | 'not-for-us' | 'truncated' }
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

/** What attachDhcpEngine needs: who the server is on the link, its engine, where problems go. */
export interface EngineAttachment {
  server: ServerLink;
  handle: (inbound: DhcpInbound) => readonly DhcpOutbound[] | Promise<readonly DhcpOutbound[]>;
  onProblem?: (problem: EdgeProblem) => void;
}

export interface AttachedEngine {
  counters(): EdgeCounters;
  /** Stops answering (the link stays open: its owner closes it). */
  detach(): void;
}

/** Answers DHCP frames arriving on `link` with the engine's replies, sent as frames on the same link. */
export function attachDhcpEngine(link: FrameLink, options: EngineAttachment): AttachedEngine {
  const { server } = options;
  const report = options.onProblem ?? ((): void => undefined);
  const counters: EdgeCounters = { received: 0, dropped: 0, sent: 0, sendFailed: 0 };
  let ipId = Math.floor(Math.random() * 0x10000);

  const send = (reply: DhcpOutbound): void => {
    for (const frame of dhcpReplyFrames(reply, server, ipId)) {
      try {
        link.send(frame);
        counters.sent++;
      } catch (e) {
        counters.sendFailed++;
        report({ kind: 'send-failed', message: e instanceof Error ? e.message : String(e) });
      }
    }
    ipId = (ipId + 1) & 0xffff;
  };

  const drop = (reason: FrameDropReason | 'not-dhcp-port' | 'not-for-us' | 'truncated'): void => {
    counters.dropped++;
    report({ kind: 'dropped', reason });
  };

  const onFrame = ({ data, truncated }: ReceivedFrame): void => {
    counters.received++;
    if (truncated) return drop('truncated');
    const parsed = parseDhcpFrame(data, Date.now());
    if (!parsed.ok) return drop(parsed.reason);
    const { inbound } = parsed;
    // A pcap filter already holds this; kept so a frame of another host can never be answered.
    const dst = macToString(data, 0);
    if (dst !== server.mac && dst !== BROADCAST_MAC) return drop('not-for-us');
    // On a link without a filter (in memory) our own frames and other servers' replies pass by too.
    if (inbound.srcMac === server.mac) return drop('not-for-us');
    // One bad message must not stop the server: report it and keep serving.
    const failed = (e: unknown): void =>
      report({ kind: 'handler-failed', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    let replies: readonly DhcpOutbound[] | Promise<readonly DhcpOutbound[]>;
    try {
      replies = options.handle(inbound);
    } catch (e) {
      failed(e);
      return;
    }
    if (Array.isArray(replies)) for (const r of replies as readonly DhcpOutbound[]) send(r);
    else (replies as Promise<readonly DhcpOutbound[]>).then((list) => list.forEach(send), failed);
  };

  const stop = link.listen(onFrame);
  return { counters: () => ({ ...counters }), detach: stop };
}

/** Starts receiving on `options.facts.name`; resolves once the pcap handle and guard sockets are open. */
export async function startDhcpEdge(options: DhcpEdgeOptions): Promise<DhcpEdge> {
  const { facts } = options;
  const report = options.onProblem ?? ((): void => undefined);
  const guards: Socket[] = [];
  for (const port of [67, 4011]) {
    const s = await guardSocket(facts.address, port, report);
    if (s !== null) guards.push(s);
  }
  let link: FrameLink;
  try {
    link = openPcapLink(facts.name, dhcpServerFilter(facts.mac));
  } catch (e) {
    for (const g of guards) g.close();
    throw e;
  }
  const attached = attachDhcpEngine(link, {
    server: { mac: facts.mac, address: facts.address, mtu: facts.mtu },
    handle: options.handle,
    onProblem: report,
  });

  return {
    counters: attached.counters,
    async close(): Promise<void> {
      attached.detach();
      link.close();
      await Promise.all(guards.map((g) => new Promise<void>((resolve) => g.close(() => resolve()))));
    },
  };
}
