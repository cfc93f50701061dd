/**
 * TFTP facts shared by the transfer rules: whether a server answered, the tsize probe, whether the
 * capture can see TFTP outcomes at all, the MTU a client announced and whether a transfer stalled.
 */
import { captureFactsOf } from '../analysis/capture-facts.js';
import type { TftpFilterSigns } from '../analysis/live-facts.js';
import type { AnalysisResult, BootSession, TftpTransfer } from '../analysis/types.js';
import { endsBeforeDeadline } from './capture-end.js';
import { familyOfEvent, isClientEvent, sameFile } from './facts.js';
import { sessionEvents } from './rounds.js';
import type { ClientFamily } from './pxe-errors.js';
import type { Finding, RuleContext } from './types.js';

export interface OwnedTransfer {
  transfer: TftpTransfer;
  session: BootSession | null;
}

const allCache = new WeakMap<AnalysisResult, OwnedTransfer[]>();
const byClientCache = new WeakMap<AnalysisResult, Map<string, OwnedTransfer[]>>();

/** Every transfer of the capture with the session that owns it (computed once per analysis). */
export function allTransfers(a: AnalysisResult): OwnedTransfer[] {
  const cached = allCache.get(a);
  if (cached) return cached;
  const out: OwnedTransfer[] = [];
  for (const s of a.sessions) for (const t of s.transfers) out.push({ transfer: t, session: s });
  for (const t of a.orphanTransfers) out.push({ transfer: t, session: null });
  out.sort((x, y) => x.transfer.request.frame - y.transfer.request.frame);
  allCache.set(a, out);
  return out;
}

/** The transfers of one client IP, in request order (from a live view: owners not looked up, session null). */
export function transfersOf(a: AnalysisResult, clientIp: string): OwnedTransfer[] {
  const facts = captureFactsOf(a);
  if (facts !== undefined)
    return facts.transfersOf(clientIp).map((transfer) => ({ transfer, session: null }));
  let index = byClientCache.get(a);
  if (!index) {
    index = new Map();
    for (const o of allTransfers(a)) {
      const list = index.get(o.transfer.clientIp) ?? [];
      list.push(o);
      index.set(o.transfer.clientIp, list);
    }
    byClientCache.set(a, index);
  }
  return index.get(clientIp) ?? [];
}

const answeringCache = new WeakMap<AnalysisResult, Map<string, OwnedTransfer>>();

/**
 * A transfer the server at this address answered, if any (first one). A live view knows it without
 * walking the sessions (its owner is then not looked up: session null).
 */
export function answeredBy(a: AnalysisResult, serverIp: string): OwnedTransfer | null {
  const facts = captureFactsOf(a);
  if (facts !== undefined) {
    const transfer = facts.firstAnsweredBy(serverIp);
    return transfer === null ? null : { transfer, session: null };
  }
  let index = answeringCache.get(a);
  if (!index) {
    index = new Map();
    for (const o of allTransfers(a)) {
      if (answered(o.transfer) && !index.has(o.transfer.serverIp)) index.set(o.transfer.serverIp, o);
    }
    answeringCache.set(a, index);
  }
  return index.get(serverIp) ?? null;
}

/** Anything came back from the server for this RRQ (OACK, DATA, or an ERROR it sent). */
export function answered(t: TftpTransfer): boolean {
  return t.serverPort !== null || t.oack !== null || t.firstData !== null || t.error?.from === 'server';
}

/** Number of RRQs the client sent for this transfer (the first one plus its retries). */
export function rrqCount(t: TftpTransfer): number {
  return 1 + t.requestRetries.length;
}

/**
 * The tsize probe (RRQ tsize=0 → OACK → client ERROR 0 or 8 → new RRQ): normal, Wireshark files it as
 * chat. The analyzer marks it; the shape is checked too so an older analysis cannot make it look like
 * a failure.
 */
export function isTsizeProbe(t: TftpTransfer): boolean {
  if (t.outcome === 'tsize-probe') return true;
  // The analyzer told it from the packet order (ERROR right after the OACK); a client that ACKed the OACK
  // and later aborted was not probing.
  if (t.progress !== undefined) return false;
  const e = t.error;
  return (
    e !== null &&
    e.from === 'client' &&
    (e.code === 0 || e.code === 8) &&
    t.oack !== null &&
    t.blocks <= 1 &&
    'tsize' in t.requested
  );
}

/**
 * One transfer, also across copies: a live snapshot hands the rules copies of the records the closed
 * session holds, so identity (===) would miss; the request's frame names a transfer uniquely.
 */
export function sameTransfer(a: TftpTransfer, b: TftpTransfer): boolean {
  return a.request.frame === b.request.frame;
}

