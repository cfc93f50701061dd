/**
 * What the DHCP fact accessors stand on: the view of a message they need, an option's bytes (repeated
 * instances joined, RFC 3396), and the readers that turn raw bytes into an address, text or number, each
 * returning null for a value of the wrong size instead of throwing.
 */
import { readU16 } from './bytes.js';

/** What the accessors need of a message: its options as raw bytes (a DhcpMessage is one). */
export interface DhcpOptionsView {
  readonly options: readonly { readonly code: number; readonly raw: Uint8Array }[];
}

/** The header fields that carry boot information, with the options (a DhcpMessage is one). */
export interface DhcpBootView extends DhcpOptionsView {
  readonly siaddr: string;
  /** Already "" when option 52 overloads the field (the decoder does that). */
  readonly sname: string;
  readonly file: string;
}

/**
 * An option's bytes. The decoder already joins repeated instances (RFC 3396); a message assembled elsewhere
 * may list them separately, so they are joined here too, in order.
 */
export function optionBytes(msg: DhcpOptionsView, code: number): Uint8Array | null {
  let found: Uint8Array | null = null;
  for (const o of msg.options) {
    if (o.code !== code) continue;
    if (found === null) found = o.raw;
    else {
      const joined: Uint8Array = new Uint8Array(found.length + o.raw.length);
      joined.set(found);
      joined.set(o.raw, found.length);
      found = joined;
    }
  }
  return found;
}

export function hasOption(msg: DhcpOptionsView, code: number): boolean {
  return optionBytes(msg, code) !== null;
}

// ---- raw value readers (for the accessors in facts.ts and boot-facts.ts, which are the public face) ----

export function ipAt(raw: Uint8Array, off: number): string {
  return `${raw[off]}.${raw[off + 1]}.${raw[off + 2]}.${raw[off + 3]}`;
}

export function ip(raw: Uint8Array): string | null {
  return raw.length === 4 ? ipAt(raw, 0) : null;
}

export function ipList(raw: Uint8Array): string[] {
  const ips: string[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) ips.push(ipAt(raw, i));
  return ips;
}

/** Text option: servers and clients often add a trailing NUL (C strings); cut at the first one. */
export function text(raw: Uint8Array): string {
  const end = raw.indexOf(0);
  return Buffer.from(end === -1 ? raw : raw.subarray(0, end)).toString('latin1');
}

export function u16(raw: Uint8Array): number | null {
  return raw.length === 2 ? readU16(raw, 0) : null;
}

export function read<T>(msg: DhcpOptionsView, code: number, reader: (raw: Uint8Array) => T | null): T | null {
  const raw = optionBytes(msg, code);
  return raw === null ? null : reader(raw);
}
