/**
 * A loader searching on purpose: it asks for names it knows may be missing and takes the first one that
 * exists. One reader for "is this TFTP miss part of a search", used by tftp.file-not-found (which stays
 * quiet about them) and tftp.loader-search (which tells them, once).
 *
 * - Names a loader always probes (boot-files.ts probeKind): pxelinux.cfg/<uuid|mac|hex ip>, grub.cfg-*,
 *   grub's module lists, locales and fonts, iPXE's autoexec.ipxe, the Raspberry Pi firmware's optional files.
 * - A GRUB module (<prefix>/<cpu>-<platform>/<name>.mod): `insmod` of a module the image does not embed.
 *   GRUB prints "error: file '…' not found" and goes on (grub-core/kern/dl.c); it is a search miss when
 *   the client went on to ask for other files, a failure when nothing followed (rescue mode).
 * - A per-client name (the client's MAC, its IP in hex or its UUID in the name, as iPXE scripts and
 *   menus do with ${mac} / ${uuid}) when the client went on to ask for a name that is not per-client.
 * - A name the client loaded later under another directory (pxelinux searching ldlinux.c32).
 */
import type { BootSession, TftpTransfer } from '../analysis/types.js';
import type { AnalysisResult } from '../analysis/types.js';
import { probeKind } from './boot-files.js';
import { basename } from './facts.js';
import { transfersOf, type OwnedTransfer } from './tftp-facts.js';

/** GRUB's module directory: <cpu>-<platform> as grub-mkimage names it (i386-pc, x86_64-efi, arm64-efi …). */
const GRUB_MODULE =
  /(^|\/)(i386|x86_64|arm64|arm|riscv32|riscv64|loongarch64|ia64|powerpc|sparc64|mips|mipsel)-(pc|efi|ieee1275|coreboot|multiboot|qemu|xen|xen_pvh|emu|uboot|loongson|arc|qemu_mips)\/[^/]+\.mod$/i;

/** The TFTP server answered ERROR 1 (file not found). */
export function isServerMiss(t: TftpTransfer): boolean {
  return t.error !== null && t.error.code === 1 && t.error.from === 'server';
}

function hexIp(ip: string): string | null {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return null;
  return parts.map((p) => p.toString(16).padStart(2, '0')).join('');
}

/** The client's own identity written into a file name: MAC (any separator), IP in hex, UUID. */
function namesClient(file: string, clientIp: string, mac: string | null, uuid: string | null): boolean {
  const name = file.toLowerCase();
  const bare = name.replace(/[-:._]/g, '');
  const ids: string[] = [];
  if (mac !== null) ids.push(mac.toLowerCase().replace(/[^0-9a-f]/g, ''));
  const hex = hexIp(clientIp);
  if (hex !== null) ids.push(hex);
  if (uuid !== null) ids.push(uuid.toLowerCase().replace(/[^0-9a-f]/g, ''));
  return ids.some((id) => id.length >= 8 && bare.includes(id));
}

/**
 * Why this miss is part of a loader's search, or null when it is a real miss. `all` is the client's
 * transfers (transfersOf), `session` the session that owns it when known.
 */
export function searchKind(
  t: TftpTransfer,
  all: readonly OwnedTransfer[],
  session: BootSession | null,
): string | null {
  if (!isServerMiss(t)) return null;
  const probe = probeKind(t.filename);
  if (probe !== null) return probe;
  const later = all.filter((x) => x.transfer.request.t > t.request.t).map((x) => x.transfer);
  const name = basename(t.filename);
  if (later.some((x) => x.outcome === 'complete' && basename(x.filename) === name))
    return `${name} search path`;
  // The loader went on to ask for something else: the miss did not stop it.
  const path = t.filename.replace(/\\/g, '/');
  if (GRUB_MODULE.test(path) && later.some((x) => !GRUB_MODULE.test(x.filename.replace(/\\/g, '/'))))
    return 'grub module (insmod)';
  const mac = session?.clientMac ?? null;
  const uuid = session?.uuid ?? null;
  const own = (file: string): boolean => namesClient(basename(file), t.clientIp, mac, uuid);
  if (own(path) && later.some((x) => !own(x.filename))) return 'per-client name';
  return null;
}

export interface SearchMiss {
  transfer: TftpTransfer;
  kind: string;
}

/** The search misses among these transfers of one client, in request order. */
export function searchMissesOf(
  a: AnalysisResult,
  transfers: readonly TftpTransfer[],
  session: BootSession | null,
): SearchMiss[] {
  const out: SearchMiss[] = [];
  for (const t of transfers) {
    const kind = searchKind(t, transfersOf(a, t.clientIp), session);
    if (kind !== null) out.push({ transfer: t, kind });
  }
  return out.sort((x, y) => x.transfer.request.frame - y.transfer.request.frame);
}
