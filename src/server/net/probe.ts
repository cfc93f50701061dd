/**
 * The start-up probe: is another DHCP server answering on this segment? One DISCOVER is broadcast at
 * layer 2 from the interface, from a random locally administered MAC (so no real client's lease is touched)
 * with a random xid and no PXEClient vendor class (so a proxyDHCP does not answer), and the OFFERs that
 * come back within the wait are collected, whoever sent them.
 */
import { randomBytes } from 'node:crypto';
import { dhcpMessageFromFields, type DhcpMessage } from '../../protocol/dhcp/index.js';
import { decodeDhcp, encodeDhcp, serverId } from '../../protocol/dhcp/index.js';
import { BROADCAST_MAC, parseUdpFrame, udpFrames } from '../../net/frames.js';
import { openPcapLink } from '../../net/pcap.js';
import type { InterfaceFacts } from './interface.js';

export interface ProbeAnswer {
  /** Option 54, null when the reply had none. */
  serverId: string | null;
  srcIp: string;
  srcMac: string;
  offered: string;
}

/** A random unicast, locally administered MAC (bit 1 of the first byte set, bit 0 clear). */
export function randomLocalMac(): string {
  const b = randomBytes(6);
  b[0] = (b[0] & 0xfc) | 0x02;
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':');
}

/** The probe's DISCOVER: broadcast flag set, so any server answers by broadcast that we can see. */
export function probeDiscover(mac: string, xid: number): DhcpMessage {
  return dhcpMessageFromFields({
    op: 1,
    xid,
    chaddr: mac,
    broadcast: true,
    messageType: 'DISCOVER',
    options: [
      { code: 61, raw: Uint8Array.of(1, ...mac.split(':').map((h) => parseInt(h, 16))) },
      { code: 55, raw: Uint8Array.of(1, 3, 6, 54) },
    ],
  });
}

/** The answer in a received frame when it is a DHCP reply to our probe, else null. */
export function probeAnswerOf(frame: Uint8Array, xid: number, mac: string): ProbeAnswer | null {
  const parsed = parseUdpFrame(frame);
  if (!parsed.ok || parsed.datagram.srcPort !== 67 || parsed.datagram.dstPort !== 68) return null;
  const msg = decodeDhcp(parsed.datagram.payload);
  if (msg.op !== 2 || msg.xid !== xid || msg.chaddr !== mac) return null;
  if (msg.messageType !== 'OFFER' && msg.messageType !== null) return null;
  return {
    serverId: serverId(msg),
    srcIp: parsed.datagram.srcIp,
    srcMac: parsed.datagram.srcMac,
    offered: msg.yiaddr,
  };
}

/** Sends one probe DISCOVER on the interface and resolves with the servers that offered within `waitMs`. */
export async function probeDhcpServers(facts: InterfaceFacts, waitMs = 2000): Promise<ProbeAnswer[]> {
  const mac = randomLocalMac();
  const xid = randomBytes(4).readUInt32BE(0);
  const answers: ProbeAnswer[] = [];
  const seen = new Set<string>();
  // Answers from this interface's own MAC count too: this server is not running yet, so they come from
  // another program on this host (a second serve, a dnsmasq) answering on the same interface.
  const link = openPcapLink(facts.name, 'ip and udp and src port 67 and dst port 68');
  link.listen((f) => {
    const a = probeAnswerOf(f.data, xid, mac);
    if (a === null) return;
    const key = `${a.srcMac}|${a.serverId ?? a.srcIp}`;
    if (seen.has(key)) return;
    seen.add(key);
    answers.push(a);
  });
  try {
    const frames = udpFrames({
      srcMac: mac,
      dstMac: BROADCAST_MAC,
      srcIp: '0.0.0.0',
      dstIp: '255.255.255.255',
      srcPort: 68,
      dstPort: 67,
      payload: encodeDhcp(probeDiscover(mac, xid)),
      ipId: xid & 0xffff,
      mtu: facts.mtu,
    });
    for (const f of frames) link.send(f);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  } finally {
    link.close();
  }
  return answers;
}
