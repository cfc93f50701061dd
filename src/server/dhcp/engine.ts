/**
 * The DHCP / proxyDHCP engine: for each received message, the replies and the events. Pure apart from its
 * lease store (which writes in the background): the clock is the receipt time the edge hands in.
 *
 * Full server (mode dhcp): RFC 2131 state machine over an AddressPool, here. proxyDHCP (mode proxy) and the
 * port-4011 boot service: proxy-service.ts.
 */
import { parseMac, parseIp, ipNumberToString } from '../../protocol/addr.js';
import {
  buildDhcpReply,
  requestedAddress,
  serverId as serverIdOf,
  type DhcpOptionInput,
} from '../../protocol/dhcp/index.js';
import type { PoolConfig, ServeConfig } from '../config/types.js';
import { archCode, archLabel, userClassLabel } from './client.js';
import { FileLeaseStore, MemoryLeaseStore, type LeaseRecord, type LeaseStore } from './lease-store.js';
import { AddressPool } from './pool.js';
import { bootServiceAck, proxyOffer } from './proxy-service.js';
import { bootFields, leaseOptions, networkOptions, orderOptions } from './reply.js';
import { chooseBootFor, sendReply, Turn, ZERO } from './turn.js';
import type { DhcpEngine, DhcpHandleResult, DhcpInbound } from './types.js';

export interface DhcpEngineOptions {
  /** Default: a FileLeaseStore on config.leaseFile, or nothing kept when that is null. */
  store?: LeaseStore;
  /** How long an OFFER holds its address for the client's REQUEST; default 60 s. */
  offerHoldSeconds?: number;
  /** How long a DECLINEd address is kept from everyone; default 600 s (dnsmasq's DECLINE_BACKOFF). */
  declineHoldSeconds?: number;
  /** Start with no leases whatever the lease file holds (--leases-reset). */
  resetLeases?: boolean;
  /** A lease write of the store's own batching timer failed (an ACK's write rejects its flush instead). */
  onLeaseWriteError?: (error: Error) => void;
}

/** Builds an engine, loads its leases and proves the lease file can be written (LeaseFileError if not). */
export async function openDhcpEngine(
  config: ServeConfig,
  options: DhcpEngineOptions = {},
): Promise<PxeDhcpEngine> {
  const store =
    options.store ??
    (config.leaseFile !== null && config.mode === 'dhcp'
      ? new FileLeaseStore(config.leaseFile, {
          reset: options.resetLeases ?? false,
          ...(options.onLeaseWriteError !== undefined ? { onError: options.onLeaseWriteError } : {}),
        })
      : new MemoryLeaseStore());
  const records = await store.load();
  await store.check(records);
  return new PxeDhcpEngine(config, store, records, options);
}

export class PxeDhcpEngine implements DhcpEngine {
  readonly pool: AddressPool | null;
  private readonly offerHoldMs: number;
  private readonly declineHoldMs: number;
  private readonly broadcastAddress: string;
  /** The last lease write failed: no new address is granted until one succeeds (renewals go on). */
  private leaseWritesFailing = false;

  constructor(
    readonly config: ServeConfig,
    private readonly store: LeaseStore,
    records: readonly LeaseRecord[],
    options: DhcpEngineOptions = {},
  ) {
    this.pool = config.dhcp === null ? null : new AddressPool(config.dhcp, config.serverIp, records);
    this.offerHoldMs = (options.offerHoldSeconds ?? 60) * 1000;
    this.declineHoldMs = (options.declineHoldSeconds ?? 600) * 1000;
    const mask = parseIp(config.dhcp?.subnetMask ?? '255.255.255.0') ?? 0;
    const server = parseIp(config.serverIp) ?? 0;
    this.broadcastAddress = ipNumberToString(((server & mask) | (~mask >>> 0)) >>> 0);
  }

  handle(inbound: DhcpInbound): DhcpHandleResult {
    const turn = new Turn(inbound);
    try {
      this.dispatch(turn);
    } catch (e) {
      // Never throws: whatever went wrong is one more ignored message, and nothing half-built is sent.
      turn.result.replies.length = 0;
      turn.ignore('malformed', `could not be handled: ${e instanceof Error ? e.message : String(e)}`);
    }
    return turn.result;
  }

  flush(): Promise<void> {
    return this.store.flush();
  }

  /** Whether lease writes work (the lease gate says so after every write it waited for). */
  setLeaseWritesWork(ok: boolean): void {
    this.leaseWritesFailing = !ok;
  }

  get grantsStopped(): boolean {
    return this.leaseWritesFailing;
  }

  /** Flushes the leases and stops the store's timer (the edge calls it on shutdown). */
  close(): Promise<void> {
    return this.store.close();
  }

