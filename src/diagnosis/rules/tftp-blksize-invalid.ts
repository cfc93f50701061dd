import { requesterOf } from '../rounds.js';
import { listText, q, finding, requestLabel } from '../format.js';
import { blksizeHint } from '../hints.js';
import { BIOS, clientMessage } from '../pxe-errors.js';
import { perTransfer, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

/** RFC 2348: blksize is 8 to 65464 octets. */
const MIN = 8;
const MAX = 65464;

const doc: RuleDoc = {
  id: 'tftp.blksize-invalid',
  severity: 'error',
  group: 'tftp',
  title: 'Invalid TFTP block size',
  detects:
    `A blksize option outside ${MIN}–${MAX} (RFC 2348) or not a number, in the RRQ or the OACK, or an OACK ` +
    'that grants more than the client asked for (servers may only lower it).',
  ignores: 'RRQs without blksize (512-byte blocks) and servers that leave blksize out of the OACK.',
  clientMessages: [BIOS.tftpPacketSize],
  fix: 'Correct the client or server setting that produces the value; servers must answer with at most the requested size.',
};

function parse(v: string | undefined): number | null {
  if (v === undefined) return null;
  return /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
}

function check(o: OwnedTransfer): Finding[] {
  const t = o.transfer;
  const asked = parse(t.requested['blksize']);
  const got = parse(t.negotiated['blksize']);
  const problems: string[] = [];
  const bad = (n: number | null): boolean => n !== null && (Number.isNaN(n) || n < MIN || n > MAX);
  if (bad(asked)) problems.push(`the RRQ asks blksize ${q(t.requested['blksize'] ?? '')}`);
  if (bad(got)) problems.push(`the OACK grants blksize ${q(t.negotiated['blksize'] ?? '')}`);
  if (asked !== null && got !== null && !bad(asked) && !bad(got) && got > asked) {
    problems.push(`the OACK grants blksize ${got}, more than the ${asked} asked for`);
  }
  if (problems.length === 0) return [];
  const label = requestLabel(o.session, t);
  const req = requesterOf(o.session, t);
  return [
    finding(doc, {
      message:
        `In the transfer of ${q(t.filename)} between ${label} and ${t.serverIp}, ${listText(problems)} ` +
        `(valid: ${MIN}–${MAX}).`,
      frames: [t.request.frame, ...(t.oack ? [t.oack.frame] : [])],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: clientMessage(req.family, { bios: [BIOS.tftpPacketSize] }),
      hint:
        bad(got) || (got !== null && asked !== null && got > asked)
          ? blksizeHint(
              `Fix the TFTP server on ${t.serverIp} (or replace it): it must answer with a valid blksize no larger than asked:`,
              1468,
            )
          : `The client asks for an invalid blksize: check its TFTP settings (the loader or script that sends the RRQ for ${t.filename}).`,
      t: t.request.t,
    }),
  ];
}

export const tftpBlksizeInvalid: Rule = { ...doc, ...perTransfer(check) };
