import type { AnalysisResult } from '../../analysis/types.js';
import { isClientEvent, isServerEvent, kindOf } from '../facts.js';
import { finding, plural, seconds } from '../format.js';
import { serverHint } from '../hints.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** New client MACs within WINDOW seconds that make a flood: far above a lab or a rack powering on at once. */
const MIN_MACS = 200;
const WINDOW = 10;

const doc: RuleDoc = {
  id: 'dhcp.discover-flood',
  severity: 'warn',
  group: 'dhcp',
  title: 'Flood of DHCPDISCOVERs from many MACs',
  detects:
    `At least ${MIN_MACS} different client MACs start sending DHCPDISCOVERs within ${WINDOW} s: a DHCP ` +
    'starvation attack (random source MACs, e.g. yersinia, dhcpstarv) or a misbehaving switch / bridge loop ' +
    'repeating DISCOVERs. The pool runs out and real clients get no offer. The finding gives the number of MACs, ' +
    'the peak rate, and how many were answered.',
  ignores:
    'Many clients booting at once at a normal scale (a rack powering on: tens of MACs), and one client ' +
    'repeating its own DISCOVERs (see dhcp.no-offer).',
  severityNote: 'error when most of the MACs got no offer (the pool is exhausted or the server overwhelmed).',
  clientMessages: [],
  fix:
    'Find the source port (switch MAC table, port counters) and shut it; enable DHCP snooping with a rate limit ' +
    'and port security (max MACs per port) on the access switches; check for a bridge loop (spanning tree).',
};

interface Flood {
  macs: number;
  peak: number;
  peakStart: number;
  answered: number;
  frames: number[];
  first: number;
  last: number;
}

/** Time of each client MAC's first DISCOVER, and whether any address offer or ACK reached it. */
function measure(a: AnalysisResult): Flood | null {
  const firsts: { t: number; frame: number; answered: boolean }[] = [];
  for (const s of a.sessions) {
    let first: { t: number; frame: number } | null = null;
    let answered = false;
    for (const tx of s.transactions) {
      for (const e of tx.events) {
        if (isClientEvent(e) && kindOf(e) === 'DISCOVER' && (first === null || e.t < first.t))
          first = { t: e.t, frame: e.frame };
        if (isServerEvent(e) && (kindOf(e) === 'OFFER' || kindOf(e) === 'ACK')) answered = true;
      }
    }
    if (first !== null) firsts.push({ ...first, answered });
  }
  if (firsts.length < MIN_MACS) return null;
  firsts.sort((x, y) => x.t - y.t);
  let peak = 0;
  let peakStart = 0;
  let lo = 0;
  for (let hi = 0; hi < firsts.length; hi++) {
    while (firsts[hi].t - firsts[lo].t > WINDOW) lo++;
    if (hi - lo + 1 > peak) {
      peak = hi - lo + 1;
      peakStart = firsts[lo].t;
    }
  }
  if (peak < MIN_MACS) return null;
  return {
    macs: firsts.length,
    peak,
    peakStart,
    answered: firsts.filter((f) => f.answered).length,
    frames: firsts.slice(0, 5).map((f) => f.frame),
    first: firsts[0].t,
    last: firsts[firsts.length - 1].t,
  };
}

function check(ctx: RuleContext): Finding[] {
  const f = measure(ctx.analysis);
  if (f === null) return [];
  const unanswered = f.macs - f.answered;
  const evicted = ctx.analysis.stats.evicted;
  const bounded =
    evicted > 0
      ? ` The analysis dropped ${evicted} transactions/transfers at its state limit: the real numbers are higher.`
      : '';
  return [
    finding(doc, {
      severity: unanswered > f.macs / 2 ? 'error' : 'warn',
      message:
        `${plural(f.macs, 'client MAC')} sent DHCPDISCOVERs over ${seconds(f.last - f.first)}, up to ${f.peak} new MACs in ` +
        `${WINDOW} s (${(f.peak / WINDOW).toFixed(1)}/s from t=${f.peakStart.toFixed(2)} s): a DHCP starvation attack or a ` +
        `switch repeating DISCOVERs. ${f.answered} got an offer, ${unanswered} did not.${bounded}`,
      frames: f.frames,
      client: null,
      pxeError: null,
      hint: serverHint(doc.fix, {
        dnsmasq: ['dhcp-ratelimit is not available: limit at the switch; dhcp-range sized for real clients'],
        isc: ['shorter leases for unknown clients (pool { allow unknown-clients; max-lease-time 300; })'],
        kea: ['the rate-limiting / lease limits hooks (limits library) for the client class'],
      }),
      t: f.peakStart,
    }),
  ];
}

export const dhcpDiscoverFlood: Rule = { ...doc, checkCapture: check };