  private dispatch(turn: Turn): void {
    const { msg, inbound } = turn;
    turn.event({
      kind: 'received',
      mac: msg.chaddr,
      xid: msg.xid,
      messageType: msg.messageType,
      port: inbound.port,
      arch: archLabel(archCode(msg)),
      userClass: userClassLabel(msg),
    });
    if (msg.wire?.layout === 'verbatim')
      return turn.ignore('malformed', msg.notes.join('; ') || 'undecodable');
    if (msg.op !== 1) return turn.ignore('not-a-request', `op ${msg.op} (BOOTREPLY) sent to a server port`);
    if (msg.htype !== 1 || msg.hlen !== 6 || parseMac(msg.chaddr) === null)
      return turn.ignore('malformed', `htype ${msg.htype} hlen ${msg.hlen}: not an Ethernet client`);
    if (msg.messageType === null) return turn.ignore('unknown-message-type', 'BOOTP request (no option 53)');
    if (inbound.port === 4011) return bootServiceAck(turn, this.config, this.pool);
    if (this.config.mode === 'proxy' || this.pool === null) return proxyOffer(turn, this.config);
    return this.full(turn, this.pool, this.config.dhcp as PoolConfig);
  }

  // -------------------------------------------------------------------------------------------------------
  // Full DHCP server

  private full(turn: Turn, pool: AddressPool, cfg: PoolConfig): void {
    const { msg } = turn;
    if (msg.giaddr !== ZERO && !pool.inSubnetText(msg.giaddr))
      return turn.ignore('not-for-us', `relayed from ${msg.giaddr}, outside the pool's subnet`);
    switch (msg.messageType) {
      case 'DISCOVER':
        return this.discover(turn, pool, cfg);
      case 'REQUEST':
        return this.request(turn, pool, cfg);
      case 'DECLINE':
        return this.decline(turn, pool);
      case 'RELEASE':
        return this.release(turn, pool);
      case 'INFORM':
        return this.inform(turn, pool, cfg);
      case 'OFFER':
      case 'ACK':
      case 'NAK':
        return turn.ignore('not-a-request', `${msg.messageType} is a server's message`);
      default:
        return turn.ignore('unknown-message-type', `message type ${msg.messageType}`);
    }
  }

  private discover(turn: Turn, pool: AddressPool, cfg: PoolConfig): void {
    const { msg, inbound } = turn;
    const mac = msg.chaddr;
    const got = pool.allocate(mac, requestedAddress(msg), inbound.now);
    if (!got.ok) return turn.ignore(got.reason, got.detail);
    if (!this.mayGrant(pool, mac, got.ip, inbound.now)) return this.refuseGrant(turn, got.ip);
    const expires = inbound.now + this.offerHoldMs;
    pool.offer(mac, got.ip, expires);
    this.leasesChanged(pool);
    turn.event({ kind: 'lease', mac, ip: got.ip, expires, action: 'offered' });
    this.sendAddress(turn, 'OFFER', got.ip, cfg, pool);
  }

  private request(turn: Turn, pool: AddressPool, cfg: PoolConfig): void {
    const { msg, inbound } = turn;
    const mac = msg.chaddr;
    const serverId = serverIdOf(msg);
    const requested = requestedAddress(msg);
    if (serverId !== null) {
      // SELECTING: the client chose an offer.
      if (serverId !== this.config.serverIp) {
        const freed = pool.cancelOffer(mac);
        if (freed !== null) this.leasesChanged(pool);
        return turn.ignore(
          'other-server-selected',
          `chose ${serverId}${freed ? `; offer of ${freed} withdrawn` : ''}`,
        );
      }
      const address = requested ?? (msg.ciaddr !== ZERO ? msg.ciaddr : null);
      if (address === null) return this.nak(turn, 'REQUEST without a requested address (option 50)');
      if (!pool.canHave(mac, address, inbound.now))
        return this.nak(turn, `${address} is not available to ${mac}`);
      return this.ack(turn, pool, cfg, address);
    }
    if (requested !== null && msg.ciaddr === ZERO) {
      // INIT-REBOOT: the client checks the address it remembers.
      if (!pool.inSubnetText(requested)) return this.nak(turn, `${requested} is not on this network`);
      if (!pool.knows(mac))
        return turn.ignore('not-for-us', `INIT-REBOOT for ${requested}: no record of ${mac}`);
      const own = pool.host(mac)?.ip ?? pool.current(mac);
      if (own !== requested)
        return this.nak(turn, `${mac} has ${own ?? 'no address'} here, not ${requested}`);
      if (!pool.canHave(mac, requested, inbound.now))
        return this.nak(turn, `${requested} is no longer available`);
      return this.ack(turn, pool, cfg, requested);
    }
    if (msg.ciaddr !== ZERO) {
      // RENEWING (unicast) or REBINDING (broadcast): extend the lease if the address is the client's to have.
      if (!pool.inSubnetText(msg.ciaddr)) return this.nak(turn, `${msg.ciaddr} is not on this network`);
      if (!pool.canHave(mac, msg.ciaddr, inbound.now))
        return this.nak(turn, `${msg.ciaddr} is not ${mac}'s to renew`);
      return this.ack(turn, pool, cfg, msg.ciaddr);
    }
    return turn.ignore('malformed', 'REQUEST with neither server identifier, requested address nor ciaddr');
  }

