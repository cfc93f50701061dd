/**
 * Hand-made link, network and transport headers for generated captures: Ethernet (with optional 802.1Q tags),
 * ARP, IPv4 (with fragmentation), IPv6, UDP, TCP and ICMP, with correct checksums unless asked otherwise.
 * Self-contained on purpose: the generators must not depend on the decoder they are meant to test.
 */

export type Bytes = Uint8Array;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_IPV6 = 0x86dd;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** Parses "aa:bb:cc:dd:ee:ff" (or "-" separated) into 6 bytes. */
export function mac(text: string): Bytes {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) throw new Error(`bad MAC address: ${text}`);
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

export function formatMac(bytes: Bytes): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Parses a dotted IPv4 address into 4 bytes. */
export function ipv4(text: string): Bytes {
  const parts = text.split('.');
  if (parts.length !== 4) throw new Error(`bad IPv4 address: ${text}`);
  return Uint8Array.from(parts.map((p) => Number(p)));
}

/** Parses an IPv6 address (with at most one "::") into 16 bytes. */
export function ipv6(text: string): Bytes {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':').filter((g) => g !== '') : [];
  const tailGroups = tail ? tail.split(':').filter((g) => g !== '') : [];
  const fill = 8 - headGroups.length - tailGroups.length;
  const groups = [...headGroups, ...Array<string>(tail === undefined ? 0 : fill).fill('0'), ...tailGroups];
  if (groups.length !== 8) throw new Error(`bad IPv6 address: ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

export function concat(parts: readonly Bytes[]): Buffer {
  return Buffer.concat(parts);
}

/** Ones'-complement sum of 16-bit big-endian words, not yet folded or inverted. */
export function sum16(data: Bytes, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  return sum;
}

/** Folds a 32-bit partial sum into the final 16-bit Internet checksum (RFC 1071). */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return ~s & 0xffff;
}

export function internetChecksum(data: Bytes): number {
  return finishChecksum(sum16(data));
}

export interface VlanTag {
  id: number;
  pcp?: number;
  dei?: boolean;
  /** TPID of this tag: 0x8100 (802.1Q, default) or 0x88a8 (802.1ad outer tag). */
  tpid?: number;
}

export interface EthernetOptions {
  dst: Bytes;
  src: Bytes;
  etherType: number;
  payload: Bytes;
  /** Tags outermost first. */
  vlans?: readonly VlanTag[];
  /** Pad to the 60-byte Ethernet minimum (frames received from the wire); false for frames a host sent itself. */
  pad?: boolean;
}

export function ethernet(o: EthernetOptions): Buffer {
  const tags = o.vlans ?? [];
  const headerLen = 14 + tags.length * 4;
  const len = Math.max(headerLen + o.payload.length, o.pad ? 60 : 0);
  const out = Buffer.alloc(len);
  out.set(o.dst, 0);
  out.set(o.src, 6);
  let off = 12;
  for (const tag of tags) {
    out.writeUInt16BE(tag.tpid ?? ETHERTYPE_VLAN, off);
    out.writeUInt16BE(((tag.pcp ?? 0) << 13) | (tag.dei ? 0x1000 : 0) | (tag.id & 0xfff), off + 2);
    off += 4;
  }
  out.writeUInt16BE(o.etherType, off);
  out.set(o.payload, off + 2);
  return out;
}

export interface ArpOptions {
  op: 1 | 2;
  senderMac: Bytes;
  senderIp: Bytes;
  targetMac: Bytes;
  targetIp: Bytes;
}

export function arp(o: ArpOptions): Buffer {
  const out = Buffer.alloc(28);
  out.writeUInt16BE(1, 0);
  out.writeUInt16BE(ETHERTYPE_IPV4, 2);
  out[4] = 6;
  out[5] = 4;
  out.writeUInt16BE(o.op, 6);
  out.set(o.senderMac, 8);
  out.set(o.senderIp, 14);
  out.set(o.targetMac, 18);
  out.set(o.targetIp, 24);
  return out;
}

export interface Ipv4Options {
  src: Bytes;
  dst: Bytes;
  protocol: number;
  payload: Bytes;
  id?: number;
  ttl?: number;
  tos?: number;
  dontFragment?: boolean;
  moreFragments?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  fragmentOffset?: number;
  /** Overrides the total-length field (to build inconsistent packets). */
  totalLength?: number;
  /** 'bad' stores a wrong header checksum. */
  checksum?: 'ok' | 'bad';
}

export function ipv4Packet(o: Ipv4Options): Buffer {
  const out = Buffer.alloc(20 + o.payload.length);
  out[0] = 0x45;
  out[1] = o.tos ?? 0;
  out.writeUInt16BE(o.totalLength ?? 20 + o.payload.length, 2);
  out.writeUInt16BE((o.id ?? 0) & 0xffff, 4);
  const flags = (o.dontFragment ? 0x4000 : 0) | (o.moreFragments ? 0x2000 : 0);
  out.writeUInt16BE(flags | (((o.fragmentOffset ?? 0) >> 3) & 0x1fff), 6);
  out[8] = o.ttl ?? 64;
  out[9] = o.protocol;
  out.set(o.src, 12);
  out.set(o.dst, 16);
  let sum = internetChecksum(out.subarray(0, 20));
  if (o.checksum === 'bad') sum = (sum + 0x1111) & 0xffff;
  out.writeUInt16BE(sum, 10);
  out.set(o.payload, 20);
  return out;
}

/**
 * Splits an IPv4 payload (a whole UDP datagram, header included) into fragments of at most `mtu` bytes of IP
 * packet each, in order.
 */
export function ipv4Fragments(o: Ipv4Options, mtu: number): Buffer[] {
  const maxData = Math.floor((mtu - 20) / 8) * 8;
  if (o.payload.length <= mtu - 20) return [ipv4Packet(o)];
  const out: Buffer[] = [];
  for (let off = 0; off < o.payload.length; off += maxData) {
    const chunk = o.payload.subarray(off, Math.min(off + maxData, o.payload.length));
    out.push(
      ipv4Packet({
        ...o,
        payload: chunk,
        fragmentOffset: off,
        moreFragments: off + maxData < o.payload.length,
        dontFragment: false,
      }),
    );
  }
  return out;
}

export interface Ipv6Options {
  src: Bytes;
  dst: Bytes;
  nextHeader: number;
  payload: Bytes;
  hopLimit?: number;
  flowLabel?: number;
}

export function ipv6Packet(o: Ipv6Options): Buffer {
  const out = Buffer.alloc(40 + o.payload.length);
  out.writeUInt32BE((6 << 28) | ((o.flowLabel ?? 0) & 0xfffff), 0);
  out.writeUInt16BE(o.payload.length, 4);
  out[6] = o.nextHeader;
  out[7] = o.hopLimit ?? 64;
  out.set(o.src, 8);
  out.set(o.dst, 24);
  out.set(o.payload, 40);
  return out;
}

/** Partial sum of the IPv4 or IPv6 pseudo-header (chosen by address length). */
function pseudoHeaderSum(src: Bytes, dst: Bytes, protocol: number, length: number): number {
  let sum = sum16(src) + sum16(dst) + protocol;
  if (src.length === 16) sum += Math.floor(length / 0x10000) + (length & 0xffff);
  else sum += length;
  return sum;
}

export interface UdpOptions {
  src: Bytes;
  dst: Bytes;
  srcPort: number;
  dstPort: number;
  payload: Bytes;
  /** 'zero' leaves the checksum out (allowed over IPv4); 'bad' stores a wrong one. */
  checksum?: 'ok' | 'zero' | 'bad';
  /** Overrides the length field. */
  length?: number;
}

/** A UDP header plus payload; `src`/`dst` are the IP addresses for the pseudo-header (4 or 16 bytes). */
export function udpDatagram(o: UdpOptions): Buffer {
  const len = 8 + o.payload.length;
  const out = Buffer.alloc(len);
  out.writeUInt16BE(o.srcPort, 0);
  out.writeUInt16BE(o.dstPort, 2);
  out.writeUInt16BE(o.length ?? len, 4);
  out.set(o.payload, 8);
  if (o.checksum !== 'zero') {
    let sum = finishChecksum(sum16(out, pseudoHeaderSum(o.src, o.dst, IPPROTO_UDP, len)));
    if (sum === 0) sum = 0xffff;
    if (o.checksum === 'bad') sum = sum === 0x1234 ? 0x4321 : 0x1234;
    out.writeUInt16BE(sum, 6);
  }
  return out;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export interface TcpOptions {
  src: Bytes;
  dst: Bytes;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  window?: number;
  /** Raw TCP options (padded to a multiple of 4 here). */
  options?: Bytes;
  payload?: Bytes;
}

export function tcpSegment(o: TcpOptions): Buffer {
  const opts = o.options ?? new Uint8Array(0);
  const optLen = (opts.length + 3) & ~3;
  const headerLen = 20 + optLen;
  const payload = o.payload ?? new Uint8Array(0);
  const out = Buffer.alloc(headerLen + payload.length);
  out.writeUInt16BE(o.srcPort, 0);
  out.writeUInt16BE(o.dstPort, 2);
  out.writeUInt32BE(o.seq >>> 0, 4);
  out.writeUInt32BE(o.ack >>> 0, 8);
  out[12] = (headerLen / 4) << 4;
  out[13] = o.flags;
  out.writeUInt16BE(o.window ?? 64240, 14);
  out.set(opts, 20);
  out.set(payload, headerLen);
  const sum = finishChecksum(sum16(out, pseudoHeaderSum(o.src, o.dst, IPPROTO_TCP, out.length)));
  out.writeUInt16BE(sum, 16);
  return out;
}

/** TCP options of a SYN: MSS, SACK permitted, timestamps, window scale. */
export function tcpSynOptions(mss: number, tsVal: number): Buffer {
  const out = Buffer.alloc(20);
  out.set([2, 4, mss >> 8, mss & 0xff, 4, 2, 8, 10], 0);
  out.writeUInt32BE(tsVal >>> 0, 8);
  out.writeUInt32BE(0, 12);
  out.set([1, 3, 3, 7], 16);
  return out;
}

/** NOP, NOP, timestamps: the 12 option bytes of every segment once timestamps are on. */
export function tcpTimestampOptions(tsVal: number, tsEcr: number): Buffer {
  const out = Buffer.alloc(12);
  out.set([1, 1, 8, 10], 0);
  out.writeUInt32BE(tsVal >>> 0, 4);
  out.writeUInt32BE(tsEcr >>> 0, 8);
  return out;
}

export interface IcmpOptions {
  type: number;
  code: number;
  /** The 4 bytes after the checksum (identifier/sequence, unused, MTU…). */
  rest?: number;
  payload: Bytes;
}

export function icmpMessage(o: IcmpOptions): Buffer {
  const out = Buffer.alloc(8 + o.payload.length);
  out[0] = o.type;
  out[1] = o.code;
  out.writeUInt32BE((o.rest ?? 0) >>> 0, 4);
  out.set(o.payload, 8);
  out.writeUInt16BE(internetChecksum(out), 2);
  return out;
}

/** An ICMPv6 message with its pseudo-header checksum. */
export function icmpv6Message(src: Bytes, dst: Bytes, type: number, code: number, body: Bytes): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out[0] = type;
  out[1] = code;
  out.set(body, 4);
  out.writeUInt16BE(finishChecksum(sum16(out, pseudoHeaderSum(src, dst, IPPROTO_ICMPV6, out.length))), 2);
  return out;
}

/** The Ethernet multicast address of an IPv6 multicast group (33:33 + last 4 bytes). */
export function ipv6MulticastMac(group: Bytes): Bytes {
  return Uint8Array.from([0x33, 0x33, group[12], group[13], group[14], group[15]]);
}

export interface UdpFrameOptions {
  srcMac: Bytes;
  dstMac: Bytes;
  src: Bytes;
  dst: Bytes;
  srcPort: number;
  dstPort: number;
  payload: Bytes;
  ipId?: number;
  ttl?: number;
  vlans?: readonly VlanTag[];
  udpChecksum?: 'ok' | 'zero' | 'bad';
  pad?: boolean;
}

/** Ethernet + IPv4 (or IPv6, by address length) + UDP in one go. */
export function udpFrame(o: UdpFrameOptions): Buffer {
  const udp = udpDatagram({
    src: o.src,
    dst: o.dst,
    srcPort: o.srcPort,
    dstPort: o.dstPort,
    payload: o.payload,
    checksum: o.udpChecksum ?? 'ok',
  });
  const v6 = o.src.length === 16;
  const ip = v6
    ? ipv6Packet({ src: o.src, dst: o.dst, nextHeader: IPPROTO_UDP, payload: udp, hopLimit: o.ttl ?? 64 })
    : ipv4Packet({
        src: o.src,
        dst: o.dst,
        protocol: IPPROTO_UDP,
        payload: udp,
        id: o.ipId ?? 0,
        ttl: o.ttl ?? 64,
        dontFragment: false,
      });
  return ethernet({
    dst: o.dstMac,
    src: o.srcMac,
    etherType: v6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4,
    payload: ip,
    vlans: o.vlans ?? [],
    pad: o.pad ?? true,
  });
}
