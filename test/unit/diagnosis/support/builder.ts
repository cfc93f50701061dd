/**
 * Builds AnalysisResult objects for diagnosis tests, shaped like what the analyzer produces from the lab
 * captures (fixtures/captures/lab): frame numbers rise with time, dnsmasq answers every DISCOVER it saw
 * with its own OFFER, TFTP answers come from a fresh server port, DATA/ACK pairs fill the frame numbers.
 */
import { effectiveBoots } from '../../../../src/analysis/effective-boot.js';
import type {
  AnalysisResult,
  ArpQuery,
  BootSession,
  CaptureSummary,
  DhcpEvent,
  DhcpTransaction,
  FrameRef,
  TftpOutcome,
  TftpTransfer,
} from '../../../../src/analysis/types.js';

/** The lab: dnsmasq on 10.77.0.1, qemu NIC 52:54:00:12:34:56 leasing 10.77.0.111. */
export const LAB = {
  mac: '52:54:00:12:34:56',
  server: '10.77.0.1',
  dhcp2: '10.77.0.2',
  clientIp: '10.77.0.111',
  uuid: '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab',
  vendorBiosIpxe: 'PXEClient:Arch:00000:UNDI:002001',
  vendorEfiIpxe: 'PXEClient:Arch:00007:UNDI:003010',
  vendorEdk2: 'PXEClient:Arch:00007:UNDI:003000',
  /** dnsmasq's ERROR 1 text leaks the server path. */
  notFound: (file: string, ip = '10.77.0.111'): string =>
    `file $LAB/run/tftproot/${file} not found for ${ip}`,
} as const;

/** What a client says about itself in every DHCP message it sends. */
export interface ClientIdentity {
  mac: string;
  arch?: number | null;
  vendorClass?: string | null;
  userClass?: string | null;
  ipxeOptions?: boolean;
  uuid?: string | null;
  maxMessageSize?: number | null;
  interfaceMtu?: number | null;
  /** EDK2 sets the broadcast flag and secs 0; iPXE leaves broadcast off and runs secs ahead. */
  broadcast?: boolean;
}

export const BIOS_IPXE_ROM: Omit<ClientIdentity, 'mac'> = {
  arch: 0,
  vendorClass: LAB.vendorBiosIpxe,
  userClass: 'iPXE',
  ipxeOptions: true,
  uuid: LAB.uuid,
  maxMessageSize: 1472,
};

export const EFI_IPXE: Omit<ClientIdentity, 'mac'> = {
  arch: 7,
  vendorClass: LAB.vendorEfiIpxe,
  userClass: 'iPXE',
  ipxeOptions: true,
  uuid: LAB.uuid,
  maxMessageSize: 1472,
};

export const EDK2: Omit<ClientIdentity, 'mac'> = {
  arch: 7,
  vendorClass: LAB.vendorEdk2,
  userClass: null,
  ipxeOptions: false,
  uuid: LAB.uuid,
  maxMessageSize: 1472,
  broadcast: true,
};

/** A plain Intel-style BIOS PXE ROM (no iPXE). */
export const BIOS_ROM: Omit<ClientIdentity, 'mac'> = {
  arch: 0,
  vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
  userClass: null,
  ipxeOptions: false,
  uuid: LAB.uuid,
  maxMessageSize: 1464,
};

export type ReplySpec = Partial<DhcpEvent> & {
  /** Server IP (source and option 54). */
  server?: string;
  /** Index of the DISCOVER it answers (default: the last). */
  afterDiscover?: number;
  /** Seconds after that DISCOVER (default 0.0003). */
  delay?: number;
};

export interface DhcpSpec {
  at?: number;
  xid?: number;
  discovers?: number;
  /** Seconds between DISCOVERs (default 1, 2, 4 … doubling like iPXE). */
  discoverTimes?: number[];
  firstSecs?: number;
  offers?: ReplySpec[];
  /** false: no REQUEST; a string: the server it REQUESTs from (default: the first address offer's). */
  request?: boolean | string;
  /** Fields for the REQUEST (e.g. requestedIp for INIT-REBOOT). */
  requestFields?: Partial<DhcpEvent>;
  /** The ACK (default: mirrors the chosen offer); null for none. */
  ack?: ReplySpec | null;
  /** A NAK instead of the ACK. */
  nak?: ReplySpec;
  client?: Partial<ClientIdentity>;
}

