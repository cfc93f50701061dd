import { isHttpClientVendor } from '../../protocol/dhcp/index.js';
import type { AnalysisResult, BootSession, DhcpEvent } from '../../analysis/types.js';
import { endsBeforeDeadline, timeToEnd } from '../capture-end.js';
import { archClassOf } from '../boot-files.js';
import { hasBootInfo, isHttpBootClient, kindOf, serverOf, ZERO_IP } from '../facts.js';
import { type DhcpRound, relevantRounds } from '../rounds.js';
import { clientLabel, listText, plural, seconds, sessionFinding } from '../format.js';
import { bootFileHint, counterpartFile } from '../hints.js';
import { BIOS, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** Replies faster than this are "instant": some firmware discards them (catalogue #23). */
const INSTANT_SECONDS = 0.01;

const doc: RuleDoc = {
  id: 'dhcp.no-request-after-offer',
  severity: 'warn',
  severityNote:
    'info when the client did get an address later in the capture, or when the capture ends before the ' +
    "client's REQUEST would be due (the round is incomplete at the end of the capture, not failed)",
  group: 'dhcp',
  title: 'Offers ignored: client never REQUESTs',
  detects:
    'The client receives address offers but never sends a REQUEST and keeps DISCOVERing: the firmware rejects ' +
    'the offers. Likely causes are named: no PXE boot information for a PXEClient, replies within ' +
    'milliseconds of the DISCOVER, competing offers from several servers, or an HTTPClient not answered as one.',
  ignores:
    'DISCOVERs repeated before any offer arrives (dnsmasq pings before offering); a client waiting for an ' +
    'address offer while only a proxy offer has arrived; HTTP boot attempts after a PXE attempt. The "offers ' +
    'too fast" theory only when a server answered the round\'s first DISCOVER within 10 ms (an offer held ' +
    'back by a ping check and landing just after a retransmitted DISCOVER is not fast).',
  clientMessages: [BIOS.noBootFilename, UEFI.noValidOffer],
  fix: 'Give the offers what the firmware needs (boot file, next-server, or a proxyDHCP), and let one server answer.',
};

function causes(r: DhcpRound): { text: string[]; missingBootInfo: boolean } {
  const text: string[] = [];
  const offers = r.addressOffers;
  const proxyOrMenu = r.proxyReplies.length > 0 || offers.some(hasBootInfo);
  const missingBootInfo = r.isBootClient && !proxyOrMenu;
  if (missingBootInfo) {
    text.push(
      'none of the offers carries a boot file, option 43 menu or proxyDHCP information, which PXE firmware needs before it accepts one',
    );
  }
  // How long each server took to answer: from the round's first DISCOVER to that server's first offer. A
  // retransmitted DISCOVER just before an offer says nothing about the server's speed.
  const firstDiscover = r.discovers[0];
  const firstByServer = new Map<string, DhcpEvent>();
  for (const o of offers) if (!firstByServer.has(serverOf(o))) firstByServer.set(serverOf(o), o);
  const instant = [...firstByServer.values()].filter(
    (o) => firstDiscover !== undefined && o.t >= firstDiscover.t && o.t - firstDiscover.t < INSTANT_SECONDS,
  );
  if (instant.length > 0 && firstDiscover !== undefined) {
    text.push(
      `${listText(instant.map(serverOf))} answered within ${seconds((instant[0]?.t ?? 0) - firstDiscover.t)} of the ` +
        'first DISCOVER, and some firmware discards replies that fast',
    );
  }
  const servers = new Set(offers.map(serverOf));
  if (servers.size >= 2)
    text.push(`offers come from ${servers.size} different servers (${listText([...servers])})`);
  if (r.clientEvents.some(isHttpBootClient) && !offers.some((o) => isHttpClientVendor(o.vendorClass))) {
    text.push('the client is an HTTP boot client and no offer echoes option 60 "HTTPClient" with a URL');
  }
  return { text, missingBootInfo };
}

/**
 * PXE firmware collects offers while it re-sends DISCOVER on a doubling schedule (4, 8, 16, 32 s in PXE 2.1
 * §2.2.1) and REQUESTs at the end of a window. When the capture ends before the window that followed the
 * offer would close, the missing REQUEST may simply lie after the capture.
 */
function requestDueAfterCaptureEnd(r: DhcpRound, a: AnalysisResult, firstOffer: DhcpEvent): boolean {
  const d = r.discovers;
  // Two or more DISCOVERs after an offer: a whole collection window passed with it and no REQUEST.
  if (d.filter((x) => x.t > firstOffer.t).length > 1) return false;
  const last = d[d.length - 1];
  if (last === undefined) return false;
  const previous = d[d.length - 2];
  const window = Math.max(4, previous === undefined ? 0 : 2 * (last.t - previous.t));
  return endsBeforeDeadline(a, last.t, window);
}

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const rounds = relevantRounds(s);
  const out: Finding[] = [];
  for (const r of rounds) {
    const firstOffer = r.addressOffers[0];
    if (!firstOffer || r.requests.length > 0) continue;
    const rediscovers = r.discovers.filter((d) => d.t > firstOffer.t);
    const laterRounds = rounds.filter((x) => x.start > r.start);
    const nextDiscover = laterRounds.flatMap((x) => x.discovers)[0];
    if (rediscovers.length === 0 && nextDiscover === undefined) continue;
    const boundLater = laterRounds.some((x) =>
      x.acks.some((a) => a.yiaddr !== ZERO_IP && kindOf(a) === 'ACK'),
    );
    const offerServers0 = [...new Set(r.addressOffers.map(serverOf))];
    if (laterRounds.length === 0 && requestDueAfterCaptureEnd(r, ctx.analysis, firstOffer)) {
      const lastDiscover = r.discovers[r.discovers.length - 1];
      out.push(
        sessionFinding(doc, s, {
          severity: 'info',
          message:
            `Client ${clientLabel(s)}'s DHCP round is incomplete at the end of the capture: it received ` +
            `${plural(r.addressOffers.length, 'address offer')} from ${listText(offerServers0)} (first at frame ` +
            `${firstOffer.frame}) and was still DISCOVERing (last at frame ${lastDiscover?.frame}) when the capture ` +
            `ended ${seconds(lastDiscover === undefined ? 0 : timeToEnd(ctx.analysis, lastDiscover.t))} later, before its REQUEST would be due.`,
          frames: [...r.discovers.map((d) => d.frame), ...r.addressOffers.map((o) => o.frame)],
          pxeError: null,
          hint: 'Nothing to conclude from this capture: capture until the client REQUESTs or gives up (a minute or more).',
          t: firstOffer.t,
          incomplete: true,
        }),
      );
      continue;
    }
    const { text, missingBootInfo } = causes(r);
    const again = rediscovers.length > 0 ? plural(rediscovers.length, 'more DISCOVER') : 'a new DISCOVER';
    const offerServers = [...new Set(r.addressOffers.map(serverOf))];
    const cls = r.arch === null ? null : archClassOf(r.arch);
    const suggested = cls === null ? '<boot file>' : counterpartFile('pxelinux.0', cls);
    out.push(
      sessionFinding(doc, s, {
        severity: boundLater ? 'info' : 'warn',
        message:
          `Client ${clientLabel(s)} received ${plural(r.addressOffers.length, 'address offer')} from ` +
          `${listText(offerServers)} (first at frame ${firstOffer.frame}) but never sent a REQUEST; it sent ${again} ` +
          `instead${nextDiscover && rediscovers.length === 0 ? ` (frame ${nextDiscover.frame})` : ''}.` +
          (text.length > 0 ? ` Likely why: ${text.join('; ')}.` : ' The firmware rejected the offers.') +
          (boundLater ? ' It did get an address later.' : ''),
        frames: [
          ...r.discovers.map((d) => d.frame),
          ...r.addressOffers.map((o) => o.frame),
          ...(nextDiscover ? [nextDiscover.frame] : []),
        ],
        pxeError: missingBootInfo
          ? clientMessage(r.family, { bios: [BIOS.noBootFilename], uefi: [UEFI.noValidOffer] })
          : null,
        hint: missingBootInfo
          ? bootFileHint(
              `Give ${s.clientMac} PXE boot information in ${listText(offerServers)}'s configuration (or run a proxyDHCP), e.g.:`,
              suggested,
              firstOffer.siaddr !== ZERO_IP ? firstOffer.siaddr : serverOf(firstOffer),
            )
          : 'Let one server answer this segment with complete PXE offers; if offers are instant, a server-side ' +
            'delay helps (dnsmasq pings before offering; ISC dhcpd "min-secs 1;"; Kea has no equivalent, use a ' +
            'relay or switch-side delay).',
        t: firstOffer.t,
      }),
    );
  }
  return out;
}

export const dhcpNoRequestAfterOffer: Rule = { ...doc, checkSession: check };
