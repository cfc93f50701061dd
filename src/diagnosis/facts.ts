/**
 * Facts several rules need about single DHCP messages and the capture as a whole: message kinds, who sent a
 * reply, what it names, which client software sent a request. The values themselves are read once, by the
 * protocol's accessors (protocol/dhcp/facts.ts) and the analysis (DhcpEvent, EffectiveBoot); this module only
 * words them for the rules. Rounds and "what the client boots" are in rounds.ts. Nothing here decides what is
 * a fault.
 */
import { isIpxeEvent } from '../analysis/dhcp-facts.js';
import type { DhcpEvent } from '../analysis/types.js';
import {
  archFamily,
  bootFile,
  isHttpClientVendor,
  isPxeClientVendor,
  MESSAGE_TYPE_NAMES,
  tftpServer,
  vendorClassArch,
} from '../protocol/dhcp/index.js';
import type { ClientFamily } from './pxe-errors.js';

export type MessageKind =
  | 'DISCOVER'
  | 'OFFER'
  | 'REQUEST'
  | 'DECLINE'
  | 'ACK'
  | 'NAK'
  | 'RELEASE'
  | 'INFORM'
  | 'BOOTREQUEST'
  | 'BOOTREPLY'
  | 'OTHER';

/** The RFC 2131 types (codes 1–8) of the protocol's message-type table; the lease-query family is OTHER. */
const RFC2131_KINDS = new Set<string>(MESSAGE_TYPE_NAMES.slice(0, 8));

/** The kind of a message: its option-53 name, BOOTREQUEST/BOOTREPLY without one (BOOTP). */
export function kindOf(e: DhcpEvent): MessageKind {
  if (e.messageType === null) return e.op === 1 ? 'BOOTREQUEST' : 'BOOTREPLY';
  return RFC2131_KINDS.has(e.messageType) ? (e.messageType as MessageKind) : 'OTHER';
}

export const ZERO_IP = '0.0.0.0';

export function isClientEvent(e: DhcpEvent): boolean {
  return e.op === 1;
}

export function isServerEvent(e: DhcpEvent): boolean {
  return e.op === 2;
}

// Read by the analysis too (the live capture's facts), so defined there.
export { isAddressReply, isProxyReply, serverOf } from '../analysis/dhcp-facts.js';

/**
 * The boot file one reply names, as a client of that family reads it (protocol/dhcp bootFile): UEFI firmware
 * (EDK2) takes option 67 first, iPXE and legacy PXE ROMs a non-empty `file` field first. What the client of a
 * round actually boots is the round's EffectiveBoot (rounds.ts), not this.
 */
export function bootFileOf(e: DhcpEvent, family: ClientFamily = 'unknown'): string | null {
  return bootFile(e, family === 'uefi' ? 'option-67-first' : 'file-first')?.value ?? null;
}

/** Option 43 decoded as a PXE menu / boot server list / discovery control. */
export function hasPxeMenu(e: DhcpEvent): boolean {
  return e.pxeMenu.length > 0 || e.pxeBootServers.length > 0 || e.pxeDiscoveryControl !== null;
}

/** Anything a PXE client could boot from: a file, or PXE boot-server discovery information. */
export function hasBootInfo(e: DhcpEvent): boolean {
  return bootFileOf(e) !== null || hasPxeMenu(e);
}

export function isIpv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  return m !== null && m.slice(1).every((o) => Number(o) <= 255);
}

export type TftpServerSource = 'siaddr' | 'option-66' | 'option-150' | 'sname';

/** Where one reply tells the client to fetch its boot file from: siaddr, then 66, then 150, then sname. */
export function tftpServerOf(e: DhcpEvent): { server: string; source: TftpServerSource } | null {
  return tftpServer(e);
}

/** Option 93 value, else the architecture in a "PXEClient:Arch:00007:…" vendor class. */
export function archOf(e: DhcpEvent): number | null {
  return e.arch[0] ?? vendorClassArch(e.vendorClass);
}

export function isHttpBootClient(e: DhcpEvent): boolean {
  return isHttpClientVendor(e.vendorClass);
}

/** A client message from a network-boot client (firmware PXE, HTTP boot or iPXE), not an OS DHCP client. */
export function isBootClient(e: DhcpEvent): boolean {
  return isPxeClientVendor(e.vendorClass) || isHttpClientVendor(e.vendorClass) || isIpxeEvent(e);
}

export function familyOfEvent(e: DhcpEvent): ClientFamily {
  if (!isBootClient(e)) return 'none';
  if (isIpxeEvent(e)) return 'ipxe';
  const arch = archOf(e);
  if (arch === null) return 'unknown';
  const family = archFamily(arch);
  if (family === 'bios') return 'bios';
  return family === 'uefi' || family === 'uefi-http' ? 'uefi' : 'unknown';
}

export function basename(path: string): string {
  const parts = path.split(/[/\\]/);
  return parts[parts.length - 1] ?? path;
}

/** Compares names the way TFTP servers usually resolve them: without leading separators. */
export function sameFile(a: string, b: string): boolean {
  const norm = (p: string): string =>
    p
      .trim()
      .replace(/^[/\\]+/, '')
      .replace(/\\/g, '/');
  return norm(a) === norm(b);
}
