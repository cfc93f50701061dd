import type { BootSession } from '../../analysis/types.js';
import { bootFileOf, serverOf } from '../facts.js';
import { familyAt, hasProxyOffer, pxeClientAddressReplies, unanswered4011 } from '../rounds.js';
import { clientLabel, framesText, plural, q, sessionFinding } from '../format.js';
import { removeVendorClassHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.pxeclient-without-proxy',
  severity: 'error',
  group: 'dhcp',
  title: 'Option 60 "PXEClient" from a plain DHCP server, no boot server',
  detects:
    'The DHCP server that hands out the address puts option 60 "PXEClient" in its OFFER/ACK, which tells the ' +
    'client a PXE boot server is on that host; there is no proxyDHCP offer on the wire, the client sends its ' +
    'boot-server REQUEST to port 4011 and nobody answers.',
  ignores:
    'A server that sends 60 "PXEClient" and answers on 4011 itself (dnsmasq with pxe-service in normal mode); ' +
    'a separate proxyDHCP that does not answer on 4011 (see proxy.no-reply-4011).',
  clientMessages: [BIOS.proxy4011, UEFI.noValidOffer, IPXE.pxebsTimedOut],
  fix:
    'Remove option 60 from the DHCP server (a classic Windows DHCP + WDS leftover) and give next-server + boot ' +
    'file instead, or run the boot service on that host.',
};

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const marked = pxeClientAddressReplies(s);
  if (marked.length === 0 || hasProxyOffer(s)) return [];
  const out: Finding[] = [];
  for (const u of unanswered4011(s)) {
    const first = u.requests[0];
    if (!first) continue;
    const reply = marked.find((e) => serverOf(e) === u.target) ?? marked[marked.length - 1];
    if (!reply) continue;
    const server = serverOf(reply);
    const file = marked.map((e) => bootFileOf(e)).find((f): f is string => f !== null) ?? null;
    const refused = ctx.analysis.icmpUnreachable.find((i) => i.from === u.target && i.dstPort === 4011);
    out.push(
      sessionFinding(doc, s, {
        message:
          `${server}'s ${reply.messageType ?? 'reply'} (frame ${reply.frame}) gives ${clientLabel(s)} the address ` +
          `${reply.yiaddr} with option 60 ${q(reply.vendorClass ?? 'PXEClient')}, so the client looks for a PXE boot ` +
          `server; there is no proxyDHCP on the wire, and its ${plural(u.requests.length, 'REQUEST')} to ` +
          `${u.target}:4011 (${framesText(u.requests.map((e) => e.frame))}) got no answer` +
          (refused
            ? ` (${u.target} answered ICMP port unreachable, frame ${refused.frame.frame}: nothing listens on 4011).`
            : '.'),
        frames: [reply.frame, ...u.requests.map((e) => e.frame), ...(refused ? [refused.frame.frame] : [])],
        pxeError: clientMessage(familyAt(s, first.t), {
          bios: [BIOS.proxy4011],
          uefi: [UEFI.noValidOffer],
          ipxe: [IPXE.pxebsTimedOut],
        }),
        hint: removeVendorClassHint(
          `Either stop ${server} from sending option 60 "PXEClient" and give the boot file directly, or run a PXE ` +
            `boot service on ${server} that answers udp/4011:`,
          reply.siaddr !== '0.0.0.0' ? reply.siaddr : server,
          file,
          marked.some((e) => e.vendorSpecific && (e.pxeMenu.length > 0 || e.pxeDiscoveryControl !== null)),
        ),
        t: first.t,
      }),
    );
  }
  return out;
}

export const dhcpPxeClientWithoutProxy: Rule = { ...doc, checkSession: check };
