import { bytes, q, finding, requestLabel } from '../format.js';
import { perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.tsize-mismatch',
  severity: 'warn',
  group: 'tftp',
  title: 'Transfer size differs from announced tsize',
  detects:
    'A completed octet-mode transfer delivered a different number of bytes than the tsize its OACK ' +
    'announced: the file changed during the transfer, or the server reports sizes wrongly. Clients that ' +
    'allocate by tsize can fail or truncate.',
  ignores:
    'netascii transfers (line-ending conversion changes the size), transfers with blocks missing from the ' +
    'capture, and transfers that did not complete.',
  clientMessages: [],
  fix: 'Do not replace boot files while clients download them (write to a temporary name, then rename).',
};

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  if (t.outcome !== 'complete' || t.tsize === null || t.gaps > 0 || t.mode.toLowerCase() === 'netascii')
    return [];
  if (t.bytes === t.tsize) return [];
  const label = requestLabel(o.session, t);
  return [
    finding(doc, {
      message:
        `${t.serverIp} announced tsize ${t.tsize} for ${q(t.filename)} (OACK frame ${t.oack?.frame ?? '?'}) but the ` +
        `completed transfer to ${label} carried ${t.bytes} bytes (${bytes(Math.abs(t.bytes - t.tsize))} ` +
        `${t.bytes > t.tsize ? 'more' : 'fewer'}).`,
      frames: [
        t.request.frame,
        ...(t.oack ? [t.oack.frame] : []),
        ...(t.outcomeFrame ? [t.outcomeFrame.frame] : []),
      ],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: null,
      hint: `Check whether ${t.filename} on ${t.serverIp} was being replaced at t=${t.request.t.toFixed(1)} s; update files atomically (copy to a temporary name, then mv).`,
      t: (t.outcomeFrame ?? t.lastPacket).t,
    }),
  ];
}

export const tftpTsizeMismatch: Rule = { ...doc, ...perTransfer(check) };
