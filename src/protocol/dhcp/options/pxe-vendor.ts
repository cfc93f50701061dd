import {
  concatBytes,
  decodeText,
  encodeText,
  escapeBytes,
  ipv4Bytes,
  readIpv4,
  readU16,
  u16Bytes,
  u32Bytes,
} from '../bytes.js';
import { isPxeClientVendor } from '../facts.js';
import { OptionValueError, wrongKind, type DecodeContext, type OptionCodec } from './codec.js';
import { hexCodec, hexValue, type HexValue } from './hex.js';
import type { UintValue } from './integer.js';
import type { IpValue } from './ip.js';
import { decodeSubOptions, encodeSubOptions, type NoValue } from './tlv.js';

/**
 * Option 43 when option 60 starts with "PXEClient": the PXE 2.1 vendor sub-options (PXE spec table 2-1; names
 * as Wireshark's dhcp.option.vendor.pxeclient.suboption). Any other vendor's option 43 stays hex.
 */
const PXE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Padding'],
  [1, 'PXE mtftp IP'],
  [2, 'PXE mtftp client port'],
  [3, 'PXE mtftp server port'],
  [4, 'PXE mtftp timeout'],
  [5, 'PXE mtftp delay'],
  [6, 'PXE discovery control'],
  [7, 'PXE multicast address'],
  [8, 'PXE boot servers'],
  [9, 'PXE boot menu'],
  [10, 'PXE menu prompt'],
  [11, 'PXE multicast address alloc'],
  [12, 'PXE credential types'],
  [71, 'PXE boot item'],
  [179, 'PXE LCM Server'],
  [180, 'PXE LCM Domain'],
  [181, 'PXE LCM NIC option 0'],
  [190, 'PXE LCM Workgroup'],
  [191, 'PXE Discovery'],
  [192, 'PXE Configured'],
  [193, 'PXE LCM version'],
  [194, 'PXE LCM Serial Number'],
  [255, 'PXE End'],
]);

export function pxeSubOptionName(code: number): string {
  return PXE_NAMES.get(code) ?? `Unknown (${code})`;
}

/** Sub-option 6. JSON: {bits, disableBroadcast, disableMulticast, serverListOnly, bootFileFromOffer}. */
export interface DiscoveryControlValue {
  kind: 'discoveryControl';
  bits: number;
  /** bit 0: do not broadcast a boot server discovery. */
  disableBroadcast: boolean;
  /** bit 1: do not multicast it. */
  disableMulticast: boolean;
  /** bit 2: only use (and accept replies from) servers in sub-option 8. */
  serverListOnly: boolean;
  /** bit 3: a boot file in the offer is used as is, without menu or discovery. */
  bootFileFromOffer: boolean;
}

/** Sub-option 6 from its bits (the one place the bits are named). */
export function discoveryControl(bits: number): DiscoveryControlValue {
  return {
    kind: 'discoveryControl',
    bits,
    disableBroadcast: (bits & 1) !== 0,
    disableMulticast: (bits & 2) !== 0,
    serverListOnly: (bits & 4) !== 0,
    bootFileFromOffer: (bits & 8) !== 0,
  };
}

/** Sub-option 8. JSON: [{type, ips}]. */
export interface BootServersValue {
  kind: 'bootServers';
  servers: { type: number; ips: string[] }[];
}

/** Sub-option 9. JSON: [{type, description}]. */
export interface BootMenuValue {
  kind: 'bootMenu';
  items: { type: number; description: string }[];
  escaped?: true;
}

/** Sub-option 10: seconds to wait (0: boot the first item, 255: show the menu at once), then the prompt text. */
export interface MenuPromptValue {
  kind: 'menuPrompt';
  timeout: number;
  prompt: string;
  escaped?: true;
}

/** Sub-option 71: the boot server type chosen from the menu and the layer asked for (sent by the client). */
export interface BootItemValue {
  kind: 'bootItem';
  type: number;
  layer: number;
}

export type PxeSubValue =
  | IpValue
  | UintValue
  | HexValue
  | NoValue
  | DiscoveryControlValue
  | BootServersValue
  | BootMenuValue
  | MenuPromptValue
  | BootItemValue;

