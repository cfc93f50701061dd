/** TFTP side of the server-software reading: error texts and OACK behaviour, as each server's source has them. */
import { Signs, type ServerEvidence } from './server-signs.js';
import type { TftpTransfer } from './types.js';

export function tftpEvidence(transfers: TftpTransfer[]): ServerEvidence[] {
  const signs = new Signs();
  for (const t of transfers) tftpSigns(t, signs);
  return combineTftp(signs.list());
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

const AS_ASKED_BLKSIZE_FIRST =
  'OACK blksize before tsize, as the client asked (dnsmasq and tftp-hpa answer so)';
const AS_ASKED_TSIZE_FIRST = 'OACK tsize before blksize, as the client asked (tftp-hpa and atftpd answer so)';

/**
 * One server that answered blksize first to a client that asked it first and tsize first to one that asked
 * that first follows each request's order: tftp-hpa does (tftpd.c walks the RRQ's options and appends each
 * one it accepts to the OACK), dnsmasq always writes blksize first and atftpd always tsize first (seen in the
 * lab recordings of all three: fixtures/captures/lab kea-happy-bios, happy-bios-pxelinux, kea-happy-uefi).
 */
export function combineTftp(evidence: ServerEvidence[]): ServerEvidence[] {
  const of = (text: string): ServerEvidence | undefined =>
    evidence.find((e) => e.software === 'tftpd-hpa' && e.text === text);
  const blksizeFirst = of(AS_ASKED_BLKSIZE_FIRST);
  const tsizeFirst = of(AS_ASKED_TSIZE_FIRST);
  if (blksizeFirst === undefined || tsizeFirst === undefined) return evidence;
  const frames = [blksizeFirst.frames[0], tsizeFirst.frames[0]].sort((a, b) => a - b);
  return [
    {
      software: 'tftpd-hpa',
      weight: 3,
      text:
        "OACK options in the client's order both ways: blksize first when asked first, tsize first when asked " +
        'first (tftp-hpa; dnsmasq always writes blksize first, atftpd tsize first)',
      frames,
    },
    ...evidence,
  ];
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
  // Whichever order the client asked blksize and tsize in, tftp-hpa answers in it: blksize first fits it and
  // dnsmasq, tsize first fits it and atftpd. Seeing both from one server is tftp-hpa's alone (combineTftp).
  if (sameAsAsked && acked.includes('blksize') && acked.includes('tsize')) {
    if (acked.indexOf('blksize') < acked.indexOf('tsize')) {
      signs.add('tftpd-hpa', 1, AS_ASKED_BLKSIZE_FIRST, frame);
      signs.add('dnsmasq', 1, AS_ASKED_BLKSIZE_FIRST, frame);
    } else {
      signs.add('tftpd-hpa', 1, AS_ASKED_TSIZE_FIRST, frame);
      signs.add('atftpd', 1, AS_ASKED_TSIZE_FIRST, frame);
    }
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
