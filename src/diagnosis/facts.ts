/**
 * Facts several rules need, derived from the analysis: message kinds, DHCP rounds (one per transaction the
 * client started, with its proxy and port-4011 exchanges attached), the effective boot file and TFTP server
 * of a round, and which client software (BIOS ROM, UEFI, iPXE, a loaded boot program) was talking when.
 * Pure functions of the analysis; nothing here decides what is a fault.
 */
import type {
  AnalysisResult,
  BootSession,
  DhcpEvent,
  DhcpTransaction,
  TftpTransfer,
} from '../analysis/types.js';
import type { ClientFamily } from './pxe-errors.js';

export type MessageKind =
  | 'DISCOVER'
  | 'OFFER'
  | 'REQUEST'
  | 'DECLINE'
  | 'ACK'
  | 'NAK'
  | 'RELEASE'
  | 'INFORM'
  | 'BOOTREQUEST'
  | 'BOOTREPLY'
  | 'OTHER';

const BY_NUMBER: MessageKind[] = [
  'OTHER',
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
];
const NAMED = new Set<string>(BY_NUMBER);

/** Normalises whatever spelling the analyzer uses ("DHCPOFFER", "Offer", "2") to one kind. */
export function kindOf(e: DhcpEvent): MessageKind {
  const raw = e.messageType?.trim() ?? '';
  if (raw === '') return e.op === 1 ? 'BOOTREQUEST' : 'BOOTREPLY';
  if (/^\d+$/.test(raw)) return BY_NUMBER[Number(raw)] ?? 'OTHER';
  const k = raw.toUpperCase().replace(/^DHCP\s*/, '');
  return NAMED.has(k) ? (k as MessageKind) : 'OTHER';
}

export const ZERO_IP = '0.0.0.0';

export function isClientEvent(e: DhcpEvent): boolean {
  return e.op === 1;
}

export function isServerEvent(e: DhcpEvent): boolean {
  return e.op === 2;
}

/** Server identity of a reply: option 54, else its IP source. */
export function serverOf(e: DhcpEvent): string {
  return e.serverId ?? e.src;
}

/** A proxyDHCP reply on 67/68: no address, option 60 PXEClient (the analyzer's flag, or derived). */
export function isProxyReply(e: DhcpEvent): boolean {
  if (!isServerEvent(e) || e.port4011) return false;
  return e.proxy || (e.yiaddr === ZERO_IP && /^PXEClient/i.test(e.vendorClass ?? ''));
}

/** A reply that hands out an address (OFFER, ACK or BOOTP reply with yiaddr). */
export function isAddressReply(e: DhcpEvent): boolean {
  return isServerEvent(e) && !e.port4011 && !isProxyReply(e) && e.yiaddr !== ZERO_IP;
}

function nonEmpty(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  // Some servers pad the file field or option 67 with NULs or spaces; those carry no name.
  const trimmed = s.replace(/\0+$/, '');
  return trimmed.trim() === '' ? null : trimmed;
}

/**
 * The boot file a reply names, as the client reads it: iPXE and legacy PXE ROMs take a non-empty BOOTP
 * `file` field first, EDK2 (UEFI) takes option 67 first.
 */
export function bootFileOf(e: DhcpEvent, family: ClientFamily = 'unknown'): string | null {
  if (family === 'uefi') return nonEmpty(e.bootfileOption) ?? nonEmpty(e.file);
  return nonEmpty(e.file) ?? nonEmpty(e.bootfileOption);
}

/** Option 43 decoded as a PXE menu / boot server list / discovery control. */
export function hasPxeMenu(e: DhcpEvent): boolean {
  return e.pxeMenu.length > 0 || e.pxeBootServers.length > 0 || e.pxeDiscoveryControl !== null;
}

/** Anything a PXE client could boot from: a file, or PXE boot-server discovery information. */
export function hasBootInfo(e: DhcpEvent): boolean {
  return bootFileOf(e) !== null || hasPxeMenu(e);
}

export function isIpv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

export type TftpServerSource = 'siaddr' | 'option-66' | 'option-150' | 'sname';

/** Where a reply tells the client to fetch its boot file from: siaddr, then 66, then 150, then sname. */
export function tftpServerOf(e: DhcpEvent): { server: string; source: TftpServerSource } | null {
  if (e.siaddr !== ZERO_IP && e.siaddr !== '') return { server: e.siaddr, source: 'siaddr' };
  const opt66 = nonEmpty(e.tftpServerName);
  if (opt66 !== null) return { server: opt66.trim(), source: 'option-66' };
  const first150 = e.tftpServerAddresses[0];
  if (first150 !== undefined) return { server: first150, source: 'option-150' };
  const sname = nonEmpty(e.sname);
  if (sname !== null) return { server: sname.trim(), source: 'sname' };
  return null;
}

export function isUrl(file: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(file.trim());
}

/** Option 93 value, else the architecture in a "PXEClient:Arch:00007:…" vendor class. */
export function archOf(e: DhcpEvent): number | null {
  const a = e.arch[0];
  if (a !== undefined) return a;
  const m = /^(?:PXEClient|HTTPClient):Arch:(\d{5})/i.exec(e.vendorClass ?? '');
  return m ? Number(m[1]) : null;
}

export const ARCH_NAMES: Record<number, string> = {
  0: 'x86 BIOS',
  6: 'IA32 UEFI',
  7: 'x64 UEFI',
  9: 'x64 UEFI',
  10: 'ARM32 UEFI',
  11: 'ARM64 UEFI',
  15: 'x86 UEFI HTTP',
  16: 'x64 UEFI HTTP',
  18: 'ARM32 UEFI HTTP',
  19: 'ARM64 UEFI HTTP',
  25: 'RISC-V 32 UEFI',
  27: 'RISC-V 64 UEFI',
  41: 'Raspberry Pi',
};

