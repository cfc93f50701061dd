/**
 * DHCP rounds: one per exchange a client started (its port-4011 boot-server exchanges attached), each with the
 * session's EffectiveBoot for it — the analysis's one answer to "what does the client boot" — and which client
 * software (BIOS ROM, UEFI, iPXE, a loaded boot program) was talking when. Capture-wide DHCP facts too.
 * Pure functions of the analysis; nothing here decides what is a fault.
 */
import { captureFactsOf } from '../analysis/capture-facts.js';
import { isIpxeEvent } from '../analysis/dhcp-facts.js';
import type {
  AnalysisResult,
  BootSession,
  DhcpEvent,
  DhcpTransaction,
  EffectiveBoot,
  TftpTransfer,
} from '../analysis/types.js';
import { archFamily, bootFile, isPxeClientVendor, isUrl } from '../protocol/dhcp/index.js';
import {
  archOf,
  familyOfEvent,
  isAddressReply,
  isBootClient,
  isClientEvent,
  isHttpBootClient,
  isProxyReply,
  isServerEvent,
  kindOf,
  type MessageKind,
  sameFile,
  serverOf,
  type TftpServerSource,
  tftpServerOf,
  ZERO_IP,
} from './facts.js';
import type { ClientFamily } from './pxe-errors.js';

/** One DHCP exchange the client started, with what answered it. */
export interface DhcpRound {
  index: number;
  transaction: DhcpTransaction;
  /** Every event of the round in frame order, port-4011 exchanges that belong to it included. */
  events: DhcpEvent[];
  clientEvents: DhcpEvent[];
  discovers: DhcpEvent[];
  requests: DhcpEvent[];
  offers: DhcpEvent[];
  addressOffers: DhcpEvent[];
  proxyReplies: DhcpEvent[];
  acks: DhcpEvent[];
  naks: DhcpEvent[];
  /** Port 4011 boot-server requests from the client, and the replies. */
  bootServerRequests: DhcpEvent[];
  bootServerReplies: DhcpEvent[];
  family: ClientFamily;
  arch: number | null;
  /** Vendor class of the client's messages (option 60). */
  vendorClass: string | null;
  isBootClient: boolean;
  isHttpBoot: boolean;
  start: number;
  /** Start of the next round (or +Infinity): transfers in [start, end) follow from this round. */
  end: number;
  /**
   * What the client was told to boot in this round: the session's EffectiveBoot for its transaction (null when
   * nothing answered), computed once by the analysis. `accepted` false: offers the client saw and ignored.
   */
  boot: EffectiveBoot | null;
  accepted: boolean;
  /** The reply the boot file came from (else the address reply), and what the boot says. */
  bootReply: DhcpEvent | null;
  bootFile: string | null;
  tftpServer: string | null;
  tftpServerSource: TftpServerSource | null;
}

function byFrame(a: { frame: number }, b: { frame: number }): number {
  return a.frame - b.frame;
}

/**
 * A capture taken at a relay shows each message twice: as sent by the client (or server) and as forwarded
 * by the relay. The forwarded copy is dropped when the original is in the capture, so nothing is counted
 * twice; when only the relayed leg was captured, that copy is all there is and stays.
 */
export function dropRelayCopies(events: readonly DhcpEvent[]): DhcpEvent[] {
  return events.filter((e) => {
    if (e.role !== 'relay') return true;
    return !events.some(
      (o) =>
        o !== e &&
        o.role !== 'relay' &&
        o.op === e.op &&
        kindOf(o) === kindOf(e) &&
        Math.abs(o.t - e.t) < 1 &&
        (o.op === 1 || o.yiaddr === e.yiaddr),
    );
  });
}

const eventsCache = new WeakMap<BootSession, DhcpEvent[]>();

/** Every DHCP event of the session once, in frame order. */
export function sessionEvents(s: BootSession): DhcpEvent[] {
  const cached = eventsCache.get(s);
  if (cached) return cached;
  const seen = new Set<number>();
  const out: DhcpEvent[] = [];
  for (const tx of s.transactions) {
    for (const e of tx.events) {
      if (seen.has(e.frame)) continue;
      seen.add(e.frame);
      out.push(e);
    }
  }
  const result = dropRelayCopies(out.sort(byFrame));
  eventsCache.set(s, result);
  return result;
}

const roundCache = new WeakMap<BootSession, DhcpRound[]>();

/**
 * Splits a session into rounds: one per transaction with traffic on 67/68; transactions made only of
 * port-4011 traffic (boot server discovery, which uses its own xid) join the round they follow.
 */
