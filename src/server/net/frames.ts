/**
 * What the server puts on the wire and reads from it at layer 2: Ethernet/IPv4/UDP frames built with the
 * project's encoders, and DHCP requests decoded with its decoders. Pure: the pcap handle is elsewhere.
 */
import { ipToString, macToString } from '../../protocol/addr.js';
import { decodeDhcp, encodeDhcp } from '../../protocol/dhcp/index.js';
import { encodeEthernet } from '../../protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Into,
  encodeIpv4,
  fragmentIpv4,
  IPPROTO_UDP,
  IPV4_OK,
  isFragment,
} from '../../protocol/ipv4.js';
import {
  createLinkInfo,
  decodeLinkInto,
  ETHERTYPE_IPV4,
  LINK_OK,
  LINKTYPE_ETHERNET,
} from '../../protocol/link.js';
import { createUdpHeader, decodeUdpInto, encodeUdp, UDP_OK } from '../../protocol/udp.js';
import type { DhcpInbound, DhcpOutbound, DhcpServicePort } from '../dhcp/types.js';

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';

/** A UDP datagram with its addresses at every layer (Ethernet, IPv4, UDP). */
export interface UdpDatagram {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** One UDP datagram to frame. */
export interface UdpFrameSpec extends UdpDatagram {
  /** IPv4 identification (fragments of one datagram share it). */
  ipId: number;
  /** Link MTU: a larger datagram is sent as IPv4 fragments. */
  mtu: number;
  /** Default 64. */
  ttl?: number;
}

/** The Ethernet frames (one, or several fragments) that carry a UDP datagram, with a UDP checksum. */
export function udpFrames(spec: UdpFrameSpec): Uint8Array[] {
  const udp = encodeUdp(spec.srcIp, spec.dstIp, spec.srcPort, spec.dstPort, spec.payload);
  const ip = {
    src: spec.srcIp,
    dst: spec.dstIp,
    protocol: IPPROTO_UDP,
    id: spec.ipId & 0xffff,
    ttl: spec.ttl ?? 64,
  };
  const packets = 20 + udp.length <= spec.mtu ? [encodeIpv4(ip, udp)] : fragmentIpv4(ip, udp, spec.mtu);
  return packets.map((p) =>
    encodeEthernet({ dst: spec.dstMac, src: spec.srcMac, etherType: ETHERTYPE_IPV4, pad: true }, p),
  );
}

/** The sender side of the server: its interface MAC and address, and the link MTU. */
export interface ServerLink {
  mac: string;
  address: string;
  mtu: number;
}

/**
 * The frames of one engine reply. Every DhcpDestination kind is honoured as the engine decided it:
 * broadcast (ff:ff:ff:ff:ff:ff, 255.255.255.255), unicast to chaddr/yiaddr without ARP, to a relay's MAC and
 * giaddr on port 67, or the 4011 boot-service answer (source port 4011).
 */
export function dhcpReplyFrames(reply: DhcpOutbound, link: ServerLink, ipId: number): Uint8Array[] {
  return udpFrames({
    srcMac: link.mac,
    dstMac: reply.to.broadcast ? BROADCAST_MAC : reply.to.mac,
    srcIp: link.address,
    dstIp: reply.to.broadcast ? '255.255.255.255' : reply.to.ip,
    srcPort: reply.srcPort,
    dstPort: reply.to.port,
    payload: encodeDhcp(reply.message),
    ipId,
    mtu: link.mtu,
  });
}

/** Why a received frame was not a datagram for us (counted, and logged at debug level). */
export type FrameDropReason = 'not-ipv4' | 'vlan-tagged' | 'bad-ip' | 'fragment' | 'not-udp' | 'bad-udp';

export type UdpParse = { ok: true; datagram: UdpDatagram } | { ok: false; reason: FrameDropReason };

// Reused between frames: the receive path is single-threaded and copies what it keeps.
const linkInfo = createLinkInfo();
const ipHeader = createIpv4Header();
const udpHeader = createUdpHeader();

/**
 * Reads an untagged Ethernet/IPv4/UDP frame. The UDP checksum is not verified: with checksum offload
 * (veth, virtio) a frame seen before the NIC fills it in carries a partial one.
 */
export function parseUdpFrame(frame: Uint8Array): UdpParse {
  if (decodeLinkInto(LINKTYPE_ETHERNET, frame, linkInfo) !== LINK_OK || linkInfo.etherType !== ETHERTYPE_IPV4)
    return { ok: false, reason: 'not-ipv4' };
  if (linkInfo.vlanCount > 0) return { ok: false, reason: 'vlan-tagged' };
  if (decodeIpv4Into(frame, linkInfo.offset, ipHeader) !== IPV4_OK) return { ok: false, reason: 'bad-ip' };
  if (isFragment(ipHeader)) return { ok: false, reason: 'fragment' };
  if (ipHeader.protocol !== IPPROTO_UDP) return { ok: false, reason: 'not-udp' };
  if (decodeUdpInto(frame, ipHeader.payloadOffset, ipHeader.payloadEnd, udpHeader) !== UDP_OK)
    return { ok: false, reason: 'bad-udp' };
  return {
    ok: true,
    datagram: {
      srcMac: macToString(frame, 6),
      dstMac: macToString(frame, 0),
      srcIp: ipToString(frame, linkInfo.offset + 12),
      dstIp: ipToString(frame, linkInfo.offset + 16),
      srcPort: udpHeader.srcPort,
      dstPort: udpHeader.dstPort,
      payload: frame.subarray(udpHeader.payloadOffset, udpHeader.payloadEnd),
    },
  };
}

export function isServicePort(port: number): port is DhcpServicePort {
  return port === 67 || port === 4011;
}

export type DhcpFrameParse =
  { ok: true; inbound: DhcpInbound } | { ok: false; reason: FrameDropReason | 'not-dhcp-port' };

/** A frame received on the interface as the engine's DhcpInbound (the DHCP decoder never throws). */
export function parseDhcpFrame(frame: Uint8Array, now: number): DhcpFrameParse {
  const parsed = parseUdpFrame(frame);
  if (!parsed.ok) return parsed;
  const d = parsed.datagram;
  if (!isServicePort(d.dstPort)) return { ok: false, reason: 'not-dhcp-port' };
  return {
    ok: true,
    inbound: {
      message: decodeDhcp(d.payload),
      port: d.dstPort,
      srcMac: d.srcMac,
      srcIp: d.srcIp,
      srcPort: d.srcPort,
      dstIp: d.dstIp,
      now,
    },
  };
}

/**
 * The BPF program of the receive handle: IPv4 UDP to 67 and 4011 addressed to us (our MAC or broadcast: the
 * handle is promiscuous), not the frames we send ourselves (libpcap also sees outgoing frames on Linux).
 */
export function dhcpServerFilter(ownMac: string): string {
  return (
    `ip and udp and (dst port 67 or dst port 4011) and (ether dst ${ownMac} or ether broadcast) ` +
    `and not ether src ${ownMac}`
  );
}
