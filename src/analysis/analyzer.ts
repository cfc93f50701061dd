import { toTimestamp, type Timestamp } from '../capture/timestamp.js';
import type {
  ArpRecord,
  DecodedPacket,
  TftpBlockView,
  FragmentLossRecord,
  IcmpEchoRecord,
  IcmpUnreachableRecord,
  SourceFrameRecord,
} from '../protocol/packet.js';
import { DEFAULT_IDLE_TIMEOUT, type AnalyzerOptions, type CaptureInput } from './analyzer-options.js';
import { analysisView, captureSummary } from './analysis-view.js';
import type { CaptureFacts } from './capture-facts.js';
import { CaptureClock } from './capture-clock.js';
import { PingChecks } from './ping-checks.js';
import { ArpTracker } from './arp.js';
import { EvictedClients } from './evicted-clients.js';
import { dhcpEvent } from './dhcp-facts.js';
import { AddressHolders, clientRecords, transfersAsShown } from './client-records.js';
import type { AnalysisEvent, SessionCloseReason } from './events.js';
import { DhcpLiveFacts, TftpFilterFacts } from './live-facts.js';
import { Retention } from './retention.js';
import { SessionWatch } from './session-watch.js';
import { ServerSignsLog } from './server-software.js';
import { buildSessions, heldAddress } from './sessions.js';
import { TransactionTracker } from './transactions.js';
import { TransferTracker } from './transfers.js';
import type { AnalysisResult, BootSession, DhcpEvent, FrameRef } from './types.js';

export type { AnalyzerOptions, CaptureInput } from './analyzer-options.js';
export { isTimeJumpWarning } from './capture-clock.js';

/**
 * The correlation layer. Feed it decoded records in capture order (streaming, one pass), and clock ticks
 * when nothing arrives; snapshot() says where things stand at any time, finish() flushes and says it last.
 * All state that grows with traffic is bounded: idle transactions and transfers are finalised after
 * `idleTimeout` seconds of capture time, open ones are capped (evictions are counted), and per-transfer
 * evidence lists are capped, so it can follow a live interface for days.
 */
export class Analyzer {
  private readonly idleTimeout: number;
  private readonly transactions: TransactionTracker;
  private readonly transfers: TransferTracker;
  private readonly arp: ArpTracker;
  private readonly pings = new PingChecks();
  /** Last frame of any kind from each DHCP client MAC (bounded like macIps), when the decoder reports them. */
  private readonly lastFrom = new Map<string, FrameRef>();
  private clientFramesFed = false;
  private readonly maxIcmp: number;
  private readonly maxFragmentLosses: number;
  private readonly icmp: AnalysisResult['icmpUnreachable'] = [];
  private readonly fragmentLosses: AnalysisResult['fragmentLosses'] = [];
  /** Addresses each client MAC was seen to hold, so its DHCP marks its unfinished transfers as given up. */
  private readonly macIps = new Map<string, Set<string>>();
  private readonly maxMacs: number;
  private readonly clock: CaptureClock;
  /** The timestamp of the DATA/ACK being taken from the frame's bytes (addTftpBlock), rewritten for each. */
  private readonly blockTs: Timestamp = { seconds: 0, fraction: 0, digits: 0 };
  private evictedLists = 0;
  /** The clients whose transactions or transfers went at a state limit (only their verdicts lose footing). */
  private readonly evictedClients = new EvictedClients();
  private dhcpPackets = 0;
  private tftpPackets = 0;
  private arpPackets = 0;
  private readonly onEvent: ((e: AnalysisEvent) => void) | undefined;
  private readonly watch: SessionWatch | undefined;
  /** Live only: who held each address, so one client's sessions are built from its records alone. */
  private readonly holders = new AddressHolders();
  /** Live only: the servers' signs, read from each reply and transfer once. */
  private readonly signs: ServerSignsLog | undefined;
  /** Live only: relays and served clients (dhcp.no-offer), the TFTP filter signs, kept as records arrive. */
  private readonly dhcpFacts = new DhcpLiveFacts();
  private readonly tftpFilter = new TftpFilterFacts();
  /** Live only, with a retention window: the records of clients judged and long quiet go. */
  private readonly retention: Retention | null;