export function roundsOf(s: BootSession): DhcpRound[] {
  const cached = roundCache.get(s);
  if (cached) return cached;
  const txs = [...s.transactions].sort((a, b) => a.start - b.start);
  const main = txs.filter((tx) => tx.port4011 !== true && tx.events.some((e) => !e.port4011));
  const side = txs.filter((tx) => !main.includes(tx));
  const buckets = main.map((tx) => ({ tx, events: [...tx.events] }));
  for (const tx of side) {
    let target = buckets[0];
    for (const b of buckets) if (b.tx.start <= tx.start) target = b;
    if (target) target.events.push(...tx.events);
  }
  const rounds = buckets.map((b, i) => {
    const boot = s.boots.find((x) => x.transaction === b.tx.id) ?? null;
    return makeRound(i, b.tx, b.events, buckets[i + 1]?.tx.start ?? Infinity, boot);
  });
  roundCache.set(s, rounds);
  return rounds;
}

function makeRound(
  index: number,
  tx: DhcpTransaction,
  all: DhcpEvent[],
  end: number,
  boot: EffectiveBoot | null,
): DhcpRound {
  const events = dropRelayCopies(dedupe(all).sort(byFrame));
  const clientEvents = events.filter(isClientEvent);
  const main = events.filter((e) => !e.port4011);
  const of = (k: MessageKind, list: DhcpEvent[]): DhcpEvent[] => list.filter((e) => kindOf(e) === k);
  const offers = of('OFFER', main).concat(main.filter((e) => kindOf(e) === 'BOOTREPLY'));
  const acks = of('ACK', main).filter(isServerEvent);
  const proxyReplies = main.filter(isProxyReply);
  const bootServerRequests = events.filter((e) => e.port4011 && isClientEvent(e));
  const bootServerReplies = events.filter((e) => e.port4011 && isServerEvent(e));
  const describing = clientEvents.find((e) => !e.port4011) ?? clientEvents[0];
  const ipxe = clientEvents.some(isIpxeEvent);
  const family: ClientFamily = ipxe ? 'ipxe' : describing ? familyOfEvent(describing) : 'unknown';
  const arch = clientEvents.map(archOf).find((a): a is number => a !== null) ?? null;
  const addressAcks = acks.filter(isAddressReply);
  const round: DhcpRound = {
    index,
    transaction: tx,
    events,
    clientEvents,
    discovers: of('DISCOVER', main).filter(isClientEvent),
    requests: of('REQUEST', main)
      .filter(isClientEvent)
      .concat(main.filter((e) => isClientEvent(e) && kindOf(e) === 'BOOTREQUEST')),
    offers,
    addressOffers: offers.filter(isAddressReply),
    proxyReplies,
    acks: addressAcks,
    naks: of('NAK', main).filter(isServerEvent),
    bootServerRequests,
    bootServerReplies,
    family,
    arch,
    vendorClass: describing?.vendorClass ?? null,
    isBootClient: clientEvents.some(isBootClient),
    isHttpBoot: clientEvents.some(isHttpBootClient),
    start: tx.start,
    end,
    boot,
    accepted: boot?.accepted ?? false,
    bootReply: null,
    bootFile: boot?.bootFile ?? null,
    tftpServer: boot?.tftpServer ?? null,
    tftpServerSource: null,
  };
  if (boot !== null) {
    const from = events.filter((e) => boot.frames.includes(e.frame) && isServerEvent(e));
    round.bootReply =
      from.find((e) => boot.bootFile !== null && bootFile(e, fileOrder(boot))?.value === boot.bootFile) ??
      from.find(isAddressReply) ??
      from[0] ??
      null;
    const serverMessage = from.find(
      (e) => boot.tftpServer !== null && tftpServerOf(e)?.server === boot.tftpServer,
    );
    round.tftpServerSource = serverMessage ? (tftpServerOf(serverMessage)?.source ?? null) : null;
  }
  return round;
}

/** The order the boot's file was read in (see analysis/effective-boot.ts): option 67 first when it came from 67. */
function fileOrder(boot: EffectiveBoot): 'file-first' | 'option-67-first' {
  return boot.bootFileSource === 'option-67' || (boot.option67 !== null && boot.option67 === boot.bootFile)
    ? 'option-67-first'
    : 'file-first';
}

function dedupe(events: DhcpEvent[]): DhcpEvent[] {
  const seen = new Set<number>();
  return events.filter((e) => (seen.has(e.frame) ? false : (seen.add(e.frame), true)));
}

/**
 * The round in effect at time t: the last one the client took (REQUEST → ACK) started at or before it; offers it
 * ignored meanwhile change nothing. When it took none by then, the last round started at or before t.
 */
export function roundAt(s: BootSession, t: number): DhcpRound | null {
  let found: DhcpRound | null = null;
  let taken: DhcpRound | null = null;
  for (const r of roundsOf(s)) {
    if (r.start > t) continue;
    found = r;
    if (r.accepted) taken = r;
  }
  return taken ?? found;
}

export interface Requester {
  family: ClientFamily;
  round: DhcpRound | null;
  /** The transfer is the boot file the DHCP round named (fetched by the firmware or iPXE). */
  isBootFile: boolean;
}

/**
 * Who sent an RRQ: the firmware (or iPXE) when it is the round's boot file; iPXE also for the files its
 * script fetches; otherwise the loaded boot program, whose error messages are its own.
 */