/** A later transfer of the same file by the same client that completed: the client recovered. */
export function laterSuccess(t: TftpTransfer, a: AnalysisResult): TftpTransfer | null {
  for (const { transfer: o } of transfersOf(a, t.clientIp)) {
    if (sameTransfer(o, t) || o.clientIp !== t.clientIp || o.request.t < t.request.t) continue;
    if (sameFile(o.filename, t.filename) && o.outcome === 'complete') return o;
  }
  return null;
}

/**
 * The client's first request for another file after this transfer's last packet: it went on, so it either
 * gave up on this file or received the rest where the capture did not see it.
 */
export function nextRequestAfter(t: TftpTransfer, a: AnalysisResult): TftpTransfer | null {
  let next: TftpTransfer | null = null;
  for (const { transfer: o } of transfersOf(a, t.clientIp)) {
    if (o.clientIp !== t.clientIp || o.request.t <= t.lastPacket.t || sameFile(o.filename, t.filename))
      continue;
    if (next === null || o.request.t < next.request.t) next = o;
  }
  return next;
}

const unknownCache = new WeakMap<AnalysisResult, boolean>();

/**
 * The capture shows RRQs but nothing a server sent back from its transfer ports: a capture filter such as
 * `port 67 or port 68 or port 69` dropped them, and no TFTP outcome can be judged. Clients that retried
 * their RRQs saw silence themselves, so that is not counted as a filter artefact unless the clients moved
 * on to other files (which they only do after a successful download).
 */
export function tftpOutcomeUnknown(a: AnalysisResult): boolean {
  const cached = unknownCache.get(a);
  if (cached !== undefined) return cached;
  // The data ports are in the capture: outcomes can be judged (read first, so no transfer list is built).
  if (a.capture.tftpDataSeen) return false;
  // A live view keeps the signs as records arrive; a batch result is walked once.
  const signs = captureFactsOf(a)?.tftpFilterSigns() ?? filterSignsOf(a);
  // An ICMP error about an RRQ is an answer of sorts: the capture saw the server side, not a filter gap.
  // A port filter drops ARP too; with ARP in the capture a lone unanswered RRQ is more likely real silence.
  const result =
    signs.requests &&
    !signs.answered &&
    !signs.icmpAboutTftp &&
    (signs.movedOn || (!signs.retried && a.capture.arpPackets === 0));
  unknownCache.set(a, result);
  return result;
}

function filterSignsOf(a: AnalysisResult): TftpFilterSigns & { answered: boolean } {
  const all = allTransfers(a);
  const icmpAboutTftp =
    all.some(({ transfer }) => (transfer.icmpErrors ?? []).length > 0) ||
    a.icmpUnreachable.some((i) =>
      all.some(({ transfer }) => i.src === transfer.clientIp && i.dst === transfer.serverIp),
    );
  const filesPerClient = new Map<string, Set<string>>();
  for (const { transfer } of all) {
    const set = filesPerClient.get(transfer.clientIp) ?? new Set<string>();
    set.add(transfer.filename);
    filesPerClient.set(transfer.clientIp, set);
  }
  return {
    requests: all.length > 0,
    answered: all.some(({ transfer }) => answered(transfer)),
    icmpAboutTftp,
    retried: all.some(({ transfer }) => transfer.requestRetries.length > 0),
    movedOn: [...filesPerClient.values()].some((set) => set.size >= 2),
  };
}

export interface AnnouncedMtu {
  mtu: number;
  source: string;
  frame: number;
}

/**
 * The smallest MTU the client announced: option 26, or option 57 (max DHCP message, a UDP payload, so
 * MTU = value + 28; EDK2 and iPXE send 1472 on 1500-byte Ethernet). Values a REQUEST sends as "no limit"
 * (EDK2 sends 65280) fall out by taking the minimum.
 */
export function announcedMtu(s: BootSession | null): AnnouncedMtu | null {
  if (s === null) return null;
  let best: AnnouncedMtu | null = null;
  for (const e of sessionEvents(s)) {
    if (!isClientEvent(e)) continue;
    const candidates: AnnouncedMtu[] = [];
    if (e.interfaceMtu !== null && e.interfaceMtu >= 68)
      candidates.push({ mtu: e.interfaceMtu, source: 'option 26 (interface MTU)', frame: e.frame });
    if (e.maxMessageSize !== null && e.maxMessageSize >= 576)
      candidates.push({
        mtu: e.maxMessageSize + 28,
        source: `option 57 (max message ${e.maxMessageSize})`,
        frame: e.frame,
      });
    for (const c of candidates) if (best === null || c.mtu < best.mtu) best = c;
  }
  return best;
}

/** When the transfer last moved forward (repeats are not progress); its last packet in older records. */
export function stoppedAt(t: TftpTransfer): number {
  return t.progress?.lastProgress.t ?? t.lastPacket.t;
}

