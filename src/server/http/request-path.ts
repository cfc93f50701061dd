/**
 * The file an HTTP request-target names, as raw bytes for the TFTP server's path confinement (files.ts),
 * so both protocols refuse exactly the same names. Dot segments are not resolved here (as `new URL` would
 * do): "/a/../b" reaches the confinement with its ".." and is refused there.
 */

export type RequestPath = { ok: true; name: Uint8Array } | { ok: false; reason: string };

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** Percent-decodes once ("%252e" becomes "%2e", a literal name). Null when a "%" is not followed by hex. */
export function percentDecode(text: string): Uint8Array | null {
  const raw = Buffer.from(text, 'utf8');
  const out = new Uint8Array(raw.length);
  let o = 0;
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== 0x25) {
      out[o++] = raw[i];
      continue;
    }
    const hi = i + 2 < raw.length ? hexValue(raw[i + 1]) : -1;
    const lo = i + 2 < raw.length ? hexValue(raw[i + 2]) : -1;
    if (hi < 0 || lo < 0) return null;
    out[o++] = (hi << 4) | lo;
    i += 2;
  }
  return out.subarray(0, o);
}

/** The name in a request-target: origin form ("/boot/x?q") or absolute form ("http://host/boot/x"). */
export function requestPath(target: string): RequestPath {
  let path = target;
  const absolute = /^https?:\/\/[^/?#]*/i.exec(path);
  if (absolute !== null) path = path.slice(absolute[0].length) || '/';
  if (!path.startsWith('/')) return { ok: false, reason: 'request-target is not a path' };
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  const name = percentDecode(path);
  if (name === null) return { ok: false, reason: 'bad percent-encoding' };
  return { ok: true, name };
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * One range of a Range header (RFC 9110 §14.1.2) against a file of `size` bytes: the range, 'unsatisfiable'
 * (answer 416), or null to ignore the header and send the whole file (absent, malformed, several ranges,
 * another unit: all allowed to be ignored).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined) return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (m === null) return null;
  const [, first, last] = m;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
