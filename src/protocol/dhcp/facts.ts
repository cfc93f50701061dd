/**
 * The one reader of DHCP facts: typed accessors on a decoded message. Analysis, diagnosis, the server and the
 * reports read an option through these functions, never through the option bytes themselves, so a fix to how
 * a value is read (a trailing NUL, a repeated option, an odd length) reaches every reader at once.
 *
 * They read the option's raw bytes (repeated instances already joined in wire order by the decoder, RFC 3396),
 * not the codec's typed value: a value the codec refused (odd length, bad text) still yields what it holds, and
 * every accessor returns null (or []) for a value of the wrong size instead of throwing.
 */
import { readU16 } from './bytes.js';
import { messageTypeName } from './options/message-type.js';

/** What the accessors need of a message: its options as raw bytes (a DhcpMessage is one). */
export interface DhcpOptionsView {
  readonly options: readonly { readonly code: number; readonly raw: Uint8Array }[];
}

/** The header fields that carry boot information, with the options (a DhcpMessage is one). */
export interface DhcpBootView extends DhcpOptionsView {
  readonly siaddr: string;
  /** Already "" when option 52 overloads the field (the decoder does that). */
  readonly sname: string;
  readonly file: string;
}

/**
 * An option's bytes. The decoder already joins repeated instances (RFC 3396); a message assembled elsewhere
 * may list them separately, so they are joined here too, in order.
 */
export function optionBytes(msg: DhcpOptionsView, code: number): Uint8Array | null {
  let found: Uint8Array | null = null;
  for (const o of msg.options) {
    if (o.code !== code) continue;
    if (found === null) found = o.raw;
    else {
      const joined: Uint8Array = new Uint8Array(found.length + o.raw.length);
      joined.set(found);
      joined.set(o.raw, found.length);
      found = joined;
    }
  }
  return found;
}

export function hasOption(msg: DhcpOptionsView, code: number): boolean {
  return optionBytes(msg, code) !== null;
}

// ---- raw value readers (private to this module: the accessors below are the public face) ----

function ipAt(raw: Uint8Array, off: number): string {
  return `${raw[off]}.${raw[off + 1]}.${raw[off + 2]}.${raw[off + 3]}`;
}

function ip(raw: Uint8Array): string | null {
  return raw.length === 4 ? ipAt(raw, 0) : null;
}

function ipList(raw: Uint8Array): string[] {
  const ips: string[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) ips.push(ipAt(raw, i));
  return ips;
}

/** Text option: servers and clients often add a trailing NUL (C strings); cut at the first one. */
function text(raw: Uint8Array): string {
  const end = raw.indexOf(0);
  return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString('latin1');
}

function u16(raw: Uint8Array): number | null {
  return raw.length === 2 ? readU16(raw, 0) : null;
}

function read<T>(msg: DhcpOptionsView, code: number, reader: (raw: Uint8Array) => T | null): T | null {
  const raw = optionBytes(msg, code);
  return raw === null ? null : reader(raw);
}

// ---- the client ----

/**
 * Option codes in the order the sender wrote them (pad and end left out; a repeated option once, where it
 * first appeared). Server software writes its replies in its own order, so the order identifies it.
 */
export function optionOrder(msg: DhcpOptionsView): number[] {
  const seen = new Set<number>();
  const codes: number[] = [];
  for (const o of msg.options) {
    if (o.code === 0 || o.code === 255 || seen.has(o.code)) continue;
    seen.add(o.code);
    codes.push(o.code);
  }
  return codes;
}

/** Option 53 as its IANA name ("DISCOVER", "UNKNOWN(42)"); null for BOOTP (no option 53). */
export function messageType(msg: DhcpOptionsView): string | null {
  return read(msg, 53, (raw) => (raw.length === 1 ? messageTypeName(raw[0]) : null));
}

/**
 * Option 93: the architecture codes, in the client's order; [] without the option. A value of odd length still
 * yields its complete entries.
 */
export function clientArchitectures(msg: DhcpOptionsView): number[] {
  const raw = optionBytes(msg, 93);
  if (raw === null) return [];
  const codes: number[] = [];
  for (let off = 0; off + 2 <= raw.length; off += 2) codes.push(readU16(raw, off));
  return codes;
}

/** Option 60 (vendor class identifier), e.g. "PXEClient:Arch:00007:UNDI:003016". */
export function vendorClass(msg: DhcpOptionsView): string | null {
  return read(msg, 60, text);
}