/**
 * Still open at the end of the capture, and it had stopped moving forward less than the stall time before the
 * capture ended: whether it would have resumed or been given up lies past the capture.
 */
export function cutOffWhileWaiting(t: TftpTransfer, a: AnalysisResult): boolean {
  if (t.outcome !== 'in-progress' && t.outcome !== 'unknown') return false;
  if (t.firstData === null && t.oack === null) return false;
  const p = t.progress;
  // Repeats after the last step forward: one side was already waiting for the other.
  const waiting = p !== undefined && p.reAcks + p.resends > 0;
  // An ICMP error about it: one end had already closed the transfer, nothing left to wait for.
  return waiting && (t.icmpErrors ?? []).length === 0 && endsBeforeDeadline(a, stoppedAt(t));
}

/**
 * The transfer started moving data (or was answered with an OACK) and then stopped without its last
 * block: abandoned, or still open with the capture running on long enough for a client to have given up.
 */
export function stalled(t: TftpTransfer, a: AnalysisResult): boolean {
  if (t.outcome === 'complete' || isTsizeProbe(t) || t.error !== null) return false;
  if (t.firstData === null && t.oack === null) return false;
  if (t.lastBlockSeen && t.lastBlockAcked) return false;
  if (t.outcome === 'abandoned') return true;
  if (t.outcome === 'in-progress' || t.outcome === 'unknown') {
    // Still open at the end: stalled when it stopped moving forward (repeats are not progress) seconds before
    // the capture ended. A pause earlier on that the transfer got over is no stall.
    return !endsBeforeDeadline(a, stoppedAt(t));
  }
  return false;
}

export interface PathEvidence {
  reasons: string[];
  frames: number[];
  mtu: AnnouncedMtu | null;
  /** A blksize that fits (MTU − 32), when the evidence tells one; null when only "less than now" is known. */
  fits: number | null;
}

/** Ethernet's 1500-byte MTU leaves 1468 bytes for a TFTP block. */
export const ETHERNET_MAX_BLKSIZE = 1468;

/**
 * Evidence that a transfer failed because its blocks do not fit the path: lost IP fragments, a router's
 * "fragmentation needed", or DATA resent and never acknowledged while the block is larger than what the
 * client announced or what Ethernet carries unfragmented. A transfer that completed is never a path fault,
 * however fragmented.
 */
export function pathEvidence(t: TftpTransfer, s: BootSession | null, a: AnalysisResult): PathEvidence | null {
  if (t.outcome === 'complete' || isTsizeProbe(t)) return null;
  const hole = sizeBlackHole(t, a);
  if (hole === null && (t.blksize <= 512 || t.error?.from === 'server')) return null;
  if (t.firstData === null && t.oack === null) return null;
  const reasons: string[] = [];
  const frames: number[] = [];
  const end = t.lastPacket.t + 1;
  let strong = false;
  if (t.lostFragments > 0) {
    reasons.push(`${t.lostFragments} IP fragment(s) of its DATA never arrived`);
    strong = true;
  }
  for (const loss of a.fragmentLosses) {
    if (loss.src === t.serverIp && loss.dst === t.clientIp && loss.t >= t.request.t && loss.t <= end) {
      if (t.lostFragments === 0) reasons.push('IP fragments of its DATA went missing');
      frames.push(...loss.frames);
      strong = true;
    }
  }
  for (const icmp of a.icmpUnreachable) {
    const about = icmp.src === t.serverIp && icmp.dst === t.clientIp;
    if (icmp.code === 4 && about && icmp.frame.t >= t.request.t && icmp.frame.t <= end) {
      reasons.push(`${icmp.from} answered "fragmentation needed" (ICMP, frame ${icmp.frame.frame})`);
      frames.push(icmp.frame.frame);
      strong = true;
    }
  }
  const mtu = announcedMtu(s);
  // What fits: the announced MTU if it is below this blksize, Ethernet's limit for larger blocks; when the
  // blocks already fit the client's own link, the narrower hop is somewhere on the path and unknown here.
  const fits =
    mtu !== null && mtu.mtu - 32 < t.blksize
      ? mtu.mtu - 32
      : t.blksize > ETHERNET_MAX_BLKSIZE
        ? ETHERNET_MAX_BLKSIZE
        : null;
  // Lost fragments or "fragmentation needed" say it best; else small packets passing while full-size ones
  // do not.
  if (!strong && hole !== null) return { ...hole, mtu, fits };
  const overMtu = mtu !== null && t.blksize + 32 > mtu.mtu;
  const sizeSuspect = t.fragmentedData || overMtu || t.blksize > ETHERNET_MAX_BLKSIZE;
  const stuck = t.unackedRetransmits >= 2 || (t.blocks <= 1 && gaveUp(t, a));
  if (!strong && !(sizeSuspect && stuck)) return null;
  if (t.unackedRetransmits >= 2) {
    reasons.push(`the server resent DATA ${t.unackedRetransmits} times without an ACK`);
    frames.push(...t.retransmitFrames);
  }
  if (overMtu && mtu)
    reasons.push(`blksize ${t.blksize} + 32 bytes of headers exceeds the MTU ${mtu.mtu} from ${mtu.source}`);
  if (t.fragmentedData) reasons.push('its DATA packets were IP-fragmented');
  return { reasons, frames, mtu, fits };
}