export interface TransferSpec {
  file: string;
  clientMac?: string | null;
  at?: number;
  server?: string;
  clientIp?: string;
  clientPort?: number;
  /** Server TID; 69 for a single-port server. */
  serverPort?: number;
  size?: number;
  requested?: Record<string, string>;
  /** OACK options; null: no OACK (plain 512-byte transfer); default echoes blksize and tsize. */
  oack?: Record<string, string> | null;
  /** false: the server never answers. */
  answered?: boolean;
  retries?: number;
  /** ERROR from the server right after the RRQ, or from the client right after the OACK. */
  error?: { code: number; message: string; from: 'client' | 'server' };
  /** The transfer stops after this many DATA blocks (never completes). */
  stopAfterBlocks?: number;
  outcome?: TftpOutcome;
  mode?: string;
  bytes?: number;
  duplicateData?: number;
  duplicateAcks?: number;
  unackedRetransmits?: number;
  lostFragments?: number;
  fragmentedData?: boolean;
  apprenticeFrom?: number | null;
  strayPackets?: number;
  maxGap?: number;
  windowsize?: number;
}

function dhcpEvent(ref: FrameRef, fields: Partial<DhcpEvent>): DhcpEvent {
  return {
    frame: ref.frame,
    t: ref.t,
    messageType: null,
    op: 1,
    role: fields.op === 2 ? 'server' : 'client',
    src: '0.0.0.0',
    dst: '255.255.255.255',
    srcPort: 68,
    dstPort: 67,
    secs: 0,
    broadcast: false,
    ciaddr: '0.0.0.0',
    yiaddr: '0.0.0.0',
    siaddr: '0.0.0.0',
    giaddr: '0.0.0.0',
    serverId: null,
    file: '',
    sname: '',
    bootfileOption: null,
    tftpServerName: null,
    tftpServerAddresses: [],
    vendorClass: null,
    arch: [],
    userClass: null,
    ipxeOptions: false,
    uuid: null,
    vendorSpecific: false,
    pxeDiscoveryControl: null,
    pxeBootServers: [],
    pxeMenu: [],
    overload: null,
    message: null,
    requestedIp: null,
    leaseTime: null,
    parameterRequestList: [1, 3, 6, 43, 60, 66, 67, 93, 97, 175],
    optionOrder: [],
    maxMessageSize: null,
    interfaceMtu: null,
    port4011: false,
    proxy: false,
    notes: [],
    ...fields,
  };
}

export class CaptureBuilder {
  private frameNo = 0;
  private now = 0;
  private sessionCount = 0;
  private txCount = 0;
  private transferCount = 0;
  private nextClientPort = 49152;
  private nextServerPort = 40000;
  readonly sessions: SessionBuilder[] = [];
  readonly orphans: TftpTransfer[] = [];
  readonly arp: ArpQuery[] = [];
  readonly icmpUnreachable: AnalysisResult['icmpUnreachable'] = [];
  readonly fragmentLosses: AnalysisResult['fragmentLosses'] = [];
  capture: Partial<CaptureSummary> = {};
  evicted = 0;

  /** Next frame at time t (or now); time never goes backwards. */
  frame(t?: number): FrameRef {
    if (t !== undefined && t > this.now) this.now = t;
    this.frameNo += 1;
    return { frame: this.frameNo, t: round(this.now) };
  }

  /** Leaves frame numbers for packets the analysis does not cover (ARP, IPv6 RS …). */
  skip(frames: number): this {
    this.frameNo += frames;
    return this;
  }

  time(): number {
    return this.now;
  }

  advanceTo(t: number): void {
    if (t > this.now) this.now = t;
  }

  session(identity: ClientIdentity): SessionBuilder {
    this.sessionCount += 1;
    const s = new SessionBuilder(this, `s${this.sessionCount}`, identity);
    this.sessions.push(s);
    return s;
  }

