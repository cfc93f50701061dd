/**
 * Background traffic for generated captures: TCP bulk flows (TLS-like, HTTP-like, SMB), DNS, NTP, syslog, SNMP,
 * RTP-like voice streams, QUIC-like UDP bulk, ARP, IPv6 neighbour discovery and mDNS, some of it VLAN-tagged.
 * None of it is DHCP or TFTP to tshark: no UDP port 67/68/69/4011, no payload the TFTP heuristic accepts.
 */
import { arpReplyFrame, arpRequestFrame } from './arp-frames.js';
import { dnsQuery, dnsResponse, DNS_A, DNS_AAAA } from './dns.js';
import {
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  IPPROTO_ICMPV6,
  IPPROTO_TCP,
  TCP_ACK,
  TCP_FIN,
  TCP_PSH,
  TCP_SYN,
  ethernet,
  icmpv6Message,
  ipv4Packet,
  ipv6,
  ipv6MulticastMac,
  ipv6Packet,
  tcpSegment,
  tcpSynOptions,
  tcpTimestampOptions,
  udpFrame,
  type Bytes,
  type UdpFrameOptions,
  type VlanTag,
} from './packets.js';
import type { Rng } from './rng.js';
import type { TimedFrame } from './scheduler.js';

export interface Host {
  mac: Bytes;
  ip: Bytes;
  ip6: Bytes;
}

const MS = 1_000_000;
const US = 1_000;

/** The LAN: clients, a few servers, a router to the outside, and a pool of outside addresses. */
export class Network {
  readonly clients: Host[] = [];
  readonly lanServers: Host[] = [];
  readonly router: Host;
  readonly resolver: Host;
  private readonly remoteV4: Bytes[] = [];
  private readonly remoteV6: Bytes[] = [];
  /** 1 MiB of random bytes that payloads are cut from. */
  readonly pool: Buffer;

  constructor(private readonly rng: Rng) {
    this.router = this.host(0xfe, 1);
    this.resolver = this.host(0xfd, 53);
    for (let i = 0; i < 200; i++) this.clients.push(this.host(i, 100 + i));
    for (let i = 0; i < 6; i++) this.lanServers.push(this.host(0xe0 + i, 10 + i));
    for (let i = 0; i < 300; i++) {
      this.remoteV4.push(
        Uint8Array.of(
          rng.pick([23, 34, 52, 93, 104, 142, 151, 172, 185]),
          rng.int(1, 254),
          rng.int(0, 255),
          rng.int(1, 254),
        ),
      );
      const v6 = ipv6('2a00:1450::1');
      for (let j = 4; j < 16; j++) v6[j] = rng.int(0, 255);
      this.remoteV6.push(v6);
    }
    this.pool = rng.bytes(1 << 20);
  }

  private host(index: number, last: number): Host {
    const m = Uint8Array.of(0x3c, 0xec, 0xef, 0x10, (index >> 8) & 0xff, index & 0xff);
    const ip = Uint8Array.of(10, 10, Math.floor(last / 250), (last % 250) + 1);
    const ip6 = ipv6('2001:db8:10::');
    ip6.set([0x3e, 0xec, 0xef, 0xff, 0xfe, 0x10, (index >> 8) & 0xff, index & 0xff], 8);
    return { mac: m, ip, ip6 };
  }

  remote(v6: boolean): Bytes {
    return this.rng.pick(v6 ? this.remoteV6 : this.remoteV4);
  }

  /** `len` bytes of payload-looking data (a view into the random pool, or a fresh copy when longer). */
  payload(len: number): Buffer {
    if (len <= 0) return Buffer.alloc(0);
    if (len >= this.pool.length) return Buffer.concat([this.pool, this.payload(len - this.pool.length)]);
    const off = this.rng.int(0, this.pool.length - len);
    return this.pool.subarray(off, off + len);
  }
}

/** One side of a UDP exchange. */
interface UdpEnd {
  mac: Bytes;
  ip: Bytes;
  port: number;
}

