/**
 * qemu as a real network-boot client for the end-to-end tests. The virtual machine has one NIC on a tap device
 * inside a test namespace, no disk, software emulation (`-accel tcg`: nested KVM has reset guests inside
 * iPXE on some hosts, and CI runners rarely have KVM) and its serial console written to a file.
 *
 * `-no-reboot` turns any guest reboot into a qemu exit, so every boot ends by itself: poweroff.c32 or an iPXE
 * `reboot` on success, the firmware's reboot after "No bootable device" on failure. The console is watched
 * while the guest runs so that a boot known to have failed (an EFI shell, an iPXE error page) is stopped at
 * once instead of at the time limit.
 */
import { existsSync, readFileSync } from 'node:fs';
import { inNamespace } from './netns.js';
import { which } from './require.js';
import { start, type RunResult } from './run.js';

/**
 * seabios-ipxe: SeaBIOS, e1000 NIC with the iPXE ROM (the BIOS PXE client is iPXE, user class "iPXE").
 * ovmf-ipxe: OVMF, the same ROM's EFI driver as PXE client (option 93 = 7, user class "iPXE").
 * ovmf-edk2: OVMF's own PXE client on virtio-net (no option ROM): option 93 = 7, no user class, the way a
 * real UEFI machine starts.
 */
export type Firmware = 'seabios-ipxe' | 'ovmf-ipxe' | 'ovmf-edk2';

export const QEMU = 'qemu-system-x86_64';
/** iPXE ROM for qemu's e1000: the BIOS PXE ROM and the EFI driver in one image. */
export const IPXE_E1000_ROM = '/usr/lib/ipxe/qemu/efi-e1000.rom';
export const OVMF = '/usr/share/ovmf/OVMF.fd';

/** Programs and files a firmware needs (for requireTools, which names their packages). */
export function firmwareNeeds(firmware: Firmware): string[] {
  switch (firmware) {
    case 'seabios-ipxe':
      return [QEMU, IPXE_E1000_ROM];
    case 'ovmf-ipxe':
      return [QEMU, IPXE_E1000_ROM, OVMF];
    case 'ovmf-edk2':
      return [QEMU, OVMF];
  }
}

export interface QemuBootOptions {
  namespace: string;
  tap: string;
  firmware: Firmware;
  mac: string;
  /** SMBIOS UUID: the client sends it in option 97 and pxelinux asks for a config file named after it. */
  uuid: string;
  consolePath: string;
  /** Hard limit for the whole boot; qemu is stopped (TERM, then KILL) when it is reached. */
  timeoutMs: number;
  /** Console text that means the boot has failed: qemu is stopped as soon as it appears. */
  failFast?: RegExp;
}

export interface QemuBoot {
  /** qemu ended by itself (the guest powered off or rebooted) before the limit and before failFast. */
  exitedByItself: boolean;
  result: RunResult;
  /** The serial console with terminal escapes and carriage returns removed. */
  console: string;
  /** The failFast text that stopped the boot, when it did. */
  failedWith: string | null;
}

/** qemu's command line (without the namespace wrapper). */
export function qemuArgs(o: QemuBootOptions): string[] {
  const netdev = `tap,id=n0,ifname=${o.tap},script=no,downscript=no`;
  const common = ['-accel', 'tcg', '-nographic', '-m', '256', '-no-reboot', '-uuid', o.uuid];
  const console = ['-serial', `file:${o.consolePath}`, '-display', 'none', '-monitor', 'none'];
  switch (o.firmware) {
    case 'seabios-ipxe':
      return [
        ...common,
        // reboot-timeout: SeaBIOS reboots 5 s after "No bootable device", which -no-reboot makes an exit.
        ...['-boot', 'order=n,reboot-timeout=5000', '-netdev', netdev],
        ...['-device', `e1000,netdev=n0,mac=${o.mac},romfile=${IPXE_E1000_ROM}`],
        ...console,
      ];
    case 'ovmf-ipxe':
      return [
        ...common,
        ...['-bios', OVMF, '-netdev', netdev],
        ...['-device', `e1000,netdev=n0,mac=${o.mac},romfile=${IPXE_E1000_ROM},bootindex=1`],
        ...console,
      ];
    case 'ovmf-edk2':
      return [
        ...common,
        ...['-bios', OVMF, '-netdev', netdev],
        ...['-device', `virtio-net-pci,netdev=n0,mac=${o.mac},romfile=,bootindex=1`],
        ...console,
      ];
  }
}

/** Removes VT100 escapes, carriage returns and other control characters (firmware menus draw with them). */
export function cleanConsole(raw: string): string {
  /* eslint-disable no-control-regex -- terminal control sequences are exactly what is removed here */
  return raw
    .replace(/\x1b\[[0-9;?=]*[A-Za-z]/g, '')
    .replace(/\x1b[()][A-Za-z0-9]/g, '')
    .replace(/\x1bc/g, '')
    .replace(/\r/g, '')
    .replace(/[\x00-\x08\x0b-\x1f]/g, '');
  /* eslint-enable no-control-regex */
}

function readConsole(path: string): string {
  return existsSync(path) ? cleanConsole(readFileSync(path, 'latin1')) : '';
}

/** Boots the virtual machine inside `o.namespace` and waits until it ends (by itself, failFast or the limit). */
export async function bootQemu(o: QemuBootOptions): Promise<QemuBoot> {
  const [cmd, argv] = inNamespace(o.namespace, which(QEMU) ?? QEMU, qemuArgs(o));
  const vm = start(cmd, argv, { timeoutMs: o.timeoutMs });
  let failedWith: string | null = null;
  const watcher = setInterval(() => {
    if (!o.failFast || failedWith !== null) return;
    const m = o.failFast.exec(readConsole(o.consolePath));
    if (m) {
      failedWith = m[0];
      void vm.stop('SIGTERM', 2000);
    }
  }, 500);
  try {
    const result = await vm.done;
    return {
      exitedByItself: failedWith === null && !result.timedOut && result.code === 0,
      result,
      console: readConsole(o.consolePath),
      failedWith,
    };
  } finally {
    clearInterval(watcher);
    await vm.stop('SIGKILL', 0).catch(() => undefined);
  }
}
