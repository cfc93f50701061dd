/**
 * What one client's sessions are built from, found without walking the capture: a live capture tells a
 * client's session each time it goes quiet, and walking every record for each would make that cost grow
 * with the capture. See buildSessions (`only`) for what the records given must hold.
 */
import { attributeFragmentLosses } from './fragment-losses.js';
import type { AnalysisResult, DhcpTransaction, TftpTransfer } from './types.js';

/** Which clients were seen holding each address (a superset: pruned when asked, of clients no longer kept). */
export class AddressHolders {
  private readonly byIp = new Map<string, Set<string>>();

  add(ip: string, mac: string): void {
    const set = this.byIp.get(ip);
    if (set === undefined) this.byIp.set(ip, new Set([mac]));
    else set.add(mac);
  }

  /** The clients that held any of `ips`, among those `kept` (the others are forgotten). */
  of(ips: Iterable<string>, kept: (mac: string) => boolean): Set<string> {
    const out = new Set<string>();
    for (const ip of ips) {
      const set = this.byIp.get(ip);
      if (set === undefined) continue;
      for (const mac of set) {
        if (kept(mac)) out.add(mac);
        else set.delete(mac);
      }
      if (set.size === 0) this.byIp.delete(ip);
    }
    return out;
  }
}

/**
 * Transfers as the result shows them: with only RRQs in the capture (a filter kept port 69 and dropped
 * the data ports) silence proves nothing, and lost IP fragments count against their transfers. The
 * trackers' records are never modified: what changes is a copy.
 */
export function transfersAsShown(
  transfers: readonly TftpTransfer[],
  dataSeen: boolean,
  fragmentLosses: AnalysisResult['fragmentLosses'],
): TftpTransfer[] {
  const out = transfers.map((tr) => {
    const answered = tr.serverPort !== null || tr.strayPackets.length > 0 || tr.icmpErrors.length > 0;
    if (dataSeen || answered || tr.error !== null) return fragmentLosses.length > 0 ? { ...tr } : tr;
    const notes = tr.notes.filter((n) => n !== 'no answer to the request');
    notes.push('no TFTP packet on any port but 69 in the capture: the data ports were probably filtered out');
    return { ...tr, outcome: 'unknown' as const, outcomeFrame: null, notes };
  });
  attributeFragmentLosses(out, fragmentLosses);
  return out;
}

/** Where a client's records are kept: its transactions, and transfers by address and by request MAC. */
export interface ClientRecordSource {
  transactionsOf(macs: Iterable<string>): DhcpTransaction[];
  transfersOf(ips: Iterable<string>, macs: Iterable<string>): TftpTransfer[];
  /** Addresses a transaction shows its client holding (as buildSessions reads them). */
  heldBy(tx: DhcpTransaction): string[];
  holders: AddressHolders;
  kept(mac: string): boolean;
}

/**
 * The records buildSessions needs to make the sessions of `macs`: theirs, the transfers of the addresses
 * they held or sent from their MACs, and every transaction of the other clients that held those addresses.
 */
export function clientRecords(
  macs: ReadonlySet<string>,
  src: ClientRecordSource,
): { transactions: DhcpTransaction[]; transfers: TftpTransfer[] } {
  const own = src.transactionsOf(macs);
  const ips = new Set<string>();
  for (const tx of own) for (const ip of src.heldBy(tx)) ips.add(ip);
  const transfers = src.transfersOf(ips, macs);
  for (const tr of transfers) ips.add(tr.clientIp);
  const others = [...src.holders.of(ips, (mac) => src.kept(mac))].filter((mac) => !macs.has(mac));
  return { transactions: [...own, ...src.transactionsOf(others)], transfers };
}
