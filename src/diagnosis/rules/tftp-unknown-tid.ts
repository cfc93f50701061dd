import { framesText, plural, q, finding, requestLabel } from '../format.js';
import { isTsizeProbe, perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.unknown-tid',
  severity: 'warn',
  severityNote:
    'info when the client had resent its RRQ and a second server port answered: the client rejecting the ' +
    'duplicate is correct',
  group: 'tftp',
  title: 'Packets for an unknown transfer ID',
  detects:
    'Packets reach a transfer from a port that is not its TID (stray packets), or an ERROR 5 "unknown transfer ' +
    'ID": NAT or a firewall rewriting ports, a multi-homed server answering from another address, or two ' +
    'server processes answering one RRQ.',
  ignores:
    'Single-port servers (dnsmasq --tftp-single-port, smee) that answer from port 69, which the analyzer ' +
    'treats as the TID; stray packets around a tsize probe.',
  clientMessages: [],
  fix:
    'Let TFTP pass NAT/firewalls (the conntrack TFTP helper, or a single-port server), and bind the server to ' +
    'the address clients use.',
};

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  if (isTsizeProbe(t)) return [];
  const tid5 = t.error !== null && t.error.code === 5 ? t.error : null;
  if (t.strayPackets.length === 0 && tid5 === null) return [];
  const label = requestLabel(o.session, t);
  const benign = t.requestRetries.length > 0 && t.strayPackets.length <= 2 && t.outcome === 'complete';
  const parts: string[] = [];
  if (t.strayPackets.length > 0) {
    parts.push(
      `${plural(t.strayPackets.length, 'packet')} reached the transfer of ${q(t.filename)} between ${t.serverIp} and ` +
        `${label} from a port other than its transfer ID (${framesText(t.strayPackets.map((f) => f.frame))}).`,
    );
  }
  if (tid5) {
    parts.push(
      `${tid5.from === 'server' ? t.serverIp : label} answered ERROR 5 ${q(tid5.message)} (frame ${tid5.frame.frame}) ` +
        `during the transfer of ${q(t.filename)}.`,
    );
  }
  if (benign) {
    parts.push(
      'The client had resent its RRQ and the server answered both copies; rejecting the second one is correct.',
    );
  } else {
    parts.push('NAT or a firewall rewriting ports, or a server replying from another address, does this.');
  }
  return [
    finding(doc, {
      severity: benign ? 'info' : 'warn',
      message: parts.join(' '),
      frames: [t.request.frame, ...t.strayPackets.map((f) => f.frame), ...(tid5 ? [tid5.frame.frame] : [])],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: null,
      hint:
        `Between ${label} and ${t.serverIp}: load the TFTP conntrack helper on NAT/firewalls (nf_conntrack_tftp), ` +
        'or use a single-port server (dnsmasq tftp-single-port); bind the TFTP server to the address clients ' +
        'send to (dnsmasq listen-address / tftp-hpa --address).',
      t: (t.strayPackets[0] ?? tid5?.frame ?? t.request).t,
    }),
  ];
}

export const tftpUnknownTid: Rule = { ...doc, ...perTransfer(check) };