  txId(): string {
    this.txCount += 1;
    return `tx${this.txCount}`;
  }

  transferId(): string {
    this.transferCount += 1;
    return `tf${this.transferCount}`;
  }

  clientPort(): number {
    return this.nextClientPort++;
  }

  serverPort(): number {
    return this.nextServerPort++;
  }

  orphanTransfer(clientIp: string, spec: TransferSpec): TftpTransfer {
    const t = makeTransfer(this, clientIp, spec);
    this.orphans.push(t);
    return t;
  }

  arpQuery(q: {
    targetIp: string;
    askedBy: string;
    at?: number;
    requests?: number;
    answered?: boolean;
  }): ArpQuery {
    const requests: FrameRef[] = [];
    const n = q.requests ?? 4;
    const start = q.at ?? this.now;
    for (let i = 0; i < n; i++) requests.push(this.frame(start + i));
    const entry: ArpQuery = {
      targetIp: q.targetIp,
      askedBy: q.askedBy,
      requests,
      answered: q.answered ? this.frame() : null,
    };
    this.arp.push(entry);
    return entry;
  }

  build(): AnalysisResult {
    const sessions = this.sessions.map((s) => s.build());
    const transfers = [...sessions.flatMap((s) => s.transfers), ...this.orphans];
    const answeredData = transfers.some(
      (t) => t.serverPort !== null && (t.firstData !== null || t.oack !== null || t.error !== null),
    );
    const dhcpPackets = sessions.reduce(
      (n, s) => n + s.transactions.reduce((k, tx) => k + tx.events.length, 0),
      0,
    );
    return {
      capture: {
        file: 'synthetic.pcapng',
        format: 'pcapng',
        compressed: false,
        linkTypes: ['ETHERNET'],
        frames: this.frameNo,
        dhcpPackets,
        tftpPackets: transfers.reduce((n, t) => n + t.dataPackets + t.ackPackets + 1, 0),
        arpPackets: this.arp.reduce((n, a) => n + a.requests.length + (a.answered ? 1 : 0), 0),
        firstEpoch: '2026-11-23T08:37:56.000000000Z',
        lastEpoch: null,
        duration: round(this.now),
        skipped: {},
        warnings: [],
        truncated: false,
        tftpDataSeen: answeredData,
        ...this.capture,
      },
      sessions,
      orphanTransfers: this.orphans,
      arp: this.arp,
      icmpUnreachable: this.icmpUnreachable,
      fragmentLosses: this.fragmentLosses,
      stats: {
        transactions: sessions.reduce((n, s) => n + s.transactions.length, 0),
        transfers: transfers.length,
        sessions: sessions.length,
        evicted: this.evicted,
      },
    };
  }
}

function round(t: number): number {
  return Math.round(t * 1e6) / 1e6;
}

export class SessionBuilder {
  readonly transactions: DhcpTransaction[] = [];
  readonly transfers: TftpTransfer[] = [];
  clientIp: string | null = null;
  private xid = 0x15adbf70;

  constructor(
    readonly b: CaptureBuilder,
    readonly id: string,
    public identity: ClientIdentity,
  ) {}

  /** Changes what the client says from now on (e.g. iPXE taking over from the firmware). */
  become(identity: Partial<ClientIdentity>): this {
    this.identity = { ...this.identity, ...identity };
    return this;
  }

  private clientFields(over: Partial<ClientIdentity> = {}): Partial<DhcpEvent> {
    const c = { ...this.identity, ...over };
    return {
      op: 1,
      srcMac: c.mac,
      vendorClass: c.vendorClass ?? null,
      arch: c.arch === null || c.arch === undefined ? [] : [c.arch],
      userClass: c.userClass ?? null,
      ipxeOptions: c.ipxeOptions ?? false,
      uuid: c.uuid ?? null,
      maxMessageSize: c.maxMessageSize ?? null,
      interfaceMtu: c.interfaceMtu ?? null,
      broadcast: c.broadcast ?? false,
    };
  }

