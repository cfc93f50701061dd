import { EvictedClients } from './evicted-clients.js';
import { IdleMap } from './idle-map.js';
import { Retained } from './retained.js';
import type { TftpBlockView } from '../protocol/packet.js';
import {
  TransferState,
  type TftpRecordView,
  type TftpTransferPacket,
  type TransferLimits,
} from './transfer-state.js';
import type { TftpTransfer } from './types.js';

export interface TransferTrackerOptions extends TransferLimits {
  idleTimeout: number;
  maxTransfers: number;
  maxRetained: number;
  /** Called with each transfer as it is finalised (completed, failed, expired, evicted or flushed). */
  onDone?: (tr: TftpTransfer, t: number) => void;
  /** Shared with the transaction tracker, so a client is marked once whichever record went. */
  evictedClients?: EvictedClients;
}

/** Endpoint keys made so far ("ip:port" by address, then port), bounded: the cache starts over when full. */
const MAX_ENDPOINT_KEYS = 65536;

/**
 * "ip:port", the key of a transfer's client endpoint. Every packet looks up two of them; handing out the same
 * string each time spares building and hashing a new one per packet.
 */
class EndpointKeys {
  private readonly byIp = new Map<string, Map<number, string>>();
  private count = 0;

  get(ip: string, port: number): string {
    let ports = this.byIp.get(ip);
    if (ports === undefined) {
      if (this.count >= MAX_ENDPOINT_KEYS) {
        this.byIp.clear();
        this.count = 0;
      }
      ports = new Map();
      this.byIp.set(ip, ports);
    }
    let key = ports.get(port);
    if (key === undefined) {
      key = `${ip}:${port}`;
      ports.set(port, key);
      this.count++;
    }
    return key;
  }
}

/** How a finished transfer is found: by its client's address, and by the MAC its request came from. */
const clientKeys = (ip: string, mac: string | null): string[] =>
  mac === null ? [`ip ${ip}`] : [`ip ${ip}`, `mac ${mac}`];
const transferKeys = (tr: TftpTransfer): string[] => clientKeys(tr.clientIp, tr.clientMac);

/**
 * Follows TFTP transfers by TID, as Wireshark does: a transfer is the client's (address, port) that sent the
 * RRQ/WRQ; the server's port is learned from its first reply (a fresh port, or 69 for single-port servers).
 * A packet at the client port from any other server port is a stray ("unknown transfer ID").
 * Open transfers are keyed by client endpoint and expire when idle; at most `maxTransfers` stay open.
 */
export class TransferTracker {
  private readonly done: Retained<TftpTransfer>;
  private openEvicted = 0;
  /** Some TFTP packet not involving port 69 at all: the capture does see the servers' data ports. */
  dataPortsSeen = false;
  private readonly hot = new IdleMap<string, TransferState>();
  /**
   * The open transfers that ended on the wire (last block acknowledged, or an ERROR), by their last packet:
   * closed after the stall timeout of silence (time for a duplicate final ACK or a retransmitted last block),
   * not held for the idle timeout, which on a busy segment would only fill the open limit.
   */
  private readonly ended = new IdleMap<string, TransferState>();
  private readonly byClientIp = new Map<string, Set<TransferState>>();
  /** Per server address, the transfer requested first among those it answered (CaptureFacts). */
  private readonly firstAnswered = new Map<string, TransferState>();
  /** Open transfers whose request came from a known Ethernet source. */
  private readonly byClientMac = new Map<string, Set<TransferState>>();
  private readonly keys = new EndpointKeys();

  constructor(private readonly opts: TransferTrackerOptions) {
    this.done = new Retained(opts.maxRetained, transferKeys, (tr) =>
      this.evictedClients.mark(transferKeys(tr)),
    );
  }

  /** Where the clients whose transfers were evicted or dropped are marked (their outcome is not complete). */
  get evictedClients(): EvictedClients {
    return (this.opts.evictedClients ??= new EvictedClients());
  }

  /** Transfers finalised early because `maxTransfers` were open, plus finished ones dropped past `maxRetained`. */
  get evicted(): number {
    return this.openEvicted + this.done.dropped;
  }

  add(rec: TftpRecordView, t: number): void {
    if (rec.srcPort !== 69 && rec.dstPort !== 69) this.dataPortsSeen = true;
    const op = rec.tftp.opcode;
    if (op === 'RRQ' || op === 'WRQ') {
      this.request(rec, t);
      return;
    }
    const toClient = this.hot.get(this.keys.get(rec.dst, rec.dstPort));
    if (toClient !== undefined) {
      this.fromServer(toClient, rec, t);
      return;
    }
    const fromClient = this.hot.get(this.keys.get(rec.src, rec.srcPort));
    if (fromClient !== undefined) {
      const right = rec.dst === fromClient.serverIp && (fromClient.serverPort ?? rec.dstPort) === rec.dstPort;
      if (right) this.accept(fromClient, rec, t, true);
      else fromClient.stray(rec, t);
      return;
    }
    this.unsolicited(rec, t);
  }