/** The client gave up on the transfer: it stalled, or the client sent an ERROR. */
function gaveUp(t: TftpTransfer, a: AnalysisResult): boolean {
  return stalled(t, a) || t.error?.from === 'client';
}

/**
 * Small packets pass, full-size ones do not: the client acknowledged the OACK (so the server's packets from
 * its transfer port reach it) and never a full-size DATA block, while the server sent DATA again or the
 * client re-sent its ACK 0, until one side gave up. A hop whose MTU is below blksize + 32 (a tunnel, a
 * smaller MTU on one link) drops every full-size DATA whatever MTU the client announced. Seen from the
 * server's side the DATA is in the capture, resent; from the client's side only the repeated ACK 0 is. A
 * server that ends it with an ERROR after its resends does not change that.
 */
function sizeBlackHole(t: TftpTransfer, a: AnalysisResult): Pick<PathEvidence, 'reasons' | 'frames'> | null {
  const p = t.progress;
  if (p === undefined || p.oackAcked === null || p.fullBlockAcked || p.ackedBlock !== 0) return null;
  const serverGaveUp = t.error?.from === 'server' && p.fullBlockSent;
  if (!gaveUp(t, a) && !serverGaveUp) return null;
  const ipSize = `${t.blksize + 32}-byte IP packets`;
  const reasons = [
    `the client acknowledged the OACK (ACK 0, frame ${p.oackAcked.frame}), so small packets from the server get through`,
  ];
  const frames = [p.oackAcked.frame];
  if (p.fullBlockSent) {
    if (p.resends === 0 && p.reAcks === 0) return null;
    const sends = p.resends + 1;
    const newest = p.newestData;
    reasons.push(
      `but no full-size DATA (${ipSize}) was ever acknowledged: ` +
        (p.newestBlock === 1 ? 'DATA 1' : `DATA up to block ${p.newestBlock}`) +
        ` went out ${sends === 1 ? 'once' : `${sends} times`}` +
        (newest ? ` (first at frame ${newest.frame})` : ''),
    );
    if (newest) frames.push(newest.frame);
    frames.push(...p.resendFrames.map((r) => r.frame));
  } else {
    // Only the client's side is in the capture: no DATA arrived at all, after an OACK for a large block.
    if (p.newestData !== null || t.blksize <= 512) return null;
    if (p.reAcks === 0 && t.error?.from !== 'client') return null;
    reasons.push(`but no DATA of blksize ${t.blksize} (${ipSize}) ever reached it`);
  }
  if (p.reAcks > 0) {
    reasons.push(`the client re-sent ACK 0 ${p.reAcks === 1 ? 'once' : `${p.reAcks} times`}`);
    frames.push(...p.reAckFrames.map((r) => r.frame));
  }
  if (t.error !== null)
    reasons.push(`then the ${t.error.from} gave up (ERROR ${t.error.code}, frame ${t.error.frame.frame})`);
  return { reasons, frames };
}

export type TransferCheck = (o: OwnedTransfer, ctx: RuleContext) => Finding[];

/**
 * Runs a per-transfer check over a session's transfers (checkSession) and over transfers no session
 * claimed (checkCapture), so orphan transfers are diagnosed too.
 */
export function perTransfer(check: TransferCheck): {
  checkSession(session: BootSession, ctx: RuleContext): Finding[];
  checkCapture(ctx: RuleContext): Finding[];
} {
  return {
    checkSession(session, ctx) {
      return session.transfers.flatMap((transfer) => check({ transfer, session }, ctx));
    },
    checkCapture(ctx) {
      return ctx.analysis.orphanTransfers.flatMap((transfer) => check({ transfer, session: null }, ctx));
    },
  };
}

/**
 * A session's client event says the family. An orphan transfer (no DHCP exchange ties it to a network-boot
 * client) is plain TFTP as far as the capture shows: no firmware message is claimed for it.
 */
export function sessionFamily(s: BootSession | null): ClientFamily {
  if (s === null) return 'none';
  const e = sessionEvents(s).find(isClientEvent);
  return e ? familyOfEvent(e) : 'unknown';
}

/** Who the message names: the MAC (with arch) when a session owns the transfer, else the client IP. */
export function transferClient(o: OwnedTransfer): string | null {
  return o.session?.clientMac ?? null;
}
