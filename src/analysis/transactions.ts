import { EvictedClients } from './evicted-clients.js';
import { IdleMap } from './idle-map.js';
import { Retained } from './retained.js';
import type { DhcpEvent, DhcpTransaction } from './types.js';

/** Messages kept per transaction; a client stuck re-sending on one xid must not grow without end. */
const MAX_EVENTS = 500;
/** A REQUEST this long after the ACK is a new exchange (renewal, reboot), not a retransmission crossing it. */
const REQUEST_AFTER_ACK_SPLIT = 2;
/**
 * Seconds of silence after the ACK or NAK after which a transaction is complete and closed, instead of
 * waiting for the idle timeout. What may still join it after the answer: REQUEST retransmissions crossing it
 * (within REQUEST_AFTER_ACK_SPLIT), duplicate replies (a relay, a second copy), and a DECLINE after the
 * client's ARP check of the address (RFC 5227: probes and announcement take under 10 s). Anything else from
 * the client is a new exchange anyway (startsNewExchange).
 */
export const ANSWERED_GRACE = 10;

interface TransactionState {
  key: string;
  xid: number;
  clientMac: string;
  port4011: boolean;
  events: DhcpEvent[];
  droppedEvents: number;
  lastSeen: number;
  /** Time of the last ACK or NAK, when one was seen. */
  answeredAt: number | null;
}

const xidHex = (xid: number): string => `0x${xid.toString(16).padStart(8, '0')}`;

/**
 * Joins DHCP messages into transactions keyed by xid + client MAC (chaddr): replies are matched to the client
 * by its MAC, never by IP. Port 4011 exchanges (PXE boot-server discovery; iPXE always uses xid 0 there)
 * are transactions of their own. Bounded: idle transactions are finalised, and the stalest is evicted
 * (and counted) when `max` are open.
 */
export class TransactionTracker {
  private readonly done: Retained<DhcpTransaction>;
  private openEvicted = 0;
  /** The clients whose transactions were evicted or dropped: their outcome alone is not complete. */
  private readonly hot = new IdleMap<string, TransactionState>();
  /** The open transactions that were answered (ACK or NAK), by their last message: they close after a grace. */
  private readonly answered = new IdleMap<string, TransactionState>();
  /** The open transactions of each client MAC. */
  private readonly hotByMac = new Map<string, Set<TransactionState>>();

  constructor(
    private readonly idleTimeout: number,
    private readonly max: number,
    maxRetained: number,
    /** Called with each transaction as it is finalised (completed, expired, evicted or flushed). */
    private readonly onDone?: (tx: DhcpTransaction) => void,
    /** Where the clients whose transactions were evicted or dropped are marked (their outcome is not complete). */
    readonly evictedClients = new EvictedClients(),
  ) {
    this.done = new Retained(
      maxRetained,
      (tx) => [tx.clientMac],
      (tx) => this.evictedClients.mark([`mac ${tx.clientMac}`]),
    );
  }

  /** Sees each reply kept, with the request list of the client message before it (server identification). */
  onReply: ((e: DhcpEvent, prl: number[] | null) => void) | undefined = undefined;

  /** Transactions finalised early because `max` were open, plus finished ones dropped past `maxRetained`. */
  get evicted(): number {
    return this.openEvicted + this.done.dropped;
  }

  add(e: DhcpEvent, xid: number, chaddr: string): void {
    const key = `${xid}|${chaddr}|${e.port4011 ? 4011 : 67}`;
    let state = this.hot.get(key);
    if (state !== undefined && startsNewExchange(state, e)) {
      this.hot.delete(key);
      this.answered.delete(key);
      this.finalize(state);
      state = undefined;
    }
    if (state === undefined) {
      if (this.hot.size >= this.max) {
        const stalest = this.hot.evictOldest();
        if (stalest !== undefined) {
          this.answered.delete(stalest.key);
          this.openEvicted++;
          this.evictedClients.mark([`mac ${stalest.clientMac}`]);
          this.finalize(stalest);
        }
      }
      state = {
        key,
        xid,
        clientMac: chaddr,
        port4011: e.port4011,
        events: [],
        droppedEvents: 0,
        lastSeen: e.t,
        answeredAt: null,
      };
      const open = this.hotByMac.get(chaddr);
      if (open === undefined) this.hotByMac.set(chaddr, new Set([state]));
      else open.add(state);
    }
    if (state.events.length < MAX_EVENTS) {
      state.events.push(e);
      if (e.op === 2) this.onReply?.(e, requestListBefore(state.events));
    } else state.droppedEvents++;
    if (e.messageType === 'ACK' || e.messageType === 'NAK') state.answeredAt = e.t;
    state.lastSeen = Math.max(state.lastSeen, e.t);
    this.hot.touch(key, state);
    if (state.answeredAt !== null) this.answered.touch(key, state);
  }

