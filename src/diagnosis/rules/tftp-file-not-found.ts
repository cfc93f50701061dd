import { filenameOddities } from '../boot-files.js';
import { isServerMiss, searchKind } from '../loader-search.js';
import { basename, serverOf } from '../facts.js';
import { requesterOf } from '../rounds.js';
import type { TftpTransfer } from '../../analysis/types.js';
import { framesText, listText, q, finding, requestLabel } from '../format.js';
import { bootFileHint, serverHint, tftpRootBlocks } from '../hints.js';
import {
  BIOS,
  IPXE,
  PXELINUX,
  UEFI,
  biosTftpEcho,
  clientMessage,
  isPxelinuxBootFile,
  pxelinuxMessage,
} from '../pxe-errors.js';
import { perTransfer, sameTransfer, transfersOf, type OwnedTransfer } from '../tftp-facts.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.file-not-found',
  severity: 'error',
  severityNote: 'warn for a file other than the boot file when the client went on to fetch further files',
  group: 'tftp',
  title: 'TFTP file not found',
  detects:
    "The TFTP server answers an RRQ with ERROR 1 (file not found) for a file that is not part of a loader's " +
    'search: the boot file itself, a kernel, a module, pxelinux.cfg/default. Also points out names with a ' +
    'leading "/" or "\\", backslashes, non-printable bytes, or a case that differs from a file the server has.',
  ignores:
    'pxelinux walking its config search (pxelinux.cfg/<uuid>, 01-<mac>, hex-IP prefixes; only a missing ' +
    '"default" counts), iPXE probing autoexec.ipxe, Raspberry Pi firmware probing bootsig.bin and other ' +
    'optional files, grub probing grub.cfg-*, module lists and locales, and, when the client loaded files ' +
    'afterwards, GRUB modules (<cpu>-<platform>/*.mod) that insmod did not find, names carrying the ' +
    "client's MAC, hex IP or UUID, and any name fetched successfully from another directory later (a " +
    'search path): tftp.loader-search tells those once, as info. Several misses of one file name by ' +
    'one client (pxelinux searching ldlinux.c32 in its directories, or a retry) are one finding listing the ' +
    'names tried; a leading "/" is not called suspicious when the server\'s error text shows it looked inside ' +
    'its root, or for names a loader tries in its search.',
  clientMessages: [
    `${biosTftpEcho(1, 'File not found')} / ${BIOS.tftpFileNotFound}`,
    UEFI.tftpError,
    IPXE.fileNotFound,
    `pxelinux: ${PXELINUX.noLdlinux}`,
  ],
  fix: 'Put the file where the TFTP server looks (relative to its root), or correct the name the DHCP server or config hands out.',
};

/** dnsmasq and tftp-hpa put the path they tried in the error text; quoting it shows where the server looked. */
function serverPath(message: string): string | null {
  const m = /file (\S+) not found/i.exec(message) ?? /^(\/\S+):/.exec(message);
  return m?.[1] ?? null;
}

/** A miss that is not part of a loader's search (loader-search.ts). */
function isMiss(o: OwnedTransfer, all: readonly OwnedTransfer[]): boolean {
  return isServerMiss(o.transfer) && searchKind(o.transfer, all, o.session) === null;
}

/**
 * The misses of one file by one client from one server: a loader searching several directories for it
 * (pxelinux tries ldlinux.c32 next to itself, then /boot/isolinux/, /isolinux/, /boot/syslinux/, /syslinux/,
 * /), or a client asking again. One cause, one finding: the first miss speaks for the group.
 */
function missesOfSameFile(t: TftpTransfer, all: OwnedTransfer[]): TftpTransfer[] {
  const name = basename(t.filename).toLowerCase();
  return all
    .filter(
      (x) =>
        x.transfer.serverIp === t.serverIp &&
        isMiss(x, all) &&
        basename(x.transfer.filename).toLowerCase() === name,
    )
    .map((x) => x.transfer);
}

/** The server's own error text shows it resolved the name inside a root (".../root/<name>"). */
function lookedInsideRoot(path: string | null, name: string): boolean {
  const clean = name.replace(/\\/g, '/').replace(/^\/+/, '');
  return path !== null && path.length > clean.length + 1 && path.endsWith(`/${clean}`);
}

