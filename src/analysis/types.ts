/**
 * The analysis result: DHCP transactions, TFTP transfers and boot sessions correlated from decoded
 * packets. Pure data (JSON-serialisable after report/analysis-json.ts); diagnosis rules read it, reports render it.
 * Times are seconds relative to the first frame of the capture unless named *Epoch.
 */

/** A reference to one packet: enough to cite it as evidence and place it on a timeline. */
export interface FrameRef {
  frame: number;
  /** Seconds since the first frame of the capture. */
  t: number;
}

export type DhcpRole = 'client' | 'server' | 'relay';

/** One DHCP/BOOTP message inside a transaction, with the facts rules need already extracted. */
export interface DhcpEvent extends FrameRef {
  messageType: string | null;
  /** 1 BOOTREQUEST, 2 BOOTREPLY */
  op: number;
  /** Who sent it: a relay agent forwarding a request from port 67, or a reply on to the client. */
  role: DhcpRole;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  srcMac?: string;
  secs: number;
  broadcast: boolean;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** Option 54, else the IP source of a reply. */
  serverId: string | null;
  /** BOOTP `file` field (after overload handling) */
  file: string;
  sname: string;
  /** Option 67 */
  bootfileOption: string | null;
  /**
   * The server pinged this OFFER/ACK's address (ICMP echo request to yiaddr within 10 s before it, or after it
   * when afterReply): its ping check. reply: an echo reply from the address (it is in use). Absent otherwise.
   */
  pingCheck?: { request: FrameRef; from: string; reply: FrameRef | null; afterReply: boolean };
  /** How option 67's bytes end (protocol/dhcp bootFileOptionEnding); absent without option 67. */
  bootfileOptionEnding?: 'unterminated' | 'nul' | 'bytes-after-nul';
  /** Option 66 */
  tftpServerName: string | null;
  /** Option 150 */
  tftpServerAddresses: string[];
  /** Option 60 */
  vendorClass: string | null;
  /** Option 93 codes */
  arch: number[];
  /** Option 77 user class text (raw "iPXE" or RFC 3004 classes joined by ",") */
  userClass: string | null;
  /** Option 175 present (iPXE) */
  ipxeOptions: boolean;
  /** Option 97 UUID */
  uuid: string | null;
  /** Option 43 present; PXE boot menu / discovery control decoded when it is a PXE 43 (boot servers: IPs of sub-option 8) */
  vendorSpecific: boolean;
  pxeDiscoveryControl: number | null;
  pxeBootServers: string[];
  pxeMenu: string[];
  /**
   * A server's PXE option 43 (reply with option 60 PXEClient) that a menu-showing client cannot use: what is
   * malformed or missing (protocol/dhcp pxeMenuProblems). Absent when there is nothing to say.
   */
  pxeMenuProblems?: string[];
  /** Option 52 overload value */
  overload: number | null;
  /** Option 56 message (NAK reasons) */
  message: string | null;
  /** Option 50 */
  requestedIp: string | null;
  /** Option 51 */
  leaseTime: number | null;
  /** Option 55 */
  parameterRequestList: number[];
  /** Option codes in wire order (analysis/server-software.ts reads the order to tell server software apart). */
  optionOrder: number[];
  /** Option 57 */
  maxMessageSize: number | null;
  /** Option 26 */
  interfaceMtu: number | null;
  /** Message exchanged on port 4011 (PXE boot server discovery). */
  port4011: boolean;
  /** A proxyDHCP offer: reply with yiaddr 0.0.0.0 and option 60 PXEClient. */
  proxy: boolean;
  notes: string[];
}

