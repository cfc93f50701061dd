/**
 * What an end-to-end test needs, checked before it starts: programs, files from packages, root, network
 * namespaces. When something is missing the test is skipped with a message that names it and says how to
 * install it (Debian package names; the list is also in test/e2e/README.md).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestContext } from 'node:test';

/** Debian package of each program or file the tests use. */
export const APT_PACKAGE: Record<string, string> = {
  tshark: 'tshark',
  dumpcap: 'wireshark-common',
  capinfos: 'wireshark-common',
  tcpdump: 'tcpdump',
  gzip: 'gzip',
  dnsmasq: 'dnsmasq-base',
  ip: 'iproute2',
  busybox: 'busybox',
  curl: 'curl',
  flock: 'util-linux',
  timeout: 'coreutils',
  'qemu-system-x86_64': 'qemu-system-x86',
  '/usr/lib/ipxe/qemu/efi-e1000.rom': 'ipxe-qemu',
  '/usr/lib/ipxe/undionly.kpxe': 'ipxe',
  '/usr/lib/ipxe/snponly.efi': 'ipxe',
  '/usr/share/ovmf/OVMF.fd': 'ovmf',
  '/usr/lib/PXELINUX/pxelinux.0': 'pxelinux',
  '/usr/lib/syslinux/modules/bios/ldlinux.c32': 'syslinux-common',
};

/** Folders searched besides $PATH: root's tools (ip, dnsmasq) live in sbin, which a user's PATH may lack. */
const EXTRA_DIRS = ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/local/bin', '/usr/bin', '/bin'];

/** Full path of an executable found by name, or null. */
export function which(tool: string): string | null {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...EXTRA_DIRS].filter((d) => d !== '');
  for (const d of dirs) {
    const p = join(d, tool);
    if (executable(p)) return p;
  }
  return null;
}

/** `apt-get install …` for the given tools and files (their packages, without duplicates). */
export function aptLine(items: readonly string[]): string {
  const pkgs = [...new Set(items.map((i) => APT_PACKAGE[i] ?? i))];
  return `apt-get install ${pkgs.join(' ')}`;
}

/**
 * Checks programs (by name, on $PATH or in sbin) and files (absolute paths: data files from a package).
 * Skips the test and returns false when any is missing.
 */
export function requireTools(t: TestContext, tools: readonly string[]): boolean {
  const missing = tools.filter((tool) => (tool.startsWith('/') ? !existsSync(tool) : which(tool) === null));
  if (missing.length === 0) return true;
  t.skip(`needs ${missing.join(', ')}: ${aptLine(missing)}`);
  return false;
}

export function isRoot(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0;
}

/** Skips (and returns false) unless running as root on Linux; `why` says what root is for. */
export function requireRoot(t: TestContext, why = 'network namespaces'): boolean {
  if (process.platform !== 'linux') {
    t.skip(`needs Linux (${why})`);
    return false;
  }
  if (!isRoot()) {
    t.skip(`needs root (${why}): run as root, e.g. sudo npm run test:e2e`);
    return false;
  }
  return true;
}

let netnsProbe: string | null | undefined;

/**
 * Skips (and returns false) when this machine cannot create network namespaces (a container without
 * CAP_SYS_ADMIN, no /run/netns): checked once by creating and deleting `pxd-e2e-probe`.
 */
export function requireNetns(t: TestContext): boolean {
  if (netnsProbe === undefined) {
    const ip = which('ip') ?? 'ip';
    const add = spawnSync(ip, ['netns', 'add', 'pxd-e2e-probe'], { encoding: 'utf8', timeout: 10_000 });
    if (add.status === 0) {
      spawnSync(ip, ['netns', 'del', 'pxd-e2e-probe'], { timeout: 10_000 });
      netnsProbe = null;
    } else {
      netnsProbe = (add.stderr || add.error?.message || `exit ${add.status}`).trim();
    }
  }
  if (netnsProbe === null) return true;
  t.skip(`needs network namespaces ('ip netns add' failed: ${netnsProbe}); a container needs CAP_SYS_ADMIN`);
  return false;
}

/** Skips (and returns false) when a device node is missing, e.g. /dev/net/tun for qemu's tap. */
export function requireDevice(t: TestContext, path: string, what: string): boolean {
  if (existsSync(path)) return true;
  t.skip(`needs ${path} (${what})`);
  return false;
}