  /**
   * A DATA or ACK read from the frame's bytes: taken as add() takes it when it belongs to an open transfer whose
   * two ports are known and it comes from one of them; false, with nothing changed, for anything else (a
   * stray, a server's first answer, no open transfer), which add() then gets as a record.
   */
  block(b: TftpBlockView, t: number): boolean {
    let s = this.hot.get(this.keys.get(b.dst, b.dstPort));
    let fromClient = false;
    if (s !== undefined) {
      if (b.src !== s.serverIp || b.srcPort !== s.serverPort) return false;
    } else {
      s = this.hot.get(this.keys.get(b.src, b.srcPort));
      if (s === undefined || b.dst !== s.serverIp || (s.serverPort ?? b.dstPort) !== b.dstPort) return false;
      fromClient = true;
    }
    if (b.srcPort !== 69 && b.dstPort !== 69) this.dataPortsSeen = true;
    this.accept(s, b, t, fromClient);
    return true;
  }

  /** An ICMP unreachable quoting a datagram: attached to the transfer it was about, when one is open. */
  icmp(
    quoted: { src: string; srcPort: number; dst: string; dstPort: number },
    frame: number,
    t: number,
  ): void {
    const fromClient = this.hot.get(this.keys.get(quoted.src, quoted.srcPort));
    if (fromClient !== undefined && fromClient.serverIp === quoted.dst) {
      fromClient.icmpError(frame, t);
      return;
    }
    const toClient = this.hot.get(this.keys.get(quoted.dst, quoted.dstPort));
    if (toClient !== undefined && toClient.serverIp === quoted.src) toClient.icmpError(frame, t);
  }

  /** The client did something else (a new RRQ, a DHCP message): its unfinished transfers were given up. */
  clientActivity(ip: string, t: number, except?: TransferState): void {
    const states = this.byClientIp.get(ip);
    if (states === undefined) return;
    for (const s of states) if (s !== except && s.movedOnAt === null) s.movedOnAt = t;
  }

  expire(now: number): void {
    for (const s of this.ended.expire(now, Math.min(this.opts.stallTimeout, this.opts.idleTimeout))) {
      // A longer negotiated timeout: left to the idle timeout, as before it ended.
      if (now - s.lastSeen <= s.stallTimeout) continue;
      this.hot.delete(this.keys.get(s.clientIp, s.clientPort));
      this.close(s, now, false);
    }
    for (const s of this.hot.expire(now, this.opts.idleTimeout)) this.close(s, now, false);
  }

  finishAll(captureEnd: number): TftpTransfer[] {
    this.ended.drain();
    for (const s of this.hot.drain()) this.close(s, captureEnd, true);
    return this.done.items;
  }

  /** Every transfer as finishAll(captureEnd) would return it now, without finalising anything. */
  current(captureEnd: number): TftpTransfer[] {
    const open = [...this.hot.values()].map((s) => s.preview(captureEnd));
    return [...this.done, ...open];
  }

  /**
   * The transfers of these client addresses and of requests from these MACs, as current(captureEnd) has
   * them (finished ones first, then the open ones), without walking everybody's.
   */
  currentOf(ips: Iterable<string>, macs: Iterable<string>, captureEnd: number): TftpTransfer[] {
    const done = new Set<TftpTransfer>();
    const open = new Set<TransferState>();
    const collect = (key: string, hot: Set<TransferState> | undefined): void => {
      for (const tr of this.done.withKey(key)) done.add(tr);
      for (const s of hot ?? []) open.add(s);
    };
    for (const ip of ips) collect(`ip ${ip}`, this.byClientIp.get(ip));
    for (const mac of macs) collect(`mac ${mac}`, this.byClientMac.get(mac));
    return [...done, ...[...open].map((s) => s.preview(captureEnd))];
  }

  /** Of the transfers `serverIp` answered, the one requested first, as it stands at `captureEnd`. */
  firstAnsweredBy(serverIp: string, captureEnd: number): TftpTransfer | null {
    return this.firstAnswered.get(serverIp)?.preview(captureEnd) ?? null;
  }

  /** Finished transfers taken out by retire(). */
  get retired(): number {
    return this.done.retired;
  }

  /**
   * Takes out the finished transfers of a client judged and long quiet: those its MAC requested, and those
   * of the addresses it held requested until `until` (its last activity) with no other MAC known. false,
   * taking nothing, while one of them is still open.
   */
  retire(mac: string, ips: Iterable<string>, until: number): boolean {
    const theirs = (tr: { clientMac: string | null; request: { t: number } }): boolean =>
      (tr.clientMac === null || tr.clientMac === mac) && tr.request.t <= until;
    if (this.byClientMac.has(mac)) return false;
    const addresses = [...ips];
    for (const ip of addresses)
      for (const s of this.byClientIp.get(ip) ?? []) if (s.clientMac === null) return false;
    this.done.retire(`mac ${mac}`);
    for (const ip of addresses) this.done.retire(`ip ${ip}`, theirs);
    return true;
  }

