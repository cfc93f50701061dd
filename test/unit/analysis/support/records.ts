/**
 * Hand-built decoded records for the analysis tests: DHCP messages with raw options, TFTP packets, ARP,
 * written as they would come out of the decoder. Times are seconds from a fixed epoch.
 */
import { Analyzer, type AnalyzerOptions } from '../../../../src/analysis/analyzer.js';
import type { AnalysisResult } from '../../../../src/analysis/types.js';
import type { Timestamp } from '../../../../src/capture/timestamp.js';
import type {
  ArpRecord,
  DecodedPacket,
  DhcpPacketRecord,
  FragmentLossRecord,
  IcmpUnreachableRecord,
  TftpPacketRecord,
} from '../../../../src/protocol/packet.js';

export const EPOCH = 1_700_000_000;

export function ts(t: number): Timestamp {
  const whole = Math.floor(t);
  return { seconds: EPOCH + whole, fraction: Math.round((t - whole) * 1e9), digits: 9 };
}

export interface RawOption {
  code: number;
  raw: Uint8Array;
}

/** Option 97 of the lab client: SMBIOS UUID 8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab (type 0, wire bytes 1e1b5f8a 1d7c 2e4c …). */
export const LAB_UUID_97: readonly number[] = [
  0, 0x1e, 0x1b, 0x5f, 0x8a, 0x1d, 0x7c, 0x2e, 0x4c, 0x9b, 0x9a, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
];

export const opt = {
  bytes: (code: number, ...bytes: number[]): RawOption => ({ code, raw: Uint8Array.from(bytes) }),
  text: (code: number, s: string): RawOption => ({ code, raw: Uint8Array.from(Buffer.from(s, 'latin1')) }),
  ip: (code: number, ...ips: string[]): RawOption => ({
    code,
    raw: Uint8Array.from(ips.flatMap((ip) => ip.split('.').map(Number))),
  }),
  u16: (code: number, ...values: number[]): RawOption => ({
    code,
    raw: Uint8Array.from(values.flatMap((v) => [v >> 8, v & 0xff])),
  }),
  u32: (code: number, v: number): RawOption => ({
    code,
    raw: Uint8Array.from([v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff]),
  }),
};

const TYPE_CODES: Record<string, number> = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
};

export interface DhcpSpec {
  frame: number;
  t: number;
  type: keyof typeof TYPE_CODES | null;
  xid?: number;
  mac?: string;
  src?: string;
  dst?: string;
  srcPort?: number;
  dstPort?: number;
  secs?: number;
  broadcast?: boolean;
  ciaddr?: string;
  yiaddr?: string;
  siaddr?: string;
  giaddr?: string;
  sname?: string;
  file?: string;
  /** Options after 53 (which is added from `type`). */
  options?: RawOption[];
}

export const CLIENT_MAC = '52:54:00:12:34:56';
export const SERVER = '10.77.0.1';
export const CLIENT_IP = '10.77.0.111';

/** A DHCP record; op follows the message type (replies are OFFER/ACK/NAK). */
export function dhcp(spec: DhcpSpec): DhcpPacketRecord {
  const reply = spec.type === 'OFFER' || spec.type === 'ACK' || spec.type === 'NAK';
  const options = spec.type === null ? [] : [opt.bytes(53, TYPE_CODES[spec.type])];
  options.push(...(spec.options ?? []));
  const message = {
    op: reply ? 2 : 1,
    htype: 1,
    hlen: 6,
    hops: 0,
    xid: spec.xid ?? 0x1234abcd,
    secs: spec.secs ?? 0,
    flags: spec.broadcast === true ? 0x8000 : 0,
    broadcast: spec.broadcast ?? false,
    ciaddr: spec.ciaddr ?? '0.0.0.0',
    yiaddr: spec.yiaddr ?? '0.0.0.0',
    siaddr: spec.siaddr ?? '0.0.0.0',
    giaddr: spec.giaddr ?? '0.0.0.0',
    chaddr: spec.mac ?? CLIENT_MAC,
    sname: spec.sname ?? '',
    file: spec.file ?? '',
    messageType: spec.type,
    options: options.map((o) => ({
      code: o.code,
      name: `option ${o.code}`,
      value: null,
      raw: o.raw,
      source: 'options',
    })),
    notes: [],
  };
  return {
    protocol: 'dhcp',
    frame: spec.frame,
    ts: ts(spec.t),
    src: spec.src ?? (reply ? SERVER : '0.0.0.0'),
    dst: spec.dst ?? (reply ? CLIENT_IP : '255.255.255.255'),
    srcPort: spec.srcPort ?? (reply ? 67 : 68),
    dstPort: spec.dstPort ?? (reply ? 68 : 67),
    srcMac: reply ? '02:00:00:00:00:01' : (spec.mac ?? CLIENT_MAC),
    frameLength: 342,
    ttl: 64,
    notes: [],
    dhcp: message,
  } as unknown as DhcpPacketRecord;
}

