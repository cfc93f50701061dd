import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/** Option 94, client network device interface (RFC 4578 2.2): type 1 = UNDI, then its major.minor version. */
export interface NdiValue {
  kind: 'ndi';
  type: number;
  major: number;
  minor: number;
}

export const ndiCodec: OptionCodec = {
  decode(raw) {
    if (raw.length !== 3)
      throw new OptionValueError(`length ${raw.length} is not 3 for a network device interface`);
    return { kind: 'ndi', type: raw[0], major: raw[1], minor: raw[2] };
  },
  encode: (v) => (v.kind === 'ndi' ? Uint8Array.of(v.type, v.major, v.minor) : wrongKind('ndi', v)),
};
