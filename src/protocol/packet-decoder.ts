/**
 * Frames in, DHCP/TFTP messages out: link layer → IPv4 (with reassembly) → UDP → DHCP or TFTP, deciding
 * what is DHCP and what is TFTP the way tshark does (DHCP on UDP 67/68 and 4011; TFTP on port 69 plus the
 * conversations that requests to port 69 open). Everything else is counted and dropped with no allocation.
 */
import type { RawFrame, SkimInfo } from '../capture/types.js';
import { toTimestamp, type Timestamp } from '../capture/timestamp.js';
import { ipName, macName, readIp } from './addr.js';
import { decodeDhcp } from './dhcp/index.js';
import { arpRecord, fragmentLossRecord, icmpUnreachableRecord, rawSeconds } from './evidence-records.js';
import {
  createIpv4Header,
  decodeIpv4Into,
  IPPROTO_ICMP,
  IPPROTO_IPIP,
  IPPROTO_UDP,
  IPV4_OK,
  IPV4_TRUNCATED,
  ipv4StatusText,
  type Ipv4Header,
} from './ipv4.js';
import {
  createLinkInfo,
  decodeLinkInto,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  LINK_TRUNCATED,
  LINK_UNSUPPORTED,
  LINKTYPE_ETHERNET,
  linkTypeName,
} from './link.js';
import type {
  ArpRecord,
  DecodedPacket,
  DhcpPacketRecord,
  TftpPacketRecord,
  FragmentLossRecord,
  IcmpEchoRecord,
  IcmpUnreachableRecord,
  PacketOrigin,
  SourceFrameRecord,
  TftpBlockView,
} from './packet.js';
import { SourceWatch } from './source-watch.js';
import { decodeIcmpEcho, ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST } from './icmp.js';
import { Ipv4Reassembler, type IncompleteDatagram } from './reassembly.js';
import { SKIP_IPV6, SKIP_NOT_UDP, SKIP_OTHER_UDP, SkipCounter, type SkipCounts } from './skip-counts.js';
import { decodeTftp, TFTP_ACK, TFTP_DATA, type TftpDecodeOptions } from './tftp/index.js';
import { TftpConversations } from './tftp-conversations.js';
import { createUdpHeader, decodeUdpInto, UDP_OK } from './udp.js';
import {
  isInterestingPort,
  looksLikeTftpRequest,
  MIN_DHCP_PAYLOAD,
  portDissector,
  TFTP_PORT,
} from './udp-ports.js';

export type { SkipCounts } from './skip-counts.js';

export interface PacketHandlers {
  packet(p: DecodedPacket): void;
  /**
   * Offered each plain TFTP DATA/ACK of an open conversation before any record is built for it (see
   * TftpBlockView). true: the handler took it whole, as packet() (and clientFrame()) would have; the decoder
   * counts it and is done. false: the frame goes the full way, so the handler must leave nothing changed that
   * the full way would not leave the same when it is told the same frame again.
   */
  tftpBlock?(b: TftpBlockView): boolean;
  arp?(a: ArpRecord): void;
  icmpUnreachable?(i: IcmpUnreachableRecord): void;
  icmpEcho?(e: IcmpEchoRecord): void;
  /** Frames sent by DHCP clients seen so far, of any protocol (see SourceWatch for which are reported). */
  clientFrame?(f: SourceFrameRecord): void;
  fragmentLoss?(f: FragmentLossRecord): void;
  /** Something about a frame that a person should know (once per kind where it could repeat). */
  warning?(w: { frame: number; message: string }): void;
}

export interface PacketDecoderOptions {
  /** Keep the file bytes of TFTP DATA packets (TftpPacket.data); default true. See TftpDecodeOptions. */
  keepTftpData?: boolean;
}

export class PacketDecoder {
  private readonly link = createLinkInfo();
  private readonly ip: Ipv4Header = createIpv4Header();
  private readonly udp = createUdpHeader();
  private readonly conversations = new TftpConversations();
  private readonly reassembler: Ipv4Reassembler;
  private readonly warnedLinkTypes = new Set<number>();
  private readonly lostFragments: IncompleteDatagram[] = [];
  private readonly skips = new SkipCounter();
  dhcpPackets = 0;
  tftpPackets = 0;
  arpPackets = 0;
  ipv4Frames = 0;
  /** Time (seconds, float) of the frame being decoded: used for reassembly timeouts. */
  private now = 0;
  private currentFrame: RawFrame | null = null;
  /** The current frame's timestamp once converted: a client's frame is told twice (clientFrame, then packet). */
  private currentTs: Timestamp | null = null;

