import { archName } from '../protocol/dhcp/index.js';
import { isIpxeEvent } from './dhcp-facts.js';
import { effectiveBoots } from './effective-boot.js';
import { buildPhases } from './phases.js';
import { lastAtOrBefore } from './sorted.js';
import type { BootSession, DhcpEvent, DhcpTransaction, EffectiveBoot, TftpTransfer } from './types.js';

const ZERO = '0.0.0.0';

interface Draft {
  clientMac: string;
  transactions: DhcpTransaction[];
  transfers: TftpTransfer[];
  end: number;
  /** Addresses the client held, whose TFTP activity also keeps the session alive. */
  ips: Set<string>;
}

/** An address the client is known to hold from time `t` on. */
interface Assignment {
  t: number;
  draft: Draft;
}

/**
 * Boot sessions: one per client MAC (chaddr), split only when the client was silent for longer than
 * `idleTimeout` (a later boot of the same machine). TFTP has no MAC, so a transfer joins the session whose
 * client held its IP at that time (ACK yiaddr, ciaddr, or the address it used on port 4011); failing that,
 * a session of the MAC its request came from; otherwise it is an orphan (no DHCP captured for it).
 * A session's id is its MAC and its place among that client's sessions (`MAC#1`, `MAC#2`), so it depends on
 * that client's records only.
 *
 * With `only`, just those clients' sessions are made (a live capture telling one client's session): the
 * records given must then hold all of theirs, every transfer of an address they held or sent from their
 * MACs, and all the transactions of every client that held one of those addresses (they compete for it).
 */
export function buildSessions(
  transactions: DhcpTransaction[],
  transfers: TftpTransfer[],
  idleTimeout: number,
  only?: ReadonlySet<string>,
  /** Sessions of this client no longer in the records (a live capture retired them): the ids go on from there. */
  earlier?: (mac: string) => number,
): { sessions: BootSession[]; orphans: TftpTransfer[] } {
  const tftpEnd = tftpActivity(transfers);
  const drafts: Draft[] = [];
  const current = new Map<string, Draft>();
  for (const tx of [...transactions].sort((a, b) => a.start - b.start)) {
    let d = current.get(tx.clientMac);
    if (d === undefined || tx.start - lastActivity(d, tx.start, tftpEnd) > idleTimeout) {
      d = { clientMac: tx.clientMac, transactions: [], transfers: [], end: tx.end, ips: new Set() };
      drafts.push(d);
      current.set(tx.clientMac, d);
    }
    d.transactions.push(tx);
    d.end = Math.max(d.end, tx.end);
    for (const ip of heldAddresses(tx)) d.ips.add(ip);
  }

  const byIp = new Map<string, Assignment[]>();
  const assign = (ip: string, t: number, draft: Draft): void => {
    if (ip === ZERO || ip === '') return;
    const list = byIp.get(ip) ?? [];
    list.push({ t, draft });
    byIp.set(ip, list);
  };
  for (const d of drafts) {
    for (const tx of d.transactions) {
      for (const e of tx.events) {
        const ip = heldAddress(e, tx.port4011);
        if (ip !== null) assign(ip, e.t, d);
      }
    }
  }
  for (const list of byIp.values()) list.sort((a, b) => a.t - b.t);

  const byMac = new Map<string, Draft[]>();
  for (const d of drafts) {
    const list = byMac.get(d.clientMac) ?? [];
    list.push(d);
    byMac.set(d.clientMac, list);
  }

  const orphans: TftpTransfer[] = [];
  for (const tr of [...transfers].sort((a, b) => a.request.t - b.request.t)) {
    const owner = ownerByIp(byIp.get(tr.clientIp), tr.request.t) ?? ownerByMac(byMac, tr);
    if (owner === undefined) orphans.push(tr);
    else owner.transfers.push(tr);
  }

  const sessions: BootSession[] = [];
  const count = new Map<string, number>();
  for (const d of drafts) {
    const n = (count.get(d.clientMac) ?? earlier?.(d.clientMac) ?? 0) + 1;
    count.set(d.clientMac, n);
    if (only === undefined || only.has(d.clientMac)) sessions.push(toSession(d, `${d.clientMac}#${n}`));
  }
  return { sessions, orphans };
}

/** The address a message shows the client holding: ACK yiaddr, a request's ciaddr, its source on 4011. */
export function heldAddress(e: DhcpEvent, port4011: boolean): string | null {
  let ip: string | null = null;
  if (e.op === 1) ip = port4011 ? e.src : e.ciaddr;
  else if (!port4011 && e.messageType !== 'OFFER' && e.messageType !== 'NAK') ip = e.yiaddr;
  return ip === null || ip === ZERO || ip === '' ? null : ip;
}

