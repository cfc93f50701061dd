import { ByteWriter, concatBytes, fieldText } from './bytes.js';
import {
  FILE_LENGTH,
  FILE_OFFSET,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  SNAME_LENGTH,
  SNAME_OFFSET,
  chaddrText,
  writeChaddr,
  writeField,
  writeHeaderNumbers,
  secsAsSent,
} from './header.js';
import type { CapturedWire, DhcpMessage, DhcpOption, WireItem } from './types.js';

/** RFC 2131 section 2: every DHCP participant accepts 576-byte IP datagrams; option 57 may raise it. */
export const DEFAULT_MAX_MESSAGE_SIZE = 576;
/** Option 57 counts the IP and UDP headers (dnsmasq subtracts the same 28). */
const IP_UDP_HEADERS = 28;
/** BOOTP's minimum message (RFC 1542 2.1); dnsmasq pads replies to it, some clients drop anything shorter. */
export const MIN_BOOTP_LENGTH = 300;

export interface EncodeOptions {
  /** Maximum DHCP message size (option-57 sense) for a message built by code; default 576 or the builder's. */
  maxSize?: number;
}

/**
 * Encodes a message. A decoded message comes back byte for byte as it was received, with any field or option
 * changed since written in place (option instances, pads, bytes after the end option, overloaded fields and
 * header padding are kept). A message built by code, or one changed beyond what its layout can hold, is
 * encoded canonically: options in the given order, values over 255 bytes split into several instances
 * (RFC 3396), an end option, zero padding to 300 bytes, and option 52 overload into file then sname when the
 * options do not fit the maximum message size.
 */
export function encodeDhcp(msg: DhcpMessage, options: EncodeOptions = {}): Uint8Array {
  const wire = msg.wire;
  if (wire?.layout === 'verbatim') return wire.bytes.slice();
  if (wire?.layout === 'captured') {
    const out = encodeCaptured(msg, wire);
    if (out !== null) return out;
  }
  const maxSize = options.maxSize ?? (wire?.layout === 'canonical' ? wire.maxSize : DEFAULT_MAX_MESSAGE_SIZE);
  return encodeCanonical(msg, maxSize);
}

