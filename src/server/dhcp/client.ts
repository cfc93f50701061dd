/**
 * What a request says about its sender, for the engine: the client's classification for the boot file choice
 * (BootClient) and the labels of the event log. The values are read by the protocol's accessors
 * (protocol/dhcp/facts.ts), the same ones the analysis uses.
 */
import {
  archFamily,
  archName,
  clientArchitectures,
  hasIpxeOptions,
  isHttpClientVendor,
  isIpxe,
  isPxeClientVendor,
  userClasses,
  vendorClass,
  type DhcpMessage,
} from '../../protocol/dhcp/index.js';
import type { BootClient } from './types.js';

/** Option 93's first architecture code; null when absent or shorter than 2 bytes. */
export function archCode(msg: DhcpMessage): number | null {
  return clientArchitectures(msg)[0] ?? null;
}

export function archLabel(code: number | null): string | null {
  return code === null ? null : `${code} (${archName(code)})`;
}

export function classifyClient(msg: DhcpMessage): BootClient {
  const code = archCode(msg);
  const vendor = vendorClass(msg);
  return {
    mac: msg.chaddr,
    arch: code === null ? null : archFamily(code),
    archCode: code,
    ipxe: isIpxe(msg),
    pxeClient: isPxeClientVendor(vendor),
    httpClient: isHttpClientVendor(vendor),
  };
}

/** For the event log: option 77's text, or a note that only option 175 told it is iPXE. */
export function userClassLabel(msg: DhcpMessage): string | null {
  const classes = userClasses(msg);
  if (classes.length > 0) return classes.join(',');
  return hasIpxeOptions(msg) ? 'iPXE (option 175)' : null;
}
