import type { AnalysisResult, ArpQuery, BootSession, TftpTransfer } from '../../analysis/types.js';
import { isIpv4, isServerEvent, serverOf } from '../facts.js';
import { requesterOf, roundsOf, sessionEvents, type DhcpRound } from '../rounds.js';
import {
  clientLabel,
  clientSubject,
  framesText,
  ipClientLabel,
  listText,
  plural,
  q,
  finding,
} from '../format.js';
import { bootFileHint, serverHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import { endsBeforeDeadline } from '../capture-end.js';
import { answeredBy, rrqCount, tftpOutcomeUnknown } from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.no-server',
  severity: 'error',
  group: 'tftp',
  title: 'TFTP server never answers',
  detects:
    'A client sends RRQs to an address that never answers anything in the whole capture (no OACK, DATA or ' +
    'ERROR to any client), or its ARP requests for the TFTP server go unanswered (on-link), or the server ' +
    'answers ICMP port unreachable: a wrong next-server, or no TFTP service on that host.',
  ignores:
    'Captures whose filter dropped TFTP replies (see capture.tftp-data-missing) unless ARP or ICMP prove the ' +
    "silence; a single RRQ right at the end of the capture; ARP the DHCP server sends for the client's " +
    "future address (dnsmasq's ping check).",
  clientMessages: [
    BIOS.arpTimeout,
    BIOS.tftpOpenTimeout,
    UEFI.serverTimeout,
    UEFI.unexpectedNetworkError,
    IPXE.tftpTimedOut,
  ],
  fix: 'Point next-server at the host that runs TFTP, or start the TFTP service on the named host and allow udp/69.',
};

function norm(s: string): string {
  return s.trim().toLowerCase();
}

function arpFor(a: AnalysisResult, server: string, askers: string[]): ArpQuery[] {
  const who = new Set(askers.map(norm));
  return a.arp.filter(
    (x) => x.targetIp === server && x.answered === null && x.requests.length > 0 && who.has(norm(x.askedBy)),
  );
}

function icmpFor(a: AnalysisResult, server: string, client: string): AnalysisResult['icmpUnreachable'] {
  return a.icmpUnreachable.filter(
    (i) => i.dst === server && i.src === client && (i.dstPort === 69 || i.from === server),
  );
}

/** The DHCP reply that named this server, so the message can say where the wrong value came from. */
function namedBy(s: BootSession | null, server: string): DhcpRound | null {
  if (s === null) return null;
  return roundsOf(s).find((r) => r.tftpServer === server && r.bootReply !== null) ?? null;
}

function answersDhcp(a: AnalysisResult, server: string): number | null {
  for (const s of a.sessions)
    for (const e of sessionEvents(s)) if (isServerEvent(e) && serverOf(e) === server) return e.frame;
  return null;
}

