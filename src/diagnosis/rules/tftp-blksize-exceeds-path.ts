import { requesterOf } from '../rounds.js';
import { q, finding, requestLabel } from '../format.js';
import {
  ETHERNET_MAX_BLKSIZE,
  laterSuccess,
  pathEvidence,
  perTransfer,
  type OwnedTransfer,
} from '../tftp-facts.js';
import { blksizeHint } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.blksize-exceeds-path',
  severity: 'error',
  severityNote: 'warn when a later transfer of the same file completed',
  group: 'tftp',
  title: 'TFTP block size too large for the path',
  detects:
    'A transfer with a negotiated blksize the path does not carry fails: IP fragments of its DATA go missing, ' +
    'a router answers "fragmentation needed", or small packets pass while full-size ones do not (the client ' +
    'acknowledges the OACK, never a full-size DATA block, and the DATA or its ACK 0 is repeated until one side ' +
    'gives up, whatever MTU the client announced), or the same DATA is resent and never acknowledged while ' +
    'blksize + 32 bytes of headers exceeds the MTU the client announced (option 26, or option 57 + 28) or ' +
    `Ethernet's 1500 (blksize > ${ETHERNET_MAX_BLKSIZE}), or the DATA is fragmented.`,
  ignores:
    'Fragmentation on a clean path (a large blksize over a jumbo-frame or loopback link that completes is ' +
    'not a fault); transfers that complete; blksize 512 (no option).',
  clientMessages: [BIOS.tftpReadTimeout, BIOS.tftpPacketSize, UEFI.serverTimeout, IPXE.tftpTimedOut],
  fix: "Cap the server's block size at the path MTU − 32 (1468 on 1500-byte Ethernet), or ask for less on the client.",
};

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const t = o.transfer;
  const ev = pathEvidence(t, o.session, ctx.analysis);
  if (ev === null) return [];
  const fixed = laterSuccess(t, ctx.analysis);
  const label = requestLabel(o.session, t);
  const max = ev.fits;
  const req = requesterOf(o.session, t);
  // What the client holds: its acknowledgements say it, not the DATA the server sent.
  const got = t.progress ? Math.max(0, t.progress.ackedBlock ?? 0) : t.blocks;
  return [
    finding(doc, {
      severity: fixed ? 'warn' : 'error',
      message:
        `The transfer of ${q(t.filename)} from ${t.serverIp} to ${label} used blksize ${t.blksize} ` +
        `(${t.blksize + 32}-byte IP packets) and ${got === 0 ? 'no DATA block got through' : `stalled after block ${got}`}: ` +
        `${ev.reasons.join('; ')}.` +
        (max === null
          ? ` The blocks fit ${ev.mtu ? `the MTU ${ev.mtu.mtu} the client announced (${ev.mtu.source}, frame ${ev.mtu.frame})` : "the client's own link"}, so a narrower hop (tunnel, VPN, smaller MTU) sits between ${t.serverIp} and the client.`
          : '') +
        (fixed ? ` A later transfer of the same file completed (frame ${fixed.request.frame}).` : ''),
      frames: [
        t.request.frame,
        ...(t.oack ? [t.oack.frame] : []),
        ...ev.frames,
        ...(ev.mtu ? [ev.mtu.frame] : []),
      ],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError: clientMessage(req.family, {
        bios: [BIOS.tftpReadTimeout],
        uefi: [UEFI.serverTimeout],
        ipxe: [IPXE.tftpTimedOut],
      }),
      hint:
        max === null
          ? blksizeHint(
              `Cap the block size on ${t.serverIp} below ${t.blksize}, at the MTU of the narrowest hop − 32 ` +
                '(1368 for a 1400-byte tunnel, 968 for a 1000-byte link; 512 always fits):',
              '<path MTU − 32>',
            )
          : blksizeHint(
              `Cap the block size on ${t.serverIp} at ${max}` +
                (ev.mtu && ev.mtu.mtu - 32 === max
                  ? ` (MTU ${ev.mtu.mtu} − 32)`
                  : ' (1500-byte Ethernet − 32)') +
                ':',
              max,
            ),
      t: (t.firstData ?? t.oack ?? t.request).t,
    }),
  ];
}

export const tftpBlksizeExceedsPath: Rule = { ...doc, ...perTransfer(check) };
