/**
 * Shared by the DHCP engine tests: configs, inbound messages as the edge would hand them in, and the DHCP
 * packets of a lab capture (real dnsmasq exchanges) to compare the engine's replies with.
 */
import { readFileSync } from 'node:fs';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { ipToString, macToString } from '../../../src/protocol/addr.js';
import {
  decodeDhcp,
  dhcpMessageFromFields,
  encodeDhcp,
  type DhcpMessage,
  type DhcpMessageFields,
  type DhcpOptionInput,
  optionValueToJson,
} from '../../../src/protocol/dhcp/index.js';
import { parseServeConfig } from '../../../src/server/config/validate.js';
import type { ServeConfig, ServeConfigInput } from '../../../src/server/config/types.js';
import type { DhcpInbound, DhcpServicePort } from '../../../src/server/dhcp/types.js';
import { findCapture } from '../../support/fixtures.js';
import type { UdpDatagram } from '../../../src/net/frames.js';

export const SERVER_IP = '10.99.0.1';
export const T0 = 1_800_000_000_000;

export function fullConfig(extra: ServeConfigInput = {}): ServeConfig {
  return parseServeConfig({
    mode: 'dhcp',
    serverIp: SERVER_IP,
    dhcp: { range: { start: '10.99.0.100', end: '10.99.0.150' }, router: SERVER_IP, leaseTime: 3600 },
    boot: {
      bios: 'pxelinux.0',
      uefi: 'ipxe.efi',
      arm64: 'ipxe-arm64.efi',
      http: 'http://10.99.0.1/ipxe.efi',
      ipxe: 'boot.ipxe',
    },
    ...extra,
  });
}

export function proxyConfig(extra: ServeConfigInput = {}): ServeConfig {
  return parseServeConfig({
    mode: 'proxy',
    serverIp: SERVER_IP,
    boot: { bios: 'pxelinux.0', uefi: 'ipxe.efi', http: 'http://10.99.0.1/ipxe.efi', ipxe: 'boot.ipxe' },
    proxy: { menu: 'PXE-LAB pxelinux via proxyDHCP', prompt: 'PXE-LAB proxyDHCP', timeout: 1 },
    ...extra,
  });
}

export const MAC = '52:54:00:12:34:56';

/** A PXE ROM's request: option 93, 60 PXEClient, PRL like iPXE's. */
export function clientMessage(
  type: 'DISCOVER' | 'REQUEST' | 'DECLINE' | 'RELEASE' | 'INFORM',
  f: DhcpMessageFields & { arch?: number | null; vendor?: string | null; extra?: DhcpOptionInput[] } = {},
): DhcpMessage {
  const arch = f.arch === undefined ? 0 : f.arch;
  const options: DhcpOptionInput[] = [{ code: 57, value: { kind: 'u16', value: 1472 } }];
  if (arch !== null) options.push({ code: 93, value: { kind: 'arch', archs: [{ code: arch, name: '' }] } });
  const vendor =
    f.vendor === undefined ? `PXEClient:Arch:${String(arch ?? 0).padStart(5, '0')}:UNDI:002001` : f.vendor;
  if (vendor !== null) options.push({ code: 60, value: { kind: 'text', text: vendor } });
  options.push({
    code: 55,
    value: { kind: 'codes', codes: [1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119] },
  });
  options.push(...(f.extra ?? []));
  // Through the wire format and back, as the edge hands messages in.
  const msg = dhcpMessageFromFields({ xid: 0x1234abcd, chaddr: MAC, ...f, messageType: type, options });
  return decodeDhcp(encodeDhcp(msg));
}

export function inbound(message: DhcpMessage, over: Partial<DhcpInbound> = {}): DhcpInbound {
  return {
    message,
    port: 67,
    srcMac: message.chaddr,
    srcIp: '0.0.0.0',
    srcPort: 68,
    dstIp: '255.255.255.255',
    now: T0,
    ...over,
  };
}

export const ip = (address: string): DhcpOptionInput => ({ code: 50, value: { kind: 'ip', ip: address } });
export const serverId = (address: string): DhcpOptionInput => ({
  code: 54,
  value: { kind: 'ip', ip: address },
});

/** Round trip through the codec: what a client would decode from the reply's bytes. */
export function onWire(msg: DhcpMessage): DhcpMessage {
  return decodeDhcp(encodeDhcp(msg));
}

export function optionRaw(msg: DhcpMessage, code: number): Uint8Array | undefined {
  return msg.options.find((o) => o.code === code)?.raw;
}

export function optionJson(msg: DhcpMessage, code: number): unknown {
  const o = msg.options.find((x) => x.code === code);
  return o === undefined ? undefined : optionValueToJson(o.value);
}

export interface CapturedDhcp extends Omit<UdpDatagram, 'payload'> {
  frame: number;
  message: DhcpMessage;
}

/** The DHCP packets (Ethernet, IPv4, UDP 67/68/4011) of a lab capture. */
export function capturedDhcp(rel: string): CapturedDhcp[] {
  const c = findCapture(rel);
  if (c === null) throw new Error(`capture ${rel} not found`);
  const out: CapturedDhcp[] = [];
  readCaptureBuffer(readFileSync(c.path), {
    warning: () => undefined,
    frame: (f) => {
      const d = f.data;
      if (f.linkType !== 1 || d.length < 42 || d[12] !== 0x08 || d[13] !== 0x00 || d[23] !== 17) return;
      const ihl = (d[14] & 15) * 4;
      const udp = 14 + ihl;
      const srcPort = (d[udp] << 8) | d[udp + 1];
      const dstPort = (d[udp + 2] << 8) | d[udp + 3];
      const ports = [67, 68, 4011];
      if (!ports.includes(srcPort) || !ports.includes(dstPort)) return;
      out.push({
        frame: f.frame,
        dstMac: macToString(d, 0),
        srcMac: macToString(d, 6),
        srcIp: ipToString(d, 26),
        dstIp: ipToString(d, 30),
        srcPort,
        dstPort,
        message: decodeDhcp(d.slice(udp + 8, udp + ((d[udp + 4] << 8) | d[udp + 5]))),
      });
    },
  });
  return out;
}

/** A captured request as the edge would hand it to the engine. */
export function capturedInbound(p: CapturedDhcp, now = T0): DhcpInbound {
  return {
    message: p.message,
    port: p.dstPort as DhcpServicePort,
    srcMac: p.srcMac,
    srcIp: p.srcIp,
    srcPort: p.srcPort,
    dstIp: p.dstIp,
    now,
  };
}
