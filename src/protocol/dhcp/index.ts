/**
 * DHCPv4/BOOTP codec: pure functions, no I/O. The analyzer decodes with it, the server and the replayer encode
 * with it, so both directions share one option registry (options/registry.ts).
 */
export { decodeDhcp } from './decode.js';
export {
  encodeDhcp,
  optionInstances,
  DEFAULT_MAX_MESSAGE_SIZE,
  MIN_BOOTP_LENGTH,
  type EncodeOptions,
} from './encode.js';
export {
  buildDhcpReply,
  dhcpMessageFromFields,
  makeOption,
  maxMessageSize,
  type DhcpMessageFields,
  type DhcpOptionInput,
  type DhcpReplyParams,
} from './builder.js';
export { summarizeDhcp } from './summary.js';
export { optionValueToJson, dhcpMessageToJson, type JsonValue, type AnyOptionValue } from './json.js';
export {
  dhcpOptionName,
  encodeOption,
  decodeOptionValue,
  optionSpec,
  type OptionSpec,
} from './options/registry.js';
export { archFamily, archName, type ArchFamily, type ArchValue } from './options/arch.js';
export { messageTypeName, messageTypeCode, MESSAGE_TYPE_NAMES } from './options/message-type.js';
export { discoveryControl, pxeMenuProblems, pxeVendorValue, pxeSubOptionName } from './options/pxe-vendor.js';
export type {
  PxeValue,
  PxeSubOption,
  PxeSubValue,
  DiscoveryControlValue,
  BootServersValue,
  BootMenuValue,
  MenuPromptValue,
  BootItemValue,
} from './options/pxe-vendor.js';
export { ipxeSubOptionName, ipxeFeatureName } from './options/ipxe.js';
export type { IpxeValue, IpxeSubOption, IpxeSubValue, BusIdValue, VersionValue } from './options/ipxe.js';
export { relaySubOptionName } from './options/relay-agent.js';
export type { RelayAgentValue, RelaySubOption, RelaySubValue } from './options/relay-agent.js';
export { formatUuid, type UuidValue } from './options/uuid.js';
export type { DecodeContext, OptionCodec } from './options/codec.js';
export type { HexValue } from './options/hex.js';
export type { IpValue, IpListValue, IpPairsValue } from './options/ip.js';
export type { UintValue, Int8Value, Int32Value, SecondsValue, BoolValue } from './options/integer.js';
export type { TextValue } from './options/text.js';
export type { MessageTypeValue, DhcpMessageTypeName, KnownMessageType } from './options/message-type.js';
export type { CodeListValue } from './options/param-list.js';
export type { ClientIdValue } from './options/client-id.js';
export type { UserClassValue } from './options/user-class.js';
export type { NdiValue } from './options/ndi.js';
export type { NoValue } from './options/tlv.js';
export type {
  DhcpMessage,
  DhcpOption,
  DhcpOptionSource,
  DhcpOptionValue,
  DhcpOptionValueKind,
  DhcpWire,
  CapturedWire,
  CanonicalWire,
  VerbatimWire,
  WireItem,
} from './types.js';
export * from './facts.js';
