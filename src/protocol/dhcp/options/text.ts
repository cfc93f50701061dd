import { decodeText, encodeText } from '../bytes.js';
import { wrongKind, type OptionCodec } from './codec.js';

/**
 * A text option (host name, boot file, vendor class, ...). `escaped` is set when the bytes were not plain
 * printable ASCII (see decodeText); `nulTerminated` when the sender added a trailing NUL (common for option 67
 * and 12), which is not part of the text but is kept so the value re-encodes to the same bytes.
 * JSON: the text.
 */
export interface TextValue {
  kind: 'text';
  text: string;
  escaped?: true;
  nulTerminated?: true;
}

export function decodeTextValue(raw: Uint8Array): TextValue {
  const nul = raw.length > 0 && raw[raw.length - 1] === 0;
  const t = decodeText(nul ? raw.subarray(0, raw.length - 1) : raw);
  const v: TextValue = { kind: 'text', text: t.text };
  if (t.escaped) v.escaped = true;
  if (nul) v.nulTerminated = true;
  return v;
}

export function encodeTextValue(v: TextValue): Uint8Array {
  const body = encodeText(v.text, v.escaped);
  if (v.nulTerminated !== true) return body;
  const out = new Uint8Array(body.length + 1);
  out.set(body);
  return out;
}

export const textCodec: OptionCodec = {
  decode: (raw) => decodeTextValue(raw),
  encode: (v) => (v.kind === 'text' ? encodeTextValue(v) : wrongKind('text', v)),
};