  /**
   * ACK: the binding goes to the lease store and the reply waits for it to be on disk (`hold`), so a crash
   * never forgets an address a client was told is its own. A renewal (the client already holds the address)
   * may go out even when the write fails: the file already names the client.
   */
  private ack(turn: Turn, pool: AddressPool, cfg: PoolConfig, address: string): void {
    const mac = turn.msg.chaddr;
    const now = turn.inbound.now;
    const known = this.known(pool, mac, address, now);
    if (!known && this.leaseWritesFailing) return this.refuseGrant(turn, address);
    const expires = now + cfg.leaseTime * 1000;
    pool.bind(mac, address, expires);
    this.leasesChanged(pool);
    turn.event({ kind: 'lease', mac, ip: address, expires, action: 'bound' });
    this.sendAddress(turn, 'ACK', address, cfg, pool);
    turn.result.hold = known ? 'renewal' : 'grant';
  }

  /** A new address only while lease writes work; a client's own address and static hosts' always. */
  private mayGrant(pool: AddressPool, mac: string, address: string, now: number): boolean {
    return !this.leaseWritesFailing || this.known(pool, mac, address, now);
  }

  /** The client already has this address: bound to it, or its static one (no write makes it more its own). */
  private known(pool: AddressPool, mac: string, address: string, now: number): boolean {
    return pool.heldAs(mac, address, now) === 'bound' || pool.host(mac)?.ip === address;
  }

  private refuseGrant(turn: Turn, address: string): void {
    turn.ignore('leases-unwritable', `${address} not granted: the lease file cannot be written`);
  }

  private nak(turn: Turn, why: string): void {
    const reply = buildDhcpReply(turn.msg, {
      messageType: 'NAK',
      serverId: this.config.serverIp,
      options: [{ code: 56, value: { kind: 'text', text: why.slice(0, 255) } }],
    });
    // RFC 2131 4.1: a NAK through a relay asks the relay to broadcast it.
    if (turn.msg.giaddr !== ZERO) {
      reply.flags |= 0x8000;
      reply.broadcast = true;
    }
    sendReply(turn, reply, 67);
  }

  private decline(turn: Turn, pool: AddressPool): void {
    const { msg, inbound } = turn;
    const serverId = serverIdOf(msg);
    if (serverId !== null && serverId !== this.config.serverIp)
      return turn.ignore('not-for-us', `DECLINE for server ${serverId}`);
    const address = requestedAddress(msg);
    if (address === null) return turn.ignore('malformed', 'DECLINE without option 50');
    const expires = inbound.now + this.declineHoldMs;
    // RFC 2131 4.3.3: only the client the address was offered or leased to can decline it.
    if (!pool.decline(msg.chaddr, address, inbound.now, expires))
      return turn.ignore(
        'decline-not-owner',
        `DECLINE of ${address} from ${msg.chaddr}, which was not offered or leased it`,
      );
    this.leasesChanged(pool);
    turn.event({ kind: 'lease', mac: msg.chaddr, ip: address, expires, action: 'declined' });
  }

  private release(turn: Turn, pool: AddressPool): void {
    const { msg, inbound } = turn;
    if (!pool.release(msg.chaddr, msg.ciaddr, inbound.now))
      return turn.ignore('not-for-us', `RELEASE of ${msg.ciaddr}, which is not ${msg.chaddr}'s`);
    this.leasesChanged(pool);
    turn.event({ kind: 'lease', mac: msg.chaddr, ip: msg.ciaddr, expires: inbound.now, action: 'released' });
  }

  private inform(turn: Turn, pool: AddressPool, cfg: PoolConfig): void {
    if (turn.msg.ciaddr === ZERO) return turn.ignore('malformed', 'INFORM without ciaddr');
    const decision = chooseBootFor(turn, this.config, pool);
    const boot = bootFields(decision.choice);
    const options = [
      ...networkOptions(cfg, this.broadcastAddress, pool.host(turn.msg.chaddr)?.hostname ?? null),
      ...boot.options,
    ];
    const reply = buildDhcpReply(turn.msg, {
      messageType: 'ACK',
      serverId: this.config.serverIp,
      siaddr: boot.siaddr,
      file: boot.file,
      options: orderOptions(options, turn.msg),
    });
    sendReply(turn, reply, 67);
  }

  /** OFFER or ACK of an address, with the network settings, lease times and boot file. */
  private sendAddress(
    turn: Turn,
    type: 'OFFER' | 'ACK',
    address: string,
    cfg: PoolConfig,
    pool: AddressPool,
  ): void {
    const decision = chooseBootFor(turn, this.config, pool);
    const boot = bootFields(decision.choice);
    const options: DhcpOptionInput[] = [
      ...leaseOptions(cfg.leaseTime),
      ...networkOptions(cfg, this.broadcastAddress, pool.host(turn.msg.chaddr)?.hostname ?? null),
      ...boot.options,
    ];
    const reply = buildDhcpReply(turn.msg, {
      messageType: type,
      yiaddr: address,
      serverId: this.config.serverIp,
      siaddr: boot.siaddr,
      file: boot.file,
      options: orderOptions(options, turn.msg),
    });
    sendReply(turn, reply, 67);
  }

  private leasesChanged(pool: AddressPool): void {
    this.store.changed(() => pool.records(), pool.takeChanges());
  }
}