  /** Some TFTP server answered some transfer since the capture began. */
  get anyAnswered(): boolean {
    return this.firstAnswered.size > 0;
  }

  /** The server answered this transfer (its first reply, or a transfer seen from the middle). */
  private answered(s: TransferState): void {
    const first = this.firstAnswered.get(s.serverIp);
    if (first === undefined || s.requestFrame < first.requestFrame) this.firstAnswered.set(s.serverIp, s);
  }

  private request(rec: TftpRecordView, t: number): void {
    const key = this.keys.get(rec.src, rec.srcPort);
    const existing = this.hot.get(key);
    if (
      existing !== undefined &&
      existing.serverIp === rec.dst &&
      existing.filename === (rec.tftp.filename ?? '') &&
      !existing.progressed
    ) {
      existing.retry(rec, t);
      this.hot.touch(key, existing);
      return;
    }
    if (existing !== undefined) {
      // Same client port, new request: the old transfer is over from the client's point of view.
      existing.movedOnAt ??= t;
      this.hot.delete(key);
      this.close(existing, t, false);
    }
    const state = new TransferState(
      rec,
      t,
      { ip: rec.src, port: rec.srcPort },
      { ip: rec.dst, port: null },
      this.opts,
    );
    this.clientActivity(rec.src, t, state);
    this.open(key, state);
  }

  private fromServer(s: TransferState, rec: TftpRecordView, t: number): void {
    if (rec.src !== s.serverIp) {
      s.stray(rec, t);
      return;
    }
    if (s.serverPort === null) {
      s.serverPort = rec.srcPort;
      this.answered(s);
    }
    if (rec.srcPort !== s.serverPort) s.stray(rec, t);
    else this.accept(s, rec, t, false);
  }

  private accept(s: TransferState, rec: TftpTransferPacket, t: number, fromClient: boolean): void {
    s.packet(rec, t, fromClient);
    const key = this.keys.get(s.clientIp, s.clientPort);
    this.hot.touch(key, s);
    if (s.ended) this.ended.touch(key, s);
    // Told the moment it ends on the wire (a live capture shows it then), though it stays open for late
    // retransmissions until it idles out; closing does not tell it again unless its outcome changed.
    const onDone = this.opts.onDone;
    if (onDone !== undefined && s.told === null && s.ended) {
      const tr = s.preview(t);
      s.told = tr.outcome;
      onDone(tr, t);
    }
  }

  /**
   * A packet of no known transfer: its request was before the capture (or filtered out). Guess the roles
   * the way a read looks (the server sends OACK/DATA, the client ACKs) and follow it from here.
   */
  private unsolicited(rec: TftpRecordView, t: number): void {
    const op = rec.tftp.opcode;
    const senderIsClient = op === 'ACK' ? true : op === 'ERROR' ? rec.dstPort === 69 : false;
    const client = senderIsClient ? { ip: rec.src, port: rec.srcPort } : { ip: rec.dst, port: rec.dstPort };
    const server = senderIsClient ? { ip: rec.dst, port: rec.dstPort } : { ip: rec.src, port: rec.srcPort };
    const state = new TransferState(rec, t, client, server, this.opts);
    this.answered(state);
    this.open(this.keys.get(client.ip, client.port), state);
  }

  private open(key: string, state: TransferState): void {
    if (this.hot.size >= this.opts.maxTransfers) {
      const stalest = this.hot.evictOldest();
      if (stalest !== undefined) {
        this.openEvicted++;
        this.evictedClients.mark(clientKeys(stalest.clientIp, stalest.clientMac));
        this.close(stalest, state.lastSeen, false);
      }
    }
    this.hot.touch(key, state);
    let set = this.byClientIp.get(state.clientIp);
    if (set === undefined) {
      set = new Set();
      this.byClientIp.set(state.clientIp, set);
    }
    set.add(state);
    const mac = state.clientMac;
    if (mac !== null) {
      const byMac = this.byClientMac.get(mac);
      if (byMac === undefined) this.byClientMac.set(mac, new Set([state]));
      else byMac.add(state);
    }
  }

  private close(s: TransferState, captureEnd: number, atCaptureEnd: boolean): void {
    const key = this.keys.get(s.clientIp, s.clientPort);
    if (this.ended.get(key) === s) this.ended.delete(key);
    const set = this.byClientIp.get(s.clientIp);
    set?.delete(s);
    if (set !== undefined && set.size === 0) this.byClientIp.delete(s.clientIp);
    const mac = s.clientMac;
    const byMac = mac === null ? undefined : this.byClientMac.get(mac);
    byMac?.delete(s);
    if (mac !== null && byMac?.size === 0) this.byClientMac.delete(mac);
    const tr = s.finalize(captureEnd, atCaptureEnd);
    this.done.push(tr);
    if (s.told !== tr.outcome) this.opts.onDone?.(tr, captureEnd);
  }
}
