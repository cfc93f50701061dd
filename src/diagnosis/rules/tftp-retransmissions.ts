import { framesText, plural, q, finding, requestLabel } from '../format.js';
import { pathEvidence, perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** One duplicate after a lost packet is ordinary recovery; this many is a pattern. */
const MIN_DUPLICATES = 4;
const MIN_RATIO = 0.01;

const doc: RuleDoc = {
  id: 'tftp.retransmissions',
  severity: 'warn',
  group: 'tftp',
  title: 'Many TFTP retransmissions',
  detects:
    `A transfer with more than ${MIN_DUPLICATES - 1} duplicate DATA or ACK packets and more than ` +
    `${MIN_RATIO * 100}% of its blocks: loss on the path or timeouts shorter than the round trip.`,
  ignores:
    "A single duplicate DATA after a lost ACK or a single duplicate ACK (ordinary recovery); the sorcerer's " +
    'apprentice pattern and block-size problems, which have their own rules.',
  clientMessages: [],
  fix: 'Look for loss on the path (interface errors, duplex mismatch, Wi-Fi, congested uplinks) and for too-short retransmit timeouts.',
};

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const t = o.transfer;
  const dups = t.duplicateData + t.duplicateAcks;
  if (dups < MIN_DUPLICATES || dups <= Math.max(1, t.blocks) * MIN_RATIO) return [];
  if (t.apprenticeFrom !== null || pathEvidence(t, o.session, ctx.analysis) !== null) return [];
  const label = requestLabel(o.session, t);
  // A share of a handful of blocks says nothing ("1 block (1100.0%)"): the counts alone say it then.
  const pct = t.blocks >= 20 ? ` (${((dups / t.blocks) * 100).toFixed(1)}%)` : '';
  const windowed =
    t.windowsize > 1 ? ` With windowsize ${t.windowsize}, one loss resends a whole window.` : '';
  return [
    finding(doc, {
      message:
        `The transfer of ${q(t.filename)} from ${t.serverIp} to ${label} needed ${t.duplicateData} duplicate DATA and ` +
        `${t.duplicateAcks} duplicate ACK packets for ${plural(t.blocks, 'block')}${pct}, outcome ${t.outcome}` +
        // The re-sends only (the first send is not a re-send), and how many there were.
        (t.unackedRetransmits > 0
          ? `; DATA re-sent ${plural(t.unackedRetransmits, 'time')} without an ACK (${framesText(t.retransmitFrames)})`
          : '') +
        `.${windowed}`,
      frames: [t.request.frame, ...t.retransmitFrames],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: null,
      hint:
        `Check the link between ${t.serverIp} and ${t.clientIp} for loss (switch port counters, duplex, Wi-Fi/VPN hops) ` +
        'and the retransmit timeout of the TFTP server (tftp-hpa --retransmit) against the round trip.',
      t: (t.firstData ?? t.request).t,
    }),
  ];
}

export const tftpRetransmissions: Rule = { ...doc, ...perTransfer(check) };
