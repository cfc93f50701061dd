import type { AnalysisResult, DhcpTransaction } from '../../analysis/types.js';
import { kindOf, serverOf, ZERO_IP } from '../facts.js';
import { finding, framesText, listText, plural } from '../format.js';
import { serverHint } from '../hints.js';
import { sessionEvents } from '../rounds.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** Two offers of one free address to two clients this close together are a race only if one then fails. */
const RACE_SECONDS = 60;
/** A lease without option 51 is taken to last at least this long for the comparison. */
const DEFAULT_LEASE_SECONDS = 3600;

const doc: RuleDoc = {
  id: 'dhcp.duplicate-address',
  severity: 'error',
  group: 'dhcp',
  title: 'One address given to two clients',
  detects:
    'An address ACKed to one client is offered or ACKed to another while the first lease still runs (no RELEASE ' +
    'or DECLINE in between), or one address is offered to two clients at about the same time and one of them ' +
    'then gets a NAK or DECLINEs it; also a client that DECLINEs an address (it found the address in use, ' +
    'usually by ARP). Typical causes: two servers with overlapping pools, a lost lease database, a static ' +
    'host inside the pool. Some PXE ROMs (Dell) give up after the NAK (metal3-io/ironic-image#195).',
  ignores:
    'An address handed to another client after the first released it or its lease ran out; the same client ' +
    'getting its address again; proxyDHCP and port-4011 replies (they carry no address).',
  severityNote: 'warn when only offers collided and the second client still got an address in the end.',
  clientMessages: [],
  fix:
    'Give each server its own pool and keep static hosts out of the pools; make sure the server keeps its ' +
    'lease database across restarts (dnsmasq dhcp-leasefile, ISC dhcpd.leases, Kea lease file / database).',
};

interface Grant {
  mac: string;
  ip: string;
  kind: 'OFFER' | 'ACK';
  frame: number;
  t: number;
  server: string;
  until: number;
  tx: DhcpTransaction;
}

interface Ending {
  mac: string;
  ip: string;
  kind: 'RELEASE' | 'DECLINE';
  frame: number;
  t: number;
}

function collect(a: AnalysisResult): {
  grants: Map<string, Grant[]>;
  endings: Ending[];
  bound: Map<string, number>;
} {
  const grants = new Map<string, Grant[]>();
  const endings: Ending[] = [];
  /** Last time each MAC got an ACK, to tell whether a colliding client got an address in the end. */
  const bound = new Map<string, number>();
  for (const s of a.sessions) {
    const byFrame = new Map<number, DhcpTransaction>();
    for (const tx of s.transactions) for (const e of tx.events) byFrame.set(e.frame, tx);
    for (const e of sessionEvents(s)) {
      const kind = kindOf(e);
      const tx = byFrame.get(e.frame);
      if ((kind === 'OFFER' || kind === 'ACK') && !e.port4011 && e.yiaddr !== ZERO_IP && tx) {
        const lease = e.leaseTime ?? DEFAULT_LEASE_SECONDS;
        const g: Grant = {
          mac: s.clientMac,
          ip: e.yiaddr,
          kind,
          frame: e.frame,
          t: e.t,
          server: serverOf(e),
          until: e.t + lease,
          tx,
        };
        grants.set(e.yiaddr, [...(grants.get(e.yiaddr) ?? []), g]);
        if (kind === 'ACK') bound.set(s.clientMac, Math.max(bound.get(s.clientMac) ?? -Infinity, e.t));
      }
      if (kind === 'RELEASE' && e.ciaddr !== ZERO_IP)
        endings.push({ mac: s.clientMac, ip: e.ciaddr, kind, frame: e.frame, t: e.t });
      if (kind === 'DECLINE' && e.requestedIp !== null)
        endings.push({ mac: s.clientMac, ip: e.requestedIp, kind, frame: e.frame, t: e.t });
    }
  }
  return { grants, endings, bound };
}

/** Did the holder end its lease on `ip` between its grant and time t? */
function ended(endings: readonly Ending[], g: Grant, t: number): boolean {
  return endings.some((x) => x.mac === g.mac && x.ip === g.ip && x.t >= g.t && x.t <= t);
}

function failedAfter(g: Grant, endings: readonly Ending[]): boolean {
  return (
    g.tx.outcome === 'nak' ||
    endings.some((x) => x.kind === 'DECLINE' && x.mac === g.mac && x.ip === g.ip && x.t >= g.t)
  );
}

