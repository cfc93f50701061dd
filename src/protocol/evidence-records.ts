/**
 * The records beside DHCP and TFTP that the analysis reads as evidence: ARP (is the TFTP server there?),
 * ICMP destination unreachable quoting a UDP datagram (a closed port, a firewall) and IPv4 fragments that
 * never reassembled (an MTU problem). Each is built from the frame's bytes; the decoder decides when.
 */
import type { RawFrame, RawTimestamp } from '../capture/types.js';
import { toTimestamp, type Timestamp } from '../capture/timestamp.js';
import { ipNumberToString } from './addr.js';
import { decodeArp } from './ethernet.js';
import { IPPROTO_UDP } from './ipv4.js';
import type { ArpRecord, FragmentLossRecord, IcmpUnreachableRecord } from './packet.js';
import type { IncompleteDatagram } from './reassembly.js';

/** The ARP record of a frame, or null when the ARP packet is not Ethernet/IPv4. */
export function arpRecord(frame: RawFrame, data: Uint8Array, offset: number): ArpRecord | null {
  const a = decodeArp(data, offset);
  if (a === null) return null;
  return {
    frame: frame.frame,
    ts: toTimestamp(frame.ts),
    op: a.op === 1 ? 'request' : a.op === 2 ? 'reply' : 'other',
    senderMac: a.senderMac,
    senderIp: a.senderIp,
    targetMac: a.targetMac,
    targetIp: a.targetIp,
  };
}

/**
 * The ICMP message at data[offset, end) as a "destination unreachable" quoting a UDP datagram, or null for
 * any other ICMP message (or one too short to quote the UDP ports). `from` is the sender's IPv4 address.
 */
export function icmpUnreachableRecord(
  frame: RawFrame,
  data: Uint8Array,
  offset: number,
  end: number,
  from: number,
): IcmpUnreachableRecord | null {
  if (end - offset < 8 + 20 + 8 || data[offset] !== 3) return null;
  const inner = offset + 8;
  const ihl = (data[inner] & 0x0f) * 4;
  if (data[inner] >> 4 !== 4 || data[inner + 9] !== IPPROTO_UDP || inner + ihl + 4 > end) return null;
  const u = inner + ihl;
  return {
    frame: frame.frame,
    ts: toTimestamp(frame.ts),
    from: ipNumberToString(from),
    code: data[offset + 1],
    src: `${data[inner + 12]}.${data[inner + 13]}.${data[inner + 14]}.${data[inner + 15]}`,
    dst: `${data[inner + 16]}.${data[inner + 17]}.${data[inner + 18]}.${data[inner + 19]}`,
    srcPort: (data[u] << 8) | data[u + 1],
    dstPort: (data[u + 2] << 8) | data[u + 3],
  };
}

/** A datagram whose fragments never all arrived; its time in the precision of `like` (the current frame). */
export function fragmentLossRecord(
  d: IncompleteDatagram,
  like: RawTimestamp | undefined,
): FragmentLossRecord {
  return {
    src: ipNumberToString(d.src),
    dst: ipNumberToString(d.dst),
    ipId: d.id,
    frames: [...d.frames],
    firstTs: secondsToTimestamp(d.firstTime, like),
    receivedBytes: d.receivedBytes,
    totalBytes: d.totalLength,
  };
}

/** Seconds as a float, for timeouts only (never shown). */
export function rawSeconds(ts: RawTimestamp): number {
  if (!ts.combined) return ts.high + ts.low / ts.unitsPerSecond + ts.offsetSeconds;
  return (ts.high * 4294967296 + ts.low) / ts.unitsPerSecond + ts.offsetSeconds;
}

function secondsToTimestamp(seconds: number, like: RawTimestamp | undefined): Timestamp {
  const digits = like?.digits ?? 6;
  const whole = Math.floor(seconds);
  return { seconds: whole, fraction: Math.round((seconds - whole) * 10 ** digits), digits };
}
