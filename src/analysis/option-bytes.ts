/**
 * Readers for the DHCP option values the analysis needs, straight from the option's raw bytes.
 * Reading raw bytes keeps the analysis independent of how the codec models option values; every reader
 * returns null (or an empty list) for a value of the wrong size instead of throwing.
 */

export function ipv4At(raw: Uint8Array, offset: number): string {
  return `${raw[offset]}.${raw[offset + 1]}.${raw[offset + 2]}.${raw[offset + 3]}`;
}

export function readIp(raw: Uint8Array): string | null {
  return raw.length === 4 ? ipv4At(raw, 0) : null;
}

export function readIpList(raw: Uint8Array): string[] {
  const ips: string[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) ips.push(ipv4At(raw, i));
  return ips;
}

/** Text option: servers and clients often add a trailing NUL (C strings); cut at the first one. */
export function readText(raw: Uint8Array): string {
  const end = raw.indexOf(0);
  return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString('latin1');
}

export function readU8(raw: Uint8Array): number | null {
  return raw.length === 1 ? raw[0] : null;
}

export function readU16(raw: Uint8Array): number | null {
  return raw.length === 2 ? (raw[0] << 8) | raw[1] : null;
}

export function readU32(raw: Uint8Array): number | null {
  return raw.length === 4 ? ((raw[0] << 24) | (raw[1] << 16) | (raw[2] << 8) | raw[3]) >>> 0 : null;
}

export function readU16List(raw: Uint8Array): number[] {
  const list: number[] = [];
  for (let i = 0; i + 2 <= raw.length; i += 2) list.push((raw[i] << 8) | raw[i + 1]);
  return list;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/**
 * Option 97: type 0 followed by a 16-byte UUID. Shown the way SMBIOS tools, qemu -uuid and Wireshark show
 * it: the first three fields byte-swapped (little-endian GUID), so it matches the machine's label.
 * pxelinux names its per-client config file with the raw byte order instead (see pxelinuxUuid).
 */
export function readUuid(raw: Uint8Array): string | null {
  if (raw.length !== 17 || raw[0] !== 0) return null;
  const b = raw.subarray(1);
  const swapped = [b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6]];
  const head = hex(Uint8Array.from(swapped));
  const tail = hex(b.subarray(8));
  return `${head.slice(0, 8)}-${head.slice(8, 12)}-${head.slice(12, 16)}-${tail.slice(0, 4)}-${tail.slice(4)}`;
}

/** The option 97 UUID in wire byte order, as pxelinux uses it for pxelinux.cfg/<uuid>. */
export function pxelinuxUuid(raw: Uint8Array): string | null {
  if (raw.length !== 17 || raw[0] !== 0) return null;
  const h = hex(raw.subarray(1));
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Option 77. RFC 3004 wants length-prefixed classes, but iPXE (and many ROMs) send the bare text "iPXE":
 * take the RFC form only when the length prefixes tile the option exactly.
 */
export function readUserClass(raw: Uint8Array): string | null {
  if (raw.length === 0) return null;
  const classes: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const len = raw[i];
    if (len === 0 || i + 1 + len > raw.length) break;
    classes.push(readText(raw.subarray(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  if (i === raw.length && classes.length > 0) return classes.join(',');
  return readText(raw);
}

export interface PxeVendorOptions {
  discoveryControl: number | null;
  /** Boot server addresses of sub-option 8, every type. */
  bootServers: string[];
  /** Descriptions of sub-option 9 menu items. */
  menu: string[];
}

/**
 * Option 43 as PXE sub-options (PXE 2.1 §2.4.5): 6 discovery control, 8 boot servers
 * (type u16, count u8, count × IPv4), 9 boot menu (type u16, length u8, text). Null when the bytes do not
 * form a sub-option list (a vendor 43 of another kind).
 */
export function readPxeVendorOptions(raw: Uint8Array): PxeVendorOptions | null {
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
    for (let n = 0; n < count && i + 4 <= value.length; n++, i += 4) ips.push(ipv4At(value, i));
  }
  return ips;
}

function readMenu(value: Uint8Array): string[] {
  const items: string[] = [];
  let i = 0;
  while (i + 3 <= value.length) {
    const len = value[i + 2];
    items.push(readText(value.subarray(i + 3, Math.min(value.length, i + 3 + len))));
    i += 3 + len;
  }
  return items;
}
