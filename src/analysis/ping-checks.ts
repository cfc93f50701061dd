/**
 * A DHCP server's ping check: before it offers (or ACKs) an address it sends an ICMP echo request to it and
 * waits for silence (dnsmasq about 3 s, ISC dhcpd ping-check 1 s, Kea's ping_check hook). This ties each echo
 * request to the reply that offered the same address, so a late OFFER and the client's repeated DISCOVERs or
 * REQUESTs are explained. Bounded: only the latest echo per address is kept, up to a fixed number of addresses
 * (a lookup cache: an echo that falls out is only unexplained, never a wrong fact).
 */
import type { IcmpEchoRecord } from '../protocol/packet.js';
import type { DhcpEvent, FrameRef } from './types.js';

/** Seconds between the echo and the reply for them to belong together (dnsmasq waits 3 s, slow servers more). */
const WINDOW = 10;
const MAX_ADDRESSES = 4096;

interface EchoRequest extends FrameRef {
  from: string;
  reply: FrameRef | null;
}

export class PingChecks {
  private readonly requests = new Map<string, EchoRequest>();
  /** Address replies not preceded by an echo, for an echo that comes after them (a relay's server). */
  private readonly unchecked = new Map<string, DhcpEvent>();

  echo(e: IcmpEchoRecord, t: number): void {
    if (e.kind === 'reply') {
      const r = this.requests.get(e.src);
      if (r !== undefined && r.from === e.dst && r.reply === null && t >= r.t)
        r.reply = { frame: e.frame, t };
      return;
    }
    const late = this.unchecked.get(e.dst);
    if (late !== undefined && t - late.t <= WINDOW && t >= late.t && late.serverId === e.src) {
      late.pingCheck = { request: { frame: e.frame, t }, from: e.src, reply: null, afterReply: true };
      this.unchecked.delete(e.dst);
    }
    remember(this.requests, e.dst, { frame: e.frame, t, from: e.src, reply: null });
  }

  /** Marks an OFFER or ACK whose address the server pinged just before. */
  dhcp(e: DhcpEvent): void {
    if (e.op !== 2 || e.port4011 || e.yiaddr === '0.0.0.0') return;
    if (e.messageType !== 'OFFER' && e.messageType !== 'ACK') return;
    const r = this.requests.get(e.yiaddr);
    if (r !== undefined && e.t >= r.t && e.t - r.t <= WINDOW) {
      e.pingCheck = { request: { frame: r.frame, t: r.t }, from: r.from, reply: r.reply, afterReply: false };
      return;
    }
    remember(this.unchecked, e.yiaddr, e);
  }
}

function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_ADDRESSES) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}
