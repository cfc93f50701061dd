/**
 * Typed access to the tshark reference decodes in fixtures/tshark/ (written by scripts/refresh-tshark.ts; the
 * meaning of every field and tshark's decoding rules are in docs/conformance.md).
 *
 * Values are kept exactly as tshark prints them where the text matters (epoch, addresses, names, strings);
 * numbers are parsed. Fields that tshark may print several times in one frame are arrays, in tshark's order:
 * an ICMP error quoting a datagram, IP-in-IP, or option 61 all add a second value to some fields.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { projectRoot } from './fixtures.js';

/** tshark's expert severities (epan/proto.h PI_*), by name. */
export type ExpertSeverity = 'comment' | 'chat' | 'note' | 'warn' | 'error' | 'unknown';
/** tshark's expert groups (epan/proto.h PI_*), by name. */
export type ExpertGroup =
  | 'checksum'
  | 'sequence'
  | 'response-code'
  | 'request-code'
  | 'undecoded'
  | 'reassemble'
  | 'malformed'
  | 'debug'
  | 'protocol'
  | 'security'
  | 'comments'
  | 'decryption'
  | 'assumption'
  | 'deprecated'
  | 'unknown';

export interface TsharkExpert {
  message: string;
  severity: ExpertSeverity;
  group: ExpertGroup;
}

export interface TsharkDhcp {
  /** BOOTP op: 1 request, 2 reply. */
  op?: number;
  htype?: number;
  hlen?: number;
  hops?: number;
  /** Transaction id. */
  xid?: number;
  /** As tshark prints it, e.g. "0xe304ad69". */
  xidHex?: string;
  secs?: number;
  /** 0x8000 = broadcast. */
  flags?: number;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  /** Client hardware address (first `dhcp.hw.mac_addr`; option 61 adds a second one to `macAddrs`). */
  chaddr?: string;
  macAddrs: string[];
  /** BOOTP sname / file fields; absent when option 52 overloads them, "" when empty. */
  sname?: string;
  file?: string;
  /** Magic cookie as tshark prints it ("99.130.83.99" for a good one); absent for plain BOOTP. */
  cookie?: string;
  /** Option 53 value (first occurrence). */
  messageType?: number;
  /** Every option 53 value, in order. */
  messageTypes: number[];
  /**
   * Option codes in tshark's order (`dhcp.option.type`): 255 is never listed (see `endCount`), a run of pad bytes
   * is listed once as 0, and options from an overloaded sname/file come right after option 52.
   */
  optionTypes: number[];
  /** How many End (255) options tshark saw (`dhcp.option.end`): 0 when missing, more with overload. */
  endCount: number;
  serverId?: string;
  vendorClassId?: string;
  tftpServerName?: string;
  bootfileName?: string;
  /** Option 93 values (one per architecture listed). */
  clientArch: number[];
  /** Option 97 GUID as tshark prints it (dhcp.uuid.endian = little endian by default). */
  clientUuid?: string;
  /** Option 43 PXE sub-option codes, when tshark parsed option 43 as PXEClient vendor options. */
  pxeSuboptions: number[];
}

export interface TsharkTftpOption {
  name: string;
  value: string;
}

export interface TsharkTftp {
  opcode: number;
  block?: number;
  /** RRQ: the requested file. */
  sourceFile?: string;
  /**
   * WRQ: the file written. For every packet after a request in the same conversation tshark also fills this
   * field (a generated copy of the request's file name), so OACK/DATA/ACK/ERROR carry it too.
   */
  destinationFile?: string;
  /** Frame of the conversation's RRQ/WRQ (generated), for packets after it. */
  requestFrame?: number;
  /** Transfer mode of an RRQ/WRQ ("octet", "netascii", …) as sent. */
  mode?: string;
  options: TsharkTftpOption[];
  errorCode?: number;
  errorMessage?: string;
}

export interface TsharkFragments {
  /** Frames of every fragment, in fragment-offset order (the frame itself included). */
  frames: number[];
  count?: number;
  reassembledLength?: number;
}

export interface TsharkPacket {
  frame: number;
  /** frame.time_epoch exactly as tshark prints it: always 9 decimals ("1433421113.718074000" for µs files). */
  epoch: string;
  frameLen: number;
  capLen: number;
  /** frame.protocols split on ':' (e.g. ["eth","ethertype","ip","udp","dhcp"]). */
  protocols: string[];
  ethSrc?: string;
  ethDst?: string;
  vlanIds: number[];
  /** Outermost IPv4 or IPv6 addresses. */
  ipSrc?: string;
  ipDst?: string;
  ipVersion?: 4 | 6;
  /** Every IPv4/IPv6 source/destination tshark printed (more than one with tunnels and ICMP errors). */
  ipSrcAll: string[];
  ipDstAll: string[];
  /** First UDP header's ports and length. */
  srcPort?: number;
  dstPort?: number;
  udpLength?: number;
  srcPortAll: number[];
  dstPortAll: number[];
  /** Set when this frame completed an IPv4 reassembly. */
  fragments?: TsharkFragments;
  dhcp?: TsharkDhcp;
  tftp?: TsharkTftp;
  expert: TsharkExpert[];
  /** tshark hit an exception while dissecting (expert group "malformed"). */
  malformed: boolean;
  /** Every field as tshark printed it, for anything not typed above. */
  raw: Record<string, string[]>;
}