function check(o: OwnedTransfer, ctx: RuleContext): Finding[] {
  const t = o.transfer;
  const all = transfersOf(ctx.analysis, t.clientIp);
  if (t.error === null || !isMiss(o, all)) return [];
  const group = missesOfSameFile(t, all);
  if (group[0] !== undefined && !sameTransfer(group[0], t)) return [];
  const later = all.filter((x) => x.transfer.request.t > t.request.t);
  const caseTwin = all.find(
    (x) =>
      x.transfer.outcome === 'complete' &&
      x.transfer.filename !== t.filename &&
      x.transfer.filename.toLowerCase() === t.filename.toLowerCase(),
  );
  const req = requesterOf(o.session, t);
  const wentOn = later.some((x) => x.transfer.outcome === 'complete');
  const label = requestLabel(o.session, t);
  const what =
    req.isBootFile && req.round?.bootReply
      ? `, the boot file named by ${serverOf(req.round.bootReply)}'s DHCP reply (frame ${req.round.bootReply.frame})`
      : '';
  const names = [...new Set(group.map((x) => x.filename))];
  const groupFrames = group.flatMap((x) => [x.request.frame, ...(x.error ? [x.error.frame.frame] : [])]);
  const parts =
    group.length > 1
      ? [
          `TFTP server ${t.serverIp} answered ${label}'s ${group.length} requests for ${q(basename(t.filename))}${what} ` +
            `with ERROR 1 ${q(t.error.message)}` +
            (names.length > 1 ? `; the names tried: ${names.map(q).join(', ')}` : '') +
            ` (${framesText(groupFrames)}).`,
        ]
      : [
          `TFTP server ${t.serverIp} answered ${label}'s request for ${q(t.filename)}${what} with ERROR 1 ` +
            `${q(t.error.message)} (${framesText([t.request.frame, t.error.frame.frame])}).`,
        ];
  const paths = group.map((x) => ({ name: x.filename, path: serverPath(x.error?.message ?? '') }));
  const path = serverPath(t.error.message);
  const shown = paths.filter((p) => p.path !== null).map((p) => p.path as string);
  if (shown.length > 0) parts.push(`The server looked for ${listText([...new Set(shown)].slice(0, 6))}.`);
  if (/^ldlinux\.(c32|e64|e32)$/i.test(basename(t.filename))) {
    parts.push(
      `${basename(t.filename)} must come from the same syslinux build as the pxelinux program that asks for it ` +
        '(pxelinux.0 / syslinux.efi); put it next to that file in the TFTP root.',
    );
  }
  // A leading "/" is only suspicious when the server may have resolved it outside its root: not when its
  // own error text shows the path inside the root, nor for names a loader tries as part of its search.
  const searched = names.length > 1;
  const odd = filenameOddities(t.filename).filter(
    (x) =>
      !x.startsWith('it starts with') || (!searched && !paths.some((p) => lookedInsideRoot(p.path, p.name))),
  );
  if (odd.length > 0) parts.push(`The name is suspicious: ${odd.join('; ')}.`);
  if (caseTwin) {
    parts.push(
      `${q(caseTwin.transfer.filename)} (different case) was served (frame ${caseTwin.transfer.request.frame}): TFTP names are case-sensitive.`,
    );
  }
  if (!req.isBootFile && wentOn) parts.push('The client went on to fetch other files.');
  const family = req.family;
  const loaderIsPxelinux = family === 'loader' && isPxelinuxBootFile(req.round?.bootFile ?? null);
  const pxeError = loaderIsPxelinux
    ? pxelinuxMessage(t.filename)
    : clientMessage(family, {
        bios: [biosTftpEcho(1, t.error.message), BIOS.tftpFileNotFound],
        uefi: [UEFI.tftpError],
        ipxe: [IPXE.fileNotFound],
      });
  const cleanName = t.filename.replace(/\\/g, '/').replace(/^\/+/, '');
  // The root the server's own text shows (".../root/<name>"), else none: never a guessed directory.
  const root =
    path !== null && lookedInsideRoot(path, t.filename) ? path.slice(0, -(cleanName.length + 1)) : null;
  const [dnsmasqRoot, ...otherRoots] = tftpRootBlocks(root);
  const hint = req.isBootFile
    ? bootFileHint(
        `Copy ${q(cleanName)} into the TFTP root of ${t.serverIp}` +
          (path ? ` (the server tried ${path})` : '') +
          ', or hand out the name of a file that exists there:',
        cleanName,
        t.serverIp,
        [dnsmasqRoot, ...otherRoots],
      )
    : serverHint(
        `Copy ${q(cleanName)} into the TFTP root of ${t.serverIp}${path ? ` (the server tried ${path})` : ''}, ` +
          'or fix the name in the boot loader configuration that asks for it:',
        {
          dnsmasq: dnsmasqRoot[1],
          other: [
            ...otherRoots,
            ...(odd.length > 0
              ? ([['remap', ['tftp-hpa --map-file with "rg \\\\ /" maps backslashes to slashes']]] as [
                  string,
                  string[],
                ][])
              : []),
          ],
        },
      );
  return [
    finding(doc, {
      severity: req.isBootFile || !wentOn ? 'error' : 'warn',
      message: parts.join(' '),
      frames: [...groupFrames, ...(req.round?.bootReply ? [req.round.bootReply.frame] : [])],
      client: o.session?.clientMac ?? null,
      sessionId: o.session?.id,
      pxeError,
      hint,
      t: t.request.t,
    }),
  ];
}

export const tftpFileNotFound: Rule = { ...doc, ...perTransfer(check) };