  /**
   * Finalises the answered transactions quiet for ANSWERED_GRACE seconds (complete: holding them for the idle
   * timeout would only fill the open limit on a busy segment) and the others idle for longer than the idle
   * timeout, at capture time `now`.
   */
  expire(now: number): void {
    for (const state of this.answered.expire(now, Math.min(ANSWERED_GRACE, this.idleTimeout))) {
      this.hot.delete(state.key);
      this.finalize(state);
    }
    for (const state of this.hot.expire(now, this.idleTimeout)) {
      this.answered.delete(state.key);
      this.finalize(state);
    }
  }

  /** End of capture: finalise everything still open. */
  finishAll(): DhcpTransaction[] {
    this.answered.drain();
    for (const state of this.hot.drain()) this.finalize(state);
    return this.done.items;
  }

  /**
   * Every transaction as finishAll would return it now, without finalising anything: the open ones are
   * summarised from a copy of their messages, so later packets do not change what the caller holds.
   */
  current(): DhcpTransaction[] {
    const open = [...this.hot.values()].map((s) => summarizeTransaction({ ...s, events: [...s.events] }));
    return [...this.done, ...open];
  }

  /**
   * The transactions of these clients, as current() has them (finished ones first, then the open ones):
   * what one client's sessions are built from, without walking everybody's.
   */
  currentOf(macs: Iterable<string>): DhcpTransaction[] {
    const done: DhcpTransaction[] = [];
    const open: DhcpTransaction[] = [];
    for (const mac of macs) {
      done.push(...this.done.withKey(mac));
      for (const s of this.hotByMac.get(mac) ?? [])
        open.push(summarizeTransaction({ ...s, events: [...s.events] }));
    }
    return [...done, ...open];
  }

  /** Finished transactions taken out by retire(). */
  get retired(): number {
    return this.done.retired;
  }

  /**
   * Takes out this client's finished transactions (a live capture's client judged and long quiet); false,
   * taking nothing, while one of its transactions is still open.
   */
  retire(mac: string): boolean {
    if (this.hotByMac.has(mac)) return false;
    this.done.retire(mac);
    return true;
  }

  /** true while some transaction of this client is kept. */
  has(mac: string): boolean {
    return this.hotByMac.has(mac) || this.done.withKey(mac).length > 0;
  }

  private finalize(state: TransactionState): void {
    const open = this.hotByMac.get(state.clientMac);
    open?.delete(state);
    if (open?.size === 0) this.hotByMac.delete(state.clientMac);
    const tx = summarizeTransaction(state);
    this.done.push(tx);
    this.onDone?.(tx);
  }
}

/** The request list of the last client message before the newest event (the one a reply answers). */
function requestListBefore(events: readonly DhcpEvent[]): number[] | null {
  for (let i = events.length - 2; i >= 0; i--) if (events[i].op === 1) return events[i].parameterRequestList;
  return null;
}

/** After an ACK/NAK, a new DISCOVER or INFORM (or a REQUEST well after the ACK) is a new exchange on the same xid. */
function startsNewExchange(state: TransactionState, e: DhcpEvent): boolean {
  if (state.answeredAt === null || e.op !== 1) return false;
  if (e.messageType === 'DISCOVER' || e.messageType === 'INFORM') return true;
  return e.messageType === 'REQUEST' && e.t - state.answeredAt > REQUEST_AFTER_ACK_SPLIT;
}