export interface PxeSubOption {
  code: number;
  name: string;
  value: PxeSubValue;
}

/** JSON: [{code, name, value}] in wire order, pad and end included (value null) so the bytes are reproducible. */
export interface PxeValue {
  kind: 'pxe';
  suboptions: PxeSubOption[];
}

function need(data: Uint8Array, n: number, what: string): void {
  if (data.length !== n) throw new OptionValueError(`length ${data.length} is not ${n} for ${what}`);
}

function decodeSub(code: number, data: Uint8Array): PxeSubValue {
  switch (code) {
    case 1:
    case 7:
      need(data, 4, 'an IPv4 address');
      return { kind: 'ip', ip: readIpv4(data, 0) };
    case 2:
    case 3:
      need(data, 2, 'a port');
      return { kind: 'u16', value: readU16(data, 0) };
    case 4:
    case 5:
      need(data, 1, 'a time in seconds');
      return { kind: 'u8', value: data[0] };
    case 6: {
      need(data, 1, 'discovery control bits');
      return discoveryControl(data[0]);
    }
    case 8: {
      const servers: BootServersValue['servers'] = [];
      let off = 0;
      while (off < data.length) {
        if (off + 3 > data.length) throw new OptionValueError('boot server entry cut short');
        const type = readU16(data, off);
        const count = data[off + 2];
        off += 3;
        if (off + count * 4 > data.length)
          throw new OptionValueError(`boot server type ${type} lists ${count} addresses that do not fit`);
        const ips: string[] = [];
        for (let i = 0; i < count; i++) ips.push(readIpv4(data, off + i * 4));
        off += count * 4;
        servers.push({ type, ips });
      }
      return { kind: 'bootServers', servers };
    }
    case 9: {
      const raws: { type: number; desc: Uint8Array }[] = [];
      let off = 0;
      while (off < data.length) {
        if (off + 3 > data.length) throw new OptionValueError('boot menu entry cut short');
        const len = data[off + 2];
        if (off + 3 + len > data.length)
          throw new OptionValueError('boot menu description runs past the sub-option');
        raws.push({ type: readU16(data, off), desc: data.subarray(off + 3, off + 3 + len) });
        off += 3 + len;
      }
      const escaped = raws.some((r) => decodeText(r.desc).escaped === true);
      const items = raws.map((r) => ({
        type: r.type,
        description: escaped ? escapeBytes(r.desc) : decodeText(r.desc).text,
      }));
      return escaped ? { kind: 'bootMenu', items, escaped: true } : { kind: 'bootMenu', items };
    }
    case 10: {
      if (data.length < 1) throw new OptionValueError('menu prompt without a timeout byte');
      const t = decodeText(data.subarray(1));
      return t.escaped
        ? { kind: 'menuPrompt', timeout: data[0], prompt: t.text, escaped: true }
        : { kind: 'menuPrompt', timeout: data[0], prompt: t.text };
    }
    case 71:
      need(data, 4, 'a boot item');
      return { kind: 'bootItem', type: readU16(data, 0), layer: readU16(data, 2) };
    default:
      return hexValue(data);
  }
}

function encodeSub(v: PxeSubValue): Uint8Array {
  switch (v.kind) {
    case 'ip':
      return ipv4Bytes(v.ip);
    case 'u8':
      return Uint8Array.of(v.value & 255);
    case 'u16':
      return u16Bytes(v.value);
    case 'u32':
      return u32Bytes(v.value);
    case 'hex':
      return hexCodec.encode(v);
    case 'none':
      return new Uint8Array(0);
    case 'discoveryControl':
      return Uint8Array.of(
        (v.bits & 0xf0) |
          (v.disableBroadcast ? 1 : 0) |
          (v.disableMulticast ? 2 : 0) |
          (v.serverListOnly ? 4 : 0) |
          (v.bootFileFromOffer ? 8 : 0),
      );
    case 'bootServers':
      return concatBytes(
        v.servers.map((s) =>
          concatBytes([u16Bytes(s.type), Uint8Array.of(s.ips.length), ...s.ips.map(ipv4Bytes)]),
        ),
      );
    case 'bootMenu':
      return concatBytes(
        v.items.map((i) => {
          const d = encodeText(i.description, v.escaped);
          return concatBytes([u16Bytes(i.type), Uint8Array.of(d.length), d]);
        }),
      );
    case 'menuPrompt':
      return concatBytes([Uint8Array.of(v.timeout), encodeText(v.prompt, v.escaped)]);
    case 'bootItem':
      return concatBytes([u16Bytes(v.type), u16Bytes(v.layer)]);
  }
}