/**
 * The proxydhcp lab's boot server discovery on port 4011 (frames 24/25): the client's REQUEST with xid 0 from
 * its leased address, and the proxy's ACK naming pxelinux.0.
 */
export function labPort4011Exchange(clientOptions: RawOption[] = []): DhcpPacketRecord[] {
  return [
    dhcp({
      frame: 24,
      t: 17.12,
      type: 'REQUEST',
      xid: 0,
      src: CLIENT_IP,
      dst: SERVER,
      dstPort: 4011,
      ciaddr: CLIENT_IP,
      options: clientOptions,
    }),
    dhcp({
      frame: 25,
      t: 17.1207,
      type: 'ACK',
      xid: 0,
      srcPort: 4011,
      yiaddr: CLIENT_IP,
      siaddr: SERVER,
      file: 'pxelinux.0',
      options: [opt.ip(54, SERVER), opt.text(60, 'PXEClient')],
    }),
  ];
}

export interface TftpSpec {
  frame: number;
  t: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  opcode: 'RRQ' | 'WRQ' | 'DATA' | 'ACK' | 'ERROR' | 'OACK';
  filename?: string;
  options?: Record<string, string>;
  block?: number;
  dataLength?: number;
  errorCode?: number;
  errorMessage?: string;
  fragmentFrames?: number[];
  srcMac?: string;
}

export function tftp(spec: TftpSpec): TftpPacketRecord {
  const isRequest = spec.opcode === 'RRQ' || spec.opcode === 'WRQ';
  return {
    protocol: 'tftp',
    frame: spec.frame,
    ts: ts(spec.t),
    src: spec.src,
    dst: spec.dst,
    srcPort: spec.srcPort,
    dstPort: spec.dstPort,
    srcMac: spec.srcMac,
    frameLength: 60,
    ttl: 64,
    notes: [],
    fragmentFrames: spec.fragmentFrames,
    tftpBlksize: 512,
    tftp: {
      opcode: spec.opcode,
      ...(isRequest ? { filename: spec.filename ?? '', mode: 'octet', options: spec.options ?? {} } : {}),
      ...(spec.opcode === 'OACK' ? { options: spec.options ?? {} } : {}),
      ...(spec.block !== undefined ? { block: spec.block } : {}),
      ...(spec.dataLength !== undefined ? { dataLength: spec.dataLength } : {}),
      ...(spec.errorCode !== undefined
        ? { errorCode: spec.errorCode, errorMessage: spec.errorMessage ?? '' }
        : {}),
      notes: [],
    },
  } as unknown as TftpPacketRecord;
}

export function arp(
  frame: number,
  t: number,
  op: 'request' | 'reply',
  senderIp: string,
  targetIp: string,
): ArpRecord {
  return {
    frame,
    ts: ts(t),
    op,
    senderMac: '02:00:00:00:00:09',
    senderIp,
    targetMac: op === 'reply' ? CLIENT_MAC : '00:00:00:00:00:00',
    targetIp,
  };
}

export function fragmentLoss(t: number, src: string, dst: string, frames: number[]): FragmentLossRecord {
  return { src, dst, ipId: 1, frames, firstTs: ts(t), receivedBytes: 1480, totalBytes: 2948 };
}

/**
 * A scripted TFTP read: a frame counter and a clock, so a test reads as the conversation it describes.
 */
export class TftpScript {
  readonly packets: DecodedPacket[] = [];
  frame: number;
  t: number;

  constructor(
    readonly client: string = CLIENT_IP,
    readonly server: string = SERVER,
    start = { frame: 100, t: 10 },
    readonly step = 0.001,
  ) {
    this.frame = start.frame;
    this.t = start.t;
  }

  private push(spec: Omit<TftpSpec, 'frame' | 't'>): TftpPacketRecord {
    const p = tftp({ ...spec, frame: this.frame++, t: this.t });
    this.t += this.step;
    this.packets.push(p);
    return p;
  }

  rrq(
    clientPort: number,
    filename: string,
    options: Record<string, string> = {},
    serverPort = 69,
  ): TftpPacketRecord {
    return this.push({
      src: this.client,
      srcPort: clientPort,
      dst: this.server,
      dstPort: serverPort,
      opcode: 'RRQ',
      filename,
      options,
    });
  }

