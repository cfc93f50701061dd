import { concatBytes, ipv4Bytes, readIpv4, readU16, u16Bytes, u32Bytes } from '../bytes.js';
import { OptionValueError, wrongKind, type DecodeContext, type OptionCodec } from './codec.js';
import { hexCodec, hexValue, type HexValue } from './hex.js';
import type { Int8Value, UintValue } from './integer.js';
import type { IpValue } from './ip.js';
import { decodeTextValue, encodeTextValue, type TextValue } from './text.js';
import { decodeSubOptions, encodeSubOptions, type NoValue } from './tlv.js';

/**
 * Option 175, iPXE's encapsulated options (ipxe src/include/ipxe/dhcp.h, DHCP_EB_*, and features.h,
 * DHCP_EB_FEATURE_*). A client lists the features it was built with as sub-options 0x10-0x29 whose one-byte
 * value is the feature's version, then 0xeb with its own version and 0xb1 with the NIC's bus id.
 */
const FEATURES: ReadonlyMap<number, string> = new Map([
  [0x10, 'PXEXT'],
  [0x11, 'iSCSI'],
  [0x12, 'AoE'],
  [0x13, 'HTTP'],
  [0x14, 'HTTPS'],
  [0x15, 'TFTP'],
  [0x16, 'FTP'],
  [0x17, 'DNS'],
  [0x18, 'bzImage'],
  [0x19, 'Multiboot'],
  [0x1a, 'SLAM'],
  [0x1b, 'SRP'],
  [0x20, 'NBI'],
  [0x21, 'PXE'],
  [0x22, 'ELF'],
  [0x23, 'COMBOOT'],
  [0x24, 'EFI'],
  [0x25, 'FCoE'],
  [0x26, 'VLAN'],
  [0x27, 'Menu'],
  [0x28, 'SDI'],
  [0x29, 'NFS'],
]);

const NAMES: ReadonlyMap<number, string> = new Map([
  [0x00, 'Padding'],
  [0x01, 'Priority'],
  [0x02, 'Your IP address'],
  [0x03, 'Server IP address'],
  [0x08, 'Keep SAN'],
  [0x09, 'Skip SAN boot'],
  [0x51, 'Scriptlet'],
  [0x55, 'Encrypted syslog server'],
  [0x5a, 'Trusted root certificates'],
  [0x5b, 'Client certificate'],
  [0x5c, 'Client private key'],
  [0x5d, 'Cross-signed certificate source'],
  [0xb0, 'No PXE DHCP'],
  [0xb1, 'Bus ID'],
  [0xb2, 'Use cached'],
  [0xbd, 'BIOS drive'],
  [0xbe, 'Username'],
  [0xbf, 'Password'],
  [0xc0, 'Reverse username'],
  [0xc1, 'Reverse password'],
  [0xc2, 'User ID'],
  [0xc3, 'Group ID'],
  [0xeb, 'Version'],
  [0xff, 'End'],
]);

export function ipxeSubOptionName(code: number): string {
  const feature = FEATURES.get(code);
  if (feature !== undefined) return `Feature ${feature}`;
  if (code >= 0x10 && code <= 0x4f) return `Feature (${code})`;
  return NAMES.get(code) ?? `Unknown (${code})`;
}

/** The feature names (iPXE's own spelling) a client advertises, in wire order. */
export function ipxeFeatureName(code: number): string | null {
  return FEATURES.get(code) ?? null;
}

/** 0xb1. JSON: {busType, vendor, device}, PCI ids as 4-digit hex strings ("8086", "100e"). */
export interface BusIdValue {
  kind: 'busId';
  /** 1 = PCI, 2 = ISAPnP, 3 = EISA, 4 = MCA, 5 = USB ... (iPXE BUS_TYPE_*). */
  busType: number;
  vendor: number;
  device: number;
}

/** 0xeb. JSON: "major.minor.patch". */
export interface VersionValue {
  kind: 'version';
  major: number;
  minor: number;
  patch: number;
}

export type IpxeSubValue =
  UintValue | Int8Value | IpValue | TextValue | HexValue | NoValue | BusIdValue | VersionValue;

export interface IpxeSubOption {
  code: number;
  name: string;
  value: IpxeSubValue;
}

/** JSON: [{code, name, value}] in wire order. */
export interface IpxeValue {
  kind: 'ipxe';
  suboptions: IpxeSubOption[];
}

const TEXT_CODES = new Set([0x51, 0x55, 0x5d, 0xbe, 0xbf, 0xc0, 0xc1]);
const BYTE_CODES = new Set([0x08, 0x09, 0xb0, 0xb2, 0xbd]);

function decodeSub(code: number, data: Uint8Array): IpxeSubValue {
  if (FEATURES.has(code) || BYTE_CODES.has(code)) {
    if (data.length !== 1) throw new OptionValueError(`length ${data.length} is not 1`);
    return { kind: 'u8', value: data[0] };
  }
  if (code === 0x01) {
    if (data.length !== 1) throw new OptionValueError(`length ${data.length} is not 1 for a priority`);
    return { kind: 'i8', value: (data[0] << 24) >> 24 };
  }
  if (code === 0x02 || code === 0x03) {
    if (data.length !== 4) throw new OptionValueError(`length ${data.length} is not 4 for an IPv4 address`);
    return { kind: 'ip', ip: readIpv4(data, 0) };
  }
  if (code === 0xb1) {
    if (data.length !== 5) throw new OptionValueError(`length ${data.length} is not 5 for a bus id`);
    return { kind: 'busId', busType: data[0], vendor: readU16(data, 1), device: readU16(data, 3) };
  }
  if (code === 0xeb) {
    if (data.length !== 3) throw new OptionValueError(`length ${data.length} is not 3 for a version`);
    return { kind: 'version', major: data[0], minor: data[1], patch: data[2] };
  }
  if (TEXT_CODES.has(code)) return decodeTextValue(data);
  return hexValue(data);
}

function encodeSub(v: IpxeSubValue): Uint8Array {
  switch (v.kind) {
    case 'u8':
    case 'i8':
      return Uint8Array.of(v.value & 255);
    case 'u16':
      return u16Bytes(v.value);
    case 'u32':
      return u32Bytes(v.value);
    case 'ip':
      return ipv4Bytes(v.ip);
    case 'text':
      return encodeTextValue(v);
    case 'hex':
      return hexCodec.encode(v);
    case 'none':
      return new Uint8Array(0);
    case 'busId':
      return concatBytes([Uint8Array.of(v.busType), u16Bytes(v.vendor), u16Bytes(v.device)]);
    case 'version':
      return Uint8Array.of(v.major, v.minor, v.patch);
  }
}

export const ipxeCodec: OptionCodec = {
  decode(raw: Uint8Array, ctx: DecodeContext) {
    const suboptions = decodeSubOptions<IpxeSubValue>(
      raw,
      {
        option: 175,
        padEnd: true,
        name: ipxeSubOptionName,
        decode: decodeSub,
        hex: hexValue,
        none: () => ({ kind: 'none' }),
      },
      ctx,
    );
    return { kind: 'ipxe', suboptions };
  },
  encode(v) {
    if (v.kind !== 'ipxe') return wrongKind('ipxe', v);
    return encodeSubOptions(v.suboptions, encodeSub);
  },
};