function heldAddresses(tx: DhcpTransaction): string[] {
  return tx.events.map((e) => heldAddress(e, tx.port4011)).filter((ip): ip is string => ip !== null);
}

interface TftpEnds {
  /** Transfers of one client address by request time, with the running maximum of their last packet. */
  starts: number[];
  maxEnd: number[];
}

function tftpActivity(transfers: TftpTransfer[]): Map<string, TftpEnds> {
  const byIp = new Map<string, TftpTransfer[]>();
  for (const t of transfers) {
    const list = byIp.get(t.clientIp) ?? [];
    list.push(t);
    byIp.set(t.clientIp, list);
  }
  const out = new Map<string, TftpEnds>();
  for (const [ip, list] of byIp) {
    list.sort((a, b) => a.request.t - b.request.t);
    let max = -Infinity;
    const maxEnd = list.map((t) => (max = Math.max(max, t.lastPacket.t)));
    out.set(ip, { starts: list.map((t) => t.request.t), maxEnd });
  }
  return out;
}

/** When the client was last active before `t`: its DHCP, or a transfer from an address it held. */
function lastActivity(d: Draft, t: number, tftpEnd: Map<string, TftpEnds>): number {
  let end = d.end;
  for (const ip of d.ips) {
    const ends = tftpEnd.get(ip);
    if (ends === undefined) continue;
    const i = lastAtOrBefore(ends.starts, t, (x) => x);
    if (i >= 0) end = Math.max(end, ends.maxEnd[i]);
  }
  return end;
}

/** The latest assignment at or before `t`; a transfer before any captured DHCP goes to the first holder. */
function ownerByIp(list: Assignment[] | undefined, t: number): Draft | undefined {
  if (list === undefined || list.length === 0) return undefined;
  return list[
    Math.max(
      0,
      lastAtOrBefore(list, t, (a) => a.t),
    )
  ].draft;
}

/** On-link, the request's Ethernet source is the client: its latest session started by then. */
function ownerByMac(byMac: Map<string, Draft[]>, tr: TftpTransfer): Draft | undefined {
  const list = tr.clientMac === null ? undefined : byMac.get(tr.clientMac);
  if (list === undefined) return undefined;
  const i = lastAtOrBefore(list, tr.request.t, (d) => d.transactions[0].start);
  return i === -1 ? undefined : list[i];
}

function firstOf<T>(events: DhcpEvent[], read: (e: DhcpEvent) => T | null): T | null {
  for (const e of events) {
    const v = read(e);
    if (v !== null) return v;
  }
  return null;
}

function lastIp(boots: EffectiveBoot[]): string | null {
  return (
    boots
      .map((b) => b.clientIp)
      .filter((ip) => ip !== null)
      .at(-1) ?? null
  );
}

function toSession(d: Draft, id: string): BootSession {
  const rounds = d.transactions.filter((tx) => !tx.port4011);
  const proxyExchanges = d.transactions.filter((tx) => tx.port4011);
  const boots = effectiveBoots(rounds, proxyExchanges);
  const clientEvents = d.transactions
    .flatMap((tx) => tx.events)
    .filter((e) => e.op === 1)
    .sort((a, b) => a.t - b.t);
  const arch = firstOf(clientEvents, (e) => (e.arch.length > 0 ? e.arch : null)) ?? [];
  let start = Infinity;
  let end = -Infinity;
  for (const tx of d.transactions) [start, end] = [Math.min(start, tx.start), Math.max(end, tx.end)];
  for (const t of d.transfers) [start, end] = [Math.min(start, t.request.t), Math.max(end, t.lastPacket.t)];
  return {
    id,
    clientMac: d.clientMac,
    // The address of the last round the client took; an address only offered counts when it took none.
    clientIp: lastIp(boots.filter((b) => b.accepted)) ?? lastIp(boots) ?? d.transfers[0]?.clientIp ?? null,
    // The first message that says it describes the firmware; later rounds (iPXE) are in `boots`.
    uuid: firstOf(clientEvents, (e) => e.uuid),
    arch,
    archName: arch.length > 0 ? archName(arch[0]) : null,
    vendorClass: firstOf(clientEvents, (e) => e.vendorClass),
    userClass: firstOf(clientEvents, (e) => e.userClass),
    isIpxe: clientEvents.some(isIpxeEvent),
    transactions: d.transactions,
    transfers: d.transfers,
    phases: buildPhases(d.transactions, d.transfers, boots),
    boots,
    start,
    end,
  };
}