  private reply(ref: FrameRef, kind: string, spec: ReplySpec): DhcpEvent {
    const server = spec.server ?? LAB.server;
    const fields: Partial<DhcpEvent> & ReplySpec = { ...spec };
    delete fields.server;
    delete fields.afterDiscover;
    delete fields.delay;
    const yiaddr = fields.yiaddr ?? (fields.proxy ? '0.0.0.0' : LAB.clientIp);
    return dhcpEvent(ref, {
      op: 2,
      messageType: kind,
      src: server,
      dst: yiaddr === '0.0.0.0' ? '255.255.255.255' : yiaddr,
      srcPort: 67,
      dstPort: 68,
      serverId: server,
      yiaddr,
      leaseTime: yiaddr === '0.0.0.0' ? null : 3600,
      parameterRequestList: [],
      ...fields,
    });
  }

  /** One DHCP exchange (a transaction): DISCOVERs, the replies, REQUEST, ACK/NAK. */
  dhcp(spec: DhcpSpec = {}): DhcpTransaction {
    const b = this.b;
    const start = spec.at ?? b.time();
    const xid = spec.xid ?? this.xid++;
    const n = spec.discovers ?? 1;
    const times = spec.discoverTimes ?? Array.from({ length: n }, (_, i) => start + (2 ** i - 1));
    const firstSecs = spec.firstSecs ?? (this.identity.broadcast ? 0 : 4);
    type Pending = { t: number; make: (ref: FrameRef) => DhcpEvent };
    const pending: Pending[] = [];
    times.forEach((t, i) => {
      pending.push({
        t,
        make: (ref) =>
          dhcpEvent(ref, {
            ...this.clientFields(spec.client),
            messageType: 'DISCOVER',
            secs: firstSecs + 4 * i,
          }),
      });
    });
    const lastDiscover = times[times.length - 1] ?? start;
    const offers = spec.offers ?? [];
    offers.forEach((o, i) => {
      const base = times[o.afterDiscover ?? times.length - 1] ?? lastDiscover;
      pending.push({
        t: base + (o.delay ?? 0.0003) + i * 0.0002,
        make: (ref) => this.reply(ref, 'OFFER', o),
      });
    });
    pending.sort((x, y) => x.t - y.t);
    const events = pending.map((p) => p.make(b.frame(p.t)));
    const offerEvents = events.filter((e) => e.messageType === 'OFFER');
    const addressOffers = offerEvents.filter((e) => !e.proxy && e.yiaddr !== '0.0.0.0');
    let chosen: string | null = null;
    const wantRequest = spec.request ?? addressOffers.length > 0;
    if (wantRequest) {
      chosen = typeof spec.request === 'string' ? spec.request : (addressOffers[0]?.serverId ?? LAB.server);
      const offered = addressOffers.find((o) => o.serverId === chosen) ?? addressOffers[0];
      const lastT = events[events.length - 1]?.t ?? start;
      events.push(
        dhcpEvent(b.frame(lastT + 0.002), {
          ...this.clientFields(spec.client),
          messageType: 'REQUEST',
          secs: firstSecs + 4 * times.length,
          serverId: chosen,
          requestedIp: offered?.yiaddr ?? null,
          ...spec.requestFields,
        }),
      );
      if (spec.nak) {
        events.push(
          this.reply(b.frame(b.time() + 0.001), 'NAK', {
            yiaddr: '0.0.0.0',
            server: chosen ?? LAB.server,
            ...spec.nak,
          }),
        );
      } else if (spec.ack !== null) {
        const base: ReplySpec = offered
          ? { ...stripRef(offered), server: offered.serverId ?? LAB.server }
          : {};
        events.push(this.reply(b.frame(b.time() + 0.001), 'ACK', { ...base, ...(spec.ack ?? {}) }));
      }
    }
    const acks = events.filter((e) => e.messageType === 'ACK');
    const naks = events.filter((e) => e.messageType === 'NAK');
    const ack = acks[acks.length - 1];
    if (ack && ack.yiaddr !== '0.0.0.0') this.clientIp = ack.yiaddr;
    return this.addTransaction(events, start, {
      xid,
      discovers: events.filter((e) => e.messageType === 'DISCOVER').length,
      requests: events.filter((e) => e.messageType === 'REQUEST').length,
      offers: offerEvents,
      acks,
      naks,
      outcome: ack ? 'bound' : naks.length > 0 ? 'nak' : offerEvents.length > 0 ? 'offered' : 'no-offer',
      chosenServer: chosen,
      port4011: false,
      relays: [...new Set(events.map((e) => e.giaddr).filter((g) => g !== '0.0.0.0'))],
    });
  }

