/**
 * IPv4 and MAC address helpers. On the hot path addresses stay uint32 numbers (IPv4) or byte offsets (MAC);
 * these turn them into text only for the packets somebody will look at.
 */

/** Reads 4 bytes as an unsigned 32-bit IPv4 address (network order). No bounds check: callers check first. */
export function readIp(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0
  );
}

/** Writes a uint32 IPv4 address in network order. */
export function writeIp(bytes: Uint8Array, offset: number, ip: number): void {
  bytes[offset] = ip >>> 24;
  bytes[offset + 1] = (ip >>> 16) & 0xff;
  bytes[offset + 2] = (ip >>> 8) & 0xff;
  bytes[offset + 3] = ip & 0xff;
}

/** Dotted quad of the 4 bytes at `offset`. */
export function ipToString(bytes: Uint8Array, offset: number): string {
  return `${bytes[offset]}.${bytes[offset + 1]}.${bytes[offset + 2]}.${bytes[offset + 3]}`;
}

/** Dotted quad of a uint32 address. */
export function ipNumberToString(ip: number): string {
  return `${ip >>> 24}.${(ip >>> 16) & 0xff}.${(ip >>> 8) & 0xff}.${ip & 0xff}`;
}

/** Parses a strict dotted quad ("10.0.0.1") to a uint32; null when it is not one. */
export function parseIp(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let ip = 0;
  for (const part of parts) {
    // Leading zeros are refused because some tools read them as octal.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    ip = ip * 256 + n;
  }
  return ip;
}

/** An address given either way, as a uint32; throws on bad text (programming errors in builders). */
export function toIpNumber(ip: number | string): number {
  if (typeof ip === 'number') {
    if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff)
      throw new RangeError(`not an IPv4 address: ${ip}`);
    return ip;
  }
  const n = parseIp(ip);
  if (n === null) throw new RangeError(`not an IPv4 address: "${ip}"`);
  return n;
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case colon-separated MAC ("52:54:00:12:34:56"), as tshark prints eth.src. */
export function macToString(bytes: Uint8Array, offset: number, length = 6): string {
  let s = HEX[bytes[offset]];
  for (let i = 1; i < length; i++) s += ':' + HEX[bytes[offset + i]];
  return s;
}

/**
 * The decoder names the same few addresses over and over (every packet of a transfer): each name is made once
 * and handed out again, so the hot path builds no string per packet and Map lookups keyed by it hash it once.
 * Bounded: a cache that fills up starts over.
 */
const NAME_CACHE_MAX = 65536;
const IP_NAMES = new Map<number, string>();
const MAC_NAMES = new Map<number, string>();

/** ipNumberToString, from the cache. */
export function ipName(ip: number): string {
  let name = IP_NAMES.get(ip);
  if (name === undefined) {
    if (IP_NAMES.size >= NAME_CACHE_MAX) IP_NAMES.clear();
    name = ipNumberToString(ip);
    IP_NAMES.set(ip, name);
  }
  return name;
}

/** macToString of the 6 bytes at `offset`, from the cache. No bounds check: callers check first. */
export function macName(bytes: Uint8Array, offset: number): string {
  const key = ((bytes[offset] << 8) | bytes[offset + 1]) * 4294967296 + readIp(bytes, offset + 2);
  let name = MAC_NAMES.get(key);
  if (name === undefined) {
    if (MAC_NAMES.size >= NAME_CACHE_MAX) MAC_NAMES.clear();
    name = macToString(bytes, offset);
    MAC_NAMES.set(key, name);
  }
  return name;
}

/**
 * Parses a MAC address as people write it: "52:54:00:12:34:56", "52-54-00-12-34-56" (Windows),
 * "5254.0012.3456" (Cisco), "525400123456", any case. Null when it is not a 6-byte MAC.
 */
export function parseMac(text: string): Uint8Array | null {
  const t = text.trim();
  let hex: string;
  if (/^[0-9a-f]{1,2}([:-])[0-9a-f]{1,2}(\1[0-9a-f]{1,2}){4}$/i.test(t))
    hex = t
      .split(/[:-]/)
      .map((p) => p.padStart(2, '0'))
      .join('');
  else if (/^[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}$/i.test(t)) hex = t.replace(/\./g, '');
  else if (/^[0-9a-f]{12}$/i.test(t)) hex = t;
  else return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A MAC as written by a user, in the one form pxe-doctor prints ("52:54:00:12:34:56"); null when not a MAC. */
export function normalizeMac(text: string): string | null {
  const bytes = parseMac(text);
  return bytes === null ? null : macToString(bytes, 0);
}

/** A MAC given as text or 6 bytes, as 6 bytes; throws on bad input (programming errors in builders). */
export function toMacBytes(mac: string | Uint8Array): Uint8Array {
  if (typeof mac !== 'string') {
    if (mac.length !== 6) throw new RangeError(`a MAC address has 6 bytes, got ${mac.length}`);
    return mac;
  }
  const bytes = parseMac(mac);
  if (bytes === null) throw new RangeError(`not a MAC address: "${mac}"`);
  return bytes;
}

/** Hex string of a byte range, no separators (as tshark's udp.payload). */
export function bytesToHex(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let s = '';
  for (let i = start; i < end; i++) s += HEX[bytes[i]];
  return s;
}