export const pxeVendorCodec: OptionCodec = {
  decode(raw: Uint8Array, ctx: DecodeContext) {
    if (!isPxeClientVendor(ctx.vendorClass)) return hexValue(raw);
    const suboptions = decodeSubOptions<PxeSubValue>(
      raw,
      {
        option: 43,
        padEnd: true,
        name: pxeSubOptionName,
        decode: decodeSub,
        hex: hexValue,
        none: () => ({ kind: 'none' }),
      },
      ctx,
    );
    return { kind: 'pxe', suboptions };
  },
  encode(v) {
    if (v.kind === 'hex') return hexCodec.encode(v);
    if (v.kind !== 'pxe') return wrongKind('pxe', v);
    return encodeSubOptions(v.suboptions, encodeSub);
  },
};

/** Builds option 43 sub-options for a server, with the end marker the PXE spec asks for. */
export function pxeVendorValue(suboptions: readonly { code: number; value: PxeSubValue }[]): PxeValue {
  return {
    kind: 'pxe',
    suboptions: [
      ...suboptions.map((s) => ({ code: s.code, name: pxeSubOptionName(s.code), value: s.value })),
      { code: 255, name: pxeSubOptionName(255), value: { kind: 'none' } },
    ],
  };
}

/**
 * What is wrong with a PXE option 43 for a client that would use its boot menu (PXE 2.1 §2.2.5, table 2-1):
 * bytes that do not decode, and — unless discovery control (6) bit 3 says "use the boot file in the offer" —
 * a missing or empty boot menu (9) or menu prompt (10), or discovery restricted to a boot server list (8)
 * that is not there. Intel ROMs stop with PXE-E74 on these. Empty when nothing is wrong.
 */
export function pxeMenuProblems(raw: Uint8Array): string[] {
  const problems: string[] = [];
  let value: PxeValue;
  try {
    const decoded = pxeVendorCodec.decode(raw, {
      vendorClass: 'PXEClient',
      note: (m) => problems.push(m),
    });
    if (decoded.kind !== 'pxe') return problems;
    value = decoded;
  } catch (err) {
    return [`option 43 does not decode: ${err instanceof Error ? err.message : String(err)}`];
  }
  const sub = (code: number): PxeSubValue | null =>
    value.suboptions.find((s) => s.code === code)?.value ?? null;
  const control = sub(6);
  const bits = control?.kind === 'discoveryControl' ? control.bits : 0;
  if ((bits & 8) !== 0) return problems;
  const menu = sub(9);
  const prompt = sub(10);
  if (menu === null) problems.push('no boot menu (sub-option 9)');
  else if (menu.kind !== 'bootMenu') problems.push('the boot menu (sub-option 9) is malformed');
  else if (menu.items.length === 0) problems.push('the boot menu (sub-option 9) is empty');
  if (prompt === null) problems.push('no menu prompt (sub-option 10)');
  else if (prompt.kind !== 'menuPrompt') problems.push('the menu prompt (sub-option 10) is malformed');
  const servers = sub(8);
  const listOnly = (bits & 4) !== 0 || (bits & 3) === 3;
  if (listOnly && servers === null)
    problems.push(
      `discovery control 0x${bits.toString(16)} allows only listed boot servers, but there is no list (sub-option 8)`,
    );
  if (listOnly && servers?.kind === 'bootServers' && menu?.kind === 'bootMenu') {
    const types = new Set(servers.servers.map((s) => s.type));
    const orphan = menu.items.filter((i) => i.type !== 0 && !types.has(i.type)).map((i) => i.type);
    if (orphan.length > 0)
      problems.push(`menu item type(s) ${orphan.join(', ')} have no boot server in sub-option 8`);
  }
  return problems;
}