/** Builds the transaction record. BOOTP messages (no type) count as a request and its binding reply. */
export function summarizeTransaction(state: TransactionState): DhcpTransaction {
  const events = state.events;
  // When the capture sees both sides of a relay, each message appears twice: count the copies the
  // originator sent (client requests, server replies) and fall back to the relayed copies otherwise.
  const hasClientCopy = events.some((e) => e.op === 1 && e.role === 'client');
  const hasServerCopy = events.some((e) => e.op === 2 && e.role === 'server');
  const counted = events.filter((e) =>
    e.op === 1 ? !hasClientCopy || e.role === 'client' : !hasServerCopy || e.role === 'server',
  );
  const client = counted.filter((e) => e.op === 1);
  const replies = counted.filter((e) => e.op === 2);

  const discovers = client.filter((e) => e.messageType === 'DISCOVER' || e.messageType === null).length;
  const requests = client.filter((e) => e.messageType === 'REQUEST').length;
  const offers = replies.filter((e) => e.messageType === 'OFFER');
  const acks = replies.filter((e) => e.messageType === 'ACK' || e.messageType === null);
  const naks = replies.filter((e) => e.messageType === 'NAK');
  const informed = client.some((e) => e.messageType === 'INFORM');
  // The server the client REQUESTed from (option 54). A NAK from another server ("wrong server-ID" from an
  // authoritative server that sees the broadcast REQUEST) is not an answer to it: clients (iPXE
  // dhcp_request_rx, EDK2 Dhcp4) drop replies whose server id is not the one they chose.
  const requested = client.filter((e) => e.messageType === 'REQUEST' && e.serverId !== null).at(-1);
  const fromChosen = (e: DhcpEvent): boolean =>
    requested === undefined || e.serverId === null || e.serverId === requested.serverId;
  const answers = [...acks, ...naks].sort((a, b) => a.t - b.t);
  const finalReply = answers.filter(fromChosen).at(-1) ?? answers.at(-1);
  const ignoredNaks = naks.filter((e) => !fromChosen(e));

  let outcome: DhcpTransaction['outcome'];
  if (state.port4011) outcome = 'proxy';
  else if (informed) outcome = 'informed';
  else if (finalReply !== undefined) outcome = finalReply.messageType === 'NAK' ? 'nak' : 'bound';
  else if (offers.length > 0) outcome = 'offered';
  else if (discovers > 0) outcome = 'no-offer';
  // A REQUEST with no DISCOVER (renewal, rebinding, INIT-REBOOT) is not waiting for an offer.
  else if (requests > 0) outcome = 'no-reply';
  else outcome = 'other';

  const notes: string[] = [];
  const after = (e: DhcpEvent): boolean => finalReply === undefined || e.t >= finalReply.t;
  if (client.some((e) => e.messageType === 'DECLINE' && after(e))) {
    // The client found the address in use (ARP) and gave it back: nothing was bound.
    if (outcome === 'bound') outcome = 'other';
    notes.push('the client DECLINEd the address (in use by another host)');
  }
  if (client.some((e) => e.messageType === 'RELEASE' && after(e)))
    notes.push('the client RELEASEd the address');
  if (state.droppedEvents > 0) {
    notes.push(`${state.droppedEvents} later messages not kept (at most ${MAX_EVENTS} per transaction)`);
  }

  if (ignoredNaks.length > 0 && finalReply !== undefined && fromChosen(finalReply)) {
    const by = [...new Set(ignoredNaks.map((e) => e.serverId))].join(', ');
    notes.push(
      `NAK from ${by}, not the server the client REQUESTed from (${requested?.serverId ?? ''}): ignored`,
    );
  }
  const relays = [...new Set(events.map((e) => e.giaddr).filter((g) => g !== '0.0.0.0'))];
  const first = events[0];
  const transaction: DhcpTransaction = {
    id: `${xidHex(state.xid)}/${state.clientMac}${state.port4011 ? '/4011' : ''}/f${first.frame}`,
    xid: state.xid,
    clientMac: state.clientMac,
    events,
    start: Math.min(...events.map((e) => e.t)),
    end: state.lastSeen,
    discovers,
    requests,
    offers,
    acks,
    naks,
    outcome,
    chosenServer: requested?.serverId ?? acks.at(-1)?.serverId ?? null,
    port4011: state.port4011,
    relays,
    notes,
  };
  return transaction;
}
