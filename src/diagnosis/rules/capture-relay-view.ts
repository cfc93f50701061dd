import type { DhcpEvent } from '../../analysis/types.js';
import { sessionEvents } from '../rounds.js';
import { framesText, listText, finding } from '../format.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'capture.relay-view',
  severity: 'info',
  group: 'capture',
  title: 'DHCP goes through a relay',
  detects:
    'DHCP messages carry a relay address (giaddr): the client is on another segment than the server, and ' +
    'this capture sees only part of the exchange (the relayed leg, or the client leg without the server side).',
  ignores: 'Captures without relayed DHCP.',
  clientMessages: [],
  fix: 'To see what the client saw, capture on the client segment too (or on the relay).',
};

function check(ctx: RuleContext): Finding[] {
  const relayed: DhcpEvent[] = [];
  for (const s of ctx.analysis.sessions)
    for (const e of sessionEvents(s)) if (e.giaddr !== '0.0.0.0' && e.giaddr !== '') relayed.push(e);
  if (relayed.length === 0) return [];
  relayed.sort((a, b) => a.frame - b.frame);
  const relays = [...new Set(relayed.map((e) => e.giaddr))];
  const toRelay = relayed.filter((e) => e.op === 2 && relays.includes(e.dst));
  const first = relayed[0];
  return [
    finding(doc, {
      message:
        `DHCP is relayed through ${listText(relays)} (giaddr, ${framesText(relayed.map((e) => e.frame))}).` +
        (toRelay.length > 0
          ? ' Replies go unicast to the relay: this capture point is on the server side, so what reached the client is not visible.'
          : ' Replies to the relay may not pass this capture point; a missing reply here is not proof the server was silent.'),
      frames: relayed.map((e) => e.frame),
      client: null,
      pxeError: null,
      hint: `Capture on the client segment as well (or on ${listText(relays)}) to see both legs of the exchange.`,
      t: first?.t ?? null,
    }),
  ];
}

export const captureRelayView: Rule = { ...doc, checkCapture: check };
