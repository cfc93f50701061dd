/**
 * TFTP roots for the firmware boot tests, built from the Debian packages' files: pxelinux (pxelinux.0 and
 * its .c32 modules, a pxelinux.cfg/default that ends in poweroff.c32), iPXE's EFI builds and iPXE scripts
 * that print a marker and end the virtual machine. Every file is world-readable: dnsmasq serves TFTP as
 * user nobody.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const PXELINUX_0 = '/usr/lib/PXELINUX/pxelinux.0';
export const SYSLINUX_BIOS_MODULES = '/usr/lib/syslinux/modules/bios';
export const SNPONLY_EFI = '/usr/lib/ipxe/snponly.efi';
export const UNDIONLY_KPXE = '/usr/lib/ipxe/undionly.kpxe';

/** The modules pxelinux fetches on the way to poweroff.c32 (libcom32 is listed for completeness). */
const PXELINUX_MODULES = ['ldlinux.c32', 'menu.c32', 'libutil.c32', 'libcom32.c32', 'poweroff.c32'];

/** Files the pxelinux root needs from packages (for requireTools). */
export const PXELINUX_NEEDS = [PXELINUX_0, join(SYSLINUX_BIOS_MODULES, 'ldlinux.c32')];

/** Copies `source` into the root as `name` (default: its own name), readable by everyone; returns its size. */
export function addFile(root: string, source: string, name = basename(source)): number {
  const target = join(root, name);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  copyFileSync(source, target);
  chmodSync(target, 0o644);
  return statSync(target).size;
}

function writeText(root: string, name: string, text: string): number {
  const target = join(root, name);
  mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
  writeFileSync(target, text, { mode: 0o644 });
  return statSync(target).size;
}

/**
 * pxelinux.0, its modules and a menu whose default entry runs poweroff.c32 after a one-second timeout. The
 * menu title carries `title`, so the console proves the configuration came from this root.
 */
export function addPxelinux(root: string, title: string): void {
  addFile(root, PXELINUX_0);
  for (const m of PXELINUX_MODULES) addFile(root, join(SYSLINUX_BIOS_MODULES, m));
  writeText(
    root,
    'pxelinux.cfg/default',
    [
      'UI menu.c32',
      'PROMPT 0',
      'TIMEOUT 10',
      `MENU TITLE ${title}`,
      'DEFAULT off',
      '',
      'LABEL off',
      '  MENU LABEL Power off (poweroff.c32)',
      '  COM32 poweroff.c32',
      '',
    ].join('\n'),
  );
}

/** A marker nobody else prints: `PXE-DOCTOR-MARKER-` and random hex. */
export function newMarker(): string {
  return `PXE-DOCTOR-MARKER-${randomBytes(4).toString('hex')}`;
}

/** What an iPXE script from `addIpxeScript` prints when it runs, e.g. "PXE-DOCTOR-MARKER-1a2b3c4d platform=efi". */
export function markerLine(marker: string, platform: 'pcbios' | 'efi'): RegExp {
  return new RegExp(`${marker} platform=${platform}\\b`);
}

/**
 * An iPXE script that prints the marker and the firmware platform, then ends the machine. The marker is put
 * together by iPXE's own variable expansion, so the line appears on the console only if iPXE ran the script.
 * These iPXE builds (Debian, 2019) have no `poweroff` command: `reboot` then ends qemu (-no-reboot).
 * Returns the script's size.
 */
export function addIpxeScript(root: string, name: string, marker: string): number {
  const cut = marker.lastIndexOf('-');
  const [head, tail] = [marker.slice(0, cut + 1), marker.slice(cut + 1)];
  return writeText(
    root,
    name,
    [
      '#!ipxe',
      `set tail ${tail}`,
      `echo ${head}\${tail} platform=\${platform}`,
      'poweroff || reboot',
      '',
    ].join('\n'),
  );
}
