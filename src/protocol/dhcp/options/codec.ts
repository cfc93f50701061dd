import type { DhcpOptionValue } from './values.js';

/** What a value decoder may look at besides its own bytes. */
export interface DecodeContext {
  /** Option 60 of the same message (after RFC 3396 concatenation), or null: decides how option 43 reads. */
  vendorClass: string | null;
  /** Records a problem that did not stop the value from decoding (e.g. one odd sub-option kept as hex). */
  note(message: string): void;
}

/**
 * One option value family. decode() throws OptionValueError when the bytes do not fit the type; the registry
 * then keeps them as hex with a note, so one odd option never costs the packet. encode() is the exact inverse
 * for every value decode() returns, so a server builds options from the same typed values the analyzer shows.
 */
export interface OptionCodec {
  decode(raw: Uint8Array, ctx: DecodeContext): DhcpOptionValue;
  encode(value: DhcpOptionValue): Uint8Array;
}

export class OptionValueError extends Error {
  override name = 'OptionValueError';

  constructor(message: string) {
    // Control flow for odd bytes, not a bug: a stack trace would only cost time (fuzzed or hostile traffic
    // throws these for most options).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

/** Thrown by encode() when code hands a value of another family (a programming error, not a wire problem). */
export function wrongKind(expected: string, value: DhcpOptionValue): never {
  throw new TypeError(`expected a ${expected} value, got ${value.kind}`);
}
