/**
 * DHCP facts of the server's side: its identifier, lease, NAK text, PXE vendor options (43), and what a reply
 * tells the client to boot (boot file and TFTP server after option 52 overload, with their sources). Part of
 * the one reader of DHCP facts (facts.ts re-exports it): read a reply through these, never through its bytes.
 */
import { readU16 } from './bytes.js';
import {
  ip,
  ipAt,
  ipList,
  optionBytes,
  read,
  text,
  type DhcpBootView,
  type DhcpOptionsView,
} from './option-values.js';

// ---- the server ----

/** Option 54 as sent (a reply without it is identified by its IP source: see the analysis). */
export function serverId(msg: DhcpOptionsView): string | null {
  return read(msg, 54, ip);
}

/** Option 51, seconds. */
export function leaseTime(msg: DhcpOptionsView): number | null {
  return read(msg, 51, (raw) =>
    raw.length === 4 ? ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0 : null,
  );
}

/** Option 56 (the reason text of a NAK). */
export function serverMessage(msg: DhcpOptionsView): string | null {
  return read(msg, 56, text);
}

/** Option 52: 1 file, 2 sname, 3 both carry options. */
export function optionOverload(msg: DhcpOptionsView): number | null {
  return read(msg, 52, (raw) => (raw.length === 1 ? raw[0] : null));
}

/** Option 67. */
export function bootFileOption(msg: DhcpOptionsView): string | null {
  return read(msg, 67, text);
}

/**
 * How option 67's bytes end: 'unterminated' (no NUL; RFC 2132 needs none, but old PXE ROMs read past the end
 * and append what follows to the TFTP request), 'nul' (NUL-terminated), 'bytes-after-nul' (more bytes follow
 * the first NUL). null without option 67.
 */
export type BootFileEnding = 'unterminated' | 'nul' | 'bytes-after-nul';

export function bootFileOptionEnding(msg: DhcpOptionsView): BootFileEnding | null {
  return read(msg, 67, (raw): BootFileEnding => {
    const nul = raw.indexOf(0);
    if (nul === -1) return 'unterminated';
    return raw.subarray(nul).some((b) => b !== 0) ? 'bytes-after-nul' : 'nul';
  });
}

/** Option 66 (a name or a dotted quad, as text). */
export function tftpServerName(msg: DhcpOptionsView): string | null {
  return read(msg, 66, text);
}

/** Option 150 (Cisco TFTP server addresses). */
export function tftpServerAddresses(msg: DhcpOptionsView): string[] {
  return read(msg, 150, ipList) ?? [];
}

export interface PxeVendorOptions {
  discoveryControl: number | null;
  /** Boot server addresses of sub-option 8, every type. */
  bootServers: string[];
  /** Descriptions of sub-option 9 menu items. */
  menu: string[];
}

/**
 * Option 43 as PXE sub-options (PXE 2.1 §2.4.5): 6 discovery control, 8 boot servers (type u16, count u8,
 * count × IPv4), 9 boot menu (type u16, length u8, text). Null without option 43 or when its bytes do not
 * form a sub-option list (a vendor 43 of another kind).
 */
export function pxeVendorOptions(msg: DhcpOptionsView): PxeVendorOptions | null {
  return read(msg, 43, readPxeVendorOptions);
}

function readPxeVendorOptions(raw: Uint8Array): PxeVendorOptions | null {
  const out: PxeVendorOptions = { discoveryControl: null, bootServers: [], menu: [] };
  let i = 0;
  while (i < raw.length) {
    const code = raw[i];
    if (code === 255) return out;
    if (code === 0) {
      i += 1;
      continue;
    }
    if (i + 1 >= raw.length) return null;
    const len = raw[i + 1];
    if (i + 2 + len > raw.length) return null;
    const value = raw.subarray(i + 2, i + 2 + len);
    if (code === 6 && len >= 1) out.discoveryControl = value[0];
    if (code === 8) out.bootServers.push(...readBootServers(value));
    if (code === 9) out.menu.push(...readMenu(value));
    i += 2 + len;
  }
  return out;
}

function readBootServers(value: Uint8Array): string[] {
  const ips: string[] = [];
  let i = 0;
  while (i + 3 <= value.length) {
    const count = value[i + 2];
    i += 3;
    for (let n = 0; n < count && i + 4 <= value.length; n++, i += 4) ips.push(ipAt(value, i));
  }
  return ips;
}

function readMenu(value: Uint8Array): string[] {
  const items: string[] = [];
  let i = 0;
  while (i + 3 <= value.length) {
    const len = value[i + 2];
    items.push(text(value.subarray(i + 3, Math.min(value.length, i + 3 + len))));
    i += 3 + len;
  }
  return items;
}