function check(ctx: RuleContext): Finding[] {
  const a = ctx.analysis;
  const { grants, endings, bound } = collect(a);
  const out: Finding[] = [];
  const reported = new Set<string>();
  for (const [ip, list] of grants) {
    list.sort((x, y) => x.t - y.t || x.frame - y.frame);
    const clashOf = (g: Grant): Grant | undefined =>
      list.find(
        (h) =>
          h.mac !== g.mac &&
          h.t <= g.t &&
          ((h.kind === 'ACK' && g.t <= h.until && !ended(endings, h, g.t)) ||
            (g.t - h.t <= RACE_SECONDS && failedAfter(g, endings))),
      );
    const conflicts = list.filter((g) => clashOf(g) !== undefined);
    // The strongest evidence first: the second client ACKed the address too.
    const g = conflicts.find((c) => c.kind === 'ACK') ?? conflicts[0];
    const clash = g === undefined ? undefined : clashOf(g);
    if (g === undefined || clash === undefined) continue;
    reported.add(ip);
    out.push(conflictFinding(ip, clash, g, endings, bound));
  }
  // A DECLINE with no second grant in the capture: the address is taken by a host the server does not know.
  for (const d of endings) {
    if (d.kind !== 'DECLINE' || reported.has(d.ip)) continue;
    reported.add(d.ip);
    const declines = endings.filter((x) => x.kind === 'DECLINE' && x.ip === d.ip);
    const arp = a.arp.filter((q) => q.targetIp === d.ip && q.answered !== null);
    const arpText =
      arp.length > 0
        ? ` ARP for ${d.ip} was answered (${framesText(arp.map((q) => q.answered?.frame ?? 0))}): another host uses it.`
        : '';
    const server = [...(grants.get(d.ip) ?? [])].find((g) => g.mac === d.mac)?.server ?? null;
    const rebound = (bound.get(d.mac) ?? -Infinity) > d.t;
    out.push(
      finding(doc, {
        severity: rebound ? 'warn' : 'error',
        message:
          `${d.mac} DECLINEd ${d.ip} (${plural(declines.length, 'DECLINE')}, ${framesText(declines.map((x) => x.frame))}): it found the ` +
          `address already in use${server ? ` although ${server} gave it out` : ''}.${arpText}` +
          (rebound
            ? ' It got another address afterwards.'
            : ' It did not get another address in the capture.'),
        frames: [...declines.map((x) => x.frame), ...arp.map((q) => q.answered?.frame ?? 0)],
        client: d.mac,
        pxeError: null,
        hint: overlapHint(server ? [server] : [], d.ip),
        t: d.t,
      }),
    );
  }
  return out;
}

function conflictFinding(
  ip: string,
  clash: Grant,
  g: Grant,
  endings: readonly Ending[],
  bound: ReadonlyMap<string, number>,
): Finding {
  const declines = endings.filter(
    (x) => x.ip === ip && x.mac === g.mac && x.kind === 'DECLINE' && x.t >= g.t,
  );
  const naks = g.tx.naks;
  const nakText =
    naks.length > 0
      ? ` ${g.mac} then got a NAK (${naks.map((n) => n.message ?? 'no message').join('; ')}).`
      : '';
  const declineText =
    declines.length > 0 ? ` ${g.mac} DECLINEd it (frame ${declines[0].frame}): the address was in use.` : '';
  // The second client's lease is in doubt unless it ended up bound (to another address) after the clash.
  const rebound = g.kind === 'OFFER' && (bound.get(g.mac) ?? -Infinity) > g.t;
  const servers = [...new Set([clash.server, g.server])];
  const verb = (x: Grant): string => (x.kind === 'ACK' ? 'ACKed' : 'offered');
  return finding(doc, {
    severity: g.kind === 'ACK' || !rebound ? 'error' : 'warn',
    message:
      `${ip} was ${verb(clash)} to ${clash.mac} by ${clash.server} (frame ${clash.frame}) and ${verb(g)} to ${g.mac} ` +
      `by ${g.server} (frame ${g.frame}) ${(g.t - clash.t).toFixed(1)} s later` +
      `${clash.kind === 'ACK' ? ' while the first lease still ran' : ''}.${nakText}${declineText}` +
      (servers.length > 1 ? ` Two servers (${listText(servers)}) hand out the same pool.` : ''),
    frames: [clash.frame, g.frame, ...declines.map((x) => x.frame), ...naks.map((n) => n.frame)],
    client: g.mac,
    pxeError: null,
    hint: overlapHint(servers, ip),
    t: g.t,
  });
}

function overlapHint(servers: readonly string[], ip: string): string {
  const who = servers.length > 0 ? listText([...servers]) : 'the DHCP server';
  return serverHint(
    `Find who else uses ${ip} (arping ${ip}; the other server's lease list) and keep ${who}'s pool clear of it; ` +
      'with two servers give each a disjoint range:',
    {
      dnsmasq: [
        'dhcp-range=<first>,<last>,<lease>   # disjoint from the other server; dhcp-leasefile kept across restarts',
      ],
      isc: [
        'range <first> <last>;   # in the subnet; ping-check true; detects a static host before offering',
      ],
      kea: ['"pools": [ { "pool": "<first> - <last>" } ]   # disjoint; lease file on persistent storage'],
    },
  );
}

export const dhcpDuplicateAddress: Rule = { ...doc, checkCapture: check };