function udpBetween(
  from: UdpEnd,
  to: UdpEnd,
  payload: Bytes,
  extra: Pick<UdpFrameOptions, 'vlans' | 'ipId' | 'ttl'> = {},
): Buffer {
  return udpFrame({
    srcMac: from.mac,
    dstMac: to.mac,
    src: from.ip,
    dst: to.ip,
    srcPort: from.port,
    dstPort: to.port,
    payload,
    ...extra,
  });
}

function vlanFor(rng: Rng): VlanTag[] {
  return rng.chance(0.15) ? [{ id: rng.pick([30, 31, 40]), pcp: rng.pick([0, 0, 0, 3, 5]) }] : [];
}

/** Produces the server's byte stream for a flow, shaped like the protocol on its port. */
class StreamShaper {
  private sent = 0;
  private recordLen = 0;
  private posInRecord = 0;
  private header = Buffer.alloc(5);

  constructor(
    private readonly net: Network,
    private readonly port: number,
    private readonly total: number,
  ) {}

  take(len: number): Buffer {
    const out = Buffer.from(this.net.payload(len));
    if (this.port === 443 || this.port === 8443) {
      // TLS application-data records (5-byte header + up to 16 KiB), straddling segments as real ones do.
      let off = 0;
      while (off < len) {
        if (this.posInRecord === this.recordLen) {
          const body = Math.max(1, Math.min(16408, this.total - (this.sent + off) - 5));
          this.header = Buffer.from([0x17, 0x03, 0x03, body >> 8, body & 0xff]);
          this.recordLen = 5 + body;
          this.posInRecord = 0;
        }
        if (this.posInRecord < 5) {
          out[off++] = this.header[this.posInRecord++] as number;
          continue;
        }
        const n = Math.min(this.recordLen - this.posInRecord, len - off);
        off += n;
        this.posInRecord += n;
      }
    } else if ((this.port === 80 || this.port === 8080) && this.sent === 0) {
      const head = Buffer.from(
        `HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/octet-stream\r\nContent-Length: ${this.total}\r\n\r\n`,
      );
      head.copy(out, 0, 0, Math.min(head.length, len));
    }
    this.sent += len;
    return out;
  }
}

