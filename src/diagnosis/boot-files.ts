/**
 * What a boot file name says about the architecture it runs on, and which TFTP misses are a loader
 * searching on purpose (pxelinux config search, iPXE autoexec.ipxe, Raspberry Pi bootsig.bin, grub probes).
 */
import type { ArchClass } from './hints.js';
import { isUrl } from '../protocol/dhcp/index.js';
import { basename } from './facts.js';

export type FileArch = ArchClass | 'efi' | 'url' | 'unknown';

/**
 * BIOS network boot programs are real-mode images: pxelinux.0 / lpxelinux.0 / gpxelinux.0, any "*.0",
 * iPXE's .pxe / .kpxe / .kkpxe / .kkkpxe, undionly*, .com and .n12 (Windows' pxeboot.n12). EFI programs are
 * PE files ending in .efi; the grub/shim/boot naming convention tells their CPU.
 */
export function fileArch(file: string): FileArch {
  if (isUrl(file)) return 'url';
  const name = basename(file).toLowerCase().trim();
  if (name.endsWith('.efi')) {
    if (/(x64|x86_64|amd64)\.efi$/.test(name)) return 'efi-x64';
    if (/(aa64|arm64|aarch64)\.efi$/.test(name)) return 'efi-arm64';
    if (/ia32\.efi$/.test(name)) return 'efi-ia32';
    if (/(arm|arm32)\.efi$/.test(name)) return 'efi-arm32';
    if (/riscv(32|64)\.efi$/.test(name)) return 'efi-riscv';
    return 'efi';
  }
  if (/^undionly/.test(name)) return 'bios';
  if (/\.(0|pxe|kpxe|kkpxe|kkkpxe|com|n12)$/.test(name)) return 'bios';
  return 'unknown';
}

/** The boot-file architecture an option 93 value expects; null for codes with no file convention. */
export function archClassOf(arch: number): ArchClass | null {
  switch (arch) {
    case 0:
      return 'bios';
    case 6:
    case 15:
      return 'efi-ia32';
    case 7:
    case 9:
    case 16:
      return 'efi-x64';
    case 10:
    case 18:
      return 'efi-arm32';
    case 11:
    case 19:
      return 'efi-arm64';
    case 25:
    case 27:
      return 'efi-riscv';
    default:
      return null;
  }
}

/** HTTP boot architectures (RFC 4578 successors): their boot file is a URL. */
export function isHttpBootArch(arch: number): boolean {
  return [15, 16, 18, 19, 20, 21, 22, 23, 24, 26, 28, 29, 30, 31, 32].includes(arch);
}

/**
 * Whether a boot file cannot run on a client of this architecture. Only clear cases count: an unknown
 * extension, a URL (HTTP boot) or a generic "*.efi" for any UEFI client is given the benefit of the doubt.
 */
export function archMismatch(arch: number, file: string): { expected: ArchClass; got: FileArch } | null {
  const expected = archClassOf(arch);
  if (expected === null) return null;
  const got = fileArch(file);
  if (got === 'unknown' || got === 'url') return null;
  if (expected === 'bios') return got === 'bios' ? null : { expected, got };
  if (got === 'bios') return { expected, got };
  if (got === 'efi') return null;
  return got === expected ? null : { expected, got };
}

export function fileArchLabel(a: FileArch): string {
  switch (a) {
    case 'bios':
      return 'a BIOS boot file';
    case 'efi':
      return 'a UEFI boot file';
    case 'efi-x64':
      return 'an x64 UEFI boot file';
    case 'efi-ia32':
      return 'an IA32 UEFI boot file';
    case 'efi-arm32':
      return 'an ARM32 UEFI boot file';
    case 'efi-arm64':
      return 'an ARM64 UEFI boot file';
    case 'efi-riscv':
      return 'a RISC-V UEFI boot file';
    case 'url':
      return 'a URL';
    case 'unknown':
      return 'a file';
  }
}

/**
 * A file a loader asks for knowing it may not exist. pxelinux walks pxelinux.cfg/<uuid>, 01-<mac>, the
 * client IP in hex shortened one digit at a time, then "default" (a missing "default" is a real failure);
 * iPXE EFI tries autoexec.ipxe; the Raspberry Pi firmware probes bootsig.bin and a few optional files;
 * grub looks for per-client grub.cfg-* files, module lists, locales and an environment block.
 */
export function probeKind(file: string): string | null {
  const path = file.replace(/\\/g, '/').replace(/^\/+/, '');
  const name = basename(path).toLowerCase();
  if (/(^|\/)pxelinux\.cfg\/[^/]+$/i.test(path) && name !== 'default') return 'pxelinux config search';
  if (name === 'autoexec.ipxe') return 'iPXE autoexec.ipxe probe';
  if (
    ['bootsig.bin', 'recovery.elf', 'dt-blob.bin', 'bootcfg.txt', 'pieeprom.sig', 'recovery.bin'].includes(
      name,
    )
  ) {
    return 'Raspberry Pi firmware probe';
  }
  if (/^grub\.cfg-/.test(name)) return 'grub per-client config search';
  if (/^(command|fs|crypto|terminal|partmap|parttool|video|moddep)\.lst$/.test(name))
    return 'grub module list';
  if (/\.mo$/.test(name) || name === 'grubenv' || /\.pf2$/.test(name)) return 'grub optional file';
  return null;
}

/** Oddities in a requested name that make a TFTP server look for another file than intended. */
export function filenameOddities(file: string): string[] {
  const out: string[] = [];
  if (/^[/\\]/.test(file))
    out.push(`it starts with ${JSON.stringify(file[0])}, which many servers resolve outside the TFTP root`);
  if (file.includes('\\'))
    out.push('it contains backslashes (a Windows path): Unix TFTP servers take them literally');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f-\x9f\xff]/.test(file))
    out.push('it contains non-printable bytes (often a firmware or DHCP padding bug)');
  if (/\s$/.test(file) || /^\s/.test(file)) out.push('it has leading or trailing spaces');
  return out;
}
