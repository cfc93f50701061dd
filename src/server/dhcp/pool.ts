/**
 * The full server's addresses: one entry per address ever handed out (offered, bound, released, declined),
 * keyed by address, plus each client's last address. Clients are known by MAC (chaddr), not by option 61:
 * the PXE ROM, iPXE and the installed system all send different client identifiers from the same NIC, and
 * should all get the same address.
 *
 * The rule that matters: an address belongs to at most one client at a time. An address is taken while its
 * entry has not expired (an offer holds it briefly, a lease for its time, a decline for a while), and static
 * hosts' addresses are never given to anyone else.
 */
import { ipNumberToString, parseIp } from '../../protocol/addr.js';
import type { PoolConfig, StaticHostConfig } from '../config/types.js';
import type { LeaseRecord, LeaseState } from './lease-file.js';

interface Entry {
  mac: string;
  state: LeaseState;
  expires: number;
}

export type Allocation =
  { ok: true; ip: string; static: boolean } | { ok: false; reason: 'no-free-address'; detail: string };

export class AddressPool {
  private readonly entries = new Map<number, Entry>();
  /** Each client's most recent address (an entry that may since have gone to someone else). */
  private readonly lastIp = new Map<string, number>();
  private readonly hostsByMac = new Map<string, StaticHostConfig>();
  /** Addresses never dynamically given: static hosts', the server's, the router's, network and broadcast. */
  private readonly reserved = new Set<number>();
  private readonly start: number;
  private readonly end: number;
  private readonly mask: number;
  private readonly network: number;
  /** Every address below this (in the range) has an entry or is reserved: the next fresh one is at or after it. */
  private freshCursor: number;
  /** Records changed since takeChanges() was last called, by address (the lease journal's lines). */
  private changes = new Map<number, LeaseRecord>();

  constructor(
    readonly config: PoolConfig,
    serverIp: string,
    records: readonly LeaseRecord[] = [],
  ) {
    this.start = ip(config.rangeStart);
    this.end = ip(config.rangeEnd);
    this.mask = ip(config.subnetMask);
    this.network = (ip(serverIp) & this.mask) >>> 0;
    const broadcast = (this.network | (~this.mask >>> 0)) >>> 0;
    for (const h of config.hosts) {
      this.hostsByMac.set(h.mac, h);
      if (h.ip !== null) this.reserved.add(ip(h.ip));
    }
    for (const r of [serverIp, config.router]) if (r !== null) this.reserved.add(ip(r));
    this.reserved.add(this.network);
    this.reserved.add(broadcast);
    this.freshCursor = this.start;
    for (const r of records) {
      const n = parseIp(r.ip);
      if (n === null || !this.inSubnet(n)) continue;
      // Expiry 0: the entry was removed (a withdrawn offer); records come in the order they were made.
      if (r.expires <= 0) {
        this.entries.delete(n);
        if (this.lastIp.get(r.mac) === n) this.lastIp.delete(r.mac);
        continue;
      }
      this.entries.set(n, { mac: r.mac, state: r.state, expires: r.expires });
      // The latest record of a client wins (records are written in no particular order).
      const prev = this.lastIp.get(r.mac);
      if (
        r.state !== 'declined' &&
        (prev === undefined || (this.entries.get(prev)?.expires ?? 0) <= r.expires)
      )
        this.lastIp.set(r.mac, n);
    }
  }

  host(mac: string): StaticHostConfig | null {
    return this.hostsByMac.get(mac) ?? null;
  }

  inSubnet(n: number): boolean {
    return (n & this.mask) >>> 0 === this.network;
  }

  inSubnetText(address: string): boolean {
    const n = parseIp(address);
    return n !== null && this.inSubnet(n);
  }

  /** Whether `mac` may have `address` now (a static host's own, or a free or own dynamic address). */
  canHave(mac: string, address: string, now: number): boolean {
    const n = parseIp(address);
    if (n === null) return false;
    const host = this.hostsByMac.get(mac);
    if (host?.ip !== null && host?.ip !== undefined) {
      if (ip(host.ip) !== n) return false;
    } else if (n < this.start || n > this.end || this.reserved.has(n)) {
      return false;
    }
    const e = this.entries.get(n);
    if (e === undefined) return true;
    if (e.expires <= now) return true;
    return e.mac === mac && e.state !== 'declined';
  }

  /** The address `mac` had last, if it still belongs to it (any state but declined, not taken by another). */
  current(mac: string): string | null {
    const n = this.lastIp.get(mac);
    if (n === undefined) return null;
    const e = this.entries.get(n);
    return e !== undefined && e.mac === mac && e.state !== 'declined' ? ipNumberToString(n) : null;
  }

  /** Whether the server has any record of this client (RFC 2131 4.3.2: INIT-REBOOT without one stays silent). */
  knows(mac: string): boolean {
    return this.hostsByMac.get(mac)?.ip != null || this.current(mac) !== null;
  }