/** DISCOVER → OFFER(s) → REQUEST → ACK/NAK for one client and xid (port 4011 exchanges included). */
export interface DhcpTransaction {
  id: string;
  xid: number;
  clientMac: string;
  /** Every message of the transaction in capture order. */
  events: DhcpEvent[];
  start: number;
  end: number;
  /** Client messages: retransmissions are the repeats of the same message type. */
  discovers: number;
  requests: number;
  offers: DhcpEvent[];
  acks: DhcpEvent[];
  naks: DhcpEvent[];
  /**
   * 'bound' (ACK), 'nak' (the last answer was a NAK), 'offered' (offer but no ACK), 'no-offer' (DISCOVERs unanswered), 'no-reply' (a REQUEST
   * without DISCOVER, i.e. renewal or INIT-REBOOT, unanswered), 'informed',
   * 'proxy' (a 4011 exchange, answered or not: see acks), 'other' (RELEASE/DECLINE only, or an ACK the client
   * then DECLINEd).
   */
  outcome: 'bound' | 'nak' | 'offered' | 'no-offer' | 'no-reply' | 'informed' | 'proxy' | 'other';
  /** The server whose offer the client REQUESTed (option 54 of the REQUEST; else the ACK's server id). */
  chosenServer: string | null;
  /** true for a PXE boot-server exchange on port 4011 (kept apart from the port 67 transaction). */
  port4011: boolean;
  /** Relay agents (giaddr) seen on the transaction's messages: the capture point is behind or at a relay. */
  relays: string[];
  notes: string[];
}

/**
 * complete: last block seen and acknowledged (or seen just before the client moved on / the capture ended).
 * error: an ERROR packet (see `error`), except the tsize probe. tsize-probe: the client asked for tsize, got
 * the OACK and hung up at once (code 0 or 8, right after the OACK or DATA 1): normal.
 * abandoned: stopped before the end and the client moved on (new RRQ, DHCP) or stayed silent past the stall
 * timeout; an RRQ nobody answered ends here too (serverPort null) when the capture does see data ports.
 * unknown: RRQ with no answer of any kind in a capture that has no TFTP packet off port 69 at all (the capture
 * filter dropped the data ports: silence proves nothing). in-progress: the capture ended during the transfer.
 */
export type TftpOutcome = 'complete' | 'error' | 'tsize-probe' | 'abandoned' | 'unknown' | 'in-progress';

export interface TftpTransfer {
  id: string;
  clientIp: string;
  clientPort: number;
  /** Ethernet source of the client's first packet: the client itself on-link, else the last router. */
  clientMac: string | null;
  serverIp: string;
  /** The server's TID port (learned from its first reply); null when it never answered. */
  serverPort: number | null;
  direction: 'read' | 'write';
  filename: string;
  mode: string;
  /** Options the client asked for (lower-case name → value). */
  requested: Record<string, string>;
  /** Options the server acknowledged in its OACK (empty when no OACK). */
  negotiated: Record<string, string>;
  blksize: number;
  windowsize: number;
  /** Announced size (tsize in the OACK), when any. */
  tsize: number | null;
  request: FrameRef;
  /** RRQ repeats from the same client port before the client heard an answer (a new port is a new transfer). */
  requestRetries: FrameRef[];
  oack: FrameRef | null;
  firstData: FrameRef | null;
  lastPacket: FrameRef;
  /** Highest block number seen (unwrapped past 65535). */
  blocks: number;
  /** Payload bytes of distinct DATA blocks. */
  bytes: number;
  dataPackets: number;
  ackPackets: number;
  duplicateData: number;
  duplicateAcks: number;
  /** Blocks missing between DATA seen (capture loss or real loss). */
  gaps: number;
  /** Longest silence within the transfer, seconds. */
  maxGap: number;
  /** Whether the final DATA (shorter than the negotiated blksize) was seen and acknowledged. */
  lastBlockSeen: boolean;
  lastBlockAcked: boolean;
  error: { code: number; message: string; from: 'client' | 'server'; frame: FrameRef } | null;
  outcome: TftpOutcome;
  outcomeFrame: FrameRef | null;
  /** Frames of every packet of this transfer (capped, 5000 by default; see framesTruncated). */
  frames: number[];
  framesTruncated: boolean;
  duration: number;
  /** Bytes ÷ duration (request to last packet, the interval shown as its time); null when unknown. */
  throughput: number | null;
  /** DATA retransmitted (same block sent again) while no ACK for it appeared. */
  unackedRetransmits: number;
  /** Frames of DATA re-sends while no ACK covered the block (the re-sends only, never the first send; capped). */
  retransmitFrames: number[];
  /** Incomplete fragmented datagrams between the transfer's two hosts during it (or its server's resends). */
  lostFragments: number;
  /** Some DATA arrived as a reassembled IP datagram (fragmentation alone is not a fault). */
  fragmentedData: boolean;
  /** Sorcerer's apprentice: the block from which every DATA and ACK is doubled, ≥ 8 blocks, to the end. */
  apprenticeFrom: number | null;
  /** Packets at the client's port from another server port or host, or from it to one (tshark's "unknown transfer ID"). */
  strayPackets: FrameRef[];
  /** ICMP destination-unreachable messages quoting a packet of this transfer (e.g. no TFTP service: port unreachable). */
  icmpErrors: FrameRef[];
  notes: string[];
  /** Where the transfer last moved forward and what followed (absent in records built by older analyses). */
  progress?: TftpProgress;
}

