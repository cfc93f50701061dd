/**
 * Byte helpers shared by the DHCP codec: hex, IPv4 addresses, hardware addresses and the reversible text escaping
 * used for every string the codec shows (BOOTP sname/file, text options, sub-option strings).
 */

const HEX = '0123456789abcdef';

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += HEX[b >> 4] + HEX[b & 15];
  return s;
}

/** Parses an even-length hex string (separators ':' '-' ' ' allowed); throws on anything else. */
export function fromHex(hex: string): Uint8Array {
  const clean = hex.replace(/[\s:-]/g, '');
  if (clean.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(clean))
    throw new TypeError(`not a hex string: ${hex}`);
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function readIpv4(b: Uint8Array, off: number): string {
  return `${b[off] ?? 0}.${b[off + 1] ?? 0}.${b[off + 2] ?? 0}.${b[off + 3] ?? 0}`;
}

/** Dotted quad to 4 bytes; throws on anything that is not one. */
export function ipv4Bytes(ip: string): Uint8Array {
  const out = new Uint8Array(4);
  writeIpv4(out, 0, ip);
  return out;
}

/** Writes a dotted quad at `off` without allocating (the encoder writes four per message). */
export function writeIpv4(out: Uint8Array, off: number, ip: string): void {
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 0x2e;
    if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && digits > 0 && value <= 255 && part < 4) {
      out[off + part++] = value;
      value = 0;
      digits = 0;
    } else {
      throw new TypeError(`not an IPv4 address: ${ip}`);
    }
  }
  if (part !== 4) throw new TypeError(`not an IPv4 address: ${ip}`);
}

/** "aa:bb:cc" for any length (hardware addresses, client identifiers). */
export function colonHex(bytes: Uint8Array): string {
  const parts: string[] = [];
  for (const b of bytes) parts.push(HEX[b >> 4] + HEX[b & 15]);
  return parts.join(':');
}

export function readU16(b: Uint8Array, off: number): number {
  return ((b[off] ?? 0) << 8) | (b[off + 1] ?? 0);
}

export function readU32(b: Uint8Array, off: number): number {
  return (
    (((b[off] ?? 0) << 24) | ((b[off + 1] ?? 0) << 16) | ((b[off + 2] ?? 0) << 8) | (b[off + 3] ?? 0)) >>> 0
  );
}

export function u16Bytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 8) & 255, n & 255);
}

export function u32Bytes(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** An append-only byte buffer: the encoder builds a message without a Uint8Array per option instance. */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(capacity = 576) {
    this.buf = new Uint8Array(capacity);
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  zeros(n: number): void {
    this.room(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
  }

  /** An option instance: code, length byte, data. */
  instance(code: number, lengthByte: number, data: Uint8Array): void {
    this.room(data.length + 2);
    this.buf[this.length] = code;
    this.buf[this.length + 1] = lengthByte;
    this.buf.set(data, this.length + 2);
    this.length += data.length + 2;
  }

  /** The bytes written so far, as a copy. */
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  /** The bytes written so far, without copying: valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Text as shown to people, plus whether it had to be escaped.
 * Plain printable ASCII is kept literally, backslashes included, so a WDS boot file "boot\x64\wdsnbp.com" reads
 * as configured. Anything else switches the whole string to escaped form: every byte outside printable ASCII,
 * and every backslash, becomes \xNN. The flag makes the text reversible to the exact bytes.
 */
export interface EscapedText {
  text: string;
  escaped?: true;
}

function printable(b: number): boolean {
  return b >= 0x20 && b < 0x7f;
}

export function decodeText(bytes: Uint8Array): EscapedText {
  let plain = true;
  for (const b of bytes) {
    if (!printable(b)) {
      plain = false;
      break;
    }
  }
  if (plain) return { text: String.fromCharCode(...bytes) };
  return { text: escapeBytes(bytes), escaped: true };
}

/** The escaped form of decodeText, whatever the bytes. */
export function escapeBytes(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes)
    s += printable(b) && b !== 0x5c ? String.fromCharCode(b) : `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
  return s;
}

/**
 * Inverse of decodeText. Literal text (escaped unset) is what code writes, e.g. a server's boot file name:
 * it is encoded as UTF-8 and backslashes stay backslashes.
 */
export function encodeText(text: string, escaped?: boolean): Uint8Array {
  if (escaped !== true) return new TextEncoder().encode(text);
  const out: number[] = [];
  const utf8 = new TextEncoder();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c && text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else if (c < 0x80) {
      out.push(c);
    } else {
      // Not produced by decodeText; code that hand-writes escaped text gets UTF-8 for it.
      const cp = text.codePointAt(i) ?? c;
      const ch = String.fromCodePoint(cp);
      out.push(...utf8.encode(ch));
      i += ch.length - 1;
    }
  }
  return Uint8Array.from(out);
}

/** A NUL-terminated fixed field (sname, file): the text before the first NUL. */
export function fieldText(bytes: Uint8Array): string {
  const nul = bytes.indexOf(0);
  const t = decodeText(nul === -1 ? bytes : bytes.subarray(0, nul));
  return t.text;
}