function evaluate(
  ctx: RuleContext,
  s: BootSession | null,
  clientIp: string,
  server: string,
  list: TftpTransfer[],
): Finding | null {
  const a = ctx.analysis;
  if (answeredBy(a, server) !== null) return null;
  const askers = [clientIp, ...(s ? [s.clientMac] : [])];
  const arp = arpFor(a, server, askers);
  const icmp = icmpFor(a, server, clientIp);
  // The analyzer also ties ICMP errors to the transfer whose packet they quote.
  const quoted = list
    .flatMap((t) => t.icmpErrors ?? [])
    .filter((r) => !icmp.some((i) => i.frame.frame === r.frame));
  const proof = arp.length > 0 || icmp.length > 0 || quoted.length > 0;
  if (tftpOutcomeUnknown(a) && !proof) return null;
  const rrqs = list.reduce((n, t) => n + rrqCount(t), 0);
  const lastT = Math.max(
    ...list.map((t) => t.lastPacket.t),
    ...arp.flatMap((x) => x.requests.map((r) => r.t)),
  );
  // The capture went on past the client's give-up time after its last RRQ or ARP (one reader: capture-end.ts).
  const ranOn = !endsBeforeDeadline(a, lastT);
  if (rrqs < 2 && !proof && !ranOn) return null;
  const arpCount = arp.reduce((k, x) => k + x.requests.length, 0);
  // A lone ARP at the very end of the capture may just be the capture stopping.
  if (list.length === 0 && arpCount < 2 && !ranOn) return null;
  const first = list[0];
  const files = [...new Set(list.map((t) => t.filename))];
  const label = s ? clientLabel(s) : ipClientLabel(clientIp);
  const parts: string[] = [];
  if (list.length > 0) {
    parts.push(
      `${clientSubject(label)} sent ${plural(rrqs, 'RRQ')} for ${listText(files.map(q))} to ${server} ` +
        `(${framesText(list.flatMap((t) => [t.request.frame, ...t.requestRetries.map((r) => r.frame)]))}) and ` +
        `${server} never answered a TFTP request in this capture.`,
    );
  } else {
    parts.push(`${clientSubject(label)} never reached its TFTP server ${server}.`);
  }
  if (arp.length > 0) {
    parts.push(
      `Its ${plural(arpCount, 'ARP request')} for ${server} got no reply: no host has that address on this link.`,
    );
  }
  const refused = icmp.length > 0 || quoted.length > 0;
  if (refused) parts.push(`${server} answered ICMP port unreachable: no TFTP service runs there.`);
  const dhcpFrame = answersDhcp(a, server);
  if (dhcpFrame !== null && !refused) {
    parts.push(
      `${server} does answer DHCP (frame ${dhcpFrame}), so its TFTP service is off or udp/69 is blocked.`,
    );
  }
  const round = namedBy(s, server);
  if (round?.bootReply) {
    parts.push(
      `${serverOf(round.bootReply)}'s reply (frame ${round.bootReply.frame}) named ${server} as TFTP server ` +
        `(${round.tftpServerSource ?? 'siaddr'}).`,
    );
  }
  const family =
    s && first ? requesterOf(s, first).family : s ? (roundsOf(s)[0]?.family ?? 'unknown') : 'unknown';
  const pxeError =
    arp.length > 0
      ? clientMessage(family, {
          bios: [BIOS.arpTimeout],
          uefi: [UEFI.serverTimeout],
          ipxe: [IPXE.tftpTimedOut],
        })
      : refused
        ? clientMessage(family, {
            bios: [BIOS.tftpOpenTimeout],
            uefi: [UEFI.unexpectedNetworkError],
            ipxe: [IPXE.tftpTimedOut],
          })
        : clientMessage(family, {
            bios: [BIOS.tftpOpenTimeout],
            uefi: [UEFI.serverTimeout],
            ipxe: [IPXE.tftpTimedOut],
          });
  const file = round?.bootFile ?? files[0] ?? '<boot file>';
  const hint = noServerHint(server, file, round?.bootReply ? serverOf(round.bootReply) : null, {
    noHost: arp.length > 0,
    refused,
    hostAnswersArp: a.arp.some((x) => x.targetIp === server && x.answered !== null),
  });
  const frames = [
    ...(round?.bootReply ? [round.bootReply.frame] : []),
    ...list.flatMap((t) => [t.request.frame, ...t.requestRetries.map((r) => r.frame)]),
    ...arp.flatMap((x) => x.requests.map((r) => r.frame)),
    ...icmp.map((i) => i.frame.frame),
    ...quoted.map((r) => r.frame),
  ];
  const t0 = Math.min(...list.map((t) => t.request.t), ...arp.flatMap((x) => x.requests.map((r) => r.t)));
  return finding(doc, {
    message: parts.join(' '),
    frames,
    client: s?.clientMac ?? null,
    sessionId: s?.id,
    pxeError,
    hint,
    t: Number.isFinite(t0) ? t0 : null,
  });
}