/**
 * How far a transfer got, told as it happened: the last block the client acknowledged, the last DATA the
 * server sent, and the repeats after the last step forward (client re-ACKs, server resends).
 */
export interface TftpProgress {
  /** Highest block the client acknowledged: 0 = only the OACK; null = nothing acknowledged. */
  ackedBlock: number | null;
  /** Payload bytes the client acknowledged (what it holds). */
  ackedBytes: number;
  /** First ACK of ackedBlock. */
  ackedAt: FrameRef | null;
  /** The newest DATA block sent, and its first send. */
  newestBlock: number;
  newestData: FrameRef | null;
  /** The last DATA packet of the transfer (a resend when it differs from newestData). */
  lastData: FrameRef | null;
  /** The last packet that moved the transfer on (a new DATA block or a new ACK; else the request). */
  lastProgress: FrameRef;
  /** After lastProgress: ACKs of an already acknowledged block (count; the first frames). */
  reAcks: number;
  reAckFrames: FrameRef[];
  /** After lastProgress: DATA blocks sent again (count; the first frames). */
  resends: number;
  resendFrames: FrameRef[];
  /** Acknowledged bytes per second from the first DATA to ackedAt (null when unknown). */
  rateBefore: number | null;
  /** A full-size DATA block (length = blksize) was sent; one was acknowledged. */
  fullBlockSent: boolean;
  fullBlockAcked: boolean;
  /** The client's ACK 0 answering the OACK: small packets from the server do reach the client. */
  oackAcked: FrameRef | null;
}

/** ARP requests from one host for one address (announcements and probes left out). */
export interface ArpQuery {
  targetIp: string;
  askedBy: string;
  requests: FrameRef[];
  answered: FrameRef | null;
}

export type BootPhaseKind = 'dhcp' | 'proxy' | 'tftp-boot' | 'tftp-config' | 'tftp-other' | 'dhcp-again';

/**
 * A stretch of the session's timeline: consecutive steps of the same kind. tftp-boot is the file the DHCP round
 * in force named; tftp-config pxelinux.cfg/*, *.ipxe, *.cfg, *.conf; dhcp-again any DHCP after a first binding.
 */
export interface BootPhase {
  kind: BootPhaseKind;
  /** Short and plain, e.g. "DHCP (3.0 s, 2 offers)", "pxelinux.0 41.4 KiB in 0.16 s (also 10× error 1)". */
  label: string;
  start: number;
  end: number;
  frames: number[];
}

export type ValueSource =
  'siaddr' | 'option-66' | 'option-150' | 'sname' | 'file' | 'option-67' | 'proxy' | 'proxy-4011' | 'none';

/**
 * What the client was told to boot in one DHCP round, and from which message each value came: the one model
 * of "what the client boots" that the diagnosis rules and every report read (analysis/effective-boot.ts).
 * Address reply = the ACK, else the offer of the chosen server. Boot file: the `file` field when non-empty
 * (iPXE and legacy PXE ROMs read the populated field first), else option 67 — option 67 first for UEFI
 * firmware that is not iPXE (EDK2); both raw values are kept (fileField, option67). TFTP server: siaddr,
 * else 66 (a name stays a name), else 150, else sname; an ACK without one takes its server's OFFER's.
 * When the address reply names no boot file, file and server come from the proxyDHCP: the port 4011 ACK
 * (what the client asked for and used), else the proxy OFFER.
 */
