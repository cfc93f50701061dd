/**
 * The server's frames: an engine reply as the frames that carry it, a received frame as the engine's
 * DhcpInbound, and the receive handle's filter. Built on net/frames.ts.
 */
import { decodeDhcp, encodeDhcp } from '../../protocol/dhcp/index.js';
import {
  BROADCAST_MAC,
  parseUdpFrame,
  udpFrames,
  type DhcpServicePort,
  type FrameDropReason,
} from '../../net/frames.js';
import type { DhcpInbound, DhcpOutbound } from '../dhcp/types.js';

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
