/**
 * Ethernet/IPv4/UDP frames built with the project's encoders and read with its decoders: what every sender
 * at layer 2 (server edge, probe, simulated clients) puts on the wire and reads from it. Pure: the links
 * that carry the frames are in link.ts.
 */
import { ipToString, macToString } from '../protocol/addr.js';
import { encodeEthernet } from '../protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Into,
  encodeIpv4,
  fragmentIpv4,
  IPPROTO_UDP,
  IPV4_OK,
  isFragment,
} from '../protocol/ipv4.js';
import {
  createLinkInfo,
  decodeLinkInto,
  ETHERTYPE_IPV4,
  LINK_OK,
  LINKTYPE_ETHERNET,
} from '../protocol/link.js';
import { createUdpHeader, decodeUdpInto, encodeUdp, UDP_OK } from '../protocol/udp.js';

/** 67: DHCP (full server or proxyDHCP); 4011: the PXE boot service (proxyDHCP second stage). */
export type DhcpServicePort = 67 | 4011;

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