  constructor(opts: AnalyzerOptions = {}) {
    this.idleTimeout = opts.idleTimeout ?? DEFAULT_IDLE_TIMEOUT;
    const maxRetained = opts.maxRetained ?? 100000;
    // Events are told in the order they become certain; a packet whose timestamp jumped back (files joined
    // out of order, a clock step) must not make the told times run backwards, so they never decrease.
    let lastTold = -Infinity;
    const tell = opts.onEvent;
    const onEvent =
      tell &&
      ((e: AnalysisEvent): void => {
        if (e.t < lastTold) tell({ ...e, t: lastTold });
        else {
          lastTold = e.t;
          tell(e);
        }
      });
    this.onEvent = onEvent;
    const retainQuiet = onEvent !== undefined ? (opts.retainQuiet ?? null) : null;
    this.retention = retainQuiet === null ? null : new Retention(retainQuiet, opts.maxTransactions ?? 10000);
    if (onEvent !== undefined)
      this.watch = new SessionWatch(
        opts.sessionQuiet ?? 30,
        opts.maxTransactions ?? 10000,
        this.idleTimeout,
        retainQuiet,
      );
    this.transactions = new TransactionTracker(
      this.idleTimeout,
      opts.maxTransactions ?? 10000,
      maxRetained,
      onEvent && ((transaction) => onEvent({ kind: 'dhcp-transaction', t: this.clock.now, transaction })),
      this.evictedClients,
    );
    this.transfers = new TransferTracker({
      onDone:
        onEvent &&
        ((transfer, t) => {
          this.signs?.transfer(transfer);
          onEvent({ kind: 'tftp-transfer', t, transfer });
        }),
      idleTimeout: this.idleTimeout,
      maxTransfers: opts.maxTransfers ?? 10000,
      maxRetained,
      maxFrames: opts.maxFramesPerTransfer ?? 5000,
      stallTimeout: opts.tftpStallTimeout ?? 10,
      evictedClients: this.evictedClients,
    });
    this.arp = new ArpTracker(opts.maxArpQueries ?? 10000);
    if (onEvent !== undefined) {
      const signs = new ServerSignsLog();
      this.signs = signs;
      this.transactions.onReply = (e, prl) => signs.reply(e, prl);
    }
    this.maxIcmp = opts.maxIcmpErrors ?? 10000;
    this.maxFragmentLosses = opts.maxFragmentLosses ?? 10000;
    this.maxMacs = opts.maxTransactions ?? 10000;
    this.clock = new CaptureClock(opts.origin ?? null);
  }

  addPacket(p: DecodedPacket): void {
    const t = this.clock.time(p.ts, p.frame);
    // Expire first, so a packet arriving after a long silence finds room without evicting anything.
    this.expire();
    if (p.protocol === 'dhcp') {
      this.dhcpPackets++;
      const e = dhcpEvent(p, t);
      this.pings.dhcp(e);
      // The session as it stood before this message is the one that just ended.
      if (this.watch?.dhcp(e, p.dhcp.chaddr, t) === true) this.tellSessions([p.dhcp.chaddr], 'new-boot');
      this.transactions.add(e, p.dhcp.xid, p.dhcp.chaddr);
      if (this.watch !== undefined) {
        this.dhcpFacts.event(e, p.dhcp.chaddr);
        const held = heldAddress(e, e.port4011);
        if (held !== null) this.holders.add(held, p.dhcp.chaddr);
      }
      this.learnClient(e, p.dhcp.chaddr);
    } else {
      this.tftpPackets++;
      this.transfers.add(p, t);
      if (this.watch !== undefined) {
        this.watch.tftp(p.src, p.dst, t);
        const op = p.tftp.opcode;
        if ((op === 'RRQ' || op === 'WRQ') && !this.transfers.dataPortsSeen)
          this.tftpFilter.request(p.src, p.srcPort, p.dst, p.tftp.filename ?? '');
      }
    }
    this.tellEvicted();
  }

