import type { BootSession } from '../../analysis/types.js';
import { isProxyReply, serverOf } from '../facts.js';
import { sessionEvents } from '../rounds.js';
import { clientLabel, framesText, listText, sessionFinding } from '../format.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'proxy.no-option-43',
  severity: 'info',
  group: 'proxy',
  title: 'proxyDHCP offer without option 43',
  detects:
    'A proxyDHCP offer (yiaddr 0.0.0.0, option 60 "PXEClient") carries no option 43. The PXE specification ' +
    'requires it, some servers leave it out on purpose and most firmware copes; strict firmware ignores the offer.',
  ignores: "Proxy offers with option 43 (menu, boot servers or discovery control), such as dnsmasq's.",
  clientMessages: [],
  fix: 'Only if a client ignores the proxy: make the proxy send option 43 (e.g. discovery control 8 with a boot file).',
};

function check(s: BootSession): Finding[] {
  const bare = sessionEvents(s).filter((e) => isProxyReply(e) && !e.vendorSpecific);
  const first = bare[0];
  if (!first) return [];
  const servers = [...new Set(bare.map(serverOf))];
  return [
    sessionFinding(doc, s, {
      message:
        `proxyDHCP ${listText(servers)} answered ${clientLabel(s)} without option 43 (${framesText(bare.map((e) => e.frame))}): ` +
        'invalid per the PXE specification, deliberate in some servers; strict firmware may ignore it.',
      frames: bare.map((e) => e.frame),
      pxeError: null,
      hint:
        `If ${s.clientMac} ignores this proxy, configure ${listText(servers)} to send option 43 ` +
        '(PXE_DISCOVERY_CONTROL 0x08 "use the boot file, no discovery"), or use dnsmasq\'s pxe-service in proxy mode.',
      t: first.t,
    }),
  ];
}

export const proxyNoOption43: Rule = { ...doc, checkSession: check };