  private readonly tftpOptions: TftpDecodeOptions;
  /** Client MACs whose every frame is of interest (only when a clientFrame handler is given). */
  private readonly sources: SourceWatch | null;
  /** What tftpBlock is told, one object rewritten for every frame (null without a tftpBlock handler). */
  private readonly block: TftpBlockView | null;

  constructor(
    private readonly handlers: PacketHandlers,
    options: PacketDecoderOptions = {},
  ) {
    this.tftpOptions = { keepData: options.keepTftpData !== false };
    this.sources = handlers.clientFrame === undefined ? null : new SourceWatch();
    this.block =
      handlers.tftpBlock === undefined
        ? null
        : {
            frame: 0,
            ts: { high: 0, low: 0, unitsPerSecond: 1, combined: false, offsetSeconds: 0, digits: 0 },
            src: '',
            dst: '',
            srcPort: 0,
            dstPort: 0,
            clientMac: null,
            tftp: { opcode: 'DATA', block: 0, dataLength: 0 },
          };
    this.reassembler = new Ipv4Reassembler({
      accept: (payload) => this.acceptFirstFragment(payload),
      onIncomplete: (d) => this.lostFragments.push(d),
    });
  }

  push(frame: RawFrame): void {
    this.currentFrame = frame;
    this.currentTs = null;
    const data = frame.data;
    const link = this.link;
    const status = decodeLinkInto(frame.linkType, data, link);
    if (status !== 0) {
      if (status === LINK_UNSUPPORTED) this.unsupportedLinkType(frame);
      else if (status === LINK_TRUNCATED) this.skip('link header truncated');
      return;
    }
    const sources = this.sources;
    if (sources !== null && sources.size > 0 && link.srcMacOffset >= 0 && link.srcAddrLength === 6) {
      const mac = sources.seen(data, link.srcMacOffset);
      if (mac !== null) this.handlers.clientFrame?.({ frame: frame.frame, ts: this.frameTs(frame), mac });
    }
    const etherType = link.etherType;
    if (etherType === ETHERTYPE_IPV4) {
      this.ipv4Frames++;
      this.ipv4(frame, data, link.offset);
    } else if (etherType === ETHERTYPE_ARP) {
      this.arp(frame, data, link.offset);
    } else if (etherType === ETHERTYPE_IPV6) {
      this.skip(SKIP_IPV6);
    } else {
      this.skip('not IP');
    }
    if (this.lostFragments.length > 0) this.flushLostFragments();
  }

  /**
   * The common case decided from the header bytes alone, with the counts push() would have made: an untagged
   * Ethernet frame carrying IPv6, or a plain IPv4 datagram (no options, not a fragment) that is neither
   * DHCP/TFTP nor ICMP nor a tunnel. Returns false for everything else, which then goes through push():
   * this only ever drops what push() would drop, and counts it under the same reason. With `info` (and a
   * tftpBlock handler), a plain TFTP DATA/ACK of an open conversation is offered to tftpBlock from here.
   */
  skim(
    linkType: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    frame = 0,
    info?: SkimInfo,
  ): boolean {
    if (linkType !== LINKTYPE_ETHERNET || length < 34) return false;
    const etherType = (bytes[offset + 12] << 8) | bytes[offset + 13];
    if (etherType !== ETHERTYPE_IPV4) {
      if (etherType !== ETHERTYPE_IPV6) return false;
      if (this.clientSpeaks(bytes, offset)) return false;
      this.skips.fast(SKIP_IPV6, this.skips.ipv6++);
      return true;
    }
    const ip = offset + 14;
    // Version 4 with a 20-byte header; anything else (options, malformed) is left to the full decoder.
    if (bytes[ip] !== 0x45) return false;
    const total = (bytes[ip + 2] << 8) | bytes[ip + 3];
    if (total < 20) return false;
    const protocol = bytes[ip + 9];
    if (protocol !== IPPROTO_UDP) {
      if (protocol === IPPROTO_ICMP || protocol === IPPROTO_IPIP) return false;
      if (this.clientSpeaks(bytes, offset)) return false;
      this.ipv4Frames++;
      this.skips.fast(SKIP_NOT_UDP, this.skips.notUdp++);
      return true;
    }
    // MF set or a non-zero fragment offset: the reassembler must see it.
    if ((bytes[ip + 6] & 0x3f) !== 0 || bytes[ip + 7] !== 0) return false;
    const frameEnd = offset + length;
    const end = ip + total < frameEnd ? ip + total : frameEnd;
    const udp = ip + 20;
    if (end - udp < 8) return false;
    const sp = (bytes[udp] << 8) | bytes[udp + 1];
    const dp = (bytes[udp + 2] << 8) | bytes[udp + 3];
    if (this.conversations.mayMatch(sp, dp)) {
      // Truncated frames and datagrams carry notes: the full path tells them.
      const whole = info !== undefined && info.origLen === length && ip + total <= frameEnd;
      return whole && this.tftpBlock(frame, bytes, offset, udp, end, sp, dp, info);
    }
    if (portDissector(sp, dp) !== null) return false;
    if (this.mayOpenTftpConversation(bytes, udp, end)) return false;
    if (this.clientSpeaks(bytes, offset)) return false;
    this.ipv4Frames++;
    this.skips.fast(SKIP_OTHER_UDP, this.skips.otherUdp++);
    return true;
  }

