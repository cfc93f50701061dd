import { toHex } from './bytes.js';
import type { BusIdValue, IpxeSubValue, VersionValue } from './options/ipxe.js';
import type { PxeSubValue } from './options/pxe-vendor.js';
import type { RelaySubValue } from './options/relay-agent.js';
import type { DhcpMessage, DhcpOptionValue } from './types.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Every value the codec produces: option values and the values of encapsulated sub-options. */
export type AnyOptionValue = DhcpOptionValue | PxeSubValue | IpxeSubValue | RelaySubValue;

function subOptions(subs: readonly { code: number; name: string; value: AnyOptionValue }[]): JsonValue {
  return subs.map((s) => ({ code: s.code, name: s.name, value: optionValueToJson(s.value) }));
}

function pciId(n: number): string {
  return n.toString(16).padStart(4, '0');
}

function busId(v: BusIdValue): JsonValue {
  return { busType: v.busType, vendor: pciId(v.vendor), device: pciId(v.device) };
}

function version(v: VersionValue): JsonValue {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/**
 * The natural JSON for a value: an address is "10.0.0.1", a list is an array, numbers and seconds are numbers,
 * text is the text, the message type is its name, unknown bytes are a hex string, structured values are small
 * objects (see each family's type for its shape). Wire details (escaping flags, trailing NULs) are left out.
 */
export function optionValueToJson(value: AnyOptionValue): JsonValue {
  switch (value.kind) {
    case 'hex':
      return value.hex;
    case 'ip':
      return value.ip;
    case 'ipList':
      return [...value.ips];
    case 'ipPairs':
      return value.pairs.map((p) => [p[0], p[1]]);
    case 'u8':
    case 'u16':
    case 'u32':
    case 'i8':
    case 'i32':
      return value.value;
    case 'seconds':
      return value.seconds;
    case 'bool':
      return value.value;
    case 'text':
      return value.text;
    case 'messageType':
      return value.name;
    case 'codes':
      return [...value.codes];
    case 'clientId':
      if (value.mac !== undefined) return { type: value.type, mac: value.mac };
      return value.text !== undefined
        ? { type: value.type, value: value.hex ?? '', text: value.text }
        : { type: value.type, value: value.hex ?? '' };
    case 'userClass':
      return value.format === 'rfc3004'
        ? { format: 'rfc3004', classes: [...value.classes] }
        : { format: 'raw', text: value.text };
    case 'arch':
      return value.archs.map((a) => ({ code: a.code, name: a.name }));
    case 'ndi':
      return { type: value.type, major: value.major, minor: value.minor };
    case 'uuid':
      return { type: value.type, uuid: value.uuid, smbiosUuid: value.smbiosUuid };
    case 'relayAgent':
    case 'pxe':
    case 'ipxe':
      return subOptions(value.suboptions);
    case 'none':
      return null;
    case 'discoveryControl':
      return {
        bits: value.bits,
        disableBroadcast: value.disableBroadcast,
        disableMulticast: value.disableMulticast,
        serverListOnly: value.serverListOnly,
        bootFileFromOffer: value.bootFileFromOffer,
      };
    case 'bootServers':
      return value.servers.map((s) => ({ type: s.type, ips: [...s.ips] }));
    case 'bootMenu':
      return value.items.map((i) => ({ type: i.type, description: i.description }));
    case 'menuPrompt':
      return { timeout: value.timeout, prompt: value.prompt };
    case 'bootItem':
      return { type: value.type, layer: value.layer };
    case 'busId':
      return busId(value);
    case 'version':
      return version(value);
  }
}

/**
 * The whole message as JSON (the DhcpMessage schema, option values through optionValueToJson, raw bytes as
 * hex). The wire layout is not part of it.
 */
export function dhcpMessageToJson(msg: DhcpMessage): JsonValue {
  return {
    op: msg.op,
    htype: msg.htype,
    hlen: msg.hlen,
    hops: msg.hops,
    xid: msg.xid,
    secs: msg.secs,
    flags: msg.flags,
    broadcast: msg.broadcast,
    ciaddr: msg.ciaddr,
    yiaddr: msg.yiaddr,
    siaddr: msg.siaddr,
    giaddr: msg.giaddr,
    chaddr: msg.chaddr,
    sname: msg.sname,
    file: msg.file,
    messageType: msg.messageType,
    options: msg.options.map((o) => ({
      code: o.code,
      name: o.name,
      value: optionValueToJson(o.value),
      raw: toHex(o.raw),
      source: o.source,
    })),
    notes: [...msg.notes],
  };
}
