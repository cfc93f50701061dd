import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/** IANA DHCP message type names (RFC 2131, 3203, 4388, 6926, 7724, 8946 ...). */
export const MESSAGE_TYPE_NAMES = [
  'DISCOVER',
  'OFFER',
  'REQUEST',
  'DECLINE',
  'ACK',
  'NAK',
  'RELEASE',
  'INFORM',
  'FORCERENEW',
  'LEASEQUERY',
  'LEASEUNASSIGNED',
  'LEASEUNKNOWN',
  'LEASEACTIVE',
  'BULKLEASEQUERY',
  'LEASEQUERYDONE',
  'ACTIVELEASEQUERY',
  'LEASEQUERYSTATUS',
  'TLS',
] as const;

export type KnownMessageType = (typeof MESSAGE_TYPE_NAMES)[number];
/** A known name, or "UNKNOWN(n)" for any other code. */
export type DhcpMessageTypeName = KnownMessageType | `UNKNOWN(${number})`;

/** Wireshark's spelling, for the tshark-like summary line. */
const WIRESHARK_NAMES = [
  'Discover',
  'Offer',
  'Request',
  'Decline',
  'ACK',
  'NAK',
  'Release',
  'Inform',
  'Force Renew',
  'Lease query',
  'Lease Unassigned',
  'Lease Unknown',
  'Lease Active',
  'Bulk Lease Query',
  'Lease Query Done',
  'Active LeaseQuery',
  'Lease Query Status',
  'TLS',
];

export function messageTypeName(code: number): DhcpMessageTypeName {
  return MESSAGE_TYPE_NAMES[code - 1] ?? `UNKNOWN(${code})`;
}

export function messageTypeCode(name: DhcpMessageTypeName): number {
  const i = (MESSAGE_TYPE_NAMES as readonly string[]).indexOf(name);
  if (i >= 0) return i + 1;
  const m = /^UNKNOWN\((\d+)\)$/.exec(name);
  if (m !== null && Number(m[1]) <= 255) return Number(m[1]);
  throw new TypeError(`not a DHCP message type: ${name}`);
}

export function wiresharkMessageTypeName(code: number): string | null {
  return WIRESHARK_NAMES[code - 1] ?? null;
}

/** Option 53. JSON: the name ("DISCOVER"). */
export interface MessageTypeValue {
  kind: 'messageType';
  code: number;
  name: DhcpMessageTypeName;
}

export const messageTypeCodec: OptionCodec = {
  decode(raw) {
    if (raw.length !== 1) throw new OptionValueError(`length ${raw.length} is not 1 for a message type`);
    return { kind: 'messageType', code: raw[0], name: messageTypeName(raw[0]) };
  },
  encode: (v) => (v.kind === 'messageType' ? Uint8Array.of(v.code & 255) : wrongKind('messageType', v)),
};