  /**
   * A DATA or ACK of an open conversation with a well-formed UDP header, offered to the tftpBlock handler:
   * true when it took it (counted as push() counts it). Everything else is left to push().
   */
  private tftpBlock(
    frame: number,
    bytes: Uint8Array,
    offset: number,
    udp: number,
    end: number,
    sp: number,
    dp: number,
    info: SkimInfo,
  ): boolean {
    const view = this.block;
    if (view === null) return false;
    const udpLength = (bytes[udp + 4] << 8) | bytes[udp + 5];
    if (udpLength < 12 || udp + udpLength > end) return false;
    const payload = udp + 8;
    const opcode = (bytes[payload] << 8) | bytes[payload + 1];
    // decodeTftp's canonical DATA and ACK (an ACK with trailing bytes carries a note).
    if (opcode !== TFTP_DATA && (opcode !== TFTP_ACK || udpLength !== 12)) return false;
    const src = readIp(bytes, offset + 26);
    const dst = readIp(bytes, offset + 30);
    if (this.conversations.find(src, sp, dst, dp) === null) return false;
    view.frame = frame;
    // The reader's own reused timestamp: valid, like the view, for this call only.
    view.ts = info.ts;
    view.src = ipName(src);
    view.dst = ipName(dst);
    view.srcPort = sp;
    view.dstPort = dp;
    view.clientMac =
      this.sources !== null && this.sources.size > 0 ? this.sources.seen(bytes, offset + 6) : null;
    const tftp = view.tftp;
    tftp.opcode = opcode === TFTP_DATA ? 'DATA' : 'ACK';
    tftp.block = (bytes[payload + 2] << 8) | bytes[payload + 3];
    tftp.dataLength = udpLength - 12;
    if (this.handlers.tftpBlock?.(view) !== true) return false;
    this.ipv4Frames++;
    this.tftpPackets++;
    return true;
  }

  /** A frame skim would drop comes from a watched DHCP client and must be reported: push() takes it. */
  private clientSpeaks(bytes: Uint8Array, offset: number): boolean {
    const sources = this.sources;
    return sources !== null && sources.size > 0 && sources.wants(bytes, offset + 6);
  }

  /** tshark's TFTP heuristic on a datagram no port claims (see looksLikeTftpRequest). */
  private mayOpenTftpConversation(data: Uint8Array, offset: number, end: number): boolean {
    const udp = this.udp;
    decodeUdpInto(data, offset, end, udp);
    return (
      udp.payloadEnd - udp.payloadOffset >= 4 &&
      looksLikeTftpRequest(data, udp.payloadOffset + 2, udp.payloadEnd)
    );
  }

  /** End of input: datagrams still missing fragments are reported as lost. */
  finish(): void {
    this.reassembler.flush();
    this.flushLostFragments();
  }

  private ipv4(frame: RawFrame, data: Uint8Array, offset: number, depth = 0): void {
    const ip = this.ip;
    const st = decodeIpv4Into(data, offset, ip);
    if (st !== IPV4_OK && st !== IPV4_TRUNCATED) {
      this.skip(`IPv4 malformed (${ipv4StatusText(st)})`);
      return;
    }
    if (ip.protocol === IPPROTO_UDP) {
      if (ip.mf || ip.fragmentOffset !== 0) {
        // Like tshark: a fragment cut by the snaplen cannot be reassembled; the first one is still
        // dissected for what it holds, later ones are just data.
        if (st === IPV4_TRUNCATED) {
          if (ip.fragmentOffset === 0)
            this.udpDatagram(frame, data, ip.payloadOffset, ip.payloadEnd, true, null);
          else this.skip('IPv4 fragment, truncated by the capture');
        } else {
          this.fragment(frame, data);
        }
        return;
      }
      this.udpDatagram(frame, data, ip.payloadOffset, ip.payloadEnd, st === IPV4_TRUNCATED, null);
    } else if (ip.protocol === IPPROTO_IPIP && depth === 0 && !ip.mf && ip.fragmentOffset === 0) {
      // IPv4-in-IPv4 (tunnels, some relays): DHCP/TFTP is in the inner datagram, as tshark shows it.
      this.ipv4(frame, data, ip.payloadOffset, 1);
    } else if (ip.protocol === IPPROTO_ICMP) {
      this.icmp(frame, data, ip.payloadOffset, ip.payloadEnd);
    } else {
      this.skip(SKIP_NOT_UDP);
    }
  }

