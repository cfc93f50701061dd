import { readU16 } from './bytes.js';
import type { DhcpMessage } from './types.js';

/**
 * The architecture codes of option 93, in the client's order; [] without the option. Read from the raw bytes
 * so a value that did not decode (odd length) still yields its complete entries.
 */
export function clientArchitectures(msg: DhcpMessage): number[] {
  const o = msg.options.find((x) => x.code === 93);
  if (o === undefined) return [];
  if (o.value.kind === 'arch') return o.value.archs.map((a) => a.code);
  const codes: number[] = [];
  for (let off = 0; off + 2 <= o.raw.length; off += 2) codes.push(readU16(o.raw, off));
  return codes;
}
