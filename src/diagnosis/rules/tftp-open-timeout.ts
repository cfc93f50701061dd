import type { BootSession, TftpTransfer } from '../../analysis/types.js';
import { requesterOf } from '../rounds.js';
import { clientLabel, clientSubject, framesText, ipClientLabel, plural, q, finding } from '../format.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import { answered, answeredBy, isTsizeProbe, rrqCount, tftpOutcomeUnknown } from '../tftp-facts.js';
import { endsBeforeDeadline, incompleteAtEnd } from '../capture-end.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.open-timeout',
  severity: 'error',
  group: 'tftp',
  title: 'TFTP open timeout',
  detects:
    'A client sends the same RRQ again and again and never gets its file, while the server answers other ' +
    'transfers; or the server answers (OACK / first DATA) but the client never acknowledges and asks again, ' +
    "so the replies from the server's transfer port do not reach it (firewall, NAT, reverse-path filter).",
  ignores:
    'An RRQ that is answered after a retry; a server that never answers anyone (see tftp.no-server); ' +
    'captures whose filter dropped the replies (see capture.tftp-data-missing); the tsize probe; RRQs the ' +
    'capture ends within seconds of (incomplete at the end of the capture, info).',
  clientMessages: [BIOS.tftpOpenTimeout, UEFI.serverTimeout, IPXE.tftpTimedOut],
  fix:
    'Find what stops this RRQ or its answer: the TFTP server log (connection limits such as dnsmasq tftp-max), ' +
    'and firewalls or NAT between client and server (udp/69 and the ephemeral transfer ports).',
};

function groups(list: TftpTransfer[]): TftpTransfer[][] {
  const m = new Map<string, TftpTransfer[]>();
  for (const t of list) {
    const k = `${t.clientIp}|${t.serverIp}|${t.filename}`;
    m.set(k, [...(m.get(k) ?? []), t]);
  }
  return [...m.values()];
}

function evaluate(ctx: RuleContext, s: BootSession | null, group: TftpTransfer[]): Finding[] {
  const a = ctx.analysis;
  const first = group[0];
  if (!first || group.some((t) => t.outcome === 'complete')) return [];
  const label = s ? clientLabel(s) : ipClientLabel(first.clientIp);
  const req = requesterOf(s, first);
  const pxeError = clientMessage(req.family, {
    bios: [BIOS.tftpOpenTimeout],
    uefi: [UEFI.serverTimeout],
    ipxe: [IPXE.tftpTimedOut],
  });
  const base = { client: s?.clientMac ?? null, sessionId: s?.id, pxeError, t: first.request.t };
  const rrqFrames = group.flatMap((t) => [t.request.frame, ...t.requestRetries.map((r) => r.frame)]);
  const rrqs = group.reduce((n, t) => n + rrqCount(t), 0);
  // The client's last packet of this exchange: its last RRQ, or for an answered one its last packet.
  const last = group
    .flatMap((t) => [t.request, ...t.requestRetries, ...(answered(t) ? [t.lastPacket] : [])])
    .reduce((x, y) => (y.t > x.t ? y : x));
  const cutOff = (pending: string, frames: number[]): Finding[] => [
    incompleteAtEnd(doc, a, { session: s, client: base.client, pending, last, frames, t: first.request.t }),
  ];

  if (group.every((t) => !answered(t))) {
    if (rrqs < 2 || tftpOutcomeUnknown(a)) return [];
    const other = answeredBy(a, first.serverIp);
    if (!other) return [];
    if (endsBeforeDeadline(a, last.t))
      return cutOff(
        `${label}'s ${plural(rrqs, 'RRQ')} for ${q(first.filename)} to ${first.serverIp} (${framesText(rrqFrames)}) had no answer yet`,
        rrqFrames,
      );
    return [
      finding(doc, {
        ...base,
        message:
          `${clientSubject(label)} sent ${plural(rrqs, 'RRQ')} for ${q(first.filename)} to ${first.serverIp} ` +
          `(${framesText(rrqFrames)}) and got no answer, although ${first.serverIp} answers other transfers ` +
          `(e.g. ${q(other.transfer.filename)}, frame ${other.transfer.request.frame}).`,
        frames: rrqFrames,
        hint:
          `Look at ${first.serverIp}'s TFTP log at t=${first.request.t.toFixed(1)} s: a connection limit ` +
          '(dnsmasq tftp-max), a per-client rule, or a firewall/ACL between this client and the server can ' +
          'drop this request only.',
      }),
    ];
  }
  // Answered, yet never acknowledged: the answer does not get back to the client.
  const unacked = group.filter(
    (t) =>
      answered(t) && t.ackPackets === 0 && t.error === null && !isTsizeProbe(t) && t.outcome !== 'complete',
  );
  if (unacked.length === 0 || unacked.length !== group.length) return [];
  if (rrqs < 2 && !unacked.some((t) => t.outcome === 'abandoned')) return [];
  const replyFrames = unacked.flatMap((t) =>
    [t.oack?.frame, t.firstData?.frame].filter((f): f is number => f !== undefined),
  );
  const ports = [...new Set(unacked.map((t) => t.serverPort).filter((p): p is number => p !== null))];
  if (endsBeforeDeadline(a, last.t) && !unacked.some((t) => t.outcome === 'abandoned'))
    return cutOff(
      `${first.serverIp} answered ${label}'s ${plural(rrqs, 'RRQ')} for ${q(first.filename)} (${framesText(replyFrames)}) and no acknowledgement was seen yet`,
      [...rrqFrames, ...replyFrames],
    );
  return [
    finding(doc, {
      ...base,
      message:
        `${first.serverIp} answered ${label}'s ${plural(rrqs, 'RRQ')} for ${q(first.filename)} ` +
        `(${framesText(replyFrames)}${ports.length > 0 ? `, from port ${ports.join(', ')}` : ''}) but the client ` +
        "never acknowledged: the replies from the server's transfer port do not reach it.",
      frames: [...rrqFrames, ...replyFrames],
      hint:
        `Allow UDP from ${first.serverIp}'s ephemeral ports back to ${first.clientIp} (stateful firewalls and NAT ` +
        'need the TFTP conntrack helper, nf_conntrack_tftp), or run the server single-port (dnsmasq ' +
        'tftp-single-port) so replies come from port 69.',
    }),
  ];
}

function checkSession(s: BootSession, ctx: RuleContext): Finding[] {
  return groups(s.transfers).flatMap((g) => evaluate(ctx, s, g));
}

function checkCapture(ctx: RuleContext): Finding[] {
  return groups(ctx.analysis.orphanTransfers).flatMap((g) => evaluate(ctx, null, g));
}

export const tftpOpenTimeout: Rule = { ...doc, checkSession, checkCapture };