/** An option as instances of at most 255 bytes (RFC 3396 section 5); an empty value is one empty instance. */
export function optionInstances(code: number, raw: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let off = 0; off < raw.length || off === 0; off += 255) {
    const chunk = raw.subarray(off, off + 255);
    const inst = new Uint8Array(chunk.length + 2);
    inst[0] = code;
    inst[1] = chunk.length;
    inst.set(chunk, 2);
    out.push(inst);
    if (raw.length === 0) break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Re-encoding along a captured layout

type Area = 'options' | 'file' | 'sname';

/** Returns null when the message no longer fits its layout; the caller then encodes canonically. */
function encodeCaptured(msg: DhcpMessage, w: CapturedWire): Uint8Array | null {
  const h = new Uint8Array(HEADER_LENGTH);
  h.set(w.header);
  writeHeaderNumbers(h, msg);
  // secs read byte-swapped (little-endian firmware) and left unchanged: keep the bytes as captured.
  if (w.header.length >= 10 && secsAsSent((w.header[8] << 8) | w.header[9]) === msg.secs) {
    h[8] = w.header[8];
    h[9] = w.header[9];
  }
  if (msg.chaddr !== chaddrText(w.header, msg.hlen)) writeChaddr(h, msg.chaddr);
  for (const [field, offset, length] of FIELDS) {
    if (w[field] !== null) {
      if (msg[field] !== '') return null;
    } else if (msg[field] !== fieldText(w.header.subarray(offset, offset + length))) {
      writeField(h, offset, length, msg[field]);
    }
  }

  if (w.header.length < HEADER_LENGTH) return msg.options.length === 0 ? h.slice(0, w.header.length) : null;
  if (w.options === null) {
    return msg.options.length === 0 ? concatBytes([h, w.cookie, w.vendor ?? new Uint8Array(0)]) : null;
  }

  const plan = planLayout(msg.options, w);
  if (plan === null) return null;
  // In RFC 3396 order (options area, file, sname): the instances of one code take its bytes in that order.
  const options = new ByteWriter();
  if (!emitArea(w.options, 'options', plan, options)) return null;
  for (const [field, offset, length] of FIELDS) {
    const items = w[field];
    if (items === null) continue;
    const area = new ByteWriter(length);
    if (!emitArea(items, field, plan, area) || area.length !== length) return null;
    h.set(area.view(), offset);
  }
  const out = new ByteWriter(HEADER_LENGTH + w.cookie.length + options.length);
  out.bytes(h);
  out.bytes(w.cookie);
  out.bytes(options.view());
  return out.result();
}

const FIELDS = [
  ['file', FILE_OFFSET, FILE_LENGTH],
  ['sname', SNAME_OFFSET, SNAME_LENGTH],
] as const;

interface LayoutPlan {
  byCode: Map<number, DhcpOption>;
  /** Codes whose value no longer matches the instance lengths: written canonically at their first instance. */
  dirty: Set<number>;
  /** Options the layout has no place for: written before the end option of the options area. */
  extra: DhcpOption[];
  cursor: Map<number, number>;
}

function planLayout(options: readonly DhcpOption[], w: CapturedWire): LayoutPlan | null {
  const byCode = new Map<number, DhcpOption>();
  const extra: DhcpOption[] = [];
  const total = new Map<number, number>();
  const outsideOptions = new Set<number>();
  let overloadPrefix = 0;
  const areas: [Area, WireItem[] | null][] = [
    ['options', w.options],
    ['file', w.file],
    ['sname', w.sname],
  ];
  for (const [area, items] of areas) {
    for (const it of items ?? []) {
      if (it.kind !== 'option') continue;
      total.set(it.code, (total.get(it.code) ?? 0) + it.length);
      if (area !== 'options') outsideOptions.add(it.code);
      else if (it.code === 52) overloadPrefix += it.length;
    }
  }
  for (const o of options) {
    if (!total.has(o.code) || byCode.has(o.code)) extra.push(o);
    else byCode.set(o.code, o);
  }
  const dirty = new Set<number>();
  for (const [code, o] of byCode) if (o.raw.length !== total.get(code)) dirty.add(code);
  for (const code of total.keys()) if (!byCode.has(code) && outsideOptions.has(code)) return null;
  for (const code of dirty) if (outsideOptions.has(code)) return null;

  // Option 52 decides which fields hold options: what the bytes will say must still match the layout.
  const o52 = byCode.get(52);
  const extra52 = extra.find((o) => o.code === 52);
  let overload = 0;
  if (o52 !== undefined && (overloadPrefix > 0 || dirty.has(52)) && o52.raw.length > 0)
    overload = o52.raw[0] & 3;
  else if (o52 === undefined && extra52 !== undefined && extra52.raw.length > 0)
    overload = extra52.raw[0] & 3;
  if (overload !== (w.file !== null ? 1 : 0) + (w.sname !== null ? 2 : 0)) return null;

  return { byCode, dirty, extra, cursor: new Map() };
}

function writeInstances(out: ByteWriter, code: number, raw: Uint8Array): void {
  for (const inst of optionInstances(code, raw)) out.bytes(inst);
}

/** Writes one area along its items; false when it cannot be done without corrupting what follows. */
function emitArea(items: readonly WireItem[], area: Area, plan: LayoutPlan, out: ByteWriter): boolean {
  let placedExtras = area !== 'options' || plan.extra.length === 0;
  const placeExtras = (): void => {
    for (const o of plan.extra) writeInstances(out, o.code, o.raw);
    placedExtras = true;
  };
  for (const it of items) {
    switch (it.kind) {
      case 'pad':
        out.zeros(it.count);
        break;
      case 'end':
        if (!placedExtras) placeExtras();
        out.byte(255);
        break;
      case 'bytes':
        out.bytes(it.bytes);
        break;
      case 'option': {
        const o = plan.byCode.get(it.code);
        if (o === undefined) break;
        const at = plan.cursor.get(it.code) ?? 0;
        if (plan.dirty.has(it.code)) {
          if (at === 0) writeInstances(out, it.code, o.raw);
          plan.cursor.set(it.code, 1);
          break;
        }
        out.instance(it.code, it.declaredLength ?? it.length, o.raw.subarray(at, at + it.length));
        plan.cursor.set(it.code, at + it.length);
        break;
      }
    }
  }
  if (!placedExtras) {
    // No end option to put them before; after a dangling code byte or a cut option they would be read as its data.
    const last = items[items.length - 1];
    if (last?.kind === 'bytes' || (last?.kind === 'option' && last.declaredLength !== undefined))
      return false;
    placeExtras();
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------
// Canonical encoding

function encodeCanonical(msg: DhcpMessage, maxSize: number): Uint8Array {
  const h = new Uint8Array(HEADER_LENGTH);
  writeHeaderNumbers(h, msg);
  writeChaddr(h, msg.chaddr);
  writeField(h, SNAME_OFFSET, SNAME_LENGTH, msg.sname);
  writeField(h, FILE_OFFSET, FILE_LENGTH, msg.file);

  // Option 52 is the encoder's business: a stale one would make a reader take the fields for options.
  const instances = msg.options
    .filter((o) => o.code !== 52 && o.code !== 0 && o.code !== 255)
    .flatMap((o) => optionInstances(o.code, o.raw));
  const limit = Math.max(maxSize, DEFAULT_MAX_MESSAGE_SIZE) - IP_UDP_HEADERS;
  const room = limit - HEADER_LENGTH - MAGIC_COOKIE.length - 1;
  const placed = placeInstances(instances, room, msg.file === '', msg.sname === '');

  let overload = 0;
  if (placed.file.length > 0) {
    overload |= 1;
    h.set(fieldArea(placed.file, FILE_LENGTH), FILE_OFFSET);
  }
  if (placed.sname.length > 0) {
    overload |= 2;
    h.set(fieldArea(placed.sname, SNAME_LENGTH), SNAME_OFFSET);
  }
  const tail = overload !== 0 ? [Uint8Array.of(52, 1, overload), Uint8Array.of(255)] : [Uint8Array.of(255)];
  const out = concatBytes([h, MAGIC_COOKIE, ...placed.options, ...tail]);
  if (out.length >= MIN_BOOTP_LENGTH) return out;
  const padded = new Uint8Array(MIN_BOOTP_LENGTH);
  padded.set(out);
  return padded;
}

/**
 * Spreads instances over the options area, then file, then sname (first fit), never putting an instance of a
 * code in an earlier area than the code's previous instance: RFC 3396 joins instances in the order options,
 * file, sname. Without overload if everything fits the options area, or if even overloading cannot make it fit
 * (the message is then simply larger than asked).
 */
function placeInstances(
  instances: Uint8Array[],
  room: number,
  fileFree: boolean,
  snameFree: boolean,
): { options: Uint8Array[]; file: Uint8Array[]; sname: Uint8Array[] } {
  const size = instances.reduce((n, x) => n + x.length, 0);
  const all = { options: instances, file: [], sname: [] };
  if (size <= room) return all;
  const bins: { area: Area; room: number; items: Uint8Array[] }[] = [
    { area: 'options', room: room - 3, items: [] },
  ];
  if (fileFree) bins.push({ area: 'file', room: FILE_LENGTH - 1, items: [] });
  if (snameFree) bins.push({ area: 'sname', room: SNAME_LENGTH - 1, items: [] });
  const lastBin = new Map<number, number>();
  for (const inst of instances) {
    let b = lastBin.get(inst[0]) ?? 0;
    while (b < bins.length && inst.length > bins[b].room) b++;
    if (b === bins.length) return all;
    bins[b].items.push(inst);
    bins[b].room -= inst.length;
    lastBin.set(inst[0], b);
  }
  const pick = (area: Area): Uint8Array[] => bins.find((x) => x.area === area)?.items ?? [];
  return { options: pick('options'), file: pick('file'), sname: pick('sname') };
}

function fieldArea(instances: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(concatBytes([...instances, Uint8Array.of(255)]));
  return out;
}