  /**
   * A plain TFTP DATA or ACK straight from the frame's bytes (PacketHandlers.tftpBlock): taken as addPacket
   * (after addClientFrame) would take its record when it belongs to an open transfer whose ports are known,
   * with no record, timestamp or packet object built. Otherwise false, having only moved the clock and noted
   * the client's frame, which the record's own way does again to the same effect. Live (events told), false.
   */
  addTftpBlock(b: TftpBlockView): boolean {
    if (this.onEvent !== undefined) return false;
    const t = this.clock.time(toTimestamp(b.ts, b.ts.digits, this.blockTs), b.frame);
    if (b.clientMac !== null) this.clientFrameAt(b.clientMac, b.frame, t);
    this.expire();
    if (!this.transfers.block(b, t)) return false;
    this.tftpPackets++;
    return true;
  }

  /**
   * The clock moves on with no packet (a quiet segment on a live interface): transactions and transfers idle
   * for too long are finalised and quiet clients' sessions told, as a packet at that time would do.
   */
  tick(now: Timestamp): void {
    this.clock.tick(now);
    this.expire();
  }

  addArp(a: ArpRecord): void {
    this.arpPackets++;
    this.arp.add(a, this.clock.time(a.ts, a.frame));
  }

  addIcmpUnreachable(i: IcmpUnreachableRecord): void {
    const t = this.clock.time(i.ts, i.frame);
    this.transfers.icmp(i, i.frame, t);
    if (this.watch !== undefined && !this.transfers.dataPortsSeen) this.tftpFilter.icmp(i.src, i.dst);
    if (this.icmp.length >= this.maxIcmp) {
      this.evictedLists++;
      return;
    }
    const { from, code, src, dst, srcPort, dstPort } = i;
    this.icmp.push({ frame: { frame: i.frame, t }, from, code, src, dst, srcPort, dstPort });
  }

  /**
   * Live only: true when a DHCP message from `mac` at `ts` would begin a new boot session (asked before the
   * message is added). The one definition of "a boot" the live metrics count.
   */
  startsSession(mac: string, ts: Timestamp): boolean {
    const t = this.clock.at(ts);
    return this.watch === undefined || t === null || this.watch.startsSession(mac, t);
  }

  /** A frame of any kind sent by a DHCP client's MAC: it is still talking. */
  addClientFrame(f: SourceFrameRecord): void {
    this.clientFrameAt(f.mac, f.frame, this.clock.time(f.ts, f.frame));
  }

  private clientFrameAt(mac: string, frame: number, t: number): void {
    this.clientFramesFed = true;
    const last = this.lastFrom.get(mac);
    if (last !== undefined && last.t > t) return;
    this.lastFrom.delete(mac);
    this.lastFrom.set(mac, { frame, t });
    if (this.lastFrom.size > this.maxMacs) {
      const oldest = this.lastFrom.keys().next();
      if (oldest.done !== true) this.lastFrom.delete(oldest.value);
    }
  }

  /** An ICMP echo request or reply: a DHCP server's ping check of an address it is about to give out. */
  addIcmpEcho(e: IcmpEchoRecord): void {
    this.pings.echo(e, this.clock.time(e.ts, e.frame));
  }

  addFragmentLoss(f: FragmentLossRecord): void {
    const t = this.clock.time(f.firstTs, f.frames[0] ?? 0);
    if (this.fragmentLosses.length >= this.maxFragmentLosses) {
      this.evictedLists++;
      return;
    }
    this.fragmentLosses.push({ frames: [...f.frames], src: f.src, dst: f.dst, t });
  }

  /**
   * Ends the analysis: finalises everything still open (telling each record, and every session not yet told
   * as it now stands, through onEvent) and returns the result. Calling it again returns the same result.
   */
  finish(capture: CaptureInput): AnalysisResult {
    const end = this.clock.captureEnd(capture);
    this.transactions.finishAll();
    this.transfers.finishAll(end);
    if (this.watch !== undefined) {
      for (const s of this.records(end).sessions) this.tell(s, 'end', end);
    }
    return this.snapshot(capture);
  }

