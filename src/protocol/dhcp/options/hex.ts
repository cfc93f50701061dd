import { fromHex, toHex } from '../bytes.js';
import { wrongKind, type OptionCodec } from './codec.js';

/** Bytes with no known structure (unknown options, values that did not fit their type). JSON: a hex string. */
export interface HexValue {
  kind: 'hex';
  hex: string;
}

export function hexValue(raw: Uint8Array): HexValue {
  return { kind: 'hex', hex: toHex(raw) };
}

export const hexCodec: OptionCodec = {
  decode: (raw) => hexValue(raw),
  encode: (v) => (v.kind === 'hex' ? fromHex(v.hex) : wrongKind('hex', v)),
};
