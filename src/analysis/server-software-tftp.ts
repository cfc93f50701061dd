/** TFTP side of the server-software reading: error texts and OACK behaviour, as each server's source has them. */
import { Signs, type ServerEvidence } from './server-signs.js';
import type { TftpTransfer } from './types.js';

export function tftpEvidence(transfers: TftpTransfer[]): ServerEvidence[] {
  const signs = new Signs();
  for (const t of transfers) tftpSigns(t, signs);
  return signs.list();
}

/** The signs one transfer shows of its server. */
export function tftpSigns(t: TftpTransfer, signs: Signs): void {
  if (t.error !== null && t.error.from === 'server') errorText(t.error.message, t.error.frame.frame, signs);
  if (t.oack !== null) oackOrder(t, signs);
}

/**
 * Error texts: dnsmasq (src/tftp.c) writes "file <path> not found for <client>" (older: without "for …"),
 * "cannot access <path>: …", "unsupported request from …"; tftp-hpa (tftpd/tftpd.c errmsgs) "File not found",
 * "Access denied", "Failure to negotiate RFC2347 options"; atftpd (tftp_def.c tftp_errmsg) "File not found",
 * "Access violation", "Failure to negotiate RFC1782 options".
 */
function errorText(message: string, frame: number, signs: Signs): void {
  if (/^file \/?.* not found( for .*)?$/.test(message)) {
    signs.add('dnsmasq', 3, `TFTP error text "${message}" (dnsmasq's "file … not found")`, frame, 'fnf');
  } else if (/^cannot (access|read) .+: .+/.test(message) || /^unsupported request from /.test(message)) {
    signs.add('dnsmasq', 3, `TFTP error text "${message}" (dnsmasq's wording)`, frame, 'other-error');
  } else if (message === 'Access denied' || message === 'Failure to negotiate RFC2347 options') {
    signs.add('tftpd-hpa', 3, `TFTP error text "${message}" (tftp-hpa's wording)`, frame);
  } else if (message === 'Access violation' || message === 'Failure to negotiate RFC1782 options') {
    signs.add('atftpd', 2, `TFTP error text "${message}" (atftpd's wording)`, frame);
  } else if (message === 'File not found') {
    signs.add('tftpd-hpa', 1, 'TFTP error text "File not found" (tftp-hpa and atftpd both say this)', frame);
    signs.add('atftpd', 1, 'TFTP error text "File not found" (tftp-hpa and atftpd both say this)', frame);
  }
}

/**
 * OACK: dnsmasq (src/tftp.c get_block) answers only blksize then tsize, in that order, and ignores timeout and
 * windowsize; tftp-hpa (do_opt) answers in the client's order and knows utimeout and rollover; atftpd answers
 * in its own table's order (tsize, timeout, blksize, multicast) and alone knows multicast; Windows WDS answers
 * its own msftwindow option.
 */
function oackOrder(t: TftpTransfer, signs: Signs): void {
  const frame = t.oack?.frame ?? t.request.frame;
  const acked = Object.keys(t.negotiated).map((k) => k.toLowerCase());
  const asked = Object.keys(t.requested).map((k) => k.toLowerCase());
  if (acked.includes('msftwindow')) signs.add('windows-wds', 3, 'OACK with msftwindow (WDS TFTP)', frame);
  if (acked.includes('multicast')) signs.add('atftpd', 3, 'OACK with multicast (atftpd)', frame);
  if (acked.includes('utimeout') || acked.includes('rollover')) {
    signs.add('tftpd-hpa', 3, 'OACK with utimeout/rollover (tftp-hpa options)', frame);
  }
  if (acked.length < 2) return;
  const askedOrder = asked.filter((k) => acked.includes(k));
  const sameAsAsked = askedOrder.join(',') === acked.join(',');
  const known = new Set(['blksize', 'tsize']);
  const ignored = asked.filter((k) => !acked.includes(k) && (k === 'timeout' || k === 'windowsize'));
  if (acked.every((k) => known.has(k)) && acked.join(',') === 'blksize,tsize' && !sameAsAsked) {
    signs.add(
      'dnsmasq',
      3,
      "OACK blksize before tsize although the client asked tsize first (dnsmasq's fixed order)",
      frame,
    );
  } else if (!sameAsAsked && acked.join(',') === 'tsize,blksize') {
    signs.add(
      'atftpd',
      3,
      "OACK tsize before blksize although the client asked blksize first (atftpd's table order)",
      frame,
    );
  } else if (acked.join(',') === 'blksize,tsize' && ignored.length > 0) {
    signs.add(
      'dnsmasq',
      1,
      `OACK with blksize and tsize only, ${ignored.join(' and ')} ignored (as dnsmasq does)`,
      frame,
    );
  }
  if (sameAsAsked && acked.includes('timeout')) {
    signs.add(
      'tftpd-hpa',
      1,
      "OACK echoes the options in the client's order, timeout included (as tftp-hpa does)",
      frame,
    );
  }
}
