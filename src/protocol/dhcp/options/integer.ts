import { readU16, readU32, u16Bytes, u32Bytes } from '../bytes.js';
import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/** Unsigned integers in network byte order. JSON: the number. */
export interface UintValue {
  kind: 'u8' | 'u16' | 'u32';
  value: number;
}

/** Signed byte (iPXE's option block priority). */
export interface Int8Value {
  kind: 'i8';
  value: number;
}

/** Signed 32-bit (option 2, time offset in seconds east of UTC). */
export interface Int32Value {
  kind: 'i32';
  value: number;
}

/** A duration or time in seconds (lease, T1, T2, ...), u32 on the wire. JSON: the number of seconds. */
export interface SecondsValue {
  kind: 'seconds';
  seconds: number;
}

/** RFC 2132 on/off flags: one byte, 0 or 1. */
export interface BoolValue {
  kind: 'bool';
  value: boolean;
}

const WIDTH = { u8: 1, u16: 2, u32: 4 } as const;

function expectLength(raw: Uint8Array, n: number, what: string): void {
  if (raw.length !== n) throw new OptionValueError(`length ${raw.length} is not ${n} for ${what}`);
}

export function uintCodec(kind: UintValue['kind']): OptionCodec {
  const width = WIDTH[kind];
  return {
    decode(raw) {
      expectLength(raw, width, `a ${kind}`);
      const value = width === 1 ? raw[0] : width === 2 ? readU16(raw, 0) : readU32(raw, 0);
      return { kind, value };
    },
    encode(v) {
      if (v.kind !== kind) return wrongKind(kind, v);
      return width === 1 ? Uint8Array.of(v.value & 255) : width === 2 ? u16Bytes(v.value) : u32Bytes(v.value);
    },
  };
}

export const int8Codec: OptionCodec = {
  decode(raw) {
    expectLength(raw, 1, 'an i8');
    return { kind: 'i8', value: (raw[0] << 24) >> 24 };
  },
  encode: (v) => (v.kind === 'i8' ? Uint8Array.of(v.value & 255) : wrongKind('i8', v)),
};

export const int32Codec: OptionCodec = {
  decode(raw) {
    expectLength(raw, 4, 'an i32');
    return { kind: 'i32', value: readU32(raw, 0) | 0 };
  },
  encode: (v) => (v.kind === 'i32' ? u32Bytes(v.value >>> 0) : wrongKind('i32', v)),
};

export const secondsCodec: OptionCodec = {
  decode(raw) {
    expectLength(raw, 4, 'a time in seconds');
    return { kind: 'seconds', seconds: readU32(raw, 0) };
  },
  encode: (v) => (v.kind === 'seconds' ? u32Bytes(v.seconds) : wrongKind('seconds', v)),
};

export const boolCodec: OptionCodec = {
  decode(raw) {
    expectLength(raw, 1, 'a flag');
    if (raw[0] > 1) throw new OptionValueError(`flag value ${raw[0]} is neither 0 nor 1`);
    return { kind: 'bool', value: raw[0] === 1 };
  },
  encode: (v) => (v.kind === 'bool' ? Uint8Array.of(v.value ? 1 : 0) : wrongKind('bool', v)),
};