/**
 * The architecture a PXE/HTTP-boot vendor class names ("PXEClient:Arch:00007:…"): firmware that sends no
 * option 93 still says it there.
 */
export function vendorClassArch(vendor: string | null): number | null {
  const m = /^(?:PXEClient|HTTPClient):Arch:(\d{5})/i.exec(vendor ?? '');
  return m ? Number(m[1]) : null;
}

/** Vendor class of a PXE client, or of a server claiming PXE service (PXE 2.1: "PXEClient", exact case). */
export function isPxeClientVendor(vendor: string | null): boolean {
  return vendor !== null && vendor.startsWith('PXEClient');
}

/** Vendor class of a UEFI HTTP-boot client (UEFI 2.5+ HTTP boot: "HTTPClient"), echoed by its server. */
export function isHttpClientVendor(vendor: string | null): boolean {
  return vendor !== null && vendor.startsWith('HTTPClient');
}

/**
 * Option 77 as the classes it lists. RFC 3004 wants length-prefixed classes, but iPXE (and many ROMs, and
 * Windows) send bare text: take the RFC form only when the length prefixes tile the option exactly.
 */
export function userClasses(msg: DhcpOptionsView): string[] {
  const raw = optionBytes(msg, 77);
  if (raw === null || raw.length === 0) return [];
  const classes: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const len = raw[i];
    if (len === 0 || i + 1 + len > raw.length) break;
    classes.push(text(raw.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  if (i === raw.length && classes.length > 0) return classes;
  return [text(raw)];
}

/** Option 77 as one line: the classes joined by ","; null without the option. */
export function userClass(msg: DhcpOptionsView): string | null {
  const classes = userClasses(msg);
  return classes.length === 0 ? null : classes.join(',');
}

/** Option 175 (iPXE's encapsulated options) is present. */
export function hasIpxeOptions(msg: DhcpOptionsView): boolean {
  return hasOption(msg, 175);
}

/**
 * The one test for "this message comes from iPXE": iPXE sends user class "iPXE" (bare text, config/general.h
 * DHCP_USER_CLASS) and its encapsulated option 175. A loaded pxelinux or an OS client sends neither.
 */
export function isIpxeSignature(classes: readonly string[], has175: boolean): boolean {
  return has175 || classes.includes('iPXE');
}

export function isIpxe(msg: DhcpOptionsView): boolean {
  return isIpxeSignature(userClasses(msg), hasIpxeOptions(msg));
}

function uuidBytes(raw: Uint8Array): Uint8Array | null {
  return raw.length === 17 && raw[0] === 0 ? raw.subarray(1) : null;
}

function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Option 97 (type 0 + 16 bytes) shown the way SMBIOS tools, qemu -uuid and Wireshark show it: the first three
 * fields byte-swapped (little-endian GUID), so it matches the machine's label.
 */
export function clientUuid(msg: DhcpOptionsView): string | null {
  const b = read(msg, 97, uuidBytes);
  if (b === null) return null;
  const swapped = Uint8Array.of(b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8));
  return dashed(Buffer.from(swapped).toString('hex'));
}

/** The option 97 UUID in wire byte order, as pxelinux uses it for pxelinux.cfg/<uuid>. */
export function pxelinuxUuid(msg: DhcpOptionsView): string | null {
  const b = read(msg, 97, uuidBytes);
  return b === null ? null : dashed(Buffer.from(b).toString('hex'));
}

/** Option 61: type byte and identifier (hex; as a MAC when the type is a hardware type). */
export function clientId(msg: DhcpOptionsView): { type: number; hex: string; mac: string | null } | null {
  return read(msg, 61, (raw) => {
    if (raw.length < 2) return null;
    const id = raw.subarray(1);
    const hex = Buffer.from(id).toString('hex');
    const hw = raw[0] !== 0 && raw[0] !== 255 && id.length <= 16;
    return { type: raw[0], hex, mac: hw ? (hex.match(/../g) ?? []).join(':') : null };
  });
}

/** Option 55: the option codes the client asks for, in its order; [] without the option. */
export function parameterRequestList(msg: DhcpOptionsView): number[] {
  return read(msg, 55, (raw) => [...raw]) ?? [];
}

/** Option 50. */
export function requestedAddress(msg: DhcpOptionsView): string | null {
  return read(msg, 50, ip);
}

/** Option 57. */
export function maxMessageSize(msg: DhcpOptionsView): number | null {
  return read(msg, 57, u16);
}

/** Option 26. */
export function interfaceMtu(msg: DhcpOptionsView): number | null {
  return read(msg, 26, u16);
}

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
