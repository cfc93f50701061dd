import type { BootSession } from '../../analysis/types.js';
import { isProxyReply, serverOf } from '../facts.js';
import {
  familyAt,
  hasProxyOffer,
  pxeClientAddressReplies,
  sessionEvents,
  unanswered4011,
} from '../rounds.js';
import { clientLabel, framesText, plural, sessionFinding } from '../format.js';
import { proxyServiceHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import { endsBeforeDeadline, incompleteAtEnd } from '../capture-end.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'proxy.no-reply-4011',
  severity: 'error',
  group: 'proxy',
  title: 'Boot server silent on port 4011',
  detects:
    'The client sends its PXE boot-server REQUEST to udp/4011 (after a proxyDHCP offer or a PXE boot menu) ' +
    'and the server never replies.',
  ignores:
    'Traffic on 4011 itself, which is normal (dnsmasq sends UEFI clients there); a REQUEST answered after a ' +
    'retry; the case where the only "PXEClient" came from the address server (see dhcp.pxeclient-without-proxy); ' +
    'a REQUEST the capture ends within seconds of (incomplete at the end of the capture, info).',
  clientMessages: [BIOS.proxy4011, UEFI.serverTimeout, IPXE.pxebsTimedOut],
  fix:
    'Make the proxyDHCP / boot server answer on udp/4011: open the port in its firewall, and check that the ' +
    'service is configured for this client architecture (dnsmasq pxe-service lines).',
};

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const pending = unanswered4011(s);
  if (pending.length === 0) return [];
  // With no proxy on the wire and 60 "PXEClient" from the address server, the other rule explains it.
  if (!hasProxyOffer(s) && pxeClientAddressReplies(s).length > 0) return [];
  const proxies = sessionEvents(s).filter(isProxyReply);
  const out: Finding[] = [];
  for (const u of pending) {
    const first = u.requests[0];
    const last = u.requests[u.requests.length - 1];
    if (!first || !last) continue;
    if (endsBeforeDeadline(ctx.analysis, last.t)) {
      out.push(
        incompleteAtEnd(doc, ctx.analysis, {
          session: s,
          client: s.clientMac,
          pending: `client ${clientLabel(s)}'s ${plural(u.requests.length, 'boot-server REQUEST')} to ${u.target}:4011 (${framesText(u.requests.map((e) => e.frame))}) had no reply yet`,
          last,
          frames: u.requests.map((e) => e.frame),
          t: first.t,
        }),
      );
      continue;
    }
    const proxy = proxies.find((p) => serverOf(p) === u.target) ?? proxies[0];
    const after = proxy ? ` after the proxyDHCP offer from ${serverOf(proxy)} (frame ${proxy.frame})` : '';
    out.push(
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} sent ${plural(u.requests.length, 'boot-server REQUEST')} to ${u.target}:4011` +
          `${after} (${framesText(u.requests.map((e) => e.frame))}) and got no reply.`,
        frames: [...(proxy ? [proxy.frame] : []), ...u.requests.map((e) => e.frame)],
        pxeError: clientMessage(familyAt(s, first.t), {
          bios: [BIOS.proxy4011],
          uefi: [UEFI.serverTimeout],
          ipxe: [IPXE.pxebsTimedOut],
        }),
        hint: proxyServiceHint(
          `Make ${u.target} answer PXE boot-server requests on udp/4011:`,
          u.target,
          null,
        ),
        t: first.t,
      }),
    );
  }
  return out;
}

export const proxyNoReply4011: Rule = { ...doc, checkSession: check };
