import { lastAtOrBefore } from './sorted.js';
import type { AnalysisResult, TftpTransfer } from './types.js';

/** How long after a transfer's last packet the server may still be retransmitting into the void. */
const RETRANSMIT_WINDOW = 60;

/**
 * Counts lost IP fragments against the transfers they belong to. A loss record has addresses but no ports
 * (the UDP header is in the first fragment, which may be the lost one), so it goes to the latest transfer
 * between the same two hosts that had started by then. Losses after the transfer's last packet still count
 * (within a minute): when the client never gets a DATA block whole, the server goes on resending it after
 * the client has given up.
 */
export function attributeFragmentLosses(
  transfers: TftpTransfer[],
  losses: AnalysisResult['fragmentLosses'],
): void {
  if (losses.length === 0) return;
  const byHosts = new Map<string, TftpTransfer[]>();
  for (const tr of transfers) {
    const key = [tr.clientIp, tr.serverIp].sort().join('|');
    const list = byHosts.get(key) ?? [];
    list.push(tr);
    byHosts.set(key, list);
  }
  for (const list of byHosts.values()) list.sort((a, b) => a.request.t - b.request.t);
  for (const loss of losses) {
    const candidates = byHosts.get([loss.src, loss.dst].sort().join('|')) ?? [];
    const owner = candidates[lastAtOrBefore(candidates, loss.t, (tr) => tr.request.t)] as
      TftpTransfer | undefined;
    if (owner !== undefined && loss.t - owner.lastPacket.t <= RETRANSMIT_WINDOW) owner.lostFragments++;
  }
}
