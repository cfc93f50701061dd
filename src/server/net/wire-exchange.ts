/**
 * The client side of the wire, for the load generator and tests: sends simulated clients' DHCP messages
 * as broadcast frames from their own MACs on one interface (at layer 2, through libpcap) and hands back
 * the server's replies addressed to each client (matched by xid and chaddr). A request unanswered within
 * the timeout is sent again, as a real client would.
 */
import type { DhcpExchange, SimulatedPacket } from '../dhcp/load-generator.js';
import { BROADCAST_MAC, parseUdpFrame, udpFrames } from './frames.js';
import { openLink } from './pcap.js';

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
  close(): void;
}

interface Pending {
  resolve: (payloads: Uint8Array[]) => void;
}

function keyOf(xid: number, mac: string): string {
  return `${xid >>> 0}|${mac}`;
}

function chaddrOf(payload: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 28; i < 34; i++) parts.push(payload[i].toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** Opens `device` for simulated clients. One exchange per (xid, MAC) at a time. */
export function openWireExchange(device: string, options: WireExchangeOptions = {}): WireExchange {
  const timeoutMs = options.timeoutMs ?? 1000;
  const attempts = options.attempts ?? 4;
  const mtu = options.mtu ?? 1500;
  const pending = new Map<string, Pending>();
  let retransmits = 0;
  let ipId = 1;
  const link = openLink(device, 'ip and udp and src port 67 and dst port 68', (frame) => {
    const parsed = parseUdpFrame(frame);
    if (!parsed.ok) return;
    const payload = parsed.datagram.payload;
    if (payload.length < 240 || payload[0] !== 2) return;
    const xid = ((payload[4] << 24) | (payload[5] << 16) | (payload[6] << 8) | payload[7]) >>> 0;
    const key = keyOf(xid, chaddrOf(payload));
    const p = pending.get(key);
    if (p === undefined) return;
    pending.delete(key);
    // The capture buffer is reused for the next frame: keep a copy.
    p.resolve([payload.slice()]);
  });

  const exchange = (packet: SimulatedPacket): Promise<Uint8Array[]> => {
    const b = packet.bytes;
    const xid = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
    const key = keyOf(xid, packet.srcMac);
    const frames = udpFrames({
      srcMac: packet.srcMac,
      dstMac: BROADCAST_MAC,
      srcIp: '0.0.0.0',
      dstIp: '255.255.255.255',
      srcPort: 68,
      dstPort: packet.dstPort,
      payload: b,
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
      link.close();
    },
  };
}