  /**
   * The analysis as it stands: sessions, transfers and transactions as finish() would give them if the
   * capture ended now. Changes nothing, so it can be called at any time, as often as wanted.
   */
  snapshot(capture: CaptureInput): AnalysisResult {
    const view = this.view(capture);
    const result: AnalysisResult = { ...view, stats: { ...view.stats } };
    if (this.clientFramesFed) {
      // In session order, as the report lists clients.
      const clientLastFrames: Record<string, FrameRef> = {};
      for (const s of result.sessions) {
        const last = this.lastFrom.get(s.clientMac);
        if (last !== undefined) clientLastFrames[s.clientMac] = { ...last };
      }
      result.clientLastFrames = clientLastFrames;
    }
    return result;
  }

  /**
   * The snapshot, worked out as it is read: the capture's summary, loss and counters at once, the records
   * (sessions, transfers, ARP, ICMP…) only when something reads them, once. A live capture judges each
   * closed session against it: a healthy session's rules read no other session, so judging it costs that
   * session, not the capture. Read it before the next record arrives: it is the analysis at this moment.
   */
  view(capture: CaptureInput): AnalysisResult {
    const firstTs = this.clock.firstTs(capture);
    const lastTs = this.clock.lastTs(capture);
    const end = this.clock.captureEnd(capture);
    const summary = captureSummary(capture, {
      firstTs,
      lastTs,
      dhcpPackets: this.dhcpPackets,
      tftpPackets: this.tftpPackets,
      arpPackets: this.arpPackets,
      warnings: this.clock.warnings(),
      tftpDataSeen: this.transfers.dataPortsSeen,
      retention: this.retention?.summary(this.clock.origin) ?? null,
    });
    const evicted = this.transactions.evicted + this.transfers.evicted + this.arp.evicted + this.evictedLists;
    // Whose records went is known when every eviction was a client's transaction or transfer.
    const attributed = this.arp.evicted + this.evictedLists === 0 && this.evictedClients.size > 0;
    // Kept up only while the analysis tells events (live): otherwise readers walk the records.
    const signs = this.signs;
    const facts: CaptureFacts | undefined = signs && {
      firstAnsweredBy: (ip) => this.transfers.firstAnsweredBy(ip, end),
      servers: () => signs.identities(),
      relays: () => this.dhcpFacts.relays(),
      servedOthers: (mac) => this.dhcpFacts.servedOthers(mac),
      tftpFilterSigns: () => ({ ...this.tftpFilter.signs, answered: this.transfers.anyAnswered }),
      transfersOf: (ip) =>
        transfersAsShown(
          this.transfers.currentOf([ip], [], end),
          this.transfers.dataPortsSeen,
          this.fragmentLosses,
        ).sort((x, y) => x.request.frame - y.request.frame),
    };
    return analysisView({
      summary,
      evicted,
      evictedClients: evicted > 0 && attributed ? this.evictedClients.list() : null,
      records: () => this.records(end),
      arp: () => this.arp.all(),
      icmp: () => [...this.icmp],
      fragments: () => [...this.fragmentLosses],
      // Every client with a session (one with a transaction kept): read by MAC, so no session is built for it.
      lastFrames: !this.clientFramesFed
        ? null
        : () => {
            const out: Record<string, FrameRef> = {};
            for (const [mac, last] of this.lastFrom) if (this.transactions.has(mac)) out[mac] = { ...last };
            return out;
          },
      facts,
    });
  }

  /**
   * Transactions, transfers and sessions as they stand at capture time `end`. The records the trackers
   * hold are never modified here: the end-of-capture judgements work on copies.
   */
  private records(end: number): {
    transactions: AnalysisResult['sessions'][number]['transactions'];
    transfers: AnalysisResult['orphanTransfers'];
    sessions: BootSession[];
    orphans: AnalysisResult['orphanTransfers'];
  } {
    const transactions = this.transactions.current();
    const transfers = transfersAsShown(
      this.transfers.current(end),
      this.transfers.dataPortsSeen,
      this.fragmentLosses,
    );
    const { sessions, orphans } = buildSessions(
      transactions,
      transfers,
      this.idleTimeout,
      undefined,
      this.earlier,
    );
    return { transactions, transfers, sessions, orphans };
  }