export function requesterOf(s: BootSession | null, t: TftpTransfer): Requester {
  if (s === null) return { family: 'none', round: null, isBootFile: false };
  const round = roundAt(s, t.request.t);
  if (round === null) return { family: 'unknown', round: null, isBootFile: false };
  const file = round.bootFile;
  if (file !== null && sameFile(file, t.filename)) return { family: round.family, round, isBootFile: true };
  if (round.family === 'ipxe' && file !== null && (isUrl(file) || /\.ipxe$/i.test(file))) {
    return { family: 'ipxe', round, isBootFile: false };
  }
  return { family: 'loader', round, isBootFile: false };
}

/**
 * The client's firmware is UEFI (its architecture, option 93 or the PXEClient vendor class, says so): what
 * runs on it, iPXE included, is an EFI build.
 */
export function efiFirmware(s: BootSession): boolean {
  return sessionEvents(s).some((e) => {
    if (!isClientEvent(e)) return false;
    const arch = archOf(e);
    const family = arch === null ? null : archFamily(arch);
    return family === 'uefi' || family === 'uefi-http';
  });
}

/** The family a session's client shows at time t (for DHCP-level findings). */
export function familyAt(s: BootSession, t: number): ClientFamily {
  return roundAt(s, t)?.family ?? roundsOf(s)[0]?.family ?? 'unknown';
}

export interface Unanswered4011 {
  /** The boot server the client asked (destination of its port-4011 REQUESTs). */
  target: string;
  requests: DhcpEvent[];
}

/** Port-4011 boot-server requests that got no reply from the server they were sent to. */
export function unanswered4011(s: BootSession): Unanswered4011[] {
  const events = sessionEvents(s);
  const replies = events.filter((e) => e.port4011 && isServerEvent(e));
  const byTarget = new Map<string, DhcpEvent[]>();
  for (const e of events) {
    if (!e.port4011 || !isClientEvent(e)) continue;
    const answered = replies.some(
      (r) => r.t >= e.t && (r.src === e.dst || serverOf(r) === e.dst || e.dst === '255.255.255.255'),
    );
    if (answered) continue;
    const list = byTarget.get(e.dst) ?? [];
    list.push(e);
    byTarget.set(e.dst, list);
  }
  return [...byTarget.entries()].map(([target, requests]) => ({ target, requests }));
}

interface CaptureDhcpFacts {
  relays: string[];
  /** Address server → the sessions it offered an address to. */
  served: Map<string, Set<BootSession>>;
}

const captureCache = new WeakMap<AnalysisResult, CaptureDhcpFacts>();

function captureDhcpFacts(a: AnalysisResult): CaptureDhcpFacts {
  const cached = captureCache.get(a);
  if (cached) return cached;
  const relays = new Set<string>();
  const served = new Map<string, Set<BootSession>>();
  for (const s of a.sessions) {
    for (const e of sessionEvents(s)) {
      if (e.giaddr !== ZERO_IP && e.giaddr !== '') relays.add(e.giaddr);
      if (isAddressReply(e)) {
        const set = served.get(serverOf(e)) ?? new Set<BootSession>();
        set.add(s);
        served.set(serverOf(e), set);
      }
    }
  }
  const facts = { relays: [...relays], served };
  captureCache.set(a, facts);
  return facts;
}

/** Relay addresses (giaddr) seen anywhere in the capture. */
export function relaysIn(a: AnalysisResult): string[] {
  const live = captureFactsOf(a);
  if (live !== undefined) return live.relays();
  return captureDhcpFacts(a).relays;
}

/** Servers that offered an address to some client other than this one. */
export function serversOfOthers(a: AnalysisResult, s: BootSession): string[] {
  // A live view knows them by client MAC, without walking every session.
  const live = captureFactsOf(a);
  if (live !== undefined) return live.servedOthers(s.clientMac);
  const out: string[] = [];
  for (const [server, sessions] of captureDhcpFacts(a).served) {
    if (sessions.size > (sessions.has(s) ? 1 : 0)) out.push(server);
  }
  return out;
}

/** UEFI firmware tries HTTP boot after PXE: those DISCOVERs are the boot order, not a separate failure. */
export function relevantRounds(s: BootSession): DhcpRound[] {
  const rounds = roundsOf(s);
  const pxe = rounds.some((r) => !r.isHttpBoot && r.isBootClient);
  return pxe ? rounds.filter((r) => !r.isHttpBoot) : rounds;
}

/** Address replies carrying option 60 "PXEClient": the server claims a PXE boot service is on that host. */
export function pxeClientAddressReplies(s: BootSession): DhcpEvent[] {
  return sessionEvents(s).filter((e) => isAddressReply(e) && isPxeClientVendor(e.vendorClass));
}

export function hasProxyOffer(s: BootSession): boolean {
  return sessionEvents(s).some(isProxyReply);
}
