import { parseArea, type Instance } from './areas.js';
import { bytesEqual, concatBytes, toHex } from './bytes.js';
import {
  COOKIE_OFFSET,
  FILE_LENGTH,
  FILE_OFFSET,
  HEADER_LENGTH,
  MAGIC_COOKIE,
  OPTIONS_OFFSET,
  SNAME_LENGTH,
  SNAME_OFFSET,
  readHeader,
  secsByteSwapped,
} from './header.js';
import { messageTypeName } from './options/message-type.js';
import { dhcpOptionName, decodeOptionValue } from './options/registry.js';
import { decodeTextValue } from './options/text.js';
import { setWire, type CapturedWire, type DhcpMessage, type DhcpOption } from './types.js';

/**
 * Decodes a BOOTP/DHCP UDP payload. Never throws: whatever the bytes, the result holds what could be read and
 * `notes` says what was wrong. The non-enumerable `wire` property keeps the layout for encodeDhcp.
 */
export function decodeDhcp(payload: Uint8Array): DhcpMessage {
  try {
    return decodeUnchecked(payload);
  } catch (e) {
    // Not expected (the fuzz test holds this line); the packet is still returned, verbatim for re-encoding.
    const msg = decodeUnchecked(new Uint8Array(0));
    msg.notes = [`internal decoder error: ${String(e)}`];
    return setWire(msg, { layout: 'verbatim', bytes: payload.slice() });
  }
}

/** The header fields option 52 may hand over to options (bit 1 file, bit 2 sname), in the order read. */
const OVERLOADED_FIELDS: readonly {
  bit: number;
  name: 'file' | 'sname';
  offset: number;
  length: number;
}[] = [
  { bit: 1, name: 'file', offset: FILE_OFFSET, length: FILE_LENGTH },
  { bit: 2, name: 'sname', offset: SNAME_OFFSET, length: SNAME_LENGTH },
];

function decodeUnchecked(input: Uint8Array): DhcpMessage {
  const notes: string[] = [];
  // One private copy: every raw value and wire item is a view into it, so later changes to the caller's
  // buffer cannot reach the message.
  // (Uint8Array's slice: on a Node Buffer, Buffer.prototype.slice would return a view.)
  const payload = Uint8Array.prototype.slice.call(input);
  const header = payload.subarray(0, HEADER_LENGTH);
  const fields = readHeader(header);
  if (payload.length < HEADER_LENGTH) {
    notes.push(`truncated BOOTP header: ${payload.length} of ${HEADER_LENGTH} bytes`);
  }
  if (fields.hlen > 16) notes.push(`hlen ${fields.hlen} exceeds the 16-byte chaddr field`);
  if (header.length >= 10 && secsByteSwapped((header[8] << 8) | header[9])) {
    notes.push(`secs appears little-endian (bytes ${header[8]} ${header[9]}): read as ${fields.secs}`);
  }

  const cookie = payload.subarray(COOKIE_OFFSET, OPTIONS_OFFSET);
  const wire: CapturedWire = {
    layout: 'captured',
    header,
    cookie,
    options: null,
    vendor: null,
    file: null,
    sname: null,
  };
  let instances: Instance[] = [];

  if (payload.length === HEADER_LENGTH) {
    notes.push('no vendor area: plain BOOTP without a magic cookie');
  } else if (payload.length > HEADER_LENGTH && cookie.length < 4) {
    notes.push(`truncated magic cookie: ${cookie.length} of 4 bytes`);
  } else if (cookie.length === 4 && !bytesEqual(cookie, MAGIC_COOKIE)) {
    notes.push(`bad magic cookie 0x${toHex(cookie)}: vendor area not decoded as options`);
    wire.vendor = payload.subarray(OPTIONS_OFFSET);
  } else if (cookie.length === 4) {
    const area = parseArea(payload.subarray(OPTIONS_OFFSET), 'options', OPTIONS_OFFSET, notes);
    wire.options = area.items;
    instances = area.instances;
    const overload = overloadValue(instances, notes);
    // RFC 2131 4.1: the options area first, then file, then sname.
    for (const field of OVERLOADED_FIELDS) {
      if ((overload & field.bit) === 0) continue;
      const area = parseArea(
        header.subarray(field.offset, field.offset + field.length),
        field.name,
        field.offset,
        notes,
      );
      wire[field.name] = area.items;
      instances = instances.concat(ignoreOverloadInside(area.instances, field.name, notes));
      fields[field.name] = '';
    }
  }

  const options = mergeInstances(instances, notes);
  const msg: DhcpMessage = { ...fields, messageType: messageTypeOf(options), options, notes };
  return setWire(msg, wire);
}

/** Option 52 as the options area sets it (RFC 2132 9.3): bit 0 file, bit 1 sname. */
function overloadValue(instances: readonly Instance[], notes: string[]): number {
  const raw = concatBytes(instances.filter((i) => i.code === 52).map((i) => i.data));
  if (raw.length === 0) return 0;
  const v = raw[0];
  const where = [(v & 1) !== 0 ? 'file' : '', (v & 2) !== 0 ? 'sname' : '']
    .filter((s) => s !== '')
    .join(' and ');
  notes.push(
    where === ''
      ? `option overload (52) value ${v} names no field`
      : `option overload (52) value ${v}: options continue in the ${where} field${where.includes(' and ') ? 's' : ''}`,
  );
  if ((v & ~3) !== 0)
    notes.push(`option overload (52) value ${v} has bits other than file (1) and sname (2)`);
  return v & 3;
}

/** Option 52 counts only in the options area; one inside an overloaded field is kept but changes nothing. */
function ignoreOverloadInside(instances: Instance[], field: string, notes: string[]): Instance[] {
  if (instances.some((i) => i.code === 52))
    notes.push(`option overload (52) inside the ${field} field is ignored`);
  return instances;
}

/** RFC 3396: all instances of a code form one value, joined in order, at the place of the first. */
function mergeInstances(instances: readonly Instance[], notes: string[]): DhcpOption[] {
  const groups = new Map<number, Instance[]>();
  for (const inst of instances) {
    const g = groups.get(inst.code);
    if (g === undefined) groups.set(inst.code, [inst]);
    else g.push(inst);
  }
  const raws = new Map<number, Uint8Array>();
  for (const [code, g] of groups) {
    raws.set(code, g.length === 1 ? g[0].data : concatBytes(g.map((i) => i.data)));
    if (g.length > 1) {
      notes.push(
        `option ${code} (${dhcpOptionName(code)}) appears ${g.length} times: concatenated (RFC 3396)`,
      );
    }
  }
  const vendor = raws.get(60);
  const ctx = {
    vendorClass: vendor === undefined ? null : decodeTextValue(vendor).text,
    note: (m: string) => notes.push(m),
  };
  return [...groups].map(([code, g]): DhcpOption => {
    const raw = raws.get(code) ?? new Uint8Array(0);
    return {
      code,
      name: dhcpOptionName(code),
      value: decodeOptionValue(code, raw, ctx),
      raw,
      source: g[0].source,
    };
  });
}

function messageTypeOf(options: readonly DhcpOption[]): DhcpMessage['messageType'] {
  const opt = options.find((o) => o.code === 53);
  if (opt === undefined) return null;
  if (opt.value.kind === 'messageType') return opt.value.name;
  // A message type of the wrong length (already noted): its first byte is still the best guess.
  return opt.raw.length > 0 ? messageTypeName(opt.raw[0]) : null;
}
