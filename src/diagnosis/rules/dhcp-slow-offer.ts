import type { BootSession } from '../../analysis/types.js';
import { relevantRounds } from '../rounds.js';
import { clientLabel, plural, seconds, sessionFinding } from '../format.js';
import { BIOS, UEFI } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

/**
 * Spanning tree without portfast keeps a port blocked for listening + learning, 2 × 15 s; PXE ROMs give
 * up after about 60 s of DISCOVERs (4, 8, 16, 32 s), many iPXE builds after 10 s. dnsmasq's ping check
 * (about 3 s) stays far below this.
 */
const SLOW_SECONDS = 15;

const doc: RuleDoc = {
  id: 'dhcp.slow-offer',
  severity: 'warn',
  group: 'dhcp',
  title: 'DHCP offer came very late',
  detects:
    `The first reply to a client's DISCOVERs comes ${SLOW_SECONDS} s or more after its first DISCOVER (the ` +
    'capture shows several unanswered DISCOVERs first): typical of a switch port running spanning tree ' +
    'without portfast, or of a slow relay / server. Firmware with shorter timeouts fails outright.',
  ignores:
    "dnsmasq's ping check before the first OFFER (about 3 s) and the normal retry schedule of a client " +
    'that is answered within a few seconds.',
  clientMessages: [BIOS.noOffers, UEFI.noValidOffer],
  fix:
    'Enable portfast / edge port on the client switch port (spanning-tree portfast, spanning-tree port type ' +
    'edge), or find what delays the DHCP server or relay.',
};

function check(s: BootSession): Finding[] {
  const rounds = relevantRounds(s);
  const discovers = rounds.flatMap((r) => r.discovers).sort((a, b) => a.frame - b.frame);
  const replies = rounds.flatMap((r) => [...r.offers, ...r.acks]).sort((a, b) => a.frame - b.frame);
  const first = discovers[0];
  const reply = replies[0];
  if (!first || !reply) return [];
  const waited = reply.t - first.t;
  const before = discovers.filter((d) => d.t < reply.t);
  if (waited < SLOW_SECONDS || before.length < 2) return [];
  return [
    sessionFinding(doc, s, {
      message:
        `Client ${clientLabel(s)} sent ${plural(before.length, 'DHCPDISCOVER')} over ${seconds(waited)} before the ` +
        `first answer (${reply.src}, frame ${reply.frame}). ` +
        'A switch port running spanning tree without portfast blocks for about 30 s after link-up; ' +
        'firmware that gives up sooner than that never boots.',
      frames: [...before.map((d) => d.frame), reply.frame],
      pxeError: null,
      hint:
        `On the switch port of ${s.clientMac}: "spanning-tree portfast" (Cisco) / "spanning-tree port type edge" / ` +
        'an RSTP edge port. If the port is already an edge port, look at the relay and server for the delay.',
      t: first.t,
    }),
  ];
}

export const dhcpSlowOffer: Rule = { ...doc, checkSession: check };