  oack(serverPort: number, clientPort: number, options: Record<string, string>): TftpPacketRecord {
    return this.push({
      src: this.server,
      srcPort: serverPort,
      dst: this.client,
      dstPort: clientPort,
      opcode: 'OACK',
      options,
    });
  }

  data(
    serverPort: number,
    clientPort: number,
    block: number,
    dataLength: number,
    extra: Partial<TftpSpec> = {},
  ): TftpPacketRecord {
    return this.push({
      src: this.server,
      srcPort: serverPort,
      dst: this.client,
      dstPort: clientPort,
      opcode: 'DATA',
      block,
      dataLength,
      ...extra,
    });
  }

  ack(clientPort: number, serverPort: number, block: number): TftpPacketRecord {
    return this.push({
      src: this.client,
      srcPort: clientPort,
      dst: this.server,
      dstPort: serverPort,
      opcode: 'ACK',
      block,
    });
  }

  error(
    from: 'client' | 'server',
    clientPort: number,
    serverPort: number,
    code: number,
    message: string,
  ): TftpPacketRecord {
    const [src, srcPort, dst, dstPort] =
      from === 'client'
        ? [this.client, clientPort, this.server, serverPort]
        : [this.server, serverPort, this.client, clientPort];
    return this.push({ src, srcPort, dst, dstPort, opcode: 'ERROR', errorCode: code, errorMessage: message });
  }

  /** A whole lock-step read of `size` bytes from a fresh server port (OACK first when options are given). */
  read(
    clientPort: number,
    serverPort: number,
    filename: string,
    size: number,
    blksize = 512,
    options?: Record<string, string>,
  ): void {
    this.rrq(clientPort, filename, options ?? {});
    if (options !== undefined) {
      this.oack(serverPort, clientPort, {
        ...options,
        ...(options.tsize !== undefined ? { tsize: String(size) } : {}),
      });
      this.ack(clientPort, serverPort, 0);
    }
    const blocks = Math.floor(size / blksize) + 1;
    for (let b = 1; b <= blocks; b++) {
      this.data(serverPort, clientPort, b & 0xffff, b === blocks ? size - (blocks - 1) * blksize : blksize);
      this.ack(clientPort, serverPort, b & 0xffff);
    }
  }
}

export interface Feed {
  packets?: DecodedPacket[];
  arp?: ArpRecord[];
  losses?: FragmentLossRecord[];
  icmp?: IcmpUnreachableRecord[];
}

/** ICMP port unreachable from `from`, quoting a UDP datagram src:srcPort → dst:dstPort. */
export function icmpUnreachable(
  frame: number,
  t: number,
  from: string,
  quoted: { src: string; srcPort: number; dst: string; dstPort: number },
): IcmpUnreachableRecord {
  return { frame, ts: ts(t), from, code: 3, ...quoted };
}

/** Runs the analyzer over records in time order, the way the decoder would hand them over. */
export function analyze(
  feed: Feed | DecodedPacket[],
  opts: AnalyzerOptions = {},
  lastT?: number,
): AnalysisResult {
  const f: Feed = Array.isArray(feed) ? { packets: feed } : feed;
  type Item = { t: number; add: (a: Analyzer) => void };
  const items: Item[] = [
    ...(f.packets ?? []).map((p) => ({ t: seconds(p.ts), add: (a: Analyzer) => a.addPacket(p) })),
    ...(f.arp ?? []).map((r) => ({ t: seconds(r.ts), add: (a: Analyzer) => a.addArp(r) })),
    ...(f.losses ?? []).map((r) => ({ t: seconds(r.firstTs), add: (a: Analyzer) => a.addFragmentLoss(r) })),
    ...(f.icmp ?? []).map((r) => ({ t: seconds(r.ts), add: (a: Analyzer) => a.addIcmpUnreachable(r) })),
  ].sort((a, b) => a.t - b.t);
  const analyzer = new Analyzer({ origin: ts(0), ...opts });
  for (const item of items) item.add(analyzer);
  const end = lastT ?? (items.length > 0 ? items[items.length - 1].t - EPOCH : 0);
  return analyzer.finish({
    file: 'test.pcapng',
    format: 'pcapng',
    frames: items.length,
    firstTs: ts(0),
    lastTs: ts(end),
  });
}

function seconds(t: Timestamp): number {
  return t.seconds + t.fraction / 1e9;
}
