/**
 * pcapng interfaces: the Interface Description Block (link type, snap length, name, description, timestamp
 * resolution and offset) and a packet's timestamp on its interface.
 */
import { forEachOption } from './pcapng-format.js';
import { digitsForUnits } from './timestamp.js';
import type { RawTimestamp } from './types.js';

const OPT_IF_NAME = 2;
const OPT_IF_DESCRIPTION = 3;
const OPT_IF_TSRESOL = 9;
const OPT_IF_TSOFFSET = 14;

const utf8 = new TextDecoder('utf-8');

/** An interface as the hot loop needs it: every field present, one shape. */
export interface Interface {
  id: number;
  linkType: number;
  snapLen: number;
  unitsPerSecond: number;
  digits: number;
  offsetSeconds: number;
  section: number;
  name?: string;
  description?: string;
}

/** How to read one interface description block: the section's byte order and where it stands. */
export interface InterfaceBlockContext {
  little: boolean;
  /** Its id within the section (the count of interfaces described before it). */
  id: number;
  section: number;
  /** A problem that does not stop the reading (an option cut short, an unknown resolution). */
  warn(message: string): void;
}

/** The interface an IDB of `len` bytes (at least 20) at `at` describes; options it cannot read are warned. */
export function readInterfaceBlock(
  bytes: Uint8Array,
  dv: DataView,
  at: number,
  len: number,
  ctx: InterfaceBlockContext,
): Interface {
  const little = ctx.little;
  const iface: Interface = {
    id: ctx.id,
    linkType: dv.getUint16(at + 8, little),
    snapLen: dv.getUint32(at + 12, little),
    unitsPerSecond: 1e6,
    digits: 6,
    offsetSeconds: 0,
    section: ctx.section,
  };
  const cut = forEachOption(dv, at + 16, at + len - 4, little, (code, p, optLen) => {
    if (code === OPT_IF_NAME) iface.name = text(bytes, p, optLen);
    else if (code === OPT_IF_DESCRIPTION) iface.description = text(bytes, p, optLen);
    else if (code === OPT_IF_TSRESOL && optLen >= 1) tsResolution(iface, bytes[p], ctx);
    else if (code === OPT_IF_TSOFFSET && optLen === 8)
      iface.offsetSeconds = Number(dv.getBigInt64(p, little));
  });
  if (cut !== null)
    ctx.warn(`interface ${iface.id}: option ${cut} runs past the end of its block; rest ignored`);
  iface.digits = digitsForUnits(iface.unitsPerSecond);
  return iface;
}

function tsResolution(iface: Interface, value: number, ctx: InterfaceBlockContext): void {
  const exponent = value & 0x7f;
  const binary = (value & 0x80) !== 0;
  // Beyond these a unit count no longer fits 64 bits (tshark refuses such files too).
  if (binary ? exponent > 63 : exponent > 19) {
    ctx.warn(`interface ${iface.id}: unsupported if_tsresol 0x${value.toString(16)}; assuming µs`);
    return;
  }
  iface.unitsPerSecond = binary ? 2 ** exponent : 10 ** exponent;
}

/**
 * A packet's timestamp on its interface: a 64-bit count of the interface's units. A simple packet block has
 * none (`missing`): zero, without the interface's offset.
 */
export function timestampOf(iface: Interface, high: number, low: number, missing: boolean): RawTimestamp {
  if (missing) {
    return {
      high: 0,
      low: 0,
      unitsPerSecond: iface.unitsPerSecond,
      combined: true,
      offsetSeconds: 0,
      digits: iface.digits,
      missing: true,
    };
  }
  return {
    high,
    low,
    unitsPerSecond: iface.unitsPerSecond,
    combined: true,
    offsetSeconds: iface.offsetSeconds,
    digits: iface.digits,
  };
}

/** Option strings are UTF-8, sometimes with trailing NULs from C writers. */
function text(bytes: Uint8Array, at: number, len: number): string {
  let end = at + len;
  while (end > at && bytes[end - 1] === 0) end--;
  return utf8.decode(bytes.subarray(at, end));
}
