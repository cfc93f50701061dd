/**
 * A live capture's retention window (AnalyzerOptions.retainQuiet, sniff --retain): the records of a client
 * whose session was told and who stayed quiet for longer than the window are dropped, so memory and the cost
 * of each verdict stay flat however long the capture runs. Keeps what the result needs afterwards: how many
 * clients went and until when (CaptureRetention), and how many sessions each had, so its next boot goes on
 * with the next session id.
 */
import type { Timestamp } from '../capture/timestamp.js';
import type { CaptureRetention } from './types.js';

/** Where the clients' records are taken out; each says false (taking nothing) while some are still open. */
export interface RetiredRecords {
  transactions: { retire(mac: string): boolean };
  transfers: { retire(mac: string, ips: Iterable<string>, until: number): boolean };
  /** Everything else kept per client (addresses held, last frame, activity). */
  forget(mac: string): void;
  ipsOf(mac: string): Iterable<string>;
}

/** A Map that forgets its oldest entry past `max`, refreshed entries moving to the newest end. */
function setBounded<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > max) map.delete(map.keys().next().value as K);
}

export class Retention {
  /** Sessions of each client already retired (their ids go on). */
  private readonly retiredSessions = new Map<string, number>();
  /** The latest session number told per client, read when it is retired. */
  private readonly toldSessions = new Map<string, number>();
  private clients = 0;
  /** Capture time of the latest activity of a client retired. */
  private until = 0;

  constructor(
    readonly window: number,
    private readonly maxClients: number,
  ) {}

  /** A session told (its id is `MAC#n`). */
  told(mac: string, id: string): void {
    setBounded(this.toldSessions, mac, Number(id.slice(id.lastIndexOf('#') + 1)), this.maxClients);
  }

  /** The sessions of a client already retired (buildSessions `earlier`). */
  readonly earlier = (mac: string): number => this.retiredSessions.get(mac) ?? 0;

  /** Retires the clients quiet past the window; returns those that still have open records (ask again later). */
  retire(quiet: readonly { mac: string; lastSeen: number }[], records: RetiredRecords): string[] {
    const later: string[] = [];
    for (const { mac, lastSeen } of quiet) {
      const ready =
        records.transactions.retire(mac) && records.transfers.retire(mac, records.ipsOf(mac), lastSeen);
      if (!ready) {
        later.push(mac);
        continue;
      }
      records.forget(mac);
      const told = this.toldSessions.get(mac);
      this.toldSessions.delete(mac);
      if (told !== undefined) setBounded(this.retiredSessions, mac, told, this.maxClients);
      this.clients++;
      this.until = Math.max(this.until, lastSeen);
    }
    return later;
  }

  /** What the result covers, once some client was retired (origin: the capture's time zero). */
  summary(origin: Timestamp | null): CaptureRetention | null {
    if (this.clients === 0 || origin === null) return null;
    const since = origin.seconds + origin.fraction / 10 ** origin.digits + this.until;
    return { window: this.window, clients: this.clients, since: since.toFixed(6) };
  }
}
