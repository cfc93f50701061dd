import type { Timestamp } from '../capture/timestamp.js';
import type { RawTimestamp } from '../capture/types.js';
import type { DhcpMessage } from './dhcp/index.js';
import type { TftpPacket } from './tftp/index.js';

/** Where a DHCP or TFTP message was found: frame, time and addressing, as tshark shows them. */
export interface PacketOrigin {
  /** tshark's frame.number: for a reassembled IP datagram, the frame of the fragment that completed it. */
  frame: number;
  ts: Timestamp;
  /** Frames of every IP fragment of this datagram, when it was fragmented. */
  fragmentFrames?: number[];
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  srcMac?: string;
  dstMac?: string;
  vlans?: number[];
  /** Length of the frame on the wire. */
  frameLength: number;
  /** IP time to live (a relay or router between client and capture point lowers it). */
  ttl: number;
  /** Malformed or noteworthy things seen while decoding, in plain words. */
  notes: string[];
}

export interface DhcpPacketRecord extends PacketOrigin {
  protocol: 'dhcp';
  dhcp: DhcpMessage;
}

export interface TftpPacketRecord extends PacketOrigin {
  protocol: 'tftp';
  tftp: TftpPacket;
  /** Block size in force for this transfer (512 unless an OACK negotiated another), for "(last)". */
  tftpBlksize: number;
}

export type DecodedPacket = DhcpPacketRecord | TftpPacketRecord;

/**
 * A TFTP DATA or ACK of an open conversation in a plain frame (untagged Ethernet, IPv4 without options, not a
 * fragment, nothing cut off, well-formed), read from the frame's bytes alone, with no record built: nearly
 * every packet of a PXE segment is one. The decoder reuses this object for every such frame: read it during
 * the call only. Its fields are those of the TftpPacketRecord the full decode would make.
 */
export interface TftpBlockView {
  frame: number;
  ts: RawTimestamp;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** The sender's MAC when it is a DHCP client the decoder watches (what clientFrame would be told), else null. */
  clientMac: string | null;
  tftp: { opcode: 'DATA' | 'ACK'; block: number; dataLength: number };
}

/** An ARP request or reply, kept because an unanswered ARP for the TFTP server is evidence. */
export interface ArpRecord {
  frame: number;
  ts: Timestamp;
  op: 'request' | 'reply' | 'other';
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

/** ICMP destination unreachable quoting a UDP datagram (e.g. port unreachable for a TFTP reply). */
export interface IcmpUnreachableRecord {
  frame: number;
  ts: Timestamp;
  /** ICMP sender (the host or router that refused). */
  from: string;
  code: number;
  /** The quoted datagram's addressing. */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

/** ICMP echo request or reply: a DHCP server's ping check of the address it is about to offer. */
export interface IcmpEchoRecord {
  frame: number;
  ts: Timestamp;
  kind: 'request' | 'reply';
  src: string;
  dst: string;
  identifier: number;
  sequence: number;
}

/** A frame (of any kind) sent by a MAC that has sent DHCP requests: the client is still talking. */
export interface SourceFrameRecord {
  frame: number;
  ts: Timestamp;
  mac: string;
}

/** IP fragments of a DHCP/TFTP datagram that never completed: lost fragments. */
export interface FragmentLossRecord {
  src: string;
  dst: string;
  ipId: number;
  /** Frames of the fragments that did arrive. */
  frames: number[];
  firstTs: Timestamp;
  /** Bytes that arrived out of the datagram's total length (when known). */
  receivedBytes: number;
  totalBytes: number | null;
}
