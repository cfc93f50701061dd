/**
 * TFTP roots for the firmware boot tests, built from the Debian packages' files: pxelinux (pxelinux.0 and
 * its .c32 modules, a pxelinux.cfg/default that ends in poweroff.c32), iPXE's EFI builds and iPXE scripts
 * that print a marker and end the virtual machine. Every file is world-readable: dnsmasq serves TFTP as
 * user nobody.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

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

/** Where `test/e2e/fetch-kernel.sh` unpacks Debian's cloud kernel when /boot has none (CI, containers). */
export const KERNEL_CACHE = '/var/cache/pxe-doctor/kernel/boot';
export const BUSYBOX = '/bin/busybox';

/**
 * A real Linux kernel on this machine: $PXD_E2E_KERNEL, else the newest /boot/vmlinuz-*, else the one
 * fetch-kernel.sh unpacked. Null when there is none.
 */
export function findLinuxKernel(): string | null {
  const given = process.env['PXD_E2E_KERNEL'];
  if (given) return existsSync(given) ? given : null;
  for (const dir of ['/boot', KERNEL_CACHE]) {
    if (!existsSync(dir)) continue;
    const found = readdirSync(dir)
      .filter((f) => f.startsWith('vmlinuz-'))
      .sort()
      .reverse();
    if (found.length > 0) return join(dir, found[0]);
  }
  return null;
}

/** The shared libraries a dynamically linked program loads (ldd's paths, the loader included). */
function sharedLibraries(program: string): string[] {
  const r = spawnSync('ldd', [program], { encoding: 'utf8', timeout: 10_000 });
  return [...(r.stdout ?? '').matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)].map((m) => m[1]);
}

/**
 * A gzipped newc initramfs whose /init (run by busybox, with the libraries it needs) prints
 * "<marker> kernel=<release>" and powers the machine off: the line on the console proves the kernel booted
 * from the bytes served and found the initrd. Returns its size.
 */
export function addBusyboxInitrd(root: string, name: string, marker: string): number {
  const stage = mkdtempSync(join(tmpdir(), 'pxd-initrd-'));
  try {
    const put = (source: string, target = source): void => {
      mkdirSync(join(stage, dirname(target)), { recursive: true });
      copyFileSync(source, join(stage, target));
    };
    put(BUSYBOX, '/bin/busybox');
    chmodSync(join(stage, 'bin', 'busybox'), 0o755);
    for (const lib of sharedLibraries(BUSYBOX)) put(lib);
    const cut = marker.lastIndexOf('-');
    const [head, tail] = [marker.slice(0, cut + 1), marker.slice(cut + 1)];
    const init = [
      '#!/bin/busybox sh',
      `t=${tail}`,
      `/bin/busybox echo "${head}\${t} kernel=$(/bin/busybox uname -r)"`,
      '/bin/busybox poweroff -f',
      '',
    ].join('\n');
    writeFileSync(join(stage, 'init'), init, { mode: 0o755 });
    const list = spawnSync('find', ['.'], { cwd: stage, encoding: 'utf8', timeout: 10_000 }).stdout;
    const cpio = spawnSync(BUSYBOX, ['cpio', '-o', '-H', 'newc'], {
      cwd: stage,
      input: list,
      maxBuffer: 64 << 20,
      timeout: 30_000,
    });
    if (cpio.status !== 0) throw new Error(`busybox cpio: ${cpio.stderr.toString('utf8')}`);
    const target = join(root, name);
    writeFileSync(target, gzipSync(cpio.stdout, { level: 9 }), { mode: 0o644 });
    return statSync(target).size;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * pxelinux.0, ldlinux.c32 and a configuration that boots `kernel` (copied as `vmlinuz`) with a busybox
 * initrd (`initrd.gz`) at once: no menu, no prompt; the console is the serial port. Returns the sizes.
 */
export function addPxelinuxLinux(root: string, kernel: string, marker: string): Record<string, number> {
  const sizes: Record<string, number> = {
    'pxelinux.0': addFile(root, PXELINUX_0),
    'ldlinux.c32': addFile(root, join(SYSLINUX_BIOS_MODULES, 'ldlinux.c32')),
    vmlinuz: addFile(root, kernel, 'vmlinuz'),
    'initrd.gz': addBusyboxInitrd(root, 'initrd.gz', marker),
  };
  sizes['pxelinux.cfg/default'] = writeText(
    root,
    'pxelinux.cfg/default',
    [
      'SERIAL 0 115200',
      'DEFAULT linux',
      'PROMPT 0',
      'LABEL linux',
      '  KERNEL vmlinuz',
      '  INITRD initrd.gz',
      '  APPEND console=ttyS0,115200 panic=-1 loglevel=4',
      '',
    ].join('\n'),
  );
  return sizes;
}
