import { incompleteAtEnd, STALL_SECONDS, timeToEnd } from '../capture-end.js';
import { requesterOf } from '../rounds.js';
import type { AnalysisResult, TftpTransfer } from '../../analysis/types.js';
import { at, bytes, plural, q, seconds, finding, requestLabel } from '../format.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import {
  laterSuccess,
  nextRequestAfter,
  pathEvidence,
  cutOffWhileWaiting,
  perTransfer,
  stalled,
  tftpOutcomeUnknown,
  type OwnedTransfer,
} from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.read-timeout',
  severity: 'error',
  group: 'tftp',
  title: 'TFTP transfer stalled',
  detects:
    'A transfer that started (OACK or DATA) stops before its last block: abandoned, or still open while the ' +
    'capture runs on for seconds without a packet of it.',
  severityNote:
    'warn when a later transfer of the same file completed; info ("incomplete at the end of the capture") when ' +
    `the transfer had stopped and was being retried less than ${STALL_SECONDS} s before the capture ended`,
  ignores:
    'Transfers cut off by the end of the capture while still moving; the tsize probe; transfers whose block size does not fit ' +
    'the path (see tftp.blksize-exceeds-path); captures without TFTP data (see capture.tftp-data-missing).',
  clientMessages: [BIOS.tftpReadTimeout, UEFI.serverTimeout, IPXE.tftpTimedOut],
  fix: 'Find who went silent: the server (overload, crash, disk) or the path (loss, a link flapping); retry counts and timeouts are server settings.',
};

