/**
 * Hosts posed at layer 2 on a FrameLink: addresses this machine does not own (a replayed client's MAC and
 * leased address, a relay's giaddr) made reachable the way a real host is. It answers ARP for the addresses
 * it claims, resolves its peers' MACs with ARP, sends UDP datagrams as frames and hands back the datagrams
 * addressed to its MACs. The kernel never sees these addresses (frames to a foreign MAC are dropped by it and
 * seen here through the promiscuous link), so nothing else on the machine answers for them.
 */
import { randomInt } from 'node:crypto';
import type { Timestamp } from '../capture/timestamp.js';
import { ARP_REPLY, ARP_REQUEST, decodeArp, encodeArp, encodeEthernet } from '../protocol/ethernet.js';
import { ETHERTYPE_ARP } from '../protocol/link.js';
import { BROADCAST_MAC, parseUdpFrame, udpFrames, type UdpDatagram } from './frames.js';
import type { DatagramLink, DatagramListener, FrameLink } from './link.js';
import { receiptTime } from './link.js';

const BROADCAST_IP = '255.255.255.255';
const ZERO_IP = '0.0.0.0';

/** A posed host's identity: its MAC and its IPv4 address (0.0.0.0 before it has one). */
export interface PosedStation {
  mac: string;
  ip: string;
}

export interface L2HostOptions {
  /** Link MTU: larger datagrams go out as IPv4 fragments. Default 1500. */
  mtu?: number;
  /** Wait for an ARP reply before asking again, ms (default 1000), and requests at most (default 3). */
  arpTimeoutMs?: number;
  arpAttempts?: number;
  /** Every frame sent, and every frame received for the posed hosts (for a recording). */
  record?: (frame: Uint8Array, timestamp: Timestamp) => void;
}

export type UdpListener = (datagram: UdpDatagram) => void;

interface ArpWait {
  resolve: (mac: string | null) => void;
}

export class L2Host {
  /** The MACs the posed hosts use: frames to them are for us. */
  private readonly macs = new Set<string>();
  /** Claimed IPv4 address → the MAC that answers ARP for it. */
  private readonly claimed = new Map<string, string>();
  private readonly arpCache = new Map<string, string>();
  private readonly arpWaits = new Map<string, ArpWait[]>();
  private readonly listeners = new Set<UdpListener>();
  private readonly stop: () => void;
  private ipId = randomInt(1, 0xffff);
  private closed = false;

  constructor(
    private readonly link: FrameLink,
    private readonly opts: L2HostOptions = {},
  ) {
    this.stop = link.listen((f) => {
      if (!f.truncated) this.receive(f.data, f.timestamp);
    });
  }

  /** Frames to `mac` are this host's from now on. */
  useMac(mac: string): void {
    this.macs.add(mac);
  }

  /** Answers ARP for `ip` with `mac` from now on (and announces it, as a client does after its ACK). */
  claim(ip: string, mac: string): void {
    this.useMac(mac);
    if (this.claimed.get(ip) === mac) return;
    this.claimed.set(ip, mac);
    this.sendArp(ARP_REQUEST, { mac, ip }, { mac: '00:00:00:00:00:00', ip }, BROADCAST_MAC);
  }

  /** Stops answering ARP for `ip`. */
  unclaim(ip: string): void {
    this.claimed.delete(ip);
  }

