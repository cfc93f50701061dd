/**
 * Which boot file a client gets. In order: a client already running iPXE gets the iPXE script (that is what
 * breaks the chainload loop: the firmware loads iPXE, iPXE asks again and must get something else); a static
 * host's own file; an HTTP boot client gets a URL; else the file for its architecture (option 93).
 */
import { isUrl } from '../../protocol/dhcp/index.js';
import type { BootConfig, StaticHostConfig } from '../config/types.js';
import type { BootChoice, BootClient } from './types.js';

export interface BootDecision {
  choice: BootChoice | null;
  /** The rule that matched, or why nothing did. */
  reason: string;
}

const ARM64_UEFI_HTTP = 19;

export function chooseBoot(
  client: BootClient,
  boot: BootConfig,
  host: StaticHostConfig | null,
  serverIp: string,
): BootDecision {
  const nextServer = boot.nextServer ?? serverIp;
  const pick = (file: string | null, reason: string, httpClient = false): BootDecision => {
    if (file === null) return { choice: null, reason: `${reason}: not configured` };
    return { choice: { file, nextServer, reason, url: isUrl(file), httpClient }, reason };
  };

  if (client.ipxe) {
    const script = host?.ipxe ?? boot.ipxe;
    if (script !== null)
      return pick(script, host?.ipxe ? 'iPXE client, static host script' : 'iPXE client: script');
  }
  if (host?.boot != null) return pick(host.boot, 'static host boot file');
  if (client.httpClient || client.arch === 'uefi-http') {
    if (client.archCode === ARM64_UEFI_HTTP)
      return pick(boot.httpArm64, 'ARM64 UEFI HTTP boot (boot.httpArm64)', true);
    return pick(boot.http, 'UEFI HTTP boot (boot.http)', true);
  }
  switch (client.archCode) {
    case null:
    case 0:
      return pick(
        boot.bios,
        client.archCode === null ? 'no option 93: BIOS (boot.bios)' : 'x86 BIOS (boot.bios)',
      );
    case 6:
      return pick(boot.ia32, 'x86 UEFI (boot.ia32)');
    case 7:
    case 9:
      return pick(boot.uefi, 'x64 UEFI (boot.uefi)');
    case 11:
      return pick(boot.arm64, 'ARM64 UEFI (boot.arm64)');
    default:
      return { choice: null, reason: `no boot file for architecture ${client.archCode}` };
  }
}