/** Bytes per second, as a person reads it. */
function rate(bps: number): string {
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(1)} MB/s` : `${(bps / 1e3).toFixed(1)} kB/s`;
}

/**
 * The stall as it happened: where the client's acknowledgements stopped, the last new DATA, what both ends
 * did after that (resends, re-ACKs, ICMP errors, an ERROR) and the rate before it. Silence is measured from
 * the transfer's last packet to the capture's last frame, never from a packet to itself.
 */
function story(t: TftpTransfer, a: AnalysisResult): { text: string; frames: number[]; stallT: number } {
  const p = t.progress;
  const total = t.tsize !== null ? ` of ${bytes(t.tsize)}` : '';
  if (p === undefined) {
    return {
      text: `stopped after block ${t.blocks} (${bytes(t.bytes)}${total}); its last packet is frame ${t.lastPacket.frame} at ${at(t.lastPacket.t)}.`,
      frames: [t.lastPacket.frame],
      stallT: t.lastPacket.t,
    };
  }
  const acked = p.ackedBlock ?? 0;
  const frames: number[] = [];
  const parts: string[] = [
    `stopped at block ${acked + 1}, byte ${p.ackedBytes}${total}: the client's last new ACK was ` +
      (p.ackedAt === null ? 'never sent' : `block ${acked} (frame ${p.ackedAt.frame}, ${at(p.ackedAt.t)})`),
  ];
  if (p.ackedAt) frames.push(p.ackedAt.frame);
  if (p.newestData !== null) {
    parts.push(
      `the last new DATA was block ${p.newestBlock} (frame ${p.newestData.frame}, ${at(p.newestData.t)})`,
    );
    frames.push(p.newestData.frame);
  }
  const after: string[] = [];
  if (p.resends > 0 && p.lastData !== null) {
    after.push(
      `the server sent DATA again ${plural(p.resends, 'time')} (last at frame ${p.lastData.frame}, ${at(p.lastData.t)})`,
    );
    frames.push(...p.resendFrames.map((r) => r.frame), p.lastData.frame);
  }
  if (p.reAcks > 0) {
    after.push(`the client re-sent ACK ${acked} ${plural(p.reAcks, 'time')}`);
    frames.push(...p.reAckFrames.map((r) => r.frame));
  }
  const icmp = a.icmpUnreachable.filter(
    (i) => i.frame.t >= p.lastProgress.t && t.icmpErrors.some((e) => e.frame === i.frame.frame),
  );
  const firstIcmp = icmp[0];
  if (firstIcmp !== undefined) {
    const closed = firstIcmp.from === t.serverIp ? ' (the server had closed the transfer)' : '';
    after.push(
      `${firstIcmp.from} answered ${firstIcmp.src}'s packets with ICMP destination unreachable ` +
        `${plural(icmp.length, 'time')} from frame ${firstIcmp.frame.frame} (${at(firstIcmp.frame.t)})${closed}`,
    );
    frames.push(...icmp.map((i) => i.frame.frame));
  }
  if (t.error !== null) {
    after.push(
      `the ${t.error.from} sent ERROR ${t.error.code} ${q(t.error.message)} (frame ${t.error.frame.frame})`,
    );
    frames.push(t.error.frame.frame);
  }
  const left = timeToEnd(a, t.lastPacket.t);
  const text =
    `${parts.join('; ')}. ` +
    (after.length > 0 ? `After that ${after.join('; ')}. ` : 'Nothing more of it came from either end. ') +
    (p.rateBefore !== null ? `Before the stall it moved ${rate(p.rateBefore)}. ` : '') +
    `Its last packet is frame ${t.lastPacket.frame} (${at(t.lastPacket.t)})` +
    (left > 0
      ? `; the capture runs on ${seconds(left)} after it without another packet of this transfer.`
      : ', the end of the capture.');
  frames.push(t.lastPacket.frame);
  return { text, frames, stallT: p.lastProgress.t };
}

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const a = ctx.analysis;
  const t = o.transfer;
  if (tftpOutcomeUnknown(a) || pathEvidence(t, o.session, a) !== null) return [];
  // Nothing was ever acknowledged: the answers did not reach the client (tftp.open-timeout says so).
  if (t.ackPackets === 0) return [];
  if (cutOffWhileWaiting(t, a)) {
    const held = t.progress?.ackedBytes ?? t.bytes;
    return [
      incompleteAtEnd(doc, a, {
        session: o.session,
        client: o.session?.clientMac ?? null,
        pending: `the transfer of ${q(t.filename)} from ${t.serverIp} to ${requestLabel(o.session, t)} had stopped moving after ${bytes(held)} and was being retried`,
        last: t.lastPacket,
        frames: [t.request.frame, t.lastPacket.frame],
        t: t.lastPacket.t,
      }),
    ];
  }
  if (!stalled(t, a)) return [];
  const fixed = laterSuccess(t, a);
  const next = fixed ? null : nextRequestAfter(t, a);
  const label = requestLabel(o.session, t);
  const told = story(t, a);
  const req = requesterOf(o.session, t);
  return [
    finding(doc, {
      severity: fixed ? 'warn' : 'error',
      message:
        `The transfer of ${q(t.filename)} from ${t.serverIp} to ${label} ${told.text}` +
        (fixed ? ` A later transfer of the same file completed (frame ${fixed.request.frame}).` : '') +
        (next
          ? ` The client went on: it asked ${next.serverIp} for ${q(next.filename)} at ${at(next.request.t)} ` +
            `(frame ${next.request.frame}).`
          : ''),
      frames: [
        t.request.frame,
        ...(t.firstData ? [t.firstData.frame] : []),
        ...told.frames,
        ...(next ? [next.request.frame] : []),
      ],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: clientMessage(req.family, {
        bios: [BIOS.tftpReadTimeout],
        uefi: [UEFI.serverTimeout],
        ipxe: [IPXE.tftpTimedOut],
      }),
      hint:
        `Check ${t.serverIp}'s TFTP log and load at t=${told.stallT.toFixed(1)} s and the link between it and ` +
        `${t.clientIp} (interface errors, duplex, Wi-Fi or VPN hops); a slow server needs a longer client ` +
        'timeout (the RRQ "timeout" option) or less load.',
      t: told.stallT,
    }),
  ];
}

export const tftpReadTimeout: Rule = { ...doc, ...perTransfer(check) };