  /**
   * An address for a DISCOVER: the static one, else the client's previous one, else the one it asks for
   * (option 50), else a never-used one, else the one that expired longest ago.
   */
  allocate(mac: string, requested: string | null, now: number): Allocation {
    const host = this.hostsByMac.get(mac);
    if (host?.ip != null) {
      if (this.canHave(mac, host.ip, now)) return { ok: true, ip: host.ip, static: true };
      return {
        ok: false,
        reason: 'no-free-address',
        detail: `static address ${host.ip} is held by another client`,
      };
    }
    const previous = this.lastIp.get(mac);
    if (previous !== undefined && this.canHave(mac, ipNumberToString(previous), now))
      return { ok: true, ip: ipNumberToString(previous), static: false };
    if (requested !== null && this.canHave(mac, requested, now)) {
      const e = this.entries.get(ip(requested));
      // Only a never-used address or the client's own: an expired lease of someone else stays theirs to reclaim.
      if (e === undefined || e.mac === mac) return { ok: true, ip: requested, static: false };
    }
    while (this.freshCursor <= this.end) {
      const n = this.freshCursor;
      if (!this.entries.has(n) && !this.reserved.has(n))
        return { ok: true, ip: ipNumberToString(n), static: false };
      this.freshCursor++;
    }
    let oldest: number | null = null;
    let oldestExpiry = Infinity;
    for (const [n, e] of this.entries) {
      if (
        e.expires <= now &&
        e.expires < oldestExpiry &&
        n >= this.start &&
        n <= this.end &&
        !this.reserved.has(n)
      ) {
        oldest = n;
        oldestExpiry = e.expires;
      }
    }
    if (oldest !== null) return { ok: true, ip: ipNumberToString(oldest), static: false };
    return {
      ok: false,
      reason: 'no-free-address',
      detail: `all ${this.end - this.start + 1} addresses of ${this.config.rangeStart}-${this.config.rangeEnd} are taken`,
    };
  }

  /** Holds `address` for `mac` until `until`, without shortening a lease it already has. */
  offer(mac: string, address: string, until: number): void {
    const n = ip(address);
    const e = this.entries.get(n);
    if (e !== undefined && e.mac === mac && e.state === 'bound' && e.expires > until) return;
    this.set(n, { mac, state: e?.mac === mac && e.state === 'bound' ? 'bound' : 'offered', expires: until });
  }

  bind(mac: string, address: string, until: number): void {
    this.set(ip(address), { mac, state: 'bound', expires: until });
  }

  /** A client that chose another server's offer: the address is free again. */
  cancelOffer(mac: string): string | null {
    const n = this.lastIp.get(mac);
    if (n === undefined) return null;
    const e = this.entries.get(n);
    if (e === undefined || e.mac !== mac || e.state !== 'offered') return null;
    this.entries.delete(n);
    this.changes.set(n, { mac, ip: ipNumberToString(n), state: 'offered', expires: 0 });
    this.lastIp.delete(mac);
    if (n < this.freshCursor && n >= this.start) this.freshCursor = n;
    return ipNumberToString(n);
  }

  /** RELEASE: the lease ends now, but the address stays the client's first choice next time. */
  release(mac: string, address: string, now: number): boolean {
    const n = parseIp(address);
    const e = n === null ? undefined : this.entries.get(n);
    if (n === null || e === undefined || e.mac !== mac || e.state === 'declined') return false;
    this.set(n, { mac, state: 'released', expires: now });
    return true;
  }

  /** How `mac` holds `address` now ('offered' or 'bound', not expired), or null. */
  heldAs(mac: string, address: string, now: number): 'offered' | 'bound' | null {
    const n = parseIp(address);
    const e = n === null ? undefined : this.entries.get(n);
    if (e === undefined || e.mac !== mac || e.expires <= now) return null;
    return e.state === 'bound' || e.state === 'offered' ? e.state : null;
  }

  /**
   * DECLINE: someone else uses the address; nobody gets it until `until`. Only from the client that holds
   * it (RFC 2131 4.3.3): a stranger's DECLINE would take a free address out of the pool.
   */
  decline(mac: string, address: string, now: number, until: number): boolean {
    const n = parseIp(address);
    if (n === null || !this.inSubnet(n) || this.heldAs(mac, address, now) === null) return false;
    this.entries.set(n, { mac, state: 'declined', expires: until });
    this.changes.set(n, { mac, ip: ipNumberToString(n), state: 'declined', expires: until });
    if (this.lastIp.get(mac) === n) this.lastIp.delete(mac);
    return true;
  }

  records(): LeaseRecord[] {
    const out: LeaseRecord[] = [];
    for (const [n, e] of this.entries)
      out.push({ mac: e.mac, ip: ipNumberToString(n), state: e.state, expires: e.expires });
    return out;
  }

  /** The records changed since the last call, in the order of their last change. */
  takeChanges(): LeaseRecord[] {
    const out = [...this.changes.values()];
    this.changes = new Map();
    return out;
  }

  private set(n: number, e: Entry): void {
    this.entries.set(n, e);
    this.lastIp.set(e.mac, n);
    this.changes.delete(n);
    this.changes.set(n, { mac: e.mac, ip: ipNumberToString(n), state: e.state, expires: e.expires });
  }
}

function ip(text: string): number {
  const n = parseIp(text);
  if (n === null) throw new RangeError(`not an IPv4 address: ${text}`);
  return n;
}