  private fragment(frame: RawFrame, data: Uint8Array): void {
    this.now = rawSeconds(frame.ts);
    const done = this.reassembler.add(frame.frame, this.now, this.ip, data);
    if (done === null) return;
    // The completing fragment's IP header still describes addresses, TTL, id: only the payload differs.
    const payload = done.payload;
    this.udpDatagram(frame, payload, 0, payload.length, done.truncated, done.frames);
  }

  private acceptFirstFragment(payload: Uint8Array): boolean {
    if (payload.length < 4) return false;
    const sp = (payload[0] << 8) | payload[1];
    const dp = (payload[2] << 8) | payload[3];
    return isInterestingPort(sp) || isInterestingPort(dp) || this.conversations.mayMatch(sp, dp);
  }

  private udpDatagram(
    frame: RawFrame,
    data: Uint8Array,
    offset: number,
    end: number,
    truncated: boolean,
    fragmentFrames: number[] | null,
  ): void {
    if (end - offset < 8) {
      this.skip('UDP header truncated');
      return;
    }
    const sp = (data[offset] << 8) | data[offset + 1];
    const dp = (data[offset + 2] << 8) | data[offset + 3];
    const ip = this.ip;
    let kind: 'dhcp' | 'tftp' | null = null;
    let conv = null;
    if (this.conversations.mayMatch(sp, dp)) {
      conv = this.conversations.find(ip.src, sp, ip.dst, dp);
      if (conv !== null) kind = 'tftp';
    }
    if (kind === null) kind = portDissector(sp, dp);
    const udp = this.udp;
    if (kind === null) {
      // tshark's TFTP heuristic: a well-formed request on any other port pair opens a conversation.
      if (this.mayOpenTftpConversation(data, offset, end)) {
        kind = 'tftp';
      } else {
        this.skip(SKIP_OTHER_UDP);
        return;
      }
    } else {
      decodeUdpInto(data, offset, end, udp);
    }
    // A view: both decoders copy what they keep, and the frame's bytes may be a reused buffer.
    const payload = data.subarray(udp.payloadOffset, udp.payloadEnd);
    // tshark hands fewer than 34 bytes (op … chaddr) to BOOTP without it matching `dhcp`.
    if (kind === 'dhcp' && payload.length < MIN_DHCP_PAYLOAD) {
      this.skip('DHCP port, payload too short');
      return;
    }
    const origin = this.origin(frame, sp, dp, fragmentFrames);
    if (truncated || frame.data.length < frame.origLen) {
      origin.notes.push(`packet truncated by the capture (${frame.data.length} of ${frame.origLen} bytes)`);
    }
    if (udp.status !== UDP_OK)
      origin.notes.push(`UDP length field ${udp.length} does not match the datagram`);
    if (kind === 'dhcp') {
      this.dhcpPackets++;
      const record = origin as DhcpPacketRecord;
      record.protocol = 'dhcp';
      record.dhcp = decodeDhcp(payload);
      // A DHCP client from now on: every frame it sends is of interest (it is still talking).
      if (this.sources !== null && record.dhcp.op === 1 && record.dhcp.hlen === 6)
        this.sources.add(record.dhcp.chaddr);
      this.handlers.packet(record);
      return;
    }
    const tftp = decodeTftp(payload, this.tftpOptions);
    const opensConversation =
      (dp === TFTP_PORT || portDissector(sp, dp) === null) &&
      payload.length >= 4 &&
      looksLikeTftpRequest(payload, 2, payload.length) &&
      (tftp.opcode === 'RRQ' || tftp.opcode === 'WRQ' || dp !== TFTP_PORT);
    if (opensConversation && (conv === null || tftp.opcode === 'RRQ' || tftp.opcode === 'WRQ')) {
      // A new request from the same client port replaces the old conversation, as in tshark.
      const asked = Number(tftp.options?.blksize);
      conv = this.conversations.open(ip.src, sp, ip.dst, Number.isFinite(asked) ? asked : 512);
    } else if (conv !== null && tftp.opcode === 'OACK') {
      const b = Number(tftp.options?.blksize);
      if (Number.isInteger(b) && b > 0) conv.blksize = b;
    }
    this.tftpPackets++;
    // Completed in place: an object spread here costs more than all the decoding before it.
    const record = origin as TftpPacketRecord;
    record.protocol = 'tftp';
    record.tftp = tftp;
    record.tftpBlksize = conv?.blksize ?? 512;
    this.handlers.packet(record);
  }

