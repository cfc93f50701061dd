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
import {
  cleanConsole,
  firmwareFiles,
  IPXE_E1000_ROM,
  OVMF,
  QEMU,
  qemuArgs as machineArgs,
  type Firmware,
} from '../../../src/fixture/record/qemu.js';
import { inNamespace } from './netns.js';
import { which } from './require.js';
import { start, type RunResult } from './run.js';

export { cleanConsole, IPXE_E1000_ROM, OVMF, QEMU, type Firmware };

/** Programs and files a firmware needs (for requireTools, which names their packages). */
export function firmwareNeeds(firmware: Firmware): string[] {
  return [QEMU, ...firmwareFiles(firmware)];
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
  return machineArgs(o);
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
