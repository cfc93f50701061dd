/**
 * One verdict per client session, read by every report (text, HTML, JSON) and by live capture, so they can
 * never disagree. Honest: what the capture cannot show is "unknown" or "incomplete", never "ok".
 */
import type { AnalysisResult, BootSession, DhcpTransaction } from '../analysis/types.js';
import { isUrl } from '../protocol/dhcp/index.js';
import { lossText, mayBeCaptureLoss } from './capture-loss.js';
import type { Finding, Severity } from './types.js';

export type VerdictStatus = 'ok' | 'fail' | 'warn' | 'unknown' | 'incomplete';

export interface ClientVerdict {
  mac: string;
  /** The session the verdict is about (BootSession.id): a client booting twice gets two. */
  sessionId: string;
  status: VerdictStatus;
  /** One line: the first error's or warning's title, what was loaded, or why the outcome cannot be told. */
  reason: string;
}

const RANK: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

/**
 * DHCP outcomes that show a server answered the client: bound, NAKed (told by a finding), informed, offered
 * (an offer came, whatever the client then did). A 4011 exchange ('proxy') counts only with its ACK: see
 * `answered`.
 */
const ANSWERED: ReadonlySet<DhcpTransaction['outcome']> = new Set<DhcpTransaction['outcome']>([
  'bound',
  'nak',
  'informed',
  'offered',
]);

/** A server answered this exchange; a PXE boot-server REQUEST on 4011 only when its ACK is in the capture. */
function answered(tx: DhcpTransaction): boolean {
  return tx.outcome === 'proxy' ? tx.acks.length > 0 : ANSWERED.has(tx.outcome);
}

/** A REQUEST still waiting for its answer: a renewal/INIT-REBOOT, or a boot-server REQUEST on 4011. */
function awaitingAnswer(tx: DhcpTransaction): boolean {
  return tx.outcome === 'no-reply' || (tx.outcome === 'proxy' && tx.acks.length === 0);
}

/** The findings about one session: those naming it, else those naming its client. */
export function concernsSession(f: Finding, s: BootSession): boolean {
  if (f.sessionId !== undefined) return f.sessionId === s.id;
  return f.client !== null && f.client.toLowerCase() === s.clientMac.toLowerCase();
}

/**
 * `analysis` is the whole result the session belongs to (capture-wide facts may weigh in); `findings` may
 * be all of the capture's: only those concerning the session count.
 */
export function verdictOf(
  session: BootSession,
  findings: Finding[],
  analysis: AnalysisResult,
): ClientVerdict {
  const mine = findings.filter((f) => concernsSession(f, session));
  const verdict = (status: VerdictStatus, reason: string): ClientVerdict => ({
    mac: session.clientMac,
    sessionId: session.id,
    status,
    reason,
  });
  const worst = mine.reduce<Finding | null>(
    (w, f) => (w === null || RANK[f.severity] < RANK[w.severity] ? f : w),
    null,
  );
  if (worst?.severity === 'error') {
    // A failure told by an absence, in a capture that lost packets, may be the capture's loss, not the network's.
    const loss = analysis.capture?.captureLoss;
    const told = mine.filter((f) => f.severity === 'error');
    if (loss !== undefined && told.every((f) => mayBeCaptureLoss(f, analysis))) {
      return verdict(
        'unknown',
        `${worst.title}, but ${lossText(loss)}: the missing packets may be capture loss`,
      );
    }
    return verdict('fail', worst.title);
  }
  if (worst?.severity === 'warn') return verdict('warn', worst.title);
  const cut = mine.find((f) => f.incomplete === true);
  if (cut !== undefined) return verdict('incomplete', `${cut.title}: the capture ended before the outcome`);
  const running = session.transfers.filter((t) => t.outcome === 'in-progress');
  if (running.length > 0) {
    return verdict('incomplete', `${names(running)} still being transferred when the capture ended`);
  }
  const unseen = session.transfers.filter((t) => t.outcome === 'unknown');
  if (unseen.length > 0) {
    return verdict('unknown', `the TFTP data of ${names(unseen)} is not in the capture (filtered out?)`);
  }
  const loaded = session.transfers.filter((t) => t.outcome === 'complete');
  if (analysis.stats.evicted > 0 && lostRecords(session, analysis.stats.evictedClients)) {
    return verdict(
      'unknown',
      `${analysis.stats.evicted} transactions/transfers were dropped at the analysis state limit: the outcome is not complete`,
    );
  }
  const taken = session.boots.filter((b) => b.accepted);
  const boot = taken.at(-1);
  if (boot?.bootFile != null && isUrl(boot.bootFile)) {
    return verdict(
      'unknown',
      `the boot file ${boot.bootFile} is fetched by HTTP, which this analysis does not follow`,
    );
  }
  if (loaded.length > 0) return verdict('ok', `loaded ${names(loaded)}`);
  if (session.boots.length > 0 && taken.length === 0) {
    return verdict('incomplete', 'the client took none of the offers it received in the capture');
  }
  // With nothing loaded and no finding, "ok" needs at least one DHCP exchange seen to its end: a REQUEST
  // whose answer is not in the capture (a relay's other side, the capture's end) or a lone RELEASE tells
  // nothing about how the client fared.
  const last = session.transactions.at(-1);
  if (last !== undefined && awaitingAnswer(last)) {
    return verdict(
      'unknown',
      `its last DHCP REQUEST${last.port4011 ? ' (PXE boot server, port 4011)' : ''} has no answer in the capture`,
    );
  }
  if (!session.transactions.some(answered))
    return verdict('unknown', 'no complete DHCP exchange or download of this client is in the capture');
  return verdict('ok', 'no problem seen');
}

/** Every session's verdict, in session order. */
export function verdictsOf(analysis: AnalysisResult, findings: Finding[]): ClientVerdict[] {
  return analysis.sessions.map((s) => verdictOf(s, findings, analysis));
}

/** The evicted-client lists already looked up (an analysis hands out the same list until it changes). */
const keySets = new WeakMap<string[], Set<string>>();

/**
 * Whether the state limit may have cost this session records: any eviction does when the analysis could not
 * say whose records went; otherwise only when they were its client's (by MAC, or an address it used).
 */
function lostRecords(session: BootSession, evictedClients: string[] | undefined): boolean {
  if (evictedClients === undefined) return true;
  let keys = keySets.get(evictedClients);
  if (keys === undefined) {
    keys = new Set(evictedClients);
    keySets.set(evictedClients, keys);
  }
  if (keys.has(`mac ${session.clientMac}`)) return true;
  if (session.clientIp !== null && keys.has(`ip ${session.clientIp}`)) return true;
  return session.transfers.some((t) => keys.has(`ip ${t.clientIp}`));
}

function names(transfers: BootSession['transfers']): string {
  const list = transfers.map((t) => t.filename);
  return `${list.slice(0, 4).join(', ')}${list.length > 4 ? ', …' : ''}`;
}