function group(list: TftpTransfer[]): Map<string, TftpTransfer[]> {
  const m = new Map<string, TftpTransfer[]>();
  for (const t of list)
    m.set(`${t.clientIp}|${t.serverIp}`, [...(m.get(`${t.clientIp}|${t.serverIp}`) ?? []), t]);
  return m;
}

function checkSession(s: BootSession, ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const list of group(s.transfers).values()) {
    const t = list[0];
    if (!t) continue;
    seen.add(t.serverIp);
    const f = evaluate(ctx, s, t.clientIp, t.serverIp, list);
    if (f) out.push(f);
  }
  // On-link, an unanswered ARP means the RRQ is never even sent: look at the servers DHCP named.
  for (const r of roundsOf(s)) {
    const server = r.tftpServer;
    const clientIp = r.acks[r.acks.length - 1]?.yiaddr ?? s.clientIp;
    if (server === null || !isIpv4(server) || seen.has(server) || clientIp === null) continue;
    if (arpFor(ctx.analysis, server, [clientIp, s.clientMac]).length === 0) continue;
    seen.add(server);
    const f = evaluate(ctx, s, clientIp, server, []);
    if (f) out.push(f);
  }
  return out;
}

function checkCapture(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const list of group(ctx.analysis.orphanTransfers).values()) {
    const t = list[0];
    if (!t) continue;
    const f = evaluate(ctx, null, t.clientIp, t.serverIp, list);
    if (f) out.push(f);
  }
  return out;
}

export const tftpNoServer: Rule = { ...doc, checkSession, checkCapture };

/**
 * The fix follows what the wire showed: no host at that address (ARP unanswered) is a wrong next-server;
 * ICMP port unreachable means the host is there with nothing on udp/69 (or a REJECT rule); silence from a
 * host that is there means a firewall drop. Only the first is fixed by changing next-server.
 */
function noServerHint(
  server: string,
  file: string,
  dhcpServer: string | null,
  seen: { noHost: boolean; refused: boolean; hostAnswersArp: boolean },
): string {
  if (seen.noHost) {
    return bootFileHint(
      `No host has ${server} on this link: point next-server at the real TFTP server` +
        (dhcpServer ? ` in ${dhcpServer}'s configuration` : '') +
        ':',
      file,
      null,
    );
  }
  const service = {
    dnsmasq: ['enable-tftp', 'tftp-root=/srv/tftp   (the directory that holds ' + q(file) + ')'],
    other: [
      ['tftpd-hpa', ['TFTP_ADDRESS=":69" TFTP_DIRECTORY="/srv/tftp"; systemctl enable --now tftpd-hpa']],
      [
        'firewall',
        ['allow udp/69 in and the transfer replies (nftables: udp dport 69 accept; conntrack tftp helper)'],
      ],
    ] as [string, string[]][],
  };
  if (seen.refused) {
    return serverHint(
      `${server} is there and answers ICMP port unreachable: no TFTP service listens on udp/69, or a firewall ` +
        'REJECT rule answers for it. Changing next-server does not fix this if ' +
        `${server} is meant to serve TFTP; start the service (or remove the REJECT rule) there:`,
      service,
    );
  }
  if (!seen.hostAnswersArp) {
    return bootFileHint(
      `If ${server} is the wrong host, point next-server at the TFTP server` +
        (dhcpServer ? ` in ${dhcpServer}'s configuration` : '') +
        '; if it is the right one, start TFTP there and allow udp/69 (and its transfer ports):',
      file,
      null,
    );
  }
  return serverHint(
    `${server} answers ARP but never answers udp/69 and sends no ICMP error: a firewall DROP rule or a TFTP service bound to ` +
      `another address. Changing next-server does not fix this if ${server} is meant to serve TFTP; open udp/69 ` +
      'there (and the transfer ports) or start the service:',
    service,
  );
}
