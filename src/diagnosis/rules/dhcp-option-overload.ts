import type { BootSession } from '../../analysis/types.js';
import { isServerEvent, serverOf } from '../facts.js';
import { sessionEvents } from '../rounds.js';
import { clientLabel, framesText, listText, sessionFinding } from '../format.js';
import { noOverloadHint } from '../hints.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.option-overload',
  severity: 'info',
  group: 'dhcp',
  title: 'Option overload (52) in use',
  detects:
    'A server reply carries option 52, so options continue inside the BOOTP file and/or sname fields. Legal ' +
    "(and dnsmasq's default when options do not fit), but old PXE ROMs read those fields as the boot file " +
    'name and TFTP server and then request garbage.',
  ignores:
    'Nothing to ignore: informational, so an odd RRQ name or PXE-E53 on old hardware can be traced to it.',
  clientMessages: [],
  fix: 'If old ROMs misbehave, stop the server from overloading (dnsmasq dhcp-no-override) or send fewer options.',
};

const WHAT: Record<number, string> = {
  1: 'the file field',
  2: 'the sname field',
  3: 'the file and sname fields',
};

function check(s: BootSession): Finding[] {
  const replies = sessionEvents(s).filter((e) => isServerEvent(e) && e.overload !== null);
  const first = replies[0];
  if (!first) return [];
  const servers = [...new Set(replies.map(serverOf))];
  const where = [...new Set(replies.map((e) => WHAT[e.overload ?? 0] ?? `overload value ${e.overload}`))];
  return [
    sessionFinding(doc, s, {
      message:
        `${listText(servers)} used option 52 (options continued in ${listText(where, 'or')}) in replies to ` +
        `${clientLabel(s)} (${framesText(replies.map((e) => e.frame))}). Legal, but old PXE ROMs take those ` +
        'fields for the boot file and server name.',
      frames: replies.map((e) => e.frame),
      pxeError: null,
      hint: noOverloadHint(
        `Only if this client misreads its boot file: stop ${listText(servers)} from overloading:`,
      ),
      t: first.t,
    }),
  ];
}

export const dhcpOptionOverload: Rule = { ...doc, checkSession: check };
