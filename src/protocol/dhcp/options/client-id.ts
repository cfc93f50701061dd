import { colonHex, decodeText, encodeText, fromHex, toHex } from '../bytes.js';
import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/**
 * Option 61 (RFC 2132 9.14): a type byte, then an identifier. Type 0 is opaque; a hardware type (1 = Ethernet)
 * is followed by the hardware address, shown as a MAC; 255 is RFC 4361's IAID + DUID.
 * JSON: {type, mac} for a hardware address, {type, value: hex} otherwise, plus {text} when a type-0 identifier is
 * printable (Cisco and others put a name there, which Wireshark shows as text).
 */
export interface ClientIdValue {
  kind: 'clientId';
  type: number;
  /** The identifier bytes after the type, hex (always set by the decoder; code building a value may give mac only). */
  hex?: string;
  /** The same bytes as "aa:bb:..." when the type is a hardware type. */
  mac?: string;
  /** The same bytes as text, for a printable type-0 identifier. */
  text?: string;
}

export const clientIdCodec: OptionCodec = {
  decode(raw) {
    if (raw.length < 2)
      throw new OptionValueError(`length ${raw.length} is below the minimum of 2 for a client identifier`);
    const type = raw[0];
    const id = raw.subarray(1);
    const v: ClientIdValue = { kind: 'clientId', type, hex: toHex(id) };
    if (type !== 0 && type !== 255 && id.length <= 16) v.mac = colonHex(id);
    if (type === 0) {
      const t = decodeText(id);
      if (t.escaped !== true) v.text = t.text;
    }
    return v;
  },
  encode(v) {
    if (v.kind !== 'clientId') return wrongKind('clientId', v);
    const id =
      v.mac !== undefined || v.hex !== undefined ? fromHex(v.mac ?? v.hex ?? '') : encodeText(v.text ?? '');
    const out = new Uint8Array(id.length + 1);
    out[0] = v.type;
    out.set(id, 1);
    return out;
  },
};