/** One TCP connection: handshake, a request, the server's data with delayed ACKs, FIN exchange. */
export function* tcpFlow(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const v6 = rng.chance(0.1);
  const client = rng.pick(net.clients);
  const local = rng.chance(0.2);
  const serverHost = local ? rng.pick(net.lanServers) : null;
  const port = local
    ? rng.pick([445, 445, 22, 8080])
    : rng.weighted<number>([
        [80, 443],
        [12, 80],
        [3, 22],
        [5, 8443],
      ]);
  const cIp = v6 ? client.ip6 : client.ip;
  const sIp = serverHost ? (v6 ? serverHost.ip6 : serverHost.ip) : net.remote(v6);
  const sMac = serverHost ? serverHost.mac : net.router.mac;
  const vlans = vlanFor(rng);
  const cPort = rng.int(32768, 60999);
  const ts = rng.chance(0.7);
  const mss = v6 ? (ts ? 1428 : 1440) : ts ? 1448 : 1460;
  const rtt = local ? rng.logUniform(0.1 * MS, 1 * MS) : rng.logUniform(2 * MS, 60 * MS);
  const size = Math.round(
    rng.weighted<() => number>([
      [70, () => rng.logUniform(1_000, 50_000)],
      [25, () => rng.logUniform(50_000, 2_000_000)],
      [5, () => rng.logUniform(2_000_000, 30_000_000)],
    ])(),
  );
  const rateBps = rng.logUniform(5e6, 120e6);
  const gap = (mss * 8 * 1e9) / rateBps;
  const ttlIn = local ? 64 : rng.int(48, 120);
  let cSeq = rng.u32();
  let sSeq = rng.u32();
  let cId = rng.int(0, 0xffff);
  let sId = rng.int(0, 0xffff);
  const tsBase = rng.u32();
  const tsOf = (t: number): number => (tsBase + Math.floor(t / MS)) >>> 0;

  const frame = (
    fromClient: boolean,
    t: number,
    flags: number,
    payload?: Buffer,
    syn = false,
  ): TimedFrame => {
    const src = fromClient ? cIp : sIp;
    const dst = fromClient ? sIp : cIp;
    const options = syn
      ? tcpSynOptions(v6 ? 1440 : 1460, tsOf(t))
      : ts
        ? tcpTimestampOptions(tsOf(t), tsOf(t - rtt / 2))
        : undefined;
    const seg = tcpSegment({
      src,
      dst,
      srcPort: fromClient ? cPort : port,
      dstPort: fromClient ? port : cPort,
      seq: fromClient ? cSeq : sSeq,
      ack: flags & TCP_ACK ? (fromClient ? sSeq : cSeq) : 0,
      flags,
      window: fromClient ? 2048 : 501,
      ...(options ? { options } : {}),
      ...(payload ? { payload } : {}),
    });
    const ip = v6
      ? ipv6Packet({ src, dst, nextHeader: IPPROTO_TCP, payload: seg, hopLimit: fromClient ? 64 : ttlIn })
      : ipv4Packet({
          src,
          dst,
          protocol: IPPROTO_TCP,
          payload: seg,
          id: fromClient ? cId++ : sId++,
          ttl: fromClient ? 64 : ttlIn,
          dontFragment: true,
        });
    return {
      t: Math.round(t),
      frame: ethernet({
        dst: fromClient ? sMac : client.mac,
        src: fromClient ? client.mac : sMac,
        etherType: v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
        payload: ip,
        vlans,
        pad: true,
      }),
    };
  };

  /** The client's ACK of server bytes up to `seq` (delayed ACKs acknowledge less than was sent by then). */
  const ackUpTo = (t: number, seq: number): TimedFrame => {
    const save = sSeq;
    sSeq = seq;
    const ack = frame(true, t, TCP_ACK);
    sSeq = save;
    return ack;
  };

  let t = t0;
  yield frame(true, t, TCP_SYN, undefined, true);
  cSeq = (cSeq + 1) >>> 0;
  t += rtt / 2;
  yield frame(false, t, TCP_SYN | TCP_ACK, undefined, true);
  sSeq = (sSeq + 1) >>> 0;
  t += rtt / 2;
  yield frame(true, t, TCP_ACK);
  const req = Buffer.from(net.payload(rng.int(200, 700)));
  if (port === 80) req.write('GET /download/file.bin HTTP/1.1\r\nHost: example.net\r\n');
  yield frame(true, t + 20 * US, TCP_PSH | TCP_ACK, req);
  cSeq = (cSeq + req.length) >>> 0;
  t += rtt;

  const shaper = new StreamShaper(net, port, size);
  const pendingAcks: { t: number; seq: number }[] = [];
  let sent = 0;
  let segs = 0;
  while (sent < size) {
    while (pendingAcks.length > 0 && (pendingAcks[0] as { t: number }).t <= t) {
      const a = pendingAcks.shift() as { t: number; seq: number };
      yield ackUpTo(a.t, a.seq);
    }
    const len = Math.min(mss, size - sent);
    const last = sent + len >= size;
    yield frame(false, t, TCP_ACK | (last ? TCP_PSH : 0), shaper.take(len));
    sSeq = (sSeq + len) >>> 0;
    sent += len;
    segs++;
    if (segs % 2 === 0 || last)
      pendingAcks.push({ t: t + Math.min(rtt / 2, 40 * MS) + rng.int(5, 60) * US, seq: sSeq });
    t += gap * (0.6 + rng.next() * 0.8);
  }
  for (const a of pendingAcks) {
    if (a.t > t) t = a.t;
    yield ackUpTo(Math.max(a.t, t), a.seq);
  }
  t += rng.logUniform(1 * MS, 200 * MS);
  yield frame(true, t, TCP_FIN | TCP_ACK);
  cSeq = (cSeq + 1) >>> 0;
  t += rtt / 2;
  yield frame(false, t, TCP_FIN | TCP_ACK);
  sSeq = (sSeq + 1) >>> 0;
  t += rtt / 2;
  yield frame(true, t, TCP_ACK);
}

