import { archName } from '../../protocol/dhcp/index.js';
import type { BootSession, TftpTransfer } from '../../analysis/types.js';
import { archMismatch, fileArchLabel, type FileArch } from '../boot-files.js';
import { basename, sameFile, serverOf } from '../facts.js';
import { type DhcpRound, relevantRounds } from '../rounds.js';
import { clientLabel, framesText, listText, q, sessionFinding } from '../format.js';
import { archSplitHint, counterpartFile, type ArchClass } from '../hints.js';
import { IPXE, UEFI, type ClientFamily } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'boot.arch-mismatch',
  severity: 'error',
  group: 'boot',
  title: 'Boot file does not fit the client architecture',
  detects:
    'The boot file a client is given does not match its option 93 architecture: a BIOS program (pxelinux.0, ' +
    '*.0, *.pxe, *.kpxe, undionly*, *.com) to a UEFI client (6, 7, 9, 10, 11 …), a *.efi to a BIOS client ' +
    '(0), or an EFI binary named for another CPU (…aa64.efi to x64 UEFI). The transfer itself succeeds.',
  ignores:
    'Unknown extensions and scripts (Raspberry Pi files, *.ipxe); URLs for HTTP boot clients; a generic *.efi ' +
    'for any UEFI client; option 93 values 7 and 9, which are both x86-64 UEFI in practice.',
  clientMessages: [IPXE.execFormat, IPXE.efiAsNbp, UEFI.loadFailed],
  fix:
    'Match the boot file to option 93 on the DHCP server (dnsmasq dhcp-match + tag, ISC "if option arch", ' +
    'Kea client classes).',
};

/** What each kind of client shows when it cannot run the file (from the lab consoles). */
function shown(
  family: ClientFamily,
  expected: ArchClass,
  file: string,
  done: TftpTransfer | undefined,
): string | null {
  if (family === 'ipxe') {
    if (expected !== 'bios') return IPXE.execFormat;
    const size = done?.tsize ?? done?.bytes ?? null;
    return `${basename(file)} : ${size ?? '<size>'} bytes [PXE-NBP (may be EFI?)], then the machine hangs`;
  }
  if (family === 'uefi') return UEFI.loadFailed;
  return null;
}

const FAMILY_NAMES: Record<ClientFamily, string> = {
  ipxe: 'iPXE',
  uefi: "the firmware's own UEFI PXE",
  bios: 'the BIOS PXE ROM',
  loader: 'a boot loader',
  unknown: 'the client',
  none: 'the client',
};

interface Case {
  file: string;
  expected: ArchClass;
  got: FileArch;
  rounds: DhcpRound[];
}

function check(s: BootSession): Finding[] {
  const cases = new Map<string, Case>();
  for (const r of relevantRounds(s)) {
    const file = r.bootFile;
    if (r.arch === null || file === null || r.bootReply === null) continue;
    const m = archMismatch(r.arch, file);
    if (m === null) continue;
    const key = `${file}|${m.expected}`;
    const c = cases.get(key) ?? { file, expected: m.expected, got: m.got, rounds: [] };
    c.rounds.push(r);
    cases.set(key, c);
  }
  const out: Finding[] = [];
  for (const c of cases.values()) {
    const first = c.rounds[0];
    if (!first?.bootReply || first.arch === null) continue;
    const inRounds = (x: TftpTransfer): boolean =>
      sameFile(x.filename, c.file) && c.rounds.some((r) => x.request.t >= r.start && x.request.t < r.end);
    const transfers = s.transfers.filter(inRounds);
    const done = transfers.find((x) => x.outcome === 'complete');
    const servers = [
      ...new Set(
        c.rounds
          .map((r) => (r.bootReply ? serverOf(r.bootReply) : null))
          .filter((x): x is string => x !== null),
      ),
    ];
    const replyFrames = c.rounds.map((r) => r.bootReply?.frame).filter((f): f is number => f !== undefined);
    const families = [...new Set(c.rounds.map((r) => r.family))];
    const rounds =
      c.rounds.length > 1
        ? ` in ${c.rounds.length} DHCP rounds (${listText(
            families.map((f) => FAMILY_NAMES[f]),
            'then',
          )})`
        : '';
    const downloaded = done
      ? ` It downloaded it (${framesText([done.request.frame, done.outcomeFrame?.frame ?? done.lastPacket.frame])}) and cannot run it.`
      : '';
    const right = counterpartFile(c.file, c.expected);
    const got = c.got;
    const keptFor: ArchClass | null =
      got === 'bios' || got === 'efi' || got === 'url' || got === 'unknown' ? null : got;
    const hint =
      c.expected === 'bios'
        ? archSplitHint(
            `Serve BIOS clients a BIOS program (e.g. ${right}) and keep ${c.file} for UEFI:`,
            keptFor ?? 'efi-x64',
            c.file,
            right,
            first.tftpServer,
          )
        : archSplitHint(
            `Serve ${archName(first.arch)} clients a matching program (e.g. ${right}) and keep ${c.file} for the others:`,
            c.expected,
            right,
            c.file,
            first.tftpServer,
          );
    const texts = [
      ...new Set(
        families.map((f) => shown(f, c.expected, c.file, done)).filter((t): t is string => t !== null),
      ),
    ];
    out.push(
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} was offered ${q(c.file)}, ${fileArchLabel(c.got)}, by ${listText(servers)} ` +
          `(${framesText(replyFrames)})${rounds}; option 93 says ${archName(first.arch)} (${first.arch}).${downloaded}`,
        frames: [
          ...replyFrames,
          ...transfers.flatMap((x) => [x.request.frame, x.outcomeFrame?.frame ?? x.lastPacket.frame]),
        ],
        pxeError: texts.length > 0 ? texts.join(' / ') : null,
        hint,
        t: first.bootReply.t,
      }),
    );
  }
  return out;
}

export const bootArchMismatch: Rule = { ...doc, checkSession: check };
