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
import { type DhcpOptionsView, hasOption, ip, optionBytes, read, text, u16 } from './option-values.js';

// The views and the option readers, and the server's and boot facts, read through this one module too.
export { hasOption, optionBytes, type DhcpBootView, type DhcpOptionsView } from './option-values.js';
export * from './boot-facts.js';

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
 * DHCP_USER_CLASS) and its encapsulated option 175. A loaded pxelinux or an OS client sends neither. gPXE,
 * iPXE's predecessor, sends 175 too but user class "gPXE": gpxelinux.0 (pxelinux with gPXE inside) is not iPXE.
 */
export function isIpxeSignature(classes: readonly string[], has175: boolean): boolean {
  if (classes.includes('iPXE')) return true;
  return has175 && !classes.includes('gPXE');
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
