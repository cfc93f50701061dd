import { concatBytes } from '../bytes.js';
import { OptionValueError, type DecodeContext } from './codec.js';

/** One encapsulated sub-option as found on the wire; data is null for the one-byte pad (0) and end (255). */
export interface RawSubOption {
  code: number;
  data: Uint8Array | null;
}

/** Sub-option padding and end markers carry no value. JSON: null. */
export interface NoValue {
  kind: 'none';
}

/**
 * Splits encapsulated options (code, length, data)*. With `padEnd` (option 43 PXE, option 175 iPXE), 0 and 255
 * are one-byte pad and end markers as in the main option area; after an end only zero padding may follow.
 * Throws OptionValueError when a length runs past the data, so the caller keeps the whole option as hex.
 */
export function splitSubOptions(raw: Uint8Array, padEnd: boolean): RawSubOption[] {
  const out: RawSubOption[] = [];
  let off = 0;
  let ended = false;
  while (off < raw.length) {
    const code = raw[off];
    if (ended && code !== 0)
      throw new OptionValueError(`non-zero byte at offset ${off} after the sub-option end`);
    if (padEnd && (code === 0 || code === 255)) {
      out.push({ code, data: null });
      if (code === 255) ended = true;
      off += 1;
      continue;
    }
    if (off + 1 >= raw.length) throw new OptionValueError(`sub-option ${code} has no length byte`);
    const len = raw[off + 1];
    if (off + 2 + len > raw.length) {
      throw new OptionValueError(
        `sub-option ${code} length ${len} exceeds the ${raw.length - off - 2} remaining bytes`,
      );
    }
    out.push({ code, data: raw.subarray(off + 2, off + 2 + len) });
    off += 2 + len;
  }
  return out;
}

export function joinSubOptions(subs: readonly RawSubOption[]): Uint8Array {
  return concatBytes(
    subs.map((s) => {
      if (s.data === null) return Uint8Array.of(s.code);
      if (s.data.length > 255) throw new TypeError(`sub-option ${s.code} is longer than 255 bytes`);
      const out = new Uint8Array(s.data.length + 2);
      out[0] = s.code;
      out[1] = s.data.length;
      out.set(s.data, 2);
      return out;
    }),
  );
}

/**
 * Decodes one sub-option value with a family decoder. When the bytes do not fit, they stay as hex with a note
 * and the surrounding option stays decoded.
 */
export function subValue<V>(
  data: Uint8Array,
  decode: (data: Uint8Array) => V,
  hex: (data: Uint8Array) => V,
  note: (reason: string) => void,
): V {
  try {
    return decode(data);
  } catch (e) {
    if (!(e instanceof OptionValueError)) throw e;
    note(e.message);
    return hex(data);
  }
}

/** What differs between the families of encapsulated options (43 PXE, 82 relay agent, 175 iPXE). */
export interface SubOptionFamily<V> {
  /** The option that carries them, for notes. */
  option: number;
  /** 0 and 255 are one-byte pad and end markers (see splitSubOptions). */
  padEnd: boolean;
  name(code: number): string;
  /** A sub-option's value; throws OptionValueError when the bytes do not fit. */
  decode(code: number, data: Uint8Array): V;
  /** The value of bytes kept as they are. */
  hex(data: Uint8Array): V;
  /** The value of a pad or end marker (families with padEnd). */
  none?(): V;
}

/**
 * Decodes an encapsulated option into named sub-options. A sub-option whose bytes do not fit its type stays
 * as hex with a note ("option 43 sub-option 8 (boot servers): …; kept as hex"); a broken layout throws
 * OptionValueError (splitSubOptions), so the whole option stays hex.
 */
export function decodeSubOptions<V>(
  raw: Uint8Array,
  family: SubOptionFamily<V>,
  ctx: DecodeContext,
): { code: number; name: string; value: V }[] {
  return splitSubOptions(raw, family.padEnd).map((s) => {
    const name = family.name(s.code);
    if (s.data === null && family.none !== undefined) return { code: s.code, name, value: family.none() };
    const value = subValue(
      s.data ?? new Uint8Array(0),
      (d) => family.decode(s.code, d),
      family.hex,
      (why) => ctx.note(`option ${family.option} sub-option ${s.code} (${name}): ${why}; kept as hex`),
    );
    return { code: s.code, name, value };
  });
}

/** The bytes of decoded sub-options; a pad or end marker (code 0 or 255 without a value) is one byte. */
export function encodeSubOptions<V extends { kind: string }>(
  subs: readonly { code: number; value: V }[],
  encode: (value: V) => Uint8Array,
): Uint8Array {
  return joinSubOptions(
    subs.map((s) => ({
      code: s.code,
      data: s.value.kind === 'none' && (s.code === 0 || s.code === 255) ? null : encode(s.value),
    })),
  );
}