/** PXE option 43 sub-option 71 (boot item: type u16, layer u16) a boot service request asks for. */
export function requestedBootItem(msg: DhcpOptionsView): { type: number; layer: number } | null {
  const raw = optionBytes(msg, 43);
  if (raw === null) return null;
  for (let off = 0; off + 1 < raw.length;) {
    const code = raw[off];
    if (code === 255) break;
    if (code === 0) {
      off++;
      continue;
    }
    const len = raw[off + 1];
    if (code === 71 && len === 4 && off + 6 <= raw.length)
      return { type: readU16(raw, off + 2), layer: readU16(raw, off + 4) };
    off += 2 + len;
  }
  return null;
}

// ---- what a reply tells the client to boot ----

/** The boot values of a reply as plain data; a DhcpMessage gives them through bootValues(). */
export interface BootValues {
  siaddr: string;
  sname: string;
  /** BOOTP file field ("" when overloaded by option 52). */
  file: string;
  /** Option 67. */
  bootfileOption: string | null;
  /** Option 66. */
  tftpServerName: string | null;
  /** Option 150. */
  tftpServerAddresses: string[];
  /** Option 43 sub-option 8 addresses. */
  pxeBootServers: string[];
}

export function bootValues(msg: DhcpBootView): BootValues {
  return {
    siaddr: msg.siaddr,
    sname: msg.sname,
    file: msg.file,
    bootfileOption: bootFileOption(msg),
    tftpServerName: tftpServerName(msg),
    tftpServerAddresses: tftpServerAddresses(msg),
    pxeBootServers: pxeVendorOptions(msg)?.bootServers ?? [],
  };
}

/** A name field or option that carries something: padding (NULs, spaces) is no name. */
function given(s: string | null): string | null {
  if (s === null) return null;
  const cut = s.replace(/\0+$/, '');
  return cut.trim() === '' ? null : cut;
}

export type BootFileSource = 'file' | 'option-67';

/**
 * Which boot file a client reads from a reply. Legacy PXE ROMs and iPXE (dhcppkt_fetch returns a populated
 * `file` field before option 67) read the BOOTP `file` field first; EDK2 (PxeBcDhcp4BootInfo) reads option 67
 * first and falls back to the field.
 */
export function bootFile(
  v: Pick<BootValues, 'file' | 'bootfileOption'>,
  order: 'file-first' | 'option-67-first' = 'file-first',
): { value: string; source: BootFileSource } | null {
  const file = given(v.file);
  const o67 = given(v.bootfileOption);
  const fromFile = file === null ? null : { value: file, source: 'file' as const };
  const from67 = o67 === null ? null : { value: o67, source: 'option-67' as const };
  return order === 'file-first' ? (fromFile ?? from67) : (from67 ?? fromFile);
}

export type TftpServerSource = 'siaddr' | 'option-66' | 'option-150' | 'sname' | 'option-43-boot-server';

/**
 * Every place a reply names a server for the next step, in the order a client uses them: siaddr (next-server),
 * option 66 (a name stays a name), option 150 addresses, the sname field, then the PXE boot servers of option
 * 43 (reached by a port-4011 request, not by TFTP directly).
 */
export function tftpServerCandidates(v: BootValues): { server: string; source: TftpServerSource }[] {
  const out: { server: string; source: TftpServerSource }[] = [];
  if (v.siaddr !== '0.0.0.0' && v.siaddr !== '') out.push({ server: v.siaddr, source: 'siaddr' });
  const o66 = given(v.tftpServerName);
  if (o66 !== null) out.push({ server: o66.trim(), source: 'option-66' });
  for (const a of v.tftpServerAddresses) out.push({ server: a, source: 'option-150' });
  const sname = given(v.sname);
  if (sname !== null) out.push({ server: sname.trim(), source: 'sname' });
  for (const a of v.pxeBootServers) out.push({ server: a, source: 'option-43-boot-server' });
  return out;
}

/** The TFTP server a client fetches the boot file from: the first candidate it reaches by TFTP. */
export function tftpServer(
  v: BootValues,
): { server: string; source: Exclude<TftpServerSource, 'option-43-boot-server'> } | null {
  for (const c of tftpServerCandidates(v))
    if (c.source !== 'option-43-boot-server') return { server: c.server, source: c.source };
  return null;
}

/** A boot file that is a URL (HTTP boot, iPXE): fetched by its scheme, not by TFTP. */
export function isUrl(file: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(file.trim());
}
