import type { BootSession, TftpTransfer } from '../../analysis/types.js';
import { endsBeforeDeadline, incompleteAtEnd, timeToEnd } from '../capture-end.js';
import { basename, sameFile } from '../facts.js';
import { bytes, clientLabel, q, seconds, sessionFinding } from '../format.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** Long enough that a loader which works would have sent something (its config RRQ comes within a second). */
const QUIET_SECONDS = 30;

/** Network loaders: programs that, once running, fetch a configuration or a next stage over the network. */
const LOADERS: readonly [RegExp, string][] = [
  [/^l?pxelinux\.0$|^syslinux\.efi$|^(ld)?linux\.c32$/i, 'pxelinux'],
  [/\.k?kpxe$|\.pxe$|^ipxe\.(efi|lkrn|usb)$|^snp(only)?\.efi$|^undionly/i, 'iPXE'],
  [/^(core|grub)(x64|aa64|ia32|netx64)?\.(efi|0|pxe)$|^grubnet/i, 'GRUB'],
  [/^shim(x64|aa64|ia32)?\.efi$|^bootx64\.efi$|^bootaa64\.efi$/i, 'shim'],
];

const doc: RuleDoc = {
  id: 'boot.silent-after-nbp',
  severity: 'info',
  group: 'boot',
  title: 'Client silent after loading its boot program',
  detects:
    'The client downloaded its boot program completely, the program is a network loader that normally fetches ' +
    'more at once (pxelinux, iPXE, GRUB, shim), and the client then sent no packet at all — no DHCP, ARP, DNS, ' +
    `TFTP, HTTP or anything else from its MAC — for at least ${QUIET_SECONDS} s until the capture ended: the ` +
    'program did not start, or hung (iPXE stuck at "initialising devices": ipxe/ipxe#1392, netboot.xyz#1633; ' +
    'Secure Boot refusing an unsigned image; a BIOS NBP too big for base memory).',
  severityNote:
    `"incomplete at the end of the capture" when the capture ends less than ${QUIET_SECONDS} s after the ` +
    'download with nothing from the client since: whether the program went on lies past the capture',
  ignores:
    'Programs that are not network loaders ' +
    '(kernels, images), clients that send anything afterwards, and records not read frame by frame (the ' +
    "client's other traffic is then unknown).",
  clientMessages: [],
  fix:
    "Look at the client's console. iPXE hanging at initialising devices: try the other driver build (snponly.efi " +
    '/ undionly.kpxe instead of ipxe.efi / ipxe.pxe). Secure Boot: boot through a signed shim. Nothing at all: ' +
    'check the boot file matches the firmware (boot.arch-mismatch).',
};

function loaderOf(file: string): string | null {
  const name = basename(file);
  return LOADERS.find(([re]) => re.test(name))?.[1] ?? null;
}

/** The boot program: the complete transfer of the boot file named by the last accepted DHCP round. */
function bootProgram(s: BootSession): { transfer: TftpTransfer; loader: string } | null {
  const boot = s.boots.filter((b) => b.accepted && b.bootFile !== null).at(-1);
  if (boot?.bootFile == null) return null;
  const file = boot.bootFile;
  const transfer = s.transfers
    .filter(
      (t) =>
        t.direction === 'read' &&
        t.outcome === 'complete' &&
        t.request.t >= boot.start &&
        sameFile(t.filename, file),
    )
    .at(-1);
  const loader = loaderOf(file);
  return transfer === undefined || loader === null ? null : { transfer, loader };
}

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const last = ctx.analysis.clientLastFrames?.[s.clientMac];
  if (last === undefined) return [];
  const nbp = bootProgram(s);
  if (nbp === null) return [];
  const t = nbp.transfer;
  // Its final ACK is the client's own last packet of the transfer: anything later is new.
  if (last.t > t.lastPacket.t + 0.001 || last.frame > t.lastPacket.frame) return [];
  const a = ctx.analysis;
  const quiet = timeToEnd(a, t.lastPacket.t);
  if (endsBeforeDeadline(a, t.lastPacket.t, QUIET_SECONDS)) {
    // The program may still be starting (a loader's first request comes within a second, but not always).
    return [
      incompleteAtEnd(doc, a, {
        session: s,
        client: s.clientMac,
        pending: `${clientLabel(s)} downloaded ${q(t.filename)} (${nbp.loader}) and had sent nothing since`,
        last: t.lastPacket,
        frames: [t.request.frame, t.lastPacket.frame],
        t: t.lastPacket.t,
      }),
    ];
  }
  return [
    sessionFinding(doc, s, {
      message:
        `${clientLabel(s)} downloaded ${q(t.filename)} (${bytes(t.bytes)}, ${nbp.loader}) completely from ${t.serverIp} ` +
        `(last packet frame ${t.lastPacket.frame}) and then sent nothing at all for ${seconds(quiet)} until the capture ` +
        `ended. ${nbp.loader} normally fetches its configuration or next stage at once: the program did not start or hung.`,
      frames: [t.request.frame, t.lastPacket.frame],
      pxeError: null,
      hint: doc.fix,
      t: t.lastPacket.t,
    }),
  ];
}

export const bootSilentAfterNbp: Rule = { ...doc, checkSession: check };
