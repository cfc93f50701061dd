import type { BootSession } from '../../analysis/types.js';
import { type DhcpRound, relaysIn, relevantRounds, serversOfOthers } from '../rounds.js';
import { at, clientLabel, framesText, listText, plural, seconds, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import { endsBeforeDeadline, incompleteAtEnd } from '../capture-end.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** A first DISCOVER whose `secs` is this high was not the client's first: earlier ones went unseen. */
const HIGH_FIRST_SECS = 10;

const doc: RuleDoc = {
  id: 'dhcp.no-offer',
  severity: 'error',
  severityNote:
    'warn when a single DISCOVER was captured; info ("incomplete at the end of the capture") when the capture ' +
    'stops within seconds of the DISCOVERs (no server had time to answer)',
  group: 'dhcp',
  title: 'No DHCP offer',
  detects:
    'A client sends DHCPDISCOVERs and no server answers at all (no OFFER, proxy offer or ACK) for its last ' +
    'DHCP attempt. Says how many DISCOVERs over how long, whether other clients got offers (pool exhausted ' +
    'or client ignored), and whether a relay is involved.',
  ignores:
    'DISCOVERs that were answered later on (see dhcp.slow-offer); HTTP boot DISCOVERs (vendor class ' +
    'HTTPClient) that a UEFI client sends after its PXE attempt, which is just its boot order.',
  clientMessages: [BIOS.noOffers, UEFI.noValidOffer, IPXE.noConfiguration],
  fix:
    "Make a DHCP server answer this segment: run one, or point the router's DHCP relay (ip helper-address) " +
    'at it; if other clients get offers, check the pool and host rules; with spanning tree, make the ' +
    "client's switch port an edge port (portfast).",
};

function unanswered(r: DhcpRound): boolean {
  return r.discovers.length > 0 && r.offers.length === 0 && r.acks.length === 0 && r.naks.length === 0;
}

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const rounds = relevantRounds(s);
  let lastAnswered = -1;
  rounds.forEach((r, i) => {
    if (!unanswered(r) && (r.offers.length > 0 || r.acks.length > 0)) lastAnswered = i;
  });
  const silent = rounds.slice(lastAnswered + 1).filter(unanswered);
  if (silent.length === 0) return [];
  const discovers = silent.flatMap((r) => r.discovers).sort((a, b) => a.frame - b.frame);
  const first = discovers[0];
  const last = discovers[discovers.length - 1];
  if (!first || !last) return [];
  // A server gets a few seconds to answer (dnsmasq pings first for about 3 s): DISCOVERs right before the
  // capture stops say nothing, the answer may simply not be in the file.
  if (
    endsBeforeDeadline(ctx.analysis, first.t) ||
    (discovers.length === 1 && endsBeforeDeadline(ctx.analysis, last.t))
  ) {
    return [
      incompleteAtEnd(doc, ctx.analysis, {
        session: s,
        client: s.clientMac,
        pending: `client ${clientLabel(s)}'s ${plural(discovers.length, 'DHCPDISCOVER')} (${framesText(discovers.map((d) => d.frame))}) had no offer yet`,
        last,
        frames: discovers.map((d) => d.frame),
        t: first.t,
      }),
    ];
  }
  const family = silent[silent.length - 1]?.family ?? 'unknown';
  const span = last.t - first.t;
  const parts = [
    `Client ${clientLabel(s)} sent ${plural(discovers.length, 'DHCPDISCOVER')}` +
      (discovers.length > 1 ? ` over ${seconds(span)}` : '') +
      ` (first at frame ${first.frame}, ${at(first.t)}) and no DHCP or proxyDHCP server answered.`,
  ];
  if (first.secs >= HIGH_FIRST_SECS) {
    parts.push(
      `The first DISCOVER seen already has secs=${first.secs}: the client had been trying for about that long, ` +
        'so earlier DISCOVERs were sent before the capture started or lost before the capture point.',
    );
  }
  const giaddrs = relaysIn(ctx.analysis);
  if (giaddrs.length > 0) {
    parts.push(
      `DHCP is relayed here (giaddr ${listText(giaddrs)}): server replies go unicast to the relay and may not ` +
        'pass this capture point; capture on the server side as well before concluding nobody answered.',
    );
  } else {
    parts.push(
      'If the client sits behind a DHCP relay, replies go unicast to the relay (giaddr), not to this segment: ' +
        'widen the capture before concluding nobody answered.',
    );
  }
  const servedOthers = serversOfOthers(ctx.analysis, s);
  if (servedOthers.length > 0) {
    parts.push(
      `Other clients in this capture did get offers from ${listText(servedOthers)}: its address pool may be ` +
        'exhausted, or it ignores this MAC (host rule, class, or a subnet it does not serve).',
    );
  }
  const hintServers = servedOthers.length > 0 ? servedOthers.join(', ') : '<dhcp-server-ip>';
  const hint = serverHint(
    `Make a DHCP server answer ${s.clientMac}'s segment (server ${hintServers}). Behind a router: ` +
      `"ip helper-address ${hintServers}" on the client VLAN. With spanning tree: "spanning-tree portfast" ` +
      '(edge port) on the client switch port. If other clients are served, check the pool and host rules:',
    {
      dnsmasq: [
        'dhcp-range=<first>,<last>,<netmask>,12h   # enough addresses for every client',
        `no dhcp-host=${s.clientMac},ignore`,
      ],
      isc: [
        'range <first> <last>;   # in the client subnet declaration',
        'no "deny unknown-clients;" for it',
      ],
      kea: ['"pools": [ { "pool": "<first> - <last>" } ] in the client subnet4'],
    },
  );
  return [
    sessionFinding(doc, s, {
      severity: discovers.length >= 2 ? 'error' : 'warn',
      message: parts.join(' '),
      frames: discovers.map((d) => d.frame),
      pxeError: clientMessage(family, {
        bios: [BIOS.noOffers],
        uefi: [UEFI.noValidOffer],
        ipxe: [IPXE.noConfiguration],
      }),
      hint,
      t: first.t,
    }),
  ];
}

export const dhcpNoOffer: Rule = { ...doc, checkSession: check };
