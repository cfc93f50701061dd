import { readU16, u16Bytes } from '../bytes.js';
import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/**
 * Option 93, client system architecture (RFC 4578 2.1, IANA "Processor Architecture Types").
 * Names follow the IANA registry; Wireshark 4.0 spells some differently (6 "EFI IA32", 7 "EFI x64", 9 "EFI BC").
 * RFC 4578 originally swapped 7 and 9; the errata and every firmware since use 7 for x64 UEFI.
 */
const ARCH_NAMES: readonly string[] = [
  'x86 BIOS',
  'NEC/PC98',
  'Itanium',
  'DEC Alpha',
  'Arc x86',
  'Intel Lean Client',
  'x86 UEFI',
  'x64 UEFI',
  'EFI Xscale',
  'EFI BC (x64 UEFI)',
  'ARM32 UEFI',
  'ARM64 UEFI',
  'PowerPC OpenFirmware',
  'PowerPC ePAPR',
  'POWER OPAL v3',
  'x86 UEFI HTTP',
  'x64 UEFI HTTP',
  'EBC HTTP',
  'ARM32 UEFI HTTP',
  'ARM64 UEFI HTTP',
  'x86 BIOS HTTP',
  'ARM32 uboot',
  'ARM64 uboot',
  'ARM32 uboot HTTP',
  'ARM64 uboot HTTP',
  'RISC-V 32 UEFI',
  'RISC-V 32 UEFI HTTP',
  'RISC-V 64 UEFI',
  'RISC-V 64 UEFI HTTP',
  'RISC-V 128 UEFI',
  'RISC-V 128 UEFI HTTP',
  's390 Basic',
  's390 Extended',
  'MIPS32 UEFI',
  'MIPS64 UEFI',
  'Sunway 32 UEFI',
  'Sunway 64 UEFI',
  'LoongArch32 UEFI',
  'LoongArch32 UEFI HTTP',
  'LoongArch64 UEFI',
  'LoongArch64 UEFI HTTP',
  'ARM rpiboot',
];

export function archName(code: number): string {
  return ARCH_NAMES[code] ?? `Unknown (${code})`;
}

export type ArchFamily = 'bios' | 'uefi' | 'uefi-http' | 'other';

const UEFI_HTTP = new Set([15, 16, 17, 18, 19, 26, 28, 30, 38, 40]);
// 2 (Itanium) and 8 (Xscale) boot EFI too; 9 is EBC, which x64 UEFI firmware reports for itself.
const UEFI = new Set([2, 6, 7, 8, 9, 10, 11, 25, 27, 29, 33, 34, 35, 36, 37, 39]);

/**
 * Which kind of boot file the client can run: a BIOS NBP (pxelinux.0, undionly.kpxe), a UEFI one (.efi) fetched
 * by TFTP, or a UEFI one fetched by HTTP (the client then expects a URL). 20 (x86 BIOS HTTP) and the uboot,
 * OpenFirmware and s390 types are 'other': none of the usual PXE boot files fit them.
 */
export function archFamily(code: number): ArchFamily {
  if (code === 0) return 'bios';
  if (UEFI_HTTP.has(code)) return 'uefi-http';
  if (UEFI.has(code)) return 'uefi';
  return 'other';
}

/** JSON: [{code, name}], one per architecture the client lists (usually one). */
export interface ArchValue {
  kind: 'arch';
  archs: { code: number; name: string }[];
}

export const archCodec: OptionCodec = {
  decode(raw) {
    if (raw.length === 0 || raw.length % 2 !== 0) {
      throw new OptionValueError(
        `length ${raw.length} is not a positive multiple of 2 for architecture types`,
      );
    }
    const archs: ArchValue['archs'] = [];
    for (let off = 0; off < raw.length; off += 2) {
      const code = readU16(raw, off);
      archs.push({ code, name: archName(code) });
    }
    return { kind: 'arch', archs };
  },
  encode(v) {
    if (v.kind !== 'arch') return wrongKind('arch', v);
    const out = new Uint8Array(v.archs.length * 2);
    v.archs.forEach((a, i) => out.set(u16Bytes(a.code), i * 2));
    return out;
  },
};
