import { requesterOf } from '../rounds.js';
import { framesText, q, finding, requestLabel } from '../format.js';
import { serverHint } from '../hints.js';
import { BIOS, IPXE, UEFI, biosTftpEcho, clientMessage } from '../pxe-errors.js';
import { perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.access-violation',
  severity: 'error',
  group: 'tftp',
  title: 'TFTP access violation',
  detects:
    'The TFTP server answers with ERROR 2 (access violation): the file exists but the server may not read it ' +
    '(permissions, ownership with dnsmasq tftp-secure, a path outside the root), or it refuses a write.',
  ignores: 'Nothing: a server never sends ERROR 2 as part of a normal boot.',
  clientMessages: [
    `${biosTftpEcho(2, 'Access violation')} / ${BIOS.tftpAccessViolation}`,
    UEFI.tftpError,
    IPXE.permissionDenied,
  ],
  fix: 'Make the file readable by the TFTP server user and keep it inside the TFTP root; allow writes explicitly if they are wanted.',
};

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  if (t.error === null || t.error.code !== 2 || t.error.from !== 'server') return [];
  const req = requesterOf(o.session, t);
  const label = requestLabel(o.session, t);
  const write = t.direction === 'write';
  const message =
    `TFTP server ${t.serverIp} refused ${label}'s ${write ? 'write (WRQ)' : 'read'} of ${q(t.filename)} with ERROR 2 ` +
    `${q(t.error.message)} (${framesText([t.request.frame, t.error.frame.frame])}).` +
    (t.filename.includes('..') ? ' The name contains "..", which servers refuse.' : '');
  const hint = serverHint(
    write
      ? `Writes are off by default; allow them only if ${t.filename} should be uploaded:`
      : `Make ${q(t.filename)} readable by the TFTP server on ${t.serverIp}:`,
    write
      ? { other: [['tftp-hpa', ['in.tftpd --create (-c), and the directory writable by the tftp user']]] }
      : {
          dnsmasq: ['chmod a+r <file> (with tftp-secure, the file must also be owned by the dnsmasq user)'],
          other: [['tftp-hpa', ['chmod a+r <file>; keep it under the --secure root']]],
        },
  );
  return [
    finding(doc, {
      message,
      frames: [t.request.frame, t.error.frame.frame],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: clientMessage(req.family, {
        bios: [biosTftpEcho(2, t.error.message), BIOS.tftpAccessViolation],
        uefi: [UEFI.tftpError],
        ipxe: [IPXE.permissionDenied],
      }),
      hint,
      t: t.request.t,
    }),
  ];
}

export const tftpAccessViolation: Rule = { ...doc, ...perTransfer(check) };