  private frameTs(frame: RawFrame): Timestamp {
    return frame === this.currentFrame ? (this.currentTs ??= toTimestamp(frame.ts)) : toTimestamp(frame.ts);
  }

  /** The addressing part of a record; udpDatagram completes it in place as a DHCP or TFTP record. */
  private origin(frame: RawFrame, sp: number, dp: number, fragmentFrames: number[] | null): PacketOrigin {
    const ip = this.ip;
    const link = this.link;
    const o: PacketOrigin = {
      frame: frame.frame,
      ts: this.frameTs(frame),
      src: ipName(ip.src),
      dst: ipName(ip.dst),
      srcPort: sp,
      dstPort: dp,
      frameLength: frame.origLen,
      ttl: ip.ttl,
      notes: [],
    };
    const data = frame.data;
    if (link.srcMacOffset >= 0 && link.srcAddrLength === 6 && link.srcMacOffset + 6 <= data.length) {
      o.srcMac = macName(data, link.srcMacOffset);
    }
    if (link.dstMacOffset >= 0 && link.dstMacOffset + 6 <= data.length)
      o.dstMac = macName(data, link.dstMacOffset);
    if (link.vlanCount > 0) o.vlans = link.vlanIds.slice(0, link.vlanCount);
    if (fragmentFrames !== null) o.fragmentFrames = [...fragmentFrames];
    return o;
  }

  private arp(frame: RawFrame, data: Uint8Array, offset: number): void {
    this.arpPackets++;
    const handler = this.handlers.arp;
    if (handler === undefined) return;
    const record = arpRecord(frame, data, offset);
    if (record !== null) handler(record);
  }

  /** ICMP destination unreachable quoting a UDP datagram: evidence of a firewall or a closed TFTP port. */
  private icmp(frame: RawFrame, data: Uint8Array, offset: number, end: number): void {
    if (data[offset] === ICMP_ECHO_REQUEST || data[offset] === ICMP_ECHO_REPLY) {
      this.echo(frame, data, offset, end);
      return;
    }
    const handler = this.handlers.icmpUnreachable;
    const record =
      handler === undefined ? null : icmpUnreachableRecord(frame, data, offset, end, this.ip.src);
    if (record === null) this.skip('ICMP');
    else handler?.(record);
  }

  /** Echo request/reply: evidence of a DHCP server's ping check before it offers an address. */
  private echo(frame: RawFrame, data: Uint8Array, offset: number, end: number): void {
    // Still counted with the ICMP frames the decode leaves aside: the echo is a side record, not DHCP/TFTP.
    this.skip('ICMP');
    const handler = this.handlers.icmpEcho;
    const echo = handler === undefined ? null : decodeIcmpEcho(data, offset, end);
    if (handler === undefined || echo === null) return;
    handler({
      frame: frame.frame,
      ts: toTimestamp(frame.ts),
      kind: echo.kind,
      src: ipName(this.ip.src),
      dst: ipName(this.ip.dst),
      identifier: echo.identifier,
      sequence: echo.sequence,
    });
  }

  private flushLostFragments(): void {
    const list = this.lostFragments.splice(0);
    const handler = this.handlers.fragmentLoss;
    for (const d of list) {
      if (d.frames.length === 0) continue;
      this.skip('IPv4 fragments never reassembled', d.frames.length);
      handler?.(fragmentLossRecord(d, this.currentFrame?.ts));
    }
  }

  private unsupportedLinkType(frame: RawFrame): void {
    this.skip(`link type ${linkTypeName(frame.linkType)}`);
    if (this.warnedLinkTypes.has(frame.linkType)) return;
    this.warnedLinkTypes.add(frame.linkType);
    this.handlers.warning?.({
      frame: frame.frame,
      message: `link type ${linkTypeName(frame.linkType)} is not supported: its frames are skipped (first: frame ${frame.frame})`,
    });
  }

  private skip(reason: string, n = 1): void {
    this.skips.add(reason, n);
  }

  /** Why frames were not decoded as DHCP/TFTP, reasons in the order first seen. */
  get skipped(): SkipCounts {
    return this.skips.counts;
  }
}
