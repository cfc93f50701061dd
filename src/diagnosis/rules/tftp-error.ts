import { requesterOf } from '../rounds.js';
import { bytes, framesText, q, finding, requestLabel } from '../format.js';
import { BIOS, UEFI, biosTftpEcho, clientMessage } from '../pxe-errors.js';
import {
  isTsizeProbe,
  laterSuccess,
  pathEvidence,
  perTransfer,
  sameTransfer,
  transfersOf,
  type OwnedTransfer,
} from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** Base memory left for a BIOS network boot program is well under 640 KiB; above this E79 is likely. */
const BIOS_NBP_LIMIT = 500 * 1024;

const CODE_NAMES: Record<number, string> = {
  0: 'not defined',
  3: 'disk full',
  4: 'illegal TFTP operation',
  6: 'file already exists',
  7: 'no such user',
  8: 'option negotiation refused',
};

const doc: RuleDoc = {
  id: 'tftp.error',
  severity: 'error',
  severityNote:
    'warn when the client fetched the same file successfully afterwards, or for a probe that was not followed by a download',
  group: 'tftp',
  title: 'TFTP error',
  detects:
    'A TFTP ERROR other than file not found (1), access violation (2) and unknown transfer ID (5): code 0 ' +
    'with a server message, 3 disk full, 4 illegal operation, 6, 7, 8 option negotiation refused, from the ' +
    'server or the client. Also a tsize probe that is never followed by the real download (a BIOS client ' +
    'that gives up on a large file: PXE-E79).',
  ignores:
    'The tsize probe: RRQ with tsize=0, OACK, client ERROR 0 or 8 ("User aborted the transfer"), then a new ' +
    'RRQ for the same file from a new port (Wireshark: tftp.likely_tsize_probe); errors covered by their own ' +
    'rules (1, 2, 5).',
  clientMessages: [`PXE-T0n: <server text> / ${BIOS.tftpErrorReceived}`, UEFI.tftpError, BIOS.nbpTooBig],
  fix: 'Read the error text: it names the option or operation the other side refused.',
};

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const t = o.transfer;
  const e = t.error;
  if (e === null || e.code === 1 || e.code === 2 || e.code === 5) return [];
  const req = requesterOf(o.session, t);
  const label = requestLabel(o.session, t);
  const fixed = laterSuccess(t, ctx.analysis);
  if (isTsizeProbe(t)) {
    const retried = transfersOf(ctx.analysis, t.clientIp).some(
      (x) =>
        !sameTransfer(x.transfer, t) &&
        x.transfer.filename === t.filename &&
        x.transfer.request.t >= t.request.t,
    );
    if (retried) return [];
    const big = t.tsize !== null && t.tsize > BIOS_NBP_LIMIT && req.family === 'bios';
    return [
      finding(doc, {
        severity: 'warn',
        message:
          `${label} asked ${t.serverIp} for the size of ${q(t.filename)} (tsize probe, ` +
          `${framesText([t.request.frame, e.frame.frame])}${t.tsize !== null ? `: ${bytes(t.tsize)}` : ''}) and never ` +
          `requested the file itself.${big ? ' A BIOS PXE ROM refuses a boot program that does not fit in base memory.' : ''}`,
        frames: [t.request.frame, ...(t.oack ? [t.oack.frame] : []), e.frame.frame],
        client: o.session?.clientMac ?? null,
        sessionId: o.session?.id,
        pxeError: big ? BIOS.nbpTooBig : null,
        hint: big
          ? `Use a smaller first-stage program for BIOS clients (undionly.kpxe is about 70 KiB, pxelinux.0 about 42 KiB) and load ${t.filename} from it.`
          : 'Check the client console: it decided against the download after seeing the size.',
        t: t.request.t,
      }),
    ];
  }
  if (pathEvidence(t, o.session, ctx.analysis)) return [];
  const name = CODE_NAMES[e.code] ?? `code ${e.code}`;
  const fromServer = e.from === 'server';
  const message =
    `${fromServer ? `TFTP server ${t.serverIp}` : label} sent ERROR ${e.code} (${name}) ${q(e.message)} during ` +
    `${fromServer ? `${label}'s` : 'its'} transfer of ${q(t.filename)} (${framesText([t.request.frame, e.frame.frame])}).` +
    (e.code === 8 && Object.keys(t.requested).length > 0
      ? ` Options asked: ${Object.entries(t.requested)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ')}` +
        (Object.keys(t.negotiated).length > 0
          ? `; acknowledged: ${Object.entries(t.negotiated)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')}.`
          : '.')
      : '') +
    (fixed ? ` A later transfer of the same file completed (frame ${fixed.request.frame}).` : '');
  const hint =
    e.code === 8
      ? 'One side refused the options of the other: compare the RRQ options with the OACK (blksize, windowsize, ' +
        'tsize, timeout); dnsmasq can stop offering them with tftp-no-blocksize, tftp-hpa with --refuse <option>.'
      : e.code === 4
        ? 'An illegal operation usually means a packet arrived for a transfer the peer had already closed, or a WRQ to a read-only server.'
        : 'The error text comes from the sender; the server log has the details.';
  return [
    finding(doc, {
      severity: fixed ? 'warn' : 'error',
      message,
      frames: [t.request.frame, e.frame.frame],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: fromServer
        ? clientMessage(req.family, {
            bios: [biosTftpEcho(e.code, e.message), BIOS.tftpErrorReceived],
            uefi: [UEFI.tftpError],
          })
        : null,
      hint,
      t: e.frame.t,
    }),
  ];
}

export const tftpError: Rule = { ...doc, ...perTransfer(check) };
