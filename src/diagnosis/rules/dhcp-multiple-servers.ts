import type { BootSession, DhcpEvent } from '../../analysis/types.js';
import { bootFileOf, hasBootInfo, serverOf, tftpServerOf } from '../facts.js';
import { relevantRounds } from '../rounds.js';
import { clientLabel, listText, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.multiple-servers',
  severity: 'warn',
  group: 'dhcp',
  title: 'Several DHCP servers compete',
  detects:
    'In one DHCP exchange, address offers come from two or more server identifiers (a second or rogue DHCP ' +
    'server), or two or more PXE offers from different servers name different boot files or TFTP servers.',
  ignores:
    'One address offer plus one proxyDHCP offer (the designed proxyDHCP pattern); repeated identical offers ' +
    'from one server (dnsmasq sends one per DISCOVER it saw during its ping check).',
  clientMessages: [],
  fix:
    'Let exactly one server hand out addresses (and one boot configuration) on the segment: switch off or ' +
    'restrict the other server, or block it with DHCP snooping on the switch.',
};

function describe(e: DhcpEvent): string {
  const bits: string[] = [];
  if (e.yiaddr !== '0.0.0.0') bits.push(`address ${e.yiaddr}`);
  const file = bootFileOf(e);
  bits.push(file === null ? 'no boot file' : `boot file ${file}`);
  const tftp = tftpServerOf(e);
  if (file !== null && tftp !== null) bits.push(`TFTP ${tftp.server}`);
  return `${serverOf(e)} (${bits.join(', ')}, frame ${e.frame})`;
}

function bootKey(e: DhcpEvent): string {
  return `${bootFileOf(e) ?? ''}|${tftpServerOf(e)?.server ?? ''}`;
}

function check(s: BootSession): Finding[] {
  const out: Finding[] = [];
  for (const r of relevantRounds(s)) {
    const firstPerServer = new Map<string, DhcpEvent>();
    for (const e of r.addressOffers) if (!firstPerServer.has(serverOf(e))) firstPerServer.set(serverOf(e), e);
    const pxeOffers = [...r.addressOffers, ...r.proxyReplies].filter(hasBootInfo);
    const pxeByServer = new Map<string, DhcpEvent>();
    for (const e of pxeOffers) if (!pxeByServer.has(serverOf(e))) pxeByServer.set(serverOf(e), e);
    const competingBoot = new Set([...pxeByServer.values()].map(bootKey)).size >= 2;
    const competingAddress = firstPerServer.size >= 2;
    if (!competingAddress && !competingBoot) continue;
    const shown = competingAddress ? [...firstPerServer.values()] : [...pxeByServer.values()];
    const chosen = r.transaction.chosenServer;
    const request = r.requests[0];
    const choice =
      chosen !== null
        ? ` The client REQUESTed from ${chosen}${request ? ` (frame ${request.frame})` : ''}.`
        : '';
    const what = competingAddress ? 'address offers from' : 'PXE offers with different boot information from';
    const servers = shown.map(serverOf);
    out.push(
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} received ${what} ${servers.length} servers: ${listText(shown.map(describe))}.` +
          choice +
          ' Which one wins depends on timing and firmware; some UEFI firmware never REQUESTs and starts over.',
        frames: [...shown.map((e) => e.frame), ...(request ? [request.frame] : [])],
        pxeError: null,
        hint: serverHint(
          `Keep one server for ${s.clientMac}'s segment (${listText(servers, 'or')}); on the other one:`,
          {
            dnsmasq: [
              'remove its dhcp-range for this subnet, or no-dhcp-interface=<iface> on that interface',
            ],
            isc: ['remove the subnet declaration (or "ignore booting;" if only its PXE answers compete)'],
            kea: ['remove the subnet4 entry for this network'],
            other: [['switch', ['enable DHCP snooping and trust only the legitimate server port']]],
          },
        ),
        t: shown[0]?.t ?? r.start,
      }),
    );
  }
  return out;
}

export const dhcpMultipleServers: Rule = { ...doc, checkSession: check };