  /** The sessions of these clients as records(end) has them, built from their records alone. */
  private sessionsOf(macs: ReadonlySet<string>, end: number): BootSession[] {
    const { transactions, transfers } = clientRecords(macs, {
      transactionsOf: (m) => this.transactions.currentOf(m),
      transfersOf: (ips, m) => this.transfers.currentOf(ips, m, end),
      heldBy: (tx) => tx.events.flatMap((e) => heldAddress(e, tx.port4011) ?? []),
      holders: this.holders,
      kept: (mac) => this.transactions.has(mac),
    });
    const shown = transfersAsShown(transfers, this.transfers.dataPortsSeen, this.fragmentLosses);
    return buildSessions(transactions, shown, this.idleTimeout, macs, this.earlier).sessions;
  }

  /** Tells the latest session of each client through onEvent, unless it was told unchanged before. */
  private tellSessions(macs: readonly string[], reason: SessionCloseReason): void {
    if (macs.length === 0) return;
    const latest = new Map<string, BootSession>();
    for (const s of this.sessionsOf(new Set(macs), this.clock.now)) latest.set(s.clientMac, s);
    for (const s of latest.values()) this.tell(s, reason, this.clock.now);
  }

  private tell(session: BootSession, reason: SessionCloseReason, t: number): void {
    this.retention?.told(session.clientMac, session.id);
    if (this.watch?.changed(session) === true) this.onEvent?.({ kind: 'session', t, session, reason });
  }

  /** Sessions of a client no longer in the records (retired), for buildSessions. */
  private readonly earlier = (mac: string): number => this.retention?.earlier(mac) ?? 0;

  /** Drops the records of the clients judged and quiet past the retention window (a live capture's). */
  private retire(retention: Retention, watch: SessionWatch): void {
    const later = retention.retire(watch.retireAt(this.clock.now), {
      transactions: this.transactions,
      transfers: this.transfers,
      ipsOf: (mac) => this.macIps.get(mac) ?? [],
      forget: (mac) => {
        this.macIps.delete(mac);
        this.lastFrom.delete(mac);
        watch.forget(mac);
      },
    });
    for (const mac of later) watch.retireLater(mac, this.clock.now);
  }

  private tellEvicted(): void {
    const evicted = this.watch?.evicted;
    if (evicted === undefined || evicted.length === 0) return;
    this.tellSessions(evicted.splice(0), 'evicted');
  }

  private expire(): void {
    this.transactions.expire(this.clock.now);
    this.transfers.expire(this.clock.now);
    if (this.watch !== undefined) this.tellSessions(this.watch.quietAt(this.clock.now), 'quiet');
    if (this.retention !== null && this.watch !== undefined) this.retire(this.retention, this.watch);
  }

  /**
   * Remembers which addresses a MAC holds (ACK yiaddr, ciaddr, its source on port 4011), and treats a new DHCP
   * message from the client as the client moving on from its unfinished transfers.
   */
  private learnClient(e: DhcpEvent, mac: string): void {
    if (e.op === 1) {
      for (const ip of this.macIps.get(mac) ?? []) this.transfers.clientActivity(ip, e.t);
    }
    const ips: string[] = [];
    if (e.op === 2 && e.messageType === 'ACK' && !e.port4011) ips.push(e.yiaddr);
    if (e.op === 1 && e.ciaddr !== '0.0.0.0') ips.push(e.ciaddr);
    if (e.op === 1 && e.port4011) ips.push(e.src);
    const known = ips.filter((ip) => ip !== '0.0.0.0');
    if (known.length === 0) return;
    this.watch?.holds(mac, known);
    const set = this.macIps.get(mac) ?? new Set<string>();
    for (const ip of known) set.add(ip);
    this.macIps.delete(mac);
    this.macIps.set(mac, set);
    if (this.macIps.size > this.maxMacs) {
      const oldest = this.macIps.keys().next();
      if (oldest.done !== true) this.macIps.delete(oldest.value);
    }
  }
}
