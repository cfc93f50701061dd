/**
 * Follows each client's activity (its DHCP messages, and TFTP from the addresses it was seen holding) so the
 * analyzer can tell a client's session as soon as it is worth telling: the client went quiet, or began a
 * new boot. Remembers a digest of what it last told per session, so nothing is told twice unchanged.
 */
import { createHash } from 'node:crypto';
import { isIpxeEvent } from './dhcp-facts.js';
import { IdleMap } from './idle-map.js';
import type { BootSession, DhcpEvent } from './types.js';

interface Activity {
  mac: string;
  lastSeen: number;
  /** The client fetched something since it was last told: a firmware DISCOVER now starts a new boot. */
  fetched: boolean;
}

export class SessionWatch {
  private readonly active = new IdleMap<string, Activity>();
  /** Which client holds an address (its latest claim), so its TFTP counts as its activity. */
  private readonly owners = new Map<string, string>();
  private readonly told = new Map<string, string>();
  /**
   * Each client's last activity, forgotten after the idle timeout: its next message then begins a new session,
   * as buildSessions splits them.
   */
  private readonly sessionActivity = new IdleMap<string, Activity>();
  /** Every client by its last activity, for retireAt (only with a retention window). */
  private readonly retiring = new IdleMap<string, Activity>();

  constructor(
    private readonly quiet: number,
    private readonly max: number,
    /** Seconds of silence that split a client's activity into two sessions (the analyzer's idle timeout). */
    private readonly idleTimeout: number,
    /** Seconds of silence after which a client's records may go (null: kept up to the retained limit). */
    private readonly retainQuiet: number | null = null,
  ) {}

  /**
   * true when a message from `mac` at `t` begins a new boot session: the client was never seen, its records
   * were retired, or it was silent for longer than the idle timeout. What "a boot" is, for everything live.
   */
  startsSession(mac: string, t: number): boolean {
    const a = this.sessionActivity.get(mac);
    return a === undefined || t - a.lastSeen > this.idleTimeout;
  }

  /** A client whose records were retired: its next message begins a new session. */
  forget(mac: string): void {
    this.sessionActivity.delete(mac);
  }

  /** A DHCP message about `mac`. Returns true when it starts a new boot of a client that already fetched files. */
  dhcp(e: DhcpEvent, mac: string, t: number): boolean {
    const a = this.active.get(mac);
    const newBoot =
      a !== undefined && a.fetched && e.op === 1 && e.messageType === 'DISCOVER' && !isIpxeEvent(e);
    if (newBoot) a.fetched = false;
    this.touch(mac, t, a);
    return newBoot;
  }

  /** Addresses `mac` was seen to hold. */
  holds(mac: string, ips: readonly string[]): void {
    for (const ip of ips) {
      this.owners.delete(ip);
      this.owners.set(ip, mac);
    }
    while (this.owners.size > this.max) {
      const oldest = this.owners.keys().next();
      if (oldest.done === true) break;
      this.owners.delete(oldest.value);
    }
  }

  /** A TFTP packet between two addresses: activity of whichever client holds one of them. */
  tftp(src: string, dst: string, t: number): void {
    const mac = this.owners.get(src) ?? this.owners.get(dst);
    if (mac === undefined) return;
    const a = this.active.get(mac);
    this.touch(mac, t, a);
    const now = this.active.get(mac);
    if (now !== undefined) now.fetched = true;
  }

  /** Clients quiet for longer than `quiet` seconds at `now`; they are forgotten until they speak again. */
  quietAt(now: number): string[] {
    this.sessionActivity.expire(now, this.idleTimeout);
    return this.active.expire(now, this.quiet).map((a) => a.mac);
  }

  /**
   * Clients quiet for longer than the retention window at `now` (told quiet long before), with the time they
   * were last active; past `max` clients followed, the stalest come out early.
   */
  retireAt(now: number): { mac: string; lastSeen: number }[] {
    if (this.retainQuiet === null) return [];
    const out = this.retiring.expire(now, this.retainQuiet).map(({ mac, lastSeen }) => ({ mac, lastSeen }));
    while (this.retiring.size > this.max) {
      const stalest = this.retiring.evictOldest();
      if (stalest === undefined) break;
      out.push({ mac: stalest.mac, lastSeen: stalest.lastSeen });
    }
    return out;
  }

  /** A client whose records could not go yet (some still open): asked again a window from `now`. */
  retireLater(mac: string, now: number): void {
    if (this.retainQuiet !== null && this.retiring.get(mac) === undefined)
      this.retiring.touch(mac, { mac, lastSeen: now, fetched: false });
  }

  /** Clients dropped to keep the map bounded since the last call. */
  readonly evicted: string[] = [];

  /** true when `s` differs from what was last told under its id (and remembers it as told). */
  changed(s: BootSession): boolean {
    const digest = createHash('sha1').update(JSON.stringify(s)).digest('base64');
    if (this.told.get(s.id) === digest) return false;
    this.told.delete(s.id);
    this.told.set(s.id, digest);
    if (this.told.size > this.max) {
      const oldest = this.told.keys().next();
      if (oldest.done !== true) this.told.delete(oldest.value);
    }
    return true;
  }

  private touch(mac: string, t: number, a: Activity | undefined): void {
    const entry = a ?? { mac, lastSeen: t, fetched: false };
    entry.lastSeen = Math.max(entry.lastSeen, t);
    this.active.touch(mac, entry);
    this.seen(this.sessionActivity, mac, t);
    if (this.sessionActivity.size > this.max) this.sessionActivity.evictOldest();
    // Past `max`, retireAt hands out the stalest early.
    if (this.retainQuiet !== null) this.seen(this.retiring, mac, t);
    if (a === undefined && this.active.size > this.max) {
      const stalest = this.active.evictOldest();
      if (stalest !== undefined) this.evicted.push(stalest.mac);
    }
  }

  private seen(map: IdleMap<string, Activity>, mac: string, t: number): void {
    const last = map.get(mac) ?? { mac, lastSeen: t, fetched: false };
    last.lastSeen = Math.max(last.lastSeen, t);
    map.touch(mac, last);
  }
}
