/**
 * Reading what a request says about its sender: the option values the engine acts on, and the client's
 * classification for the boot file choice (BootClient).
 */
import { archFamily, archName, type DhcpMessage, type DhcpOption } from '../../protocol/dhcp/index.js';
import type { BootClient } from './types.js';

export function findOption(msg: DhcpMessage, code: number): DhcpOption | undefined {
  return msg.options.find((o) => o.code === code);
}

/** An IP-valued option (50, 54) as a dotted quad; null when absent or not 4 bytes. */
export function optionIp(msg: DhcpMessage, code: number): string | null {
  const o = findOption(msg, code);
  if (o === undefined || o.raw.length !== 4) return null;
  return `${o.raw[0]}.${o.raw[1]}.${o.raw[2]}.${o.raw[3]}`;
}

/** A text option (60, 77 read as bytes) as latin1 text; null when absent. */
export function optionText(msg: DhcpMessage, code: number): string | null {
  const o = findOption(msg, code);
  return o === undefined ? null : Buffer.from(o.raw).toString('latin1');
}

/** Option 93's first architecture code; null when absent or shorter than 2 bytes. */
export function archCode(msg: DhcpMessage): number | null {
  const o = findOption(msg, 93);
  if (o === undefined || o.raw.length < 2) return null;
  return (o.raw[0] << 8) | o.raw[1];
}

export function archLabel(code: number | null): string | null {
  return code === null ? null : `${code} (${archName(code)})`;
}

/** Option 77 as the classes it lists: RFC 3004 length-prefixed, or iPXE's bare text. */
export function userClasses(msg: DhcpMessage): string[] {
  const o = findOption(msg, 77);
  if (o === undefined) return [];
  const v = o.value;
  if (v.kind === 'userClass') return v.format === 'raw' ? [v.text] : v.classes;
  return [Buffer.from(o.raw).toString('latin1')];
}

/** The option 55 codes, in the client's order; empty when absent. */
export function requestedOptions(msg: DhcpMessage): number[] {
  const o = findOption(msg, 55);
  return o === undefined ? [] : [...o.raw];
}

export function classifyClient(msg: DhcpMessage): BootClient {
  const code = archCode(msg);
  const vendor = optionText(msg, 60) ?? '';
  return {
    mac: msg.chaddr,
    arch: code === null ? null : archFamily(code),
    archCode: code,
    ipxe: userClasses(msg).includes('iPXE') || findOption(msg, 175) !== undefined,
    pxeClient: vendor.startsWith('PXEClient'),
    httpClient: vendor.startsWith('HTTPClient'),
  };
}

/** For the event log: option 77's text, or a note that only option 175 told it is iPXE. */
export function userClassLabel(msg: DhcpMessage): string | null {
  const classes = userClasses(msg);
  if (classes.length > 0) return classes.join(',');
  return findOption(msg, 175) !== undefined ? 'iPXE (option 175)' : null;
}
