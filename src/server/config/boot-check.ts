/**
 * Boot configurations that lead clients into a trap, found before serving: an iPXE binary handed to iPXE
 * again (the chainload loop `analyze` diagnoses as ipxe.chainload-loop), a boot file that is not under the
 * TFTP root, and a common architecture (BIOS, x64 UEFI) with no boot file. Pure: the file lookup is passed
 * in. What an unconfigured client gets is said too, since the event log would otherwise only show it later.
 */
import { isUrl } from '../../protocol/dhcp/index.js';
import type { BootConfig } from './types.js';

/** iPXE's own images: what iPXE must not be handed again (undionly.kpxe, ipxe.efi, snponly.efi, *.kpxe …). */
export function isIpxeBinary(file: string): boolean {
  const name = (file.split('/').pop() ?? file).toLowerCase();
  return /ipxe|undionly|snponly|\.k{1,3}pxe$/.test(name) && !/\.ipxe$/.test(name);
}

export interface BootCheckInput {
  boot: BootConfig;
  /** Full DHCP (addresses) or proxyDHCP. */
  mode: 'dhcp' | 'proxy';
  root: string;
  /** Whether a TFTP file name resolves to a readable file under the root. */
  underRoot: (file: string) => boolean;
}

const KINDS: readonly [keyof BootConfig, string][] = [
  ['bios', 'BIOS'],
  ['uefi', 'x64 UEFI'],
  ['ia32', 'x86 UEFI'],
  ['arm64', 'ARM64 UEFI'],
];

/** One line per trap found, for `warning` events at start-up. */
export function bootConfigWarnings(input: BootCheckInput): string[] {
  const { boot, mode, root } = input;
  const out: string[] = [];
  if (boot.ipxe === null) {
    for (const [key, label] of KINDS) {
      const file = boot[key];
      if (file !== null && isIpxeBinary(file))
        out.push(
          `${label} clients get ${file}, an iPXE image, and once iPXE runs it asks again and gets ${file} ` +
            'again (chainload loop): give --ipxe-script (a script or URL for clients already running iPXE)',
        );
    }
  }
  for (const [key, file] of Object.entries(boot) as [keyof BootConfig, string | null][]) {
    if (key === 'nextServer' || file === null || isUrl(file)) continue;
    if (!input.underRoot(file))
      out.push(
        `boot file ${file} (${key}) is not a readable file under ${root}: clients asking for it get TFTP "File not found"`,
      );
  }
  const missing = KINDS.slice(0, 2)
    .filter(([key]) => boot[key] === null)
    .map(([, label]) => label);
  if (missing.length > 0) {
    const then =
      mode === 'dhcp'
        ? 'get an address but no boot file (the firmware stops with "No boot filename received", PXE-E53)'
        : 'get no answer from this proxyDHCP';
    out.push(`no boot file for ${missing.join(' or ')} clients: they ${then}`);
  }
  return out;
}