  /** Every UDP datagram for the posed hosts (a copy of the payload) goes to `listener` until it is removed. */
  onUdp(listener: UdpListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The MAC of `ip`, asked with ARP from `from` (learned also from any ARP seen); null when nobody answers
   * within the attempts. The broadcast address is the broadcast MAC.
   */
  async resolve(ip: string, from: PosedStation): Promise<string | null> {
    if (ip === BROADCAST_IP) return BROADCAST_MAC;
    const known = this.arpCache.get(ip);
    if (known !== undefined) return known;
    const attempts = this.opts.arpAttempts ?? 3;
    const timeoutMs = this.opts.arpTimeoutMs ?? 1000;
    for (let i = 0; i < attempts && !this.closed; i++) {
      const answer = new Promise<string | null>((resolve) => {
        const waits = this.arpWaits.get(ip) ?? [];
        const entry: ArpWait = { resolve };
        waits.push(entry);
        this.arpWaits.set(ip, waits);
        setTimeout(() => {
          const list = this.arpWaits.get(ip);
          if (list !== undefined && list.includes(entry)) {
            list.splice(list.indexOf(entry), 1);
            resolve(null);
          }
        }, timeoutMs);
      });
      this.sendArp(ARP_REQUEST, from, { mac: '00:00:00:00:00:00', ip }, BROADCAST_MAC);
      const mac = await answer;
      if (mac !== null) return mac;
    }
    return null;
  }

  /** Sends one datagram (fragmented above the MTU). */
  sendUdp(d: UdpDatagram): void {
    if (this.closed) return;
    const frames = udpFrames({ ...d, ipId: this.ipId++ & 0xffff, mtu: this.opts.mtu ?? 1500 });
    for (const f of frames) this.send(f);
  }

  /**
   * A DatagramLink for a protocol above UDP (the TFTP client) as `station`, on a random ephemeral port: peers'
   * MACs are resolved with ARP before the first datagram (a datagram to a peer nobody answers for is lost,
   * as the kernel would lose it), and datagrams to the station's address and port come back.
   */
  datagramLink(station: PosedStation): DatagramLink {
    const port = randomInt(49152, 65536);
    const receivers: DatagramListener[] = [];
    const errors: ((e: Error) => void)[] = [];
    const stopListening = this.onUdp((d) => {
      if (d.dstIp !== station.ip || d.dstPort !== port) return;
      for (const r of receivers) r(d.payload, { address: d.srcIp, port: d.srcPort });
    });
    let open = true;
    return {
      port,
      send: (payload, to, sent) => {
        const copy = Uint8Array.from(payload);
        this.resolve(to.address, station).then(
          (mac) => {
            if (mac !== null && open)
              this.sendUdp({
                srcMac: station.mac,
                dstMac: mac,
                srcIp: station.ip,
                dstIp: to.address,
                srcPort: port,
                dstPort: to.port,
                payload: copy,
              });
            sent?.();
          },
          (e: unknown) => {
            for (const l of errors) l(e instanceof Error ? e : new Error(String(e)));
          },
        );
      },
      listen: (listener) => {
        receivers.push(listener);
      },
      onError: (listener) => {
        errors.push(listener);
      },
      close: () => {
        open = false;
        stopListening();
      },
    };
  }

  /** Stops listening (the caller closes the link); pending ARP waits resolve with null. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop();
    for (const waits of this.arpWaits.values()) for (const w of waits) w.resolve(null);
    this.arpWaits.clear();
  }

  private send(frame: Uint8Array): void {
    this.opts.record?.(frame, receiptTime());
    this.link.send(frame);
  }

  private sendArp(op: number, from: PosedStation, to: PosedStation, dstMac: string): void {
    if (this.closed) return;
    const arp = encodeArp({
      op,
      senderMac: from.mac,
      senderIp: from.ip,
      targetMac: to.mac,
      targetIp: to.ip,
    });
    this.send(encodeEthernet({ dst: dstMac, src: from.mac, etherType: ETHERTYPE_ARP, pad: true }, arp));
  }

  private receive(data: Uint8Array, timestamp: Timestamp): void {
    if (data.length < 14) return;
    const etherType = (data[12] << 8) | data[13];
    if (etherType === ETHERTYPE_ARP) {
      this.receiveArp(data, timestamp);
      return;
    }
    const parsed = parseUdpFrame(data);
    if (!parsed.ok) return;
    const d = parsed.datagram;
    // Our own frames, when the link shows them, are not answers.
    if (this.macs.has(d.srcMac)) return;
    const toUs =
      this.macs.has(d.dstMac) ||
      (d.dstMac === BROADCAST_MAC && (d.dstIp === BROADCAST_IP || this.claimed.has(d.dstIp)));
    if (!toUs || this.listeners.size === 0) return;
    this.opts.record?.(data.slice(), timestamp);
    const copy: UdpDatagram = { ...d, payload: d.payload.slice() };
    for (const l of this.listeners) l(copy);
  }

  private receiveArp(data: Uint8Array, timestamp: Timestamp): void {
    const arp = decodeArp(data, 14);
    if (arp === null || this.macs.has(arp.senderMac)) return;
    const about =
      this.claimed.has(arp.targetIp) || this.arpWaits.has(arp.senderIp) || this.macs.has(arp.targetMac);
    if (about) this.opts.record?.(data.slice(), timestamp);
    if (arp.senderIp !== ZERO_IP) {
      this.arpCache.set(arp.senderIp, arp.senderMac);
      const waits = this.arpWaits.get(arp.senderIp);
      if (waits !== undefined) {
        this.arpWaits.delete(arp.senderIp);
        for (const w of waits) w.resolve(arp.senderMac);
      }
    }
    const mac = this.claimed.get(arp.targetIp);
    if (arp.op === ARP_REQUEST && mac !== undefined)
      this.sendArp(
        ARP_REPLY,
        { mac, ip: arp.targetIp },
        { mac: arp.senderMac, ip: arp.senderIp },
        arp.senderMac,
      );
  }
}
