import { decodeText, encodeText, escapeBytes } from '../bytes.js';
import { wrongKind, type OptionCodec } from './codec.js';

/**
 * Option 77. RFC 3004 makes it a list of length-prefixed classes, but iPXE sends the bare text "iPXE" and
 * Windows sends bare text too. Like Wireshark, read it as RFC 3004 only when the length bytes tile the option
 * exactly (no zero-length class, nothing left over); otherwise it is raw text.
 * JSON: {format: "rfc3004", classes: [...]} or {format: "raw", text}.
 */
export type UserClassValue =
  | { kind: 'userClass'; format: 'rfc3004'; classes: string[]; escaped?: true }
  | { kind: 'userClass'; format: 'raw'; text: string; escaped?: true };

function rfc3004Classes(raw: Uint8Array): Uint8Array[] | null {
  const classes: Uint8Array[] = [];
  let off = 0;
  while (off < raw.length) {
    const len = raw[off];
    if (len === 0 || off + 1 + len > raw.length) return null;
    classes.push(raw.subarray(off + 1, off + 1 + len));
    off += 1 + len;
  }
  return classes.length > 0 ? classes : null;
}

export const userClassCodec: OptionCodec = {
  decode(raw) {
    const classes = rfc3004Classes(raw);
    if (classes === null) {
      const t = decodeText(raw);
      return t.escaped
        ? { kind: 'userClass', format: 'raw', text: t.text, escaped: true }
        : { kind: 'userClass', format: 'raw', text: t.text };
    }
    // One escaping decision for the whole list, so the flag can live on the value.
    const escaped = classes.some((c) => decodeText(c).escaped === true);
    const texts = classes.map((c) => (escaped ? escapeBytes(c) : decodeText(c).text));
    return escaped
      ? { kind: 'userClass', format: 'rfc3004', classes: texts, escaped: true }
      : { kind: 'userClass', format: 'rfc3004', classes: texts };
  },
  encode(v) {
    if (v.kind !== 'userClass') return wrongKind('userClass', v);
    if (v.format === 'raw') return encodeText(v.text, v.escaped);
    const parts: number[] = [];
    for (const c of v.classes) {
      const b = encodeText(c, v.escaped);
      parts.push(b.length, ...b);
    }
    return Uint8Array.from(parts);
  },
};
