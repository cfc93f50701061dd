import type { BootSession } from '../../analysis/types.js';
import { archMismatch, fileArchLabel } from '../boot-files.js';
import { archName, sameFile, serverOf } from '../facts.js';
import { clientLabel, framesText, q, sessionFinding } from '../format.js';
import { archSplitHint, counterpartFile, type ArchClass } from '../hints.js';
import { IPXE, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';
import { relevantRounds } from './dhcp-no-offer.js';

const doc: RuleDoc = {
  id: 'boot.arch-mismatch',
  severity: 'error',
  group: 'boot',
  title: 'Boot file does not fit the client architecture',
  detects:
    'The boot file a client is given does not match its option 93 architecture: a BIOS program (pxelinux.0, ' +
    '*.0, *.pxe, *.kpxe, undionly*, *.com) to a UEFI client (6, 7, 9, 10, 11 …), a *.efi to a BIOS client ' +
    '(0), or an EFI binary named for another CPU (…aa64.efi to x64 UEFI).',
  ignores:
    'Unknown extensions and scripts (Raspberry Pi files, *.ipxe); URLs for HTTP boot clients; a generic *.efi ' +
    'for any UEFI client; option 93 values 7 and 9, which are both x86-64 UEFI in practice.',
  clientMessages: [IPXE.execFormat, 'UEFI: the download completes, then the boot option fails to load'],
  fix:
    'Match the boot file to option 93 on the DHCP server (dnsmasq dhcp-match + tag, ISC "if option arch", ' +
    'Kea client classes).',
};

function check(s: BootSession): Finding[] {
  const out: Finding[] = [];
  for (const r of relevantRounds(s)) {
    const reply = r.bootReply;
    const file = r.bootFile;
    if (r.arch === null || file === null || reply === null) continue;
    const mismatch = archMismatch(r.arch, file);
    if (mismatch === null) continue;
    const server = serverOf(reply);
    const transfers = s.transfers.filter((x) => x.request.t >= r.start && x.request.t < r.end && sameFile(x.filename, file));
    const done = transfers.find((x) => x.outcome === 'complete');
    const downloaded = done
      ? ` It downloaded it (${framesText([done.request.frame, done.outcomeFrame?.frame ?? done.lastPacket.frame])}) and cannot run it.`
      : '';
    const right = counterpartFile(file, mismatch.expected);
    // Keep the offered file for the architecture it was built for; the client's class gets its counterpart.
    const got = mismatch.got;
    const keptFor: ArchClass | null =
      got === 'bios' || got === 'efi' || got === 'url' || got === 'unknown' ? null : got;
    const hint =
      mismatch.expected === 'bios'
        ? archSplitHint(
            `Serve BIOS clients a BIOS program (e.g. ${right}) and keep ${file} for UEFI:`,
            keptFor ?? 'efi-x64',
            file,
            right,
            r.tftpServer,
          )
        : archSplitHint(
            `Serve ${archName(r.arch)} clients a matching program (e.g. ${right}) and keep ${file} for the others:`,
            mismatch.expected,
            right,
            file,
            r.tftpServer,
          );
    out.push(
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} was offered ${q(file)}, ${fileArchLabel(mismatch.got)}, by ${server} ` +
          `(frame ${reply.frame}); option 93 says ${archName(r.arch)} (${r.arch}).${downloaded}`,
        frames: [reply.frame, ...transfers.flatMap((x) => [x.request.frame, x.outcomeFrame?.frame ?? x.lastPacket.frame])],
        pxeError: clientMessage(r.family === 'ipxe' ? 'ipxe' : 'loader', { ipxe: [IPXE.execFormat] }),
        hint,
        t: reply.t,
      }),
    );
  }
  return out;
}

export const bootArchMismatch: Rule = { ...doc, checkSession: check };
