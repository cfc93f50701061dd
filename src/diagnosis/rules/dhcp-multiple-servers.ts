import type { BootSession, DhcpEvent } from '../../analysis/types.js';
import { bootFileOf, hasBootInfo, serverOf, tftpServerOf } from '../facts.js';
import { relevantRounds } from '../rounds.js';
import { clientLabel, framesText, listText, plural, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.multiple-servers',
  severity: 'warn',
  group: 'dhcp',
  title: 'Several DHCP servers compete',
  detects:
    'In one DHCP exchange, address offers come from two or more server identifiers (a second or rogue DHCP ' +
    'server), or two or more PXE offers from different servers name different boot files or TFTP servers, or ' +
    'a server NAKs a REQUEST that named another server (an authoritative server saying "wrong server-ID"): the ' +
    'client ignores that NAK and the verdict follows the server it chose.',
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
  if (e.messageType === 'NAK') return `${serverOf(e)} (NAK, frame ${e.frame})`;
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
    const chosen = r.transaction.chosenServer;
    // NAKs to a REQUEST that named another server: evidence of a second server, not a failure.
    const foreignNaks = r.naks.filter((n) => chosen !== null && n.serverId !== null && n.serverId !== chosen);
    for (const n of foreignNaks) if (!firstPerServer.has(serverOf(n))) firstPerServer.set(serverOf(n), n);
    const competingAddress = firstPerServer.size >= 2;
    if (!competingAddress && !competingBoot) continue;
    const shown = competingAddress ? [...firstPerServer.values()] : [...pxeByServer.values()];
    const request = r.requests[0];
    const ack = r.acks.find((a) => serverOf(a) === chosen);
    const choice =
      chosen !== null
        ? ` The client REQUESTed from ${chosen}${request ? ` (frame ${request.frame})` : ''}` +
          (ack ? ` and was ACKed by it (frame ${ack.frame}).` : '.')
        : '';
    const nakText =
      foreignNaks.length === 0
        ? ''
        : ` ${listText([...new Set(foreignNaks.map(serverOf))])} answered that REQUEST with ` +
          `${plural(foreignNaks.length, 'DHCPNAK')} (${framesText(foreignNaks.map((n) => n.frame))}` +
          `${foreignNaks[0].message ? `, "${foreignNaks[0].message}"` : ''}): the REQUEST named another ` +
          'server, so the client ignores the NAK; it only shows that a second server answers here.';
    const what = competingAddress ? 'address offers from' : 'PXE offers with different boot information from';
    const servers = shown.map(serverOf);
    out.push(
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} received ${what} ${servers.length} servers: ${listText(shown.map(describe))}.` +
          choice +
          nakText +
          ' Which one wins depends on timing and firmware; some UEFI firmware never REQUESTs and starts over.',
        frames: [
          ...new Set([
            ...shown.map((e) => e.frame),
            ...(request ? [request.frame] : []),
            ...foreignNaks.map((n) => n.frame),
            ...(ack ? [ack.frame] : []),
          ]),
        ],
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