const NAMES = [
  'www.example.com',
  'api.example.net',
  'cdn.example.org',
  'updates.vendor.example',
  'time.example.com',
  'login.example.net',
  'mail.example.org',
  'repo.example.com',
  'telemetry.example.net',
  'static.example.org',
];

/** A DNS query and its answer, over IPv4 or IPv6. */
export function* dnsExchange(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const client = rng.pick(net.clients);
  const v6 = rng.chance(0.2);
  const name = rng.pick(NAMES);
  const type = rng.chance(0.6) ? DNS_A : DNS_AAAA;
  const id = rng.int(0, 0xffff);
  const port = rng.int(32768, 60999);
  const vlans = vlanFor(rng);
  const asker = { mac: client.mac, ip: v6 ? client.ip6 : client.ip, port };
  const resolver = { mac: net.resolver.mac, ip: v6 ? net.resolver.ip6 : net.resolver.ip, port: 53 };
  yield { t: t0, frame: udpBetween(asker, resolver, dnsQuery(id, name, type), { vlans }) };
  const answers = Array.from({ length: rng.int(1, 4) }, () =>
    type === DNS_A ? net.remote(false) : net.remote(true),
  );
  yield {
    t: t0 + Math.round(rng.logUniform(0.2 * MS, 40 * MS)),
    frame: udpBetween(resolver, asker, dnsResponse(id, name, type, answers), { vlans }),
  };
}

/** ARP request and reply between two LAN hosts. */
export function* arpExchange(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const a = rng.pick(net.clients);
  const b = rng.chance(0.5) ? net.router : rng.pick([...net.lanServers, ...net.clients]);
  yield { t: t0, frame: arpRequestFrame(a, b.ip, { pad: true }) };
  yield { t: t0 + rng.int(30, 900) * US, frame: arpReplyFrame(b, a, { pad: true }) };
}

/** A neighbour discovery message (ICMPv6 `type`, hop limit 255) from `from` to `dstIp`. */
function ndFrame(from: Host, dstMac: Bytes, dstIp: Bytes, type: number, body: Bytes): Buffer {
  return ethernet({
    dst: dstMac,
    src: from.mac,
    etherType: ETHERTYPE_IPV6,
    payload: ipv6Packet({
      src: from.ip6,
      dst: dstIp,
      nextHeader: IPPROTO_ICMPV6,
      hopLimit: 255,
      payload: icmpv6Message(from.ip6, dstIp, type, 0, body),
    }),
  });
}

/** IPv6 neighbour solicitation/advertisement, or an mDNS announcement. */
export function* ipv6Chatter(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const a = rng.pick(net.clients);
  if (rng.chance(0.5)) {
    const b = rng.pick(net.clients);
    const solicited = ipv6('ff02::1:ff00:0');
    solicited.set(b.ip6.subarray(13), 13);
    const nsBody = Buffer.concat([Buffer.alloc(4), b.ip6, Uint8Array.of(1, 1), a.mac]);
    yield { t: t0, frame: ndFrame(a, ipv6MulticastMac(solicited), solicited, 135, nsBody) };
    const naBody = Buffer.concat([Uint8Array.of(0x60, 0, 0, 0), b.ip6, Uint8Array.of(2, 1), b.mac]);
    yield { t: t0 + rng.int(50, 800) * US, frame: ndFrame(b, a.mac, a.ip6, 136, naBody) };
    return;
  }
  const group = ipv6('ff02::fb');
  const body = dnsResponse(0, `host-${rng.int(1, 999)}.local`, DNS_AAAA, [a.ip6], 120);
  body.writeUInt16BE(0x8400, 2);
  const mdns = { mac: ipv6MulticastMac(group), ip: group, port: 5353 };
  yield { t: t0, frame: udpBetween({ mac: a.mac, ip: a.ip6, port: 5353 }, mdns, body, { ttl: 255 }) };
}