export interface EffectiveBoot {
  /** The DHCP transaction of this round, and when it started. */
  transaction: string;
  start: number;
  /**
   * The client took this round (REQUEST → ACK, or a BOOTP reply). false: offers it saw and ignored (a UEFI
   * firmware's HTTP-boot attempt, a round cut off by the end of the capture) or a NAK: an offer, not a boot.
   */
  accepted: boolean;
  offerFrom: string | null;
  clientIp: string | null;
  tftpServer: string | null;
  tftpServerSource: ValueSource;
  bootFile: string | null;
  bootFileSource: ValueSource;
  proxyServer: string | null;
  /** Both boot file sources as the server sent them, so a disagreement can be shown (null when absent). */
  fileField: string | null;
  option67: string | null;
  /** The client as it presented itself in this round (firmware, then iPXE, …). */
  vendorClass: string | null;
  userClass: string | null;
  arch: number[];
  isIpxe: boolean;
  /** Frames of the messages these values were read from. */
  frames: number[];
}

export interface BootSession {
  id: string;
  clientMac: string;
  clientIp: string | null;
  uuid: string | null;
  arch: number[];
  archName: string | null;
  vendorClass: string | null;
  userClass: string | null;
  isIpxe: boolean;
  transactions: DhcpTransaction[];
  transfers: TftpTransfer[];
  phases: BootPhase[];
  /** One entry per DHCP round the client went through (e.g. firmware, then iPXE). */
  boots: EffectiveBoot[];
  start: number;
  end: number;
}

export interface CaptureSummary {
  file: string;
  format: string;
  compressed: boolean;
  linkTypes: string[];
  frames: number;
  dhcpPackets: number;
  tftpPackets: number;
  arpPackets: number;
  firstEpoch: string | null;
  lastEpoch: string | null;
  duration: number;
  /** Frames not decoded and why (unsupported link type, IPv6, non-UDP, other ports …). */
  skipped: Record<string, number>;
  warnings: string[];
  truncated: boolean;
  /** Capture-filter view: RRQs seen but no TFTP data at all on ephemeral ports. */
  tftpDataSeen: boolean;
  /**
   * Packets the capturing system itself counted as lost (pcapng ISB isb_ifdrop / isb_osdrop, EPB drop
   * counts, a live backend's drop counter). Absent when nothing was counted as dropped.
   */
  captureLoss?: CaptureLoss;
  /**
   * A live capture's retention window at work (sniff --retain): the records of clients judged and quiet for
   * longer than `window` seconds were dropped, so the report covers the clients active since `since`.
   * Absent when nothing was dropped that way.
   */
  retention?: CaptureRetention;
}

export interface CaptureRetention {
  /** Seconds a judged client stays in the report after its last packet. */
  window: number;
  /** Clients whose records were dropped. */
  clients: number;
  /** Epoch seconds (as firstEpoch) of the latest activity of a client dropped: the report covers what came after. */
  since: string;
}

export interface CaptureLoss {
  /** Every drop counted: ifDropped + osDropped + packetDrops. Always > 0. */
  dropped: number;
  /** Packets the interfaces received (isb_ifrecv), when recorded. */
  received: number | null;
  ifDropped: number | null;
  osDropped: number | null;
  /** Sum of the Enhanced Packet Blocks' epb_dropcount. */
  packetDrops: number | null;
  /** Names of the interfaces that counted drops (pcapng if_name, else "interface N"). */
  interfaces: string[];
}

export interface AnalysisStats {
  transactions: number;
  transfers: number;
  sessions: number;
  /** Correlation state evicted because a bound was reached. */
  evicted: number;
  /**
   * When every eviction was a client's transaction or transfer: those clients' keys (`mac <MAC>`, `ip <address>`),
   * so only their verdicts are "unknown". Absent when nothing was evicted or an eviction concerned no one client.
   */
  evictedClients?: string[];
}

export interface AnalysisResult {
  capture: CaptureSummary;
  sessions: BootSession[];
  /** Transfers not attributed to any session (no DHCP for their client in the capture). */
  orphanTransfers: TftpTransfer[];
  arp: ArpQuery[];
  icmpUnreachable: {
    frame: FrameRef;
    from: string;
    code: number;
    src: string;
    dst: string;
    srcPort: number;
    dstPort: number;
  }[];
  fragmentLosses: { frames: number[]; src: string; dst: string; t: number }[];
  /**
   * The last frame each session's client MAC sent, of any protocol (DNS, HTTP, IPv6 … included: the decoder
   * watches DHCP clients' source MACs). Absent when the input was not read frame by frame (records fed directly).
   */
  clientLastFrames?: Record<string, FrameRef>;
  stats: AnalysisStats;
}