export interface TsharkFile {
  /** Capture sub-path (as in listCaptureFiles). */
  capture: string;
  origin: 'fixtures' | 'shared';
  /** sha256 of the capture the expectation was made from. */
  sha256: string;
  /** tshark version, e.g. "4.0.17". */
  version: string;
  command: string;
  /** Frames tshark read in the whole file (not only DHCP/TFTP ones). */
  frames: number;
  /** Number of the last frame tshark read. */
  lastFrame: number;
  exitCode: number;
  stderr: string;
  /** What tshark said when it did not read the file cleanly (exit code ≠ 0 or anything on stderr). */
  error?: string;
  /** Frames matching `dhcp || tftp`, in frame order. */
  packets: TsharkPacket[];
}

interface ExpectationJson {
  format: number;
  capture: string;
  origin: 'fixtures' | 'shared';
  sha256: string;
  tshark: string;
  command: string;
  frames: number;
  lastFrame: number;
  exitCode: number;
  stderr: string;
  packets: Record<string, string[]>[];
}

const SEVERITIES: Record<number, ExpertSeverity> = {
  0x00100000: 'comment',
  0x00200000: 'chat',
  0x00400000: 'note',
  0x00600000: 'warn',
  0x00800000: 'error',
};

const GROUPS: Record<number, ExpertGroup> = {
  0x01000000: 'checksum',
  0x02000000: 'sequence',
  0x03000000: 'response-code',
  0x04000000: 'request-code',
  0x05000000: 'undecoded',
  0x06000000: 'reassemble',
  0x07000000: 'malformed',
  0x08000000: 'debug',
  0x09000000: 'protocol',
  0x0a000000: 'security',
  0x0b000000: 'comments',
  0x0c000000: 'decryption',
  0x0d000000: 'assumption',
  0x0e000000: 'deprecated',
};

function all(raw: Record<string, string[]>, field: string): string[] {
  return raw[field] ?? [];
}

function first(raw: Record<string, string[]>, field: string): string | undefined {
  return raw[field]?.[0];
}

