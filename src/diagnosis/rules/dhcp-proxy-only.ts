import type { BootSession } from '../../analysis/types.js';
import { bootFileOf, serverOf } from '../facts.js';
import { relevantRounds } from '../rounds.js';
import { clientLabel, framesText, listText, plural, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.proxy-only',
  severity: 'error',
  group: 'dhcp',
  title: 'Only proxyDHCP offers, no address',
  detects:
    'The client receives proxyDHCP offers (yiaddr 0.0.0.0, option 60 "PXEClient") but no offer with an ' +
    'address from any DHCP server, so it has boot information and no IP.',
  ignores:
    'A proxy offer beside an address offer (the designed proxyDHCP pattern), and a proxy offer that simply ' +
    'arrives before the address offer (dnsmasq pings the address first, about 3 s).',
  clientMessages: [BIOS.proxyOnly, UEFI.noValidOffer, IPXE.noConfiguration],
  fix:
    'proxyDHCP only adds boot information: a separate DHCP server must hand out addresses on this segment ' +
    '(or through a relay). Fix or add that server, or turn the proxy into a full DHCP server.',
};

function check(s: BootSession): Finding[] {
  const rounds = relevantRounds(s);
  const proxies = rounds.flatMap((r) => r.proxyReplies);
  const addressed = rounds.some((r) => r.addressOffers.length > 0 || r.acks.length > 0);
  if (proxies.length === 0 || addressed) return [];
  const proxyServers = [...new Set(proxies.map(serverOf))];
  const files = [...new Set(proxies.map((e) => bootFileOf(e)).filter((f): f is string => f !== null))];
  const discovers = rounds.flatMap((r) => r.discovers);
  const family = rounds[rounds.length - 1]?.family ?? 'unknown';
  const first = proxies[0];
  const message =
    `Client ${clientLabel(s)} got ${plural(proxies.length, 'proxyDHCP offer')} from ${listText(proxyServers)} ` +
    `(${framesText(proxies.map((p) => p.frame))}${files.length > 0 ? `, boot file ${listText(files)}` : ''}) ` +
    `but no DHCP server offered it an address in reply to its ${plural(discovers.length, 'DISCOVER')}.`;
  return [
    sessionFinding(doc, s, {
      message,
      frames: [...discovers.map((d) => d.frame), ...proxies.map((p) => p.frame)],
      pxeError: clientMessage(family, {
        bios: [BIOS.proxyOnly],
        uefi: [UEFI.noValidOffer],
        ipxe: [IPXE.noConfiguration],
      }),
      hint: serverHint(
        `A DHCP server must give ${s.clientMac} an address; the proxy at ${listText(proxyServers)} only adds boot ` +
          'information. Check that the address server runs and serves this segment (or its relay), or make ' +
          'the proxy a full server:',
        {
          dnsmasq: ['dhcp-range=<first>,<last>,<netmask>,12h   # instead of dhcp-range=<net>,proxy'],
          isc: ['subnet <net> netmask <mask> { range <first> <last>; }'],
          kea: ['"subnet4": [ { "subnet": "<net>/<len>", "pools": [ { "pool": "<first> - <last>" } ] } ]'],
        },
      ),
      t: first?.t ?? null,
    }),
  ];
}

export const dhcpProxyOnly: Rule = { ...doc, checkSession: check };
