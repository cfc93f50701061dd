import { ipv4Bytes, readIpv4 } from '../bytes.js';
import { OptionValueError, wrongKind, type DecodeContext, type OptionCodec } from './codec.js';
import { hexCodec, hexValue, type HexValue } from './hex.js';
import type { IpValue } from './ip.js';
import { decodeTextValue, encodeTextValue, type TextValue } from './text.js';
import { decodeSubOptions, encodeSubOptions } from './tlv.js';

/**
 * Option 82, relay agent information (RFC 3046 and the sub-option RFCs; names as Wireshark's
 * dhcp.option.agent_information_option.suboption, except "Subscriber-ID" as RFC 3993 spells it).
 * Circuit and remote ids are opaque (hex, as Wireshark shows them); addresses are addresses; the subscriber id
 * is text. Unlike options 43/175 there are no pad or end markers: every byte belongs to a sub-option.
 */
const NAMES: ReadonlyMap<number, string> = new Map([
  [1, 'Agent Circuit ID'],
  [2, 'Agent Remote ID'],
  [3, 'Reserved'],
  [4, 'DOCSIS Device Class'],
  [5, 'Link selection'],
  [6, 'Subscriber-ID'],
  [7, 'RADIUS Attributes'],
  [8, 'Authentication'],
  [9, 'Vendor-Specific Information'],
  [10, 'Flags'],
  [11, 'Server ID Override'],
  [12, 'Relay Agent Identifier'],
  [13, 'Access Technology Type'],
  [14, 'Access Network Name'],
  [15, 'Access Point Name'],
  [16, 'Access Point BSSID'],
  [17, 'Access Network Operator ID'],
  [18, 'Access Network Operator Realm'],
  [19, 'Source Port'],
  [150, 'Link selection (Cisco proprietary)'],
  [151, 'VRF name/VPN ID'],
  [152, 'Server ID Override (Cisco proprietary)'],
]);

export function relaySubOptionName(code: number): string {
  return NAMES.get(code) ?? `Unknown (${code})`;
}

export type RelaySubValue = HexValue | IpValue | TextValue;

export interface RelaySubOption {
  code: number;
  name: string;
  value: RelaySubValue;
}

/** JSON: [{code, name, value}]. */
export interface RelayAgentValue {
  kind: 'relayAgent';
  suboptions: RelaySubOption[];
}

const IP_CODES = new Set([5, 11, 150, 152]);

function decodeSub(code: number, data: Uint8Array): RelaySubValue {
  if (IP_CODES.has(code)) {
    if (data.length !== 4) throw new OptionValueError(`length ${data.length} is not 4 for an IPv4 address`);
    return { kind: 'ip', ip: readIpv4(data, 0) };
  }
  if (code === 6) return decodeTextValue(data);
  return hexValue(data);
}

function encodeSub(v: RelaySubValue): Uint8Array {
  if (v.kind === 'ip') return ipv4Bytes(v.ip);
  if (v.kind === 'text') return encodeTextValue(v);
  return hexCodec.encode(v);
}

export const relayAgentCodec: OptionCodec = {
  decode(raw: Uint8Array, ctx: DecodeContext) {
    if (raw.length === 0) throw new OptionValueError('no sub-options');
    const suboptions = decodeSubOptions<RelaySubValue>(
      raw,
      { option: 82, padEnd: false, name: relaySubOptionName, decode: decodeSub, hex: hexValue },
      ctx,
    );
    return { kind: 'relayAgent', suboptions };
  },
  encode(v) {
    if (v.kind !== 'relayAgent') return wrongKind('relayAgent', v);
    return encodeSubOptions(v.suboptions, encodeSub);
  },
};