export function archName(arch: number | null): string | null {
  if (arch === null) return null;
  return ARCH_NAMES[arch] ?? `arch ${arch}`;
}

const UEFI_ARCHES = new Set([6, 7, 9, 10, 11, 15, 16, 18, 19, 25, 27]);

export function isIpxeClient(e: DhcpEvent): boolean {
  return e.ipxeOptions || /\bipxe\b/i.test(e.userClass ?? '');
}

export function isHttpBootClient(e: DhcpEvent): boolean {
  return /^HTTPClient/i.test(e.vendorClass ?? '');
}

/** A client message from a network-boot client (firmware PXE, HTTP boot or iPXE), not an OS DHCP client. */
export function isBootClient(e: DhcpEvent): boolean {
  return /^(PXEClient|HTTPClient)/i.test(e.vendorClass ?? '') || isIpxeClient(e);
}

export function familyOfEvent(e: DhcpEvent): ClientFamily {
  if (isIpxeClient(e)) return 'ipxe';
  const arch = archOf(e);
  if (arch === 0) return 'bios';
  if (arch !== null && UEFI_ARCHES.has(arch)) return 'uefi';
  return 'unknown';
}

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
  /** The reply whose boot file the client uses, and what it says. */
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
  const rounds = buckets.map((b, i) => makeRound(i, b.tx, b.events, buckets[i + 1]?.tx.start ?? Infinity));
  roundCache.set(s, rounds);
  return rounds;
}

function makeRound(index: number, tx: DhcpTransaction, all: DhcpEvent[], end: number): DhcpRound {
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
  const ipxe = clientEvents.some(isIpxeClient);
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
    bootReply: null,
    bootFile: null,
    tftpServer: null,
    tftpServerSource: null,
  };
  const chosen = chooseBootReply(round);
  if (chosen) {
    round.bootReply = chosen;
    round.bootFile = bootFileOf(chosen, family);
    const server = tftpServerOf(chosen) ?? tftpServerFromSiblings(round, chosen);
    round.tftpServer = server?.server ?? null;
    round.tftpServerSource = server?.source ?? null;
  }
  return round;
}

function dedupe(events: DhcpEvent[]): DhcpEvent[] {
  const seen = new Set<number>();
  return events.filter((e) => (seen.has(e.frame) ? false : (seen.add(e.frame), true)));
}

/**
 * The reply a PXE client takes its boot file from: a boot server's 4011 reply, else a proxy offer, else
 * the ACK, else the offer of the server the client chose (or the first one naming a file).
 */
function chooseBootReply(r: DhcpRound): DhcpEvent | null {
  const withFile = (list: DhcpEvent[]): DhcpEvent | undefined => list.find((e) => bootFileOf(e) !== null);
  const chosenServer = r.transaction.chosenServer;
  const chosenOffers = chosenServer
    ? r.addressOffers.filter((e) => serverOf(e) === chosenServer)
    : r.addressOffers;
  return (
    withFile([...r.bootServerReplies].reverse()) ??
    withFile(r.proxyReplies) ??
    withFile([...r.acks].reverse()) ??
    withFile(chosenOffers) ??
    withFile(r.addressOffers) ??
    r.acks[r.acks.length - 1] ??
    chosenOffers[0] ??
    null
  );
}

/** An ACK may omit siaddr that the same server's OFFER carried; clients keep the OFFER's value. */
function tftpServerFromSiblings(
  r: DhcpRound,
  chosen: DhcpEvent,
): { server: string; source: TftpServerSource } | null {
  for (const e of [...r.acks, ...r.addressOffers, ...r.proxyReplies]) {
    if (e === chosen || serverOf(e) !== serverOf(chosen)) continue;
    const s = tftpServerOf(e);
    if (s) return s;
  }
  return null;
}

/** The round in effect at time t (the last one started at or before it). */
export function roundAt(s: BootSession, t: number): DhcpRound | null {
  let found: DhcpRound | null = null;
  for (const r of roundsOf(s)) if (r.start <= t) found = r;
  return found;
}

export function basename(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] ?? path;
}

/** Compares names the way TFTP servers usually resolve them: without leading separators. */
export function sameFile(a: string, b: string): boolean {
  const norm = (p: string): string =>
    p
      .trim()
      .replace(/^[/\\]+/, '')
      .replace(/\\/g, '/');
  return norm(a) === norm(b);
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
  if (s === null) return { family: 'unknown', round: null, isBootFile: false };
  const round = roundAt(s, t.request.t);
  if (round === null) return { family: 'unknown', round: null, isBootFile: false };
  const file = round.bootFile;
  if (file !== null && sameFile(file, t.filename)) return { family: round.family, round, isBootFile: true };
  if (round.family === 'ipxe' && file !== null && (isUrl(file) || /\.ipxe$/i.test(file))) {
    return { family: 'ipxe', round, isBootFile: false };
  }
  return { family: 'loader', round, isBootFile: false };
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
  return captureDhcpFacts(a).relays;
}

/** Servers that offered an address to some client other than this one. */
export function serversOfOthers(a: AnalysisResult, s: BootSession): string[] {
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
  return sessionEvents(s).filter((e) => isAddressReply(e) && /^PXEClient/i.test(e.vendorClass ?? ''));
}

export function hasProxyOffer(s: BootSession): boolean {
  return sessionEvents(s).some(isProxyReply);
}