  /** PXE boot server discovery on udp/4011 (its own xid); reply null: the server stays silent. */
  bootServer(spec: {
    server?: string;
    at?: number;
    requests?: number;
    reply?: ReplySpec | null;
  }): DhcpTransaction {
    const b = this.b;
    const server = spec.server ?? LAB.server;
    const start = spec.at ?? b.time() + 0.5;
    const events: DhcpEvent[] = [];
    const n = spec.requests ?? (spec.reply === null ? 4 : 1);
    for (let i = 0; i < n; i++) {
      events.push(
        dhcpEvent(b.frame(start + i * 2), {
          ...this.clientFields(),
          messageType: 'REQUEST',
          src: this.clientIp ?? LAB.clientIp,
          dst: server,
          dstPort: 4011,
          ciaddr: this.clientIp ?? LAB.clientIp,
          port4011: true,
        }),
      );
    }
    if (spec.reply !== null) {
      events.push(
        this.reply(b.frame(b.time() + 0.0005), 'ACK', {
          server,
          yiaddr: this.clientIp ?? LAB.clientIp,
          dst: this.clientIp ?? LAB.clientIp,
          srcPort: 4011,
          siaddr: server,
          file: 'pxelinux.0',
          vendorClass: 'PXEClient',
          vendorSpecific: true,
          port4011: true,
          ...(spec.reply ?? {}),
        }),
      );
    }
    return this.addTransaction(events, start, {
      xid: 0,
      discovers: 0,
      requests: n,
      offers: [],
      acks: events.filter((e) => e.op === 2),
      naks: [],
      outcome: 'proxy',
      chosenServer: server,
      port4011: true,
      relays: [],
    });
  }

  /** Records a transaction of this client spanning `events` (or just `start` when there are none). */
  private addTransaction(
    events: DhcpEvent[],
    start: number,
    facts: Omit<DhcpTransaction, 'id' | 'clientMac' | 'events' | 'start' | 'end' | 'notes'>,
  ): DhcpTransaction {
    const { xid, ...rest } = facts;
    const tx: DhcpTransaction = {
      id: this.b.txId(),
      xid,
      clientMac: this.identity.mac,
      events,
      start: events[0]?.t ?? start,
      end: events[events.length - 1]?.t ?? start,
      ...rest,
      notes: [],
    };
    this.transactions.push(tx);
    return tx;
  }

  transfer(spec: TransferSpec): TftpTransfer {
    const t = makeTransfer(this.b, spec.clientIp ?? this.clientIp ?? LAB.clientIp, {
      clientMac: this.identity.mac,
      ...spec,
    });
    this.transfers.push(t);
    return t;
  }

  build(): BootSession {
    const events = this.transactions.flatMap((tx) => tx.events);
    const archs = [...new Set(events.filter((e) => e.op === 1).flatMap((e) => e.arch))];
    const ipxe = events.some((e) => e.op === 1 && (e.userClass === 'iPXE' || e.ipxeOptions));
    const times = [
      ...events.map((e) => e.t),
      ...this.transfers.flatMap((t) => [t.request.t, t.lastPacket.t]),
    ];
    return {
      id: this.id,
      clientMac: this.identity.mac,
      clientIp: this.clientIp,
      uuid: this.identity.uuid ?? null,
      arch: archs,
      archName: null,
      vendorClass: this.identity.vendorClass ?? null,
      userClass: this.identity.userClass ?? null,
      isIpxe: ipxe,
      transactions: this.transactions,
      transfers: this.transfers,
      phases: [],
      // What the client boots is the analysis's model, computed the analyzer's way from these transactions.
      boots: effectiveBoots(
        this.transactions.filter((tx) => !tx.port4011),
        this.transactions.filter((tx) => tx.port4011),
      ),
      start: times.length > 0 ? Math.min(...times) : 0,
      end: times.length > 0 ? Math.max(...times) : 0,
    };
  }
}