/** NTP or syslog: a small datagram (and for NTP its answer) on a well-known UDP port. */
export function* udpMisc(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const c = rng.pick(net.clients);
  const s = rng.pick(net.lanServers);
  const vlans = vlanFor(rng);
  const kind = rng.pick(['ntp', 'syslog'] as const);
  const cPort = kind === 'ntp' ? 123 : rng.int(32768, 60999);
  const client = { mac: c.mac, ip: c.ip, port: cPort };
  const server = (port: number): UdpEnd => ({ mac: s.mac, ip: s.ip, port });
  if (kind === 'syslog') {
    const msg = `<${rng.int(8, 190)}>Mar 12 09:${String(rng.int(0, 59)).padStart(2, '0')}:00 host${rng.int(1, 200)} sshd[${rng.int(100, 30000)}]: Accepted publickey for admin from 10.10.0.${rng.int(1, 250)} port ${rng.int(1024, 65535)} ssh2`;
    yield { t: t0, frame: udpBetween(client, server(514), Buffer.from(msg), { vlans }) };
    return;
  }
  const req = Buffer.concat([Uint8Array.of(0x23, 0, 6, 0xe9), net.payload(44)]);
  yield { t: t0, frame: udpBetween(client, server(123), req, { vlans }) };
  const resp = Buffer.concat([Uint8Array.of(0x24, 2, 6, 0xe9), net.payload(44)]);
  yield { t: t0 + rng.int(100, 3000) * US, frame: udpBetween(server(123), client, resp, { vlans }) };
}

/** A voice call: two RTP-like streams of 172-byte datagrams every 20 ms for a while. */
export function* voiceCall(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const a = rng.pick(net.clients);
  const b = rng.pick(net.lanServers);
  const pa = rng.int(8192, 16383) * 2;
  const pb = rng.int(8192, 16383) * 2;
  const vlans = [{ id: 100, pcp: 5 }];
  const packets = Math.round(rng.logUniform(200, 3000));
  const ssrcA = rng.u32();
  const ssrcB = rng.u32();
  const rtp = (seq: number, ssrc: number): Buffer => {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = 0;
    h.writeUInt16BE(seq & 0xffff, 2);
    h.writeUInt32BE((seq * 160) >>> 0, 4);
    h.writeUInt32BE(ssrc, 8);
    return Buffer.concat([h, net.payload(160)]);
  };
  const endA = { mac: a.mac, ip: a.ip, port: pa };
  const endB = { mac: b.mac, ip: b.ip, port: pb };
  for (let i = 0; i < packets; i++) {
    const t = t0 + i * 20 * MS;
    yield { t: t + rng.int(0, 900) * US, frame: udpBetween(endA, endB, rtp(i, ssrcA), { vlans, ipId: i }) };
    yield {
      t: t + rng.int(1000, 1900) * US,
      frame: udpBetween(endB, endA, rtp(i, ssrcB), { vlans, ipId: i }),
    };
  }
}

/** QUIC-like UDP 443 download: a burst of 1200-1350-byte datagrams and sparse small replies. */
export function* quicBurst(net: Network, rng: Rng, t0: number): Generator<TimedFrame, void, undefined> {
  const c = rng.pick(net.clients);
  const v6 = rng.chance(0.3);
  const s = net.remote(v6);
  const cIp = v6 ? c.ip6 : c.ip;
  const port = rng.int(32768, 60999);
  const count = Math.round(rng.logUniform(20, 3000));
  const gap = rng.logUniform(30 * US, 400 * US);
  let t = t0;
  const head = (long: boolean): Buffer => Buffer.from(long ? [0xc3, 0, 0, 0, 1] : [0x40 | rng.int(0, 31)]);
  const client = { mac: c.mac, ip: cIp, port };
  const server = { mac: net.router.mac, ip: s, port: 443 };
  yield { t, frame: udpBetween(client, server, Buffer.concat([head(true), net.payload(1245)])) };
  for (let i = 0; i < count; i++) {
    t += gap * (0.5 + rng.next());
    const data = Buffer.concat([head(false), net.payload(rng.int(1200, 1350))]);
    yield { t: Math.round(t), frame: udpBetween(server, client, data) };
    if (i % 4 === 3) {
      const ack = Buffer.concat([head(false), net.payload(rng.int(30, 60))]);
      yield { t: Math.round(t + 10 * US), frame: udpBetween(client, server, ack) };
    }
  }
}
