import { q, finding, requestLabel } from '../format.js';
import { perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.sorcerers-apprentice',
  severity: 'warn',
  group: 'tftp',
  title: "Sorcerer's apprentice syndrome",
  detects:
    'From some block on, every DATA is sent twice and every ACK doubled, and it never recovers (RFC 1123 ' +
    '§4.2.3.1): a sender that retransmits on a duplicate ACK meets a receiver that acknowledges duplicates.',
  ignores: 'A single duplicate DATA or ACK, which is ordinary recovery (see tftp.retransmissions for many).',
  clientMessages: [],
  fix: 'Update the TFTP server (or client): a sender must not retransmit DATA on receiving a duplicate ACK.',
};

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  if (t.apprenticeFrom === null) return [];
  const label = requestLabel(o.session, t);
  return [
    finding(doc, {
      message:
        `From block ${t.apprenticeFrom} on, every DATA of ${q(t.filename)} from ${t.serverIp} to ${label} went out twice ` +
        `and every ACK came back doubled (${t.duplicateData} duplicate DATA, ${t.duplicateAcks} duplicate ACKs over ` +
        `${t.blocks} blocks): the sorcerer's apprentice bug, which doubles the traffic to the end of the transfer.`,
      frames: [t.request.frame, ...t.retransmitFrames, ...t.frames.slice(0, 6)],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: null,
      hint:
        `Replace or update the TFTP server on ${t.serverIp} with one that ignores duplicate ACKs (tftp-hpa, dnsmasq and ` +
        'current iPXE/EDK2 clients do); very short retransmit timeouts on either side trigger it.',
      t: (t.firstData ?? t.request).t,
    }),
  ];
}

export const tftpSorcerersApprentice: Rule = { ...doc, ...perTransfer(check) };