/** Parses decimal or 0x-hex; undefined for absent or unparsable values. */
function num(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function nums(values: readonly string[]): number[] {
  return values.map((v) => num(v)).filter((n): n is number => n !== undefined);
}

function hasPrefix(raw: Record<string, string[]>, prefix: string): boolean {
  return Object.keys(raw).some((k) => k.startsWith(prefix));
}

function toDhcp(raw: Record<string, string[]>): TsharkDhcp {
  const macs = all(raw, 'dhcp.hw.mac_addr');
  return {
    op: num(first(raw, 'dhcp.type')),
    htype: num(first(raw, 'dhcp.hw.type')),
    hlen: num(first(raw, 'dhcp.hw.len')),
    hops: num(first(raw, 'dhcp.hops')),
    xid: num(first(raw, 'dhcp.id')),
    xidHex: first(raw, 'dhcp.id'),
    secs: num(first(raw, 'dhcp.secs')),
    flags: num(first(raw, 'dhcp.flags')),
    ciaddr: first(raw, 'dhcp.ip.client'),
    yiaddr: first(raw, 'dhcp.ip.your'),
    siaddr: first(raw, 'dhcp.ip.server'),
    giaddr: first(raw, 'dhcp.ip.relay'),
    chaddr: macs[0],
    macAddrs: macs,
    sname: first(raw, 'dhcp.server'),
    file: first(raw, 'dhcp.file'),
    cookie: first(raw, 'dhcp.cookie'),
    messageType: num(first(raw, 'dhcp.option.dhcp')),
    messageTypes: nums(all(raw, 'dhcp.option.dhcp')),
    optionTypes: nums(all(raw, 'dhcp.option.type')),
    endCount: all(raw, 'dhcp.option.end').length,
    serverId: first(raw, 'dhcp.option.dhcp_server_id'),
    vendorClassId: first(raw, 'dhcp.option.vendor_class_id'),
    tftpServerName: first(raw, 'dhcp.option.tftp_server_name'),
    bootfileName: first(raw, 'dhcp.option.bootfile_name'),
    clientArch: nums(all(raw, 'dhcp.option.client_system_architecture')),
    clientUuid: first(raw, 'dhcp.client_id.uuid'),
    pxeSuboptions: nums(all(raw, 'dhcp.option.vendor.pxeclient.suboption')),
  };
}

function toTftp(raw: Record<string, string[]>): TsharkTftp {
  const names = all(raw, 'tftp.option.name');
  const values = all(raw, 'tftp.option.value');
  return {
    opcode: num(first(raw, 'tftp.opcode')) ?? -1,
    block: num(first(raw, 'tftp.block')),
    sourceFile: first(raw, 'tftp.source_file'),
    destinationFile: first(raw, 'tftp.destination_file'),
    requestFrame: num(first(raw, 'tftp.request_frame')),
    mode: first(raw, 'tftp.type'),
    options: names.map((name, i) => ({ name, value: values[i] ?? '' })),
    errorCode: num(first(raw, 'tftp.error.code')),
    errorMessage: first(raw, 'tftp.error.message'),
  };
}

function toPacket(raw: Record<string, string[]>): TsharkPacket {
  const messages = all(raw, '_ws.expert.message');
  const severities = nums(all(raw, '_ws.expert.severity'));
  const groups = nums(all(raw, '_ws.expert.group'));
  const expert: TsharkExpert[] = messages.map((message, i) => ({
    message,
    severity: SEVERITIES[severities[i] ?? -1] ?? 'unknown',
    group: GROUPS[groups[i] ?? -1] ?? 'unknown',
  }));
  const v4 = raw['ip.src'] !== undefined;
  const ipSrcAll = [...all(raw, 'ip.src'), ...all(raw, 'ipv6.src')];
  const ipDstAll = [...all(raw, 'ip.dst'), ...all(raw, 'ipv6.dst')];
  const protocols = (first(raw, 'frame.protocols') ?? '').split(':').filter((p) => p !== '');
  const fragFrames = nums(all(raw, 'ip.fragment'));
  const packet: TsharkPacket = {
    frame: num(first(raw, 'frame.number')) ?? 0,
    epoch: first(raw, 'frame.time_epoch') ?? '',
    frameLen: num(first(raw, 'frame.len')) ?? 0,
    capLen: num(first(raw, 'frame.cap_len')) ?? 0,
    protocols,
    ethSrc: first(raw, 'eth.src'),
    ethDst: first(raw, 'eth.dst'),
    vlanIds: nums(all(raw, 'vlan.id')),
    ipSrc: v4 ? first(raw, 'ip.src') : first(raw, 'ipv6.src'),
    ipDst: v4 ? first(raw, 'ip.dst') : first(raw, 'ipv6.dst'),
    ipVersion: v4 ? 4 : raw['ipv6.src'] !== undefined ? 6 : undefined,
    ipSrcAll,
    ipDstAll,
    srcPort: num(first(raw, 'udp.srcport')),
    dstPort: num(first(raw, 'udp.dstport')),
    udpLength: num(first(raw, 'udp.length')),
    srcPortAll: nums(all(raw, 'udp.srcport')),
    dstPortAll: nums(all(raw, 'udp.dstport')),
    expert,
    malformed: expert.some((e) => e.group === 'malformed'),
    raw,
  };
  if (fragFrames.length > 0) {
    packet.fragments = {
      frames: fragFrames,
      count: num(first(raw, 'ip.fragment.count')),
      reassembledLength: num(first(raw, 'ip.reassembled.length')),
    };
  }
  if (protocols.includes('dhcp') || hasPrefix(raw, 'dhcp.')) packet.dhcp = toDhcp(raw);
  if (protocols.includes('tftp') || hasPrefix(raw, 'tftp.')) packet.tftp = toTftp(raw);
  return packet;
}

export function tsharkFixturesDir(): string {
  return join(projectRoot(), 'fixtures', 'tshark');
}

function readExpectation(base: string): ExpectationJson | null {
  if (existsSync(`${base}.json`)) return JSON.parse(readFileSync(`${base}.json`, 'utf8')) as ExpectationJson;
  if (existsSync(`${base}.json.gz`)) {
    return JSON.parse(gunzipSync(readFileSync(`${base}.json.gz`)).toString('utf8')) as ExpectationJson;
  }
  return null;
}

/**
 * The tshark reference decode of the capture at `rel` (a sub-path as listCaptureFiles gives it), looked up in
 * fixtures/tshark/<rel>.json(.gz), then fixtures/tshark/shared/<rel>.json(.gz); null when there is none.
 */
export function loadTsharkExpectation(rel: string): TsharkFile | null {
  const dir = tsharkFixturesDir();
  const json = readExpectation(join(dir, rel)) ?? readExpectation(join(dir, 'shared', rel));
  if (!json) return null;
  const file: TsharkFile = {
    capture: json.capture,
    origin: json.origin,
    sha256: json.sha256,
    version: json.tshark,
    command: json.command,
    frames: json.frames,
    lastFrame: json.lastFrame,
    exitCode: json.exitCode,
    stderr: json.stderr,
    packets: json.packets.map(toPacket),
  };
  if (json.exitCode !== 0 || json.stderr !== '') {
    file.error = json.stderr !== '' ? json.stderr : `tshark exited with code ${json.exitCode}`;
  }
  return file;
}

/** true when the expectation was made from a different file than the one at `capturePath` (refresh needed). */
export function isStale(expectation: TsharkFile, capturePath: string): boolean {
  return createHash('sha256').update(readFileSync(capturePath)).digest('hex') !== expectation.sha256;
}
