import { requesterOf } from '../rounds.js';
import { at, bytes, clientLabel, ipClientLabel, q, seconds, finding } from '../format.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import {
  laterSuccess,
  pathEvidence,
  perTransfer,
  silenceAfter,
  stalled,
  tftpOutcomeUnknown,
  type OwnedTransfer,
} from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.read-timeout',
  severity: 'error',
  severityNote: 'warn when a later transfer of the same file completed',
  group: 'tftp',
  title: 'TFTP transfer stalled',
  detects:
    'A transfer that started (OACK or DATA) stops before its last block: abandoned, or still open while the ' +
    'capture runs on for seconds without a packet of it.',
  ignores:
    'Transfers cut off by the end of the capture; the tsize probe; transfers whose block size does not fit ' +
    'the path (see tftp.blksize-exceeds-path); captures without TFTP data (see capture.tftp-data-missing).',
  clientMessages: [BIOS.tftpReadTimeout, UEFI.serverTimeout, IPXE.tftpTimedOut],
  fix: 'Find who went silent: the server (overload, crash, disk) or the path (loss, a link flapping); retry counts and timeouts are server settings.',
};

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const a = ctx.analysis;
  const t = o.transfer;
  if (tftpOutcomeUnknown(a) || !stalled(t, a) || pathEvidence(t, o.session, a) !== null) return [];
  // Nothing was ever acknowledged: the answers did not reach the client (tftp.open-timeout says so).
  if (t.ackPackets === 0) return [];
  const fixed = laterSuccess(t, a);
  const label = o.session ? clientLabel(o.session) : ipClientLabel(t.clientIp);
  const total = t.tsize !== null ? ` of ${bytes(t.tsize)}` : '';
  const gap = Math.max(t.maxGap, t.outcome === 'abandoned' ? 0 : silenceAfter(t, a));
  const unacked =
    t.unackedRetransmits > 0
      ? ` The server resent DATA ${t.unackedRetransmits} times without getting an ACK.`
      : '';
  const req = requesterOf(o.session, t);
  return [
    finding(doc, {
      severity: fixed ? 'warn' : 'error',
      message:
        `The transfer of ${q(t.filename)} from ${t.serverIp} to ${label} stopped after block ${t.blocks} ` +
        `(${bytes(t.bytes)}${total}); its last packet is frame ${t.lastPacket.frame} at ${at(t.lastPacket.t)}` +
        (gap > 0 ? `, followed by ${seconds(gap)} of silence` : '') +
        `.${unacked}` +
        (fixed ? ` A later transfer of the same file completed (frame ${fixed.request.frame}).` : ''),
      frames: [
        t.request.frame,
        ...(t.firstData ? [t.firstData.frame] : []),
        t.lastPacket.frame,
        ...t.retransmitFrames,
      ],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: clientMessage(req.family, {
        bios: [BIOS.tftpReadTimeout],
        uefi: [UEFI.serverTimeout],
        ipxe: [IPXE.tftpTimedOut],
      }),
      hint:
        `Check ${t.serverIp}'s TFTP log and load at t=${t.lastPacket.t.toFixed(1)} s and the link between it and ` +
        `${t.clientIp} (interface errors, duplex, Wi-Fi or VPN hops); a slow server needs a longer client ` +
        'timeout (the RRQ "timeout" option) or less load.',
      t: t.lastPacket.t,
    }),
  ];
}

export const tftpReadTimeout: Rule = { ...doc, ...perTransfer(check) };
