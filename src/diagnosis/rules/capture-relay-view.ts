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
  fix: 'Capture on the segment this file does not show: the client side of the relay when it was taken at the server, the server side when it was taken next to the client.',
};

function check(ctx: RuleContext): Finding[] {
  const relayed: DhcpEvent[] = [];
  for (const s of ctx.analysis.sessions)
    for (const e of sessionEvents(s)) if (e.giaddr !== '0.0.0.0' && e.giaddr !== '') relayed.push(e);
  if (relayed.length === 0) return [];
  relayed.sort((a, b) => a.frame - b.frame);
  const relays = [...new Set(relayed.map((e) => e.giaddr))];
  const toRelay = relayed.filter((e) => e.op === 2 && relays.includes(e.dst));
  // Which leg this file holds: the server side sees replies addressed to the relay and requests it forwarded;
  // the client side sees the relay hand replies on to the client (role "relay", to port 68).
  const serverLeg = toRelay.length > 0 || relayed.some((e) => e.op === 1 && e.role === 'relay');
  const clientLeg = relayed.some((e) => e.op === 2 && e.role === 'relay');
  const first = relayed[0];
  const via = listText(relays);
  let view: string;
  let hint: string;
  if (serverLeg && clientLeg) {
    view = ' This capture holds both legs (it was taken on the relay or on a shared segment).';
    hint = 'Both legs of the relayed exchange are in this capture: no other capture point is needed.';
  } else if (serverLeg) {
    view =
      ' Replies go unicast to the relay: this capture point is on the server side, so what reached the client is not visible.';
    hint = `This file was taken on the server side of ${via}: capture on the client's segment (behind ${via}) to see what reached the client.`;
  } else {
    view =
      ' This capture point is on the client side of the relay; a missing reply here is not proof the server was silent.';
    hint = `This file was taken on the client side of ${via}: capture on the DHCP server (or on ${via}'s server-side interface) to see whether the requests were forwarded and what the server answered.`;
  }
  return [
    finding(doc, {
      message: `DHCP is relayed through ${via} (giaddr, ${framesText(relayed.map((e) => e.frame))}).${view}`,
      frames: relayed.map((e) => e.frame),
      client: null,
      pxeError: null,
      hint,
      t: first?.t ?? null,
    }),
  ];
}

export const captureRelayView: Rule = { ...doc, checkCapture: check };
