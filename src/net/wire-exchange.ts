/**
 * The client side of the wire, for simulated clients (dhcp-client.ts): sends their DHCP messages as frames
 * from their own MACs on a FrameLink and hands back the server's replies addressed to each client (matched
 * by xid and chaddr). A request unanswered within the timeout is sent again, as a real client would.
 * `openWireExchange` does it on an interface through libpcap; `linkExchange` on any FrameLink (an in-memory
 * segment where a reference engine answers, memory-link.ts).
 */
import type { DhcpExchange, SimulatedPacket } from './dhcp-client.js';
import { BROADCAST_MAC, parseUdpFrame, udpFrames } from './frames.js';
import type { FrameLink, ReceivedFrame } from './link.js';
import { openPcapLink } from './pcap.js';

export interface WireExchangeOptions {
  /** Wait for a reply before sending again, ms. Default 1000. */
  timeoutMs?: number;
  /** Sends of one message at most. Default 4. */
  attempts?: number;
  mtu?: number;
}

export interface WireExchange {
  exchange: DhcpExchange;
  /** Messages sent again because no reply came in time. */
  retransmits(): number;
  /** Ends the pending exchanges (they resolve with no reply) and stops listening; closes a link it opened. */
  close(): void;
}

interface Pending {
  resolve: (payloads: Uint8Array[]) => void;
}

/** Replies to clients: from a DHCP server (67) or a PXE boot service (4011), to the client port. */
const REPLY_FILTER = 'ip and udp and (src port 67 or src port 4011) and dst port 68';

function keyOf(xid: number, mac: string): string {
  return `${xid >>> 0}|${mac}`;
}

function chaddrOf(payload: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 28; i < 34; i++) parts.push(payload[i].toString(16).padStart(2, '0'));
  return parts.join(':');
}

function xidOf(payload: Uint8Array): number {
  return ((payload[4] << 24) | (payload[5] << 16) | (payload[6] << 8) | payload[7]) >>> 0;
}

/** Opens `device` through libpcap for simulated clients. One exchange per (xid, MAC) at a time. */
export function openWireExchange(device: string, options: WireExchangeOptions = {}): WireExchange {
  const link = openPcapLink(device, REPLY_FILTER);
  const wire = linkExchange(link, options);
  return {
    ...wire,
    close: () => {
      wire.close();
      link.close();
    },
  };
}

/** Simulated clients on `link` (which the caller keeps and closes). One exchange per (xid, MAC) at a time. */
export function linkExchange(link: FrameLink, options: WireExchangeOptions = {}): WireExchange {
  const timeoutMs = options.timeoutMs ?? 1000;
  const attempts = options.attempts ?? 4;
  const mtu = options.mtu ?? 1500;
  const pending = new Map<string, Pending>();
  let retransmits = 0;
  let ipId = 1;
  const stop = link.listen((frame: ReceivedFrame) => {
    if (frame.truncated) return;
    const parsed = parseUdpFrame(frame.data);
    // A link without a BPF filter (in memory) also shows requests and other traffic: keep server replies.
    if (!parsed.ok || parsed.datagram.dstPort !== 68) return;
    const payload = parsed.datagram.payload;
    if (payload.length < 240 || payload[0] !== 2) return;
    const key = keyOf(xidOf(payload), chaddrOf(payload));
    const p = pending.get(key);
    if (p === undefined) return;
    pending.delete(key);
    // The capture buffer is reused for the next frame: keep a copy.
    p.resolve([payload.slice()]);
  });

  const exchange = (packet: SimulatedPacket): Promise<Uint8Array[]> => {
    const key = keyOf(xidOf(packet.bytes), packet.srcMac);
    const frames = udpFrames({
      srcMac: packet.srcMac,
      dstMac: packet.dstMac ?? BROADCAST_MAC,
      srcIp: packet.srcIp ?? '0.0.0.0',
      dstIp: packet.dstIp ?? '255.255.255.255',
      srcPort: 68,
      dstPort: packet.dstPort,
      payload: packet.bytes,
      ipId: ipId++ & 0xffff,
      mtu,
    });
    return new Promise((resolve) => {
      let sent = 0;
      let timer: NodeJS.Timeout | null = null;
      const send = (): void => {
        if (!pending.has(key)) return;
        if (sent >= attempts) {
          pending.delete(key);
          resolve([]);
          return;
        }
        if (sent > 0) retransmits++;
        sent++;
        for (const f of frames) link.send(f);
        timer = setTimeout(send, timeoutMs);
      };
      pending.set(key, {
        resolve: (payloads) => {
          if (timer !== null) clearTimeout(timer);
          resolve(payloads);
        },
      });
      send();
    });
  };

  return {
    exchange,
    retransmits: () => retransmits,
    close: () => {
      for (const p of pending.values()) p.resolve([]);
      pending.clear();
      stop();
    },
  };
}
