import { wrongKind, type OptionCodec } from './codec.js';

/** Option 55 (and any list of option codes). JSON: the array of codes, in the client's order. */
export interface CodeListValue {
  kind: 'codes';
  codes: number[];
}

export const codeListCodec: OptionCodec = {
  decode: (raw) => ({ kind: 'codes', codes: [...raw] }),
  encode: (v) => (v.kind === 'codes' ? Uint8Array.from(v.codes) : wrongKind('codes', v)),
};
