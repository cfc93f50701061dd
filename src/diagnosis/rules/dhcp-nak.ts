import type { BootSession, DhcpEvent } from '../../analysis/types.js';
import { isClientEvent, kindOf, serverOf } from '../facts.js';
import { sessionEvents } from '../rounds.js';
import { clientLabel, framesText, listText, plural, q, sessionFinding } from '../format.js';
import { authoritativeHint } from '../hints.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.nak',
  severity: 'error',
  severityNote:
    'warn when the client got an address later in the capture; info for the normal INIT-REBOOT NAK followed ' +
    'by a DORA',
  group: 'dhcp',
  title: 'DHCP NAK',
  detects:
    'A server answers a REQUEST with DHCPNAK (message type 6); the option 56 text says why (dnsmasq: "wrong ' +
    'network", "wrong server-ID", "lease not found", "address not available", "address in use").',
  ignores:
    'A NAK to an INIT-REBOOT REQUEST (a client asking to keep an address from an earlier lease) that is ' +
    'followed by a normal DISCOVER/OFFER/REQUEST/ACK is how a client learns its old lease is gone: reported ' +
    'as info only, with the recovery. A NAK from a server other than the one the REQUEST named (option 54), ' +
    'typically an authoritative server saying "wrong server-ID" to a REQUEST meant for another server: the ' +
    'client ignores it; it is reported under dhcp.multiple-servers.',
  clientMessages: [],
  fix:
    'Depends on the reason: a client moved to another subnet or behind the wrong relay (fix the VLAN or ' +
    'giaddr), a second server NAKing leases it does not own (remove it), or a server that lost its leases ' +
    '(make the intended one authoritative).',
};

/** RFC 2131 §4.3.2: INIT-REBOOT = REQUEST with option 50, no server identifier, ciaddr 0. */
function isInitReboot(req: DhcpEvent | undefined): boolean {
  return req !== undefined && req.requestedIp !== null && req.serverId === null && req.ciaddr === '0.0.0.0';
}

/** The REQUEST named a server (option 54) and the NAK comes from another one: not an answer to the client. */
export function isNakForAnotherServer(nak: DhcpEvent, req: DhcpEvent | undefined): boolean {
  return req !== undefined && req.serverId !== null && nak.serverId !== null && nak.serverId !== req.serverId;
}

function reasonAdvice(text: string): string {
  const t = text.toLowerCase();
  if (t.includes('wrong network') || t.includes('wrong subnet')) {
    return 'The client asked for an address of another subnet: it moved (port/VLAN), or the relay giaddr points at the wrong scope.';
  }
  if (t.includes('server-id') || t.includes('server id')) {
    return 'The REQUEST named another server: two DHCP servers answer this segment.';
  }
  if (t.includes('lease not found') || t.includes('no lease')) {
    return 'The server has no lease for this client: it restarted without its lease file, or another server issued the address.';
  }
  if (t.includes('not available') || t.includes('in use')) {
    return 'The requested address is reserved or in use by another client.';
  }
  return 'Check the server log for this client at that time.';
}

function check(s: BootSession): Finding[] {
  const events = sessionEvents(s);
  const naks = events.filter((e) => kindOf(e) === 'NAK' && e.op === 2);
  if (naks.length === 0) return [];
  const boundAfter = (t: number): DhcpEvent | undefined =>
    events.find((e) => kindOf(e) === 'ACK' && e.op === 2 && e.yiaddr !== '0.0.0.0' && e.t > t);
  const cases = naks
    .map((nak) => {
      const req = [...events]
        .reverse()
        .find((e) => isClientEvent(e) && kindOf(e) === 'REQUEST' && e.t <= nak.t);
      return { nak, req, initReboot: isInitReboot(req) };
    })
    .filter((c) => !isNakForAnotherServer(c.nak, c.req));
  const first = cases[0];
  const last = cases[cases.length - 1];
  if (!first || !last) return [];
  const recovered = boundAfter(last.nak.t);
  const normal = recovered !== undefined && cases.every((c) => c.initReboot);
  const servers = [...new Set(cases.map((c) => serverOf(c.nak)))];
  const texts = [
    ...new Set(cases.map((c) => c.nak.message).filter((m): m is string => m !== null && m !== '')),
  ];
  const asked = first.req?.requestedIp ?? first.req?.ciaddr ?? null;
  const reason = texts.length > 0 ? `: ${listText(texts.map(q))}` : ' without a reason (no option 56)';
  const advice = reasonAdvice(texts.join(' '));
  const head =
    `${listText(servers)} answered ${clientLabel(s)}'s REQUEST${asked && asked !== '0.0.0.0' ? ` for ${asked}` : ''} ` +
    `with ${plural(cases.length, 'DHCPNAK')} (${framesText(cases.map((c) => c.nak.frame))})${reason}.`;
  const tail = normal
    ? ` The client was in INIT-REBOOT (asking to keep an old lease) and then completed a normal DORA for ` +
      `${recovered.yiaddr} (ACK frame ${recovered.frame}): that is how it learns the old lease is gone.`
    : recovered
      ? ` The client got an address afterwards (${recovered.yiaddr}, frame ${recovered.frame}). ${advice}`
      : ` The client never got an address afterwards. ${advice}`;
  return [
    sessionFinding(doc, s, {
      severity: normal ? 'info' : recovered ? 'warn' : 'error',
      message: head + tail,
      frames: [
        ...cases.flatMap((c) => [c.req?.frame, c.nak.frame].filter((f): f is number => f !== undefined)),
        ...(recovered ? [recovered.frame] : []),
      ],
      pxeError: null,
      hint: normal
        ? 'Nothing to fix: the client dropped its stale lease and got a new one.'
        : authoritativeHint(
            `${advice} If ${listText(servers)} is the only server for this subnet, make it authoritative so it ` +
              'reassigns instead of stalling; if it is not, stop it from answering here:',
          ),
      t: first.nak.t,
    }),
  ];
}

export const dhcpNak: Rule = { ...doc, checkSession: check };
