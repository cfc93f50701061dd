import type { DhcpMessageTypeName } from './options/message-type.js';
import type { DhcpOptionValue } from './options/values.js';

export type { DhcpMessageTypeName } from './options/message-type.js';
export type { DhcpOptionValue, DhcpOptionValueKind } from './options/values.js';

/** Where an option's (first) instance was: the options area, or a BOOTP field overloaded by option 52. */
export type DhcpOptionSource = 'options' | 'file' | 'sname';

export interface DhcpOption {
  code: number;
  name: string;
  value: DhcpOptionValue;
  /** The option's bytes; repeated instances joined in wire order (RFC 3396). encodeDhcp writes these. */
  raw: Uint8Array;
  source: DhcpOptionSource;
}

/**
 * A BOOTP/DHCP message. Every field except `wire` is plain data with a fixed JSON schema.
 * `wire` is a non-enumerable property (JSON.stringify, spread and deepEqual skip it): how the message was laid
 * out on the wire, so that encodeDhcp reproduces a decoded packet byte for byte.
 */
export interface DhcpMessage {
  /** 1 BOOTREQUEST, 2 BOOTREPLY (anything else as found). */
  op: number;
  htype: number;
  hlen: number;
  hops: number;
  /** Unsigned 32-bit. */
  xid: number;
  secs: number;
  flags: number;
  /** The broadcast bit (0x8000) of flags. encodeDhcp writes flags with this bit taken from here. */
  broadcast: boolean;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  /** "aa:bb:cc:dd:ee:ff": hlen bytes of the chaddr field (at most 16). */
  chaddr: string;
  /** Text up to the first NUL; "" when option 52 overloads the field with options. */
  sname: string;
  file: string;
  /** From option 53; null for plain BOOTP (no option 53). */
  messageType: DhcpMessageTypeName | null;
  /** One entry per option code, in wire order of first appearance (options area, then file, then sname). */
  options: DhcpOption[];
  /** What was odd about the packet: truncation, missing end, bad cookie, overload, odd lengths ... */
  notes: string[];
  readonly wire?: DhcpWire;
}

/** One element of an option area as laid out on the wire. */
export type WireItem =
  /** A run of pad bytes (0). */
  | { kind: 'pad'; count: number }
  /** The end option (255). */
  | { kind: 'end' }
  /**
   * One instance of an option: the next `length` bytes of that option's `raw`. `declaredLength` is set when
   * the length byte promised more than the packet held (a truncated last option).
   */
  | { kind: 'option'; code: number; length: number; declaredLength?: number }
  /** Bytes kept verbatim: whatever follows the end option, or a lone option code with no length byte. */
  | { kind: 'bytes'; bytes: Uint8Array };

/** The layout of a decoded packet. */
export interface CapturedWire {
  layout: 'captured';
  /** The fixed 236-byte header as captured (shorter if the packet was): chaddr padding, bytes after NULs. */
  header: Uint8Array;
  /** The magic cookie bytes as captured (0 to 4). */
  cookie: Uint8Array;
  /** The options area, or null when it was not read as options (no cookie or a bad one). */
  options: WireItem[] | null;
  /** Everything after a bad magic cookie, verbatim. */
  vendor: Uint8Array | null;
  /** Set when option 52 overloads the file / sname field. */
  file: WireItem[] | null;
  sname: WireItem[] | null;
}

/** A message built by code: encode canonically, overloading file/sname beyond maxSize (RFC 2132 9.10). */
export interface CanonicalWire {
  layout: 'canonical';
  /** Maximum DHCP message size in the option-57 sense (IP datagram size, so the payload is 28 bytes less). */
  maxSize: number;
}

/** Last resort when the decoder itself failed: the bytes as received. */
export interface VerbatimWire {
  layout: 'verbatim';
  bytes: Uint8Array;
}

export type DhcpWire = CapturedWire | CanonicalWire | VerbatimWire;

/** Attaches (or replaces) the wire layout as a non-enumerable property. */
export function setWire<M extends DhcpMessage>(msg: M, wire: DhcpWire): M {
  Object.defineProperty(msg, 'wire', { value: wire, enumerable: false, writable: true, configurable: true });
  return msg;
}
