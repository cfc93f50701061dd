/**
 * The typed values of DHCP options, one discriminated union. Each family module owns its interfaces; this file
 * only assembles the union so every consumer switches on `kind`.
 */
import type { ArchValue } from './arch.js';
import type { ClientIdValue } from './client-id.js';
import type { HexValue } from './hex.js';
import type { BoolValue, Int32Value, Int8Value, SecondsValue, UintValue } from './integer.js';
import type { IpListValue, IpPairsValue, IpValue } from './ip.js';
import type { IpxeValue } from './ipxe.js';
import type { MessageTypeValue } from './message-type.js';
import type { NdiValue } from './ndi.js';
import type { CodeListValue } from './param-list.js';
import type { PxeValue } from './pxe-vendor.js';
import type { RelayAgentValue } from './relay-agent.js';
import type { TextValue } from './text.js';
import type { UserClassValue } from './user-class.js';
import type { UuidValue } from './uuid.js';

export type DhcpOptionValue =
  | HexValue
  | IpValue
  | IpListValue
  | IpPairsValue
  | UintValue
  | Int8Value
  | Int32Value
  | SecondsValue
  | BoolValue
  | TextValue
  | MessageTypeValue
  | CodeListValue
  | ClientIdValue
  | UserClassValue
  | ArchValue
  | NdiValue
  | UuidValue
  | RelayAgentValue
  | PxeValue
  | IpxeValue;

export type DhcpOptionValueKind = DhcpOptionValue['kind'];