function stripRef(e: DhcpEvent): Partial<DhcpEvent> {
  const rest: Partial<DhcpEvent> = { ...e };
  delete rest.frame;
  delete rest.t;
  delete rest.messageType;
  return rest;
}

const DEFAULT_REQUESTED = { blksize: '1432', tsize: '0' };

function makeTransfer(b: CaptureBuilder, clientIp: string, spec: TransferSpec): TftpTransfer {
  const size = spec.size ?? 42430;
  const requested = spec.requested ?? DEFAULT_REQUESTED;
  const answeredAtAll = spec.answered ?? true;
  const step = 0.0002;
  const frames: number[] = [];
  const push = (ref: FrameRef): FrameRef => {
    frames.push(ref.frame);
    return ref;
  };
  const request = push(b.frame(spec.at));
  const requestRetries: FrameRef[] = [];
  for (let i = 0; i < (spec.retries ?? 0); i++) requestRetries.push(push(b.frame(b.time() + 2 ** i)));
  const base = {
    id: b.transferId(),
    clientIp,
    clientPort: spec.clientPort ?? b.clientPort(),
    clientMac: spec.clientMac ?? null,
    serverIp: spec.server ?? LAB.server,
    direction: 'read' as const,
    filename: spec.file,
    mode: spec.mode ?? 'octet',
    requested,
    request,
    requestRetries,
    duplicateData: spec.duplicateData ?? 0,
    duplicateAcks: spec.duplicateAcks ?? 0,
    unackedRetransmits: spec.unackedRetransmits ?? 0,
    lostFragments: spec.lostFragments ?? 0,
    fragmentedData: spec.fragmentedData ?? false,
    apprenticeFrom: spec.apprenticeFrom ?? null,
    icmpErrors: [] as FrameRef[],
    notes: [],
  };
  /** A transfer that moved no data: never answered, or ended by an ERROR before the first block. */
  const dataless = (end: {
    serverPort: number | null;
    negotiation?: Pick<TftpTransfer, 'negotiated' | 'blksize' | 'windowsize' | 'tsize' | 'oack'>;
    lastPacket: FrameRef;
    maxGap: number;
    error: TftpTransfer['error'];
    outcome: TftpOutcome;
    outcomeFrame: FrameRef | null;
    strayPackets: FrameRef[];
  }): TftpTransfer => ({
    ...base,
    serverPort: end.serverPort,
    ...(end.negotiation ?? { negotiated: {}, blksize: 512, windowsize: 1, tsize: null, oack: null }),
    firstData: null,
    lastPacket: end.lastPacket,
    blocks: 0,
    bytes: 0,
    dataPackets: 0,
    ackPackets: 0,
    gaps: 0,
    maxGap: end.maxGap,
    lastBlockSeen: false,
    lastBlockAcked: false,
    error: end.error,
    outcome: end.outcome,
    outcomeFrame: end.outcomeFrame,
    frames,
    framesTruncated: false,
    duration: end.lastPacket.t - request.t,
    throughput: null,
    retransmitFrames: [],
    strayPackets: end.strayPackets,
  });
  if (!answeredAtAll) {
    const last = requestRetries[requestRetries.length - 1] ?? request;
    return dataless({
      serverPort: null,
      lastPacket: last,
      maxGap: spec.maxGap ?? (requestRetries.length > 0 ? 2 ** (requestRetries.length - 1) : 0),
      error: null,
      outcome: spec.outcome ?? 'unknown',
      outcomeFrame: null,
      strayPackets: [],
    });
  }
  const serverPort = spec.serverPort ?? b.serverPort();
  const strayPackets: FrameRef[] = [];
  for (let i = 0; i < (spec.strayPackets ?? 0); i++) strayPackets.push(push(b.frame(b.time() + step)));
  /** The ERROR frame comes next and ends the transfer. */
  const endedByError = (
    error: NonNullable<TransferSpec['error']>,
    outcome: TftpOutcome,
    negotiation?: Pick<TftpTransfer, 'negotiated' | 'blksize' | 'windowsize' | 'tsize' | 'oack'>,
  ): TftpTransfer => {
    const ef = push(b.frame(b.time() + step));
    return dataless({
      serverPort,
      negotiation,
      lastPacket: ef,
      maxGap: 0,
      error: { ...error, frame: ef },
      outcome,
      outcomeFrame: ef,
      strayPackets,
    });
  };
  if (spec.error && spec.error.from === 'server') return endedByError(spec.error, spec.outcome ?? 'error');
  const negotiated =
    spec.oack === null
      ? {}
      : (spec.oack ?? {
          ...(requested.blksize ? { blksize: requested.blksize } : {}),
          ...(requested.tsize !== undefined ? { tsize: String(size) } : {}),
        });
  const blksize = negotiated.blksize ? Number(negotiated.blksize) : 512;
  const windowsize = spec.windowsize ?? (negotiated.windowsize ? Number(negotiated.windowsize) : 1);
  const tsize = negotiated.tsize !== undefined ? Number(negotiated.tsize) : null;
  const oack = spec.oack === null ? null : push(b.frame(b.time() + step));
  if (spec.error && spec.error.from === 'client') {
    // ERROR 0 or 8 right after the OACK is how a client ends its tsize probe.
    const probe = (spec.error.code === 0 || spec.error.code === 8) && oack !== null;
    return endedByError(spec.error, spec.outcome ?? (probe ? 'tsize-probe' : 'error'), {
      negotiated,
      blksize,
      windowsize,
      tsize,
      oack,
    });
  }
  const totalBlocks = Math.floor(size / blksize) + 1;
  const sent = Math.min(totalBlocks, spec.stopAfterBlocks ?? totalBlocks);
  const complete = sent === totalBlocks && spec.stopAfterBlocks === undefined;
  let ackPackets = 0;
  if (oack) {
    push(b.frame(b.time() + step));
    ackPackets += 1;
  }
  let firstData: FrameRef | null = null;
  let lastPacket: FrameRef = oack ?? request;
  const cap = 400;
  for (let blk = 1; blk <= sent; blk++) {
    const d = b.frame(b.time() + step);
    if (frames.length < cap) frames.push(d.frame);
    firstData = firstData ?? d;
    lastPacket = d;
    const lastOfStalled = !complete && blk === sent;
    if (!lastOfStalled) {
      const a = b.frame(b.time() + step);
      if (frames.length < cap) frames.push(a.frame);
      ackPackets += 1;
      lastPacket = a;
    }
  }
  const retransmitFrames: number[] = [];
  for (let i = 0; i < (spec.unackedRetransmits ?? 0); i++) {
    const r = b.frame(b.time() + 2 ** i);
    retransmitFrames.push(r.frame);
    if (frames.length < cap) frames.push(r.frame);
    lastPacket = r;
  }
  const bytes = spec.bytes ?? (complete ? size : Math.min(size, Math.max(0, sent - 1) * blksize));
  return {
    ...base,
    serverPort,
    negotiated,
    blksize,
    windowsize,
    tsize,
    oack,
    firstData,
    lastPacket,
    blocks: complete ? totalBlocks : Math.max(0, sent - 1),
    bytes,
    dataPackets: sent + (spec.duplicateData ?? 0) + (spec.unackedRetransmits ?? 0),
    ackPackets: ackPackets + (spec.duplicateAcks ?? 0),
    gaps: 0,
    maxGap: spec.maxGap ?? (retransmitFrames.length > 0 ? 2 ** (retransmitFrames.length - 1) : 0.001),
    lastBlockSeen: complete,
    lastBlockAcked: complete,
    error: null,
    outcome: spec.outcome ?? (complete ? 'complete' : 'abandoned'),
    outcomeFrame: complete ? lastPacket : null,
    frames,
    framesTruncated: frames.length >= cap,
    duration: lastPacket.t - request.t,
    throughput: complete ? size / Math.max(lastPacket.t - request.t, 1e-6) : null,
    retransmitFrames,
    strayPackets,
  };
}
