/**
 * Reply pieces: the options a reply carries (network settings, lease times, boot file, PXE vendor options)
 * in the order the client asked for them, and where the reply goes (RFC 2131 4.1).
 */
import { parseMac } from '../../protocol/addr.js';
import {
  parameterRequestList,
  discoveryControl,
  pxeVendorValue,
  type DhcpMessage,
  type DhcpOptionInput,
  type PxeSubValue,
} from '../../protocol/dhcp/index.js';
import type { PoolConfig, ProxyConfig } from '../config/types.js';
import type { BootChoice, DhcpDestination, DhcpInbound } from './types.js';

const ZERO = '0.0.0.0';
const BROADCAST_IP = '255.255.255.255';
const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const CLIENT_PORT = 68;
const SERVER_PORT = 67;
/** The boot server type of the proxy's one menu item: dnsmasq's first pxe-service type (vendor range 0x8000+). */
export const PXE_BOOT_SERVER_TYPE = 0x8000;
/** The longest file name the BOOTP `file` field holds (128 bytes with its NUL). */
const FILE_FIELD_MAX = 127;

/**
 * Options in the client's parameter request list (55) first, in its order (some firmware reads only the first
 * few, and RFC 2132 9.8 lets the client state its priorities), then the rest in ours.
 */
export function orderOptions(options: DhcpOptionInput[], request: DhcpMessage): DhcpOptionInput[] {
  const prl = parameterRequestList(request);
  const rank = (code: number): number => {
    const i = prl.indexOf(code);
    return i === -1 ? prl.length : i;
  };
  return options
    .map((o, i) => ({ o, i }))
    .sort((a, b) => rank(a.o.code) - rank(b.o.code) || a.i - b.i)
    .map((x) => x.o);
}

/** 51, 58, 59: RFC 2131 4.4.5 defaults T1 = 0.5, T2 = 0.875 of the lease (dnsmasq: 1800/3150 of 3600). */
export function leaseOptions(leaseTime: number): DhcpOptionInput[] {
  return [
    { code: 51, value: { kind: 'seconds', seconds: leaseTime } },
    { code: 58, value: { kind: 'seconds', seconds: Math.floor(leaseTime / 2) } },
    { code: 59, value: { kind: 'seconds', seconds: Math.floor((leaseTime * 7) / 8) } },
  ];
}

/** 1, 28, 3, 6, 15, 12: what a full server tells a client about the network. */
export function networkOptions(
  pool: PoolConfig,
  broadcastAddress: string,
  hostname: string | null,
): DhcpOptionInput[] {
  const out: DhcpOptionInput[] = [
    { code: 1, value: { kind: 'ip', ip: pool.subnetMask } },
    { code: 28, value: { kind: 'ip', ip: broadcastAddress } },
  ];
  if (pool.router !== null) out.push({ code: 3, value: { kind: 'ipList', ips: [pool.router] } });
  if (pool.dns.length > 0) out.push({ code: 6, value: { kind: 'ipList', ips: pool.dns } });
  if (pool.domain !== null) out.push({ code: 15, value: { kind: 'text', text: pool.domain } });
  if (hostname !== null) out.push({ code: 12, value: { kind: 'text', text: hostname } });
  return out;
}

export interface BootFields {
  siaddr: string;
  /** The BOOTP file field: the boot file when it fits (many ROMs read only this), else empty. */
  file: string;
  options: DhcpOptionInput[];
}

/**
 * siaddr, file and options 66/67 saying the same thing: ROMs differ in which they read. A URL gets no 66 (no
 * TFTP server is involved); HTTP boot gets option 60 "HTTPClient", without which UEFI firmware ignores the offer.
 */
export function bootFields(choice: BootChoice | null): BootFields {
  if (choice === null) return { siaddr: ZERO, file: '', options: [] };
  const options: DhcpOptionInput[] = [];
  if (!choice.url) options.push({ code: 66, value: { kind: 'text', text: choice.nextServer } });
  options.push({ code: 67, value: { kind: 'text', text: choice.file } });
  if (choice.httpClient) options.push({ code: 60, value: { kind: 'text', text: 'HTTPClient' } });
  const fits = Buffer.byteLength(choice.file, 'utf8') <= FILE_FIELD_MAX;
  return { siaddr: choice.nextServer, file: fits ? choice.file : '', options };
}

/**
 * Option 43 of a proxy OFFER, as dnsmasq's pxe-service/pxe-prompt: discovery control 3 (no broadcast or
 * multicast discovery: ask the listed boot server directly, on port 4011), the boot server list (us), a
 * one-item menu and the prompt.
 */
export function proxyOfferVendorOptions(serverIp: string, proxy: ProxyConfig): DhcpOptionInput {
  const sub: { code: number; value: PxeSubValue }[] = [
    { code: 6, value: discoveryControl(3) },
    { code: 8, value: { kind: 'bootServers', servers: [{ type: PXE_BOOT_SERVER_TYPE, ips: [serverIp] }] } },
    {
      code: 9,
      value: { kind: 'bootMenu', items: [{ type: PXE_BOOT_SERVER_TYPE, description: proxy.menu }] },
    },
    { code: 10, value: { kind: 'menuPrompt', timeout: proxy.timeout, prompt: proxy.prompt } },
  ];
  return { code: 43, value: pxeVendorValue(sub) };
}

/** Option 43 of a boot service ACK: the boot item (sub-option 71) the client asked for, echoed. */
export function bootItemVendorOptions(type: number, layer: number): DhcpOptionInput {
  return { code: 43, value: pxeVendorValue([{ code: 71, value: { kind: 'bootItem', type, layer } }]) };
}

/** Option 97 (client UUID) echoed: the PXE spec has the server return it, dnsmasq does. */
export function uuidEcho(request: DhcpMessage): DhcpOptionInput[] {
  const o = request.options.find((x) => x.code === 97);
  return o === undefined ? [] : [{ code: 97, raw: o.raw, value: o.value }];
}

/**
 * RFC 2131 4.1: through the relay when giaddr is set; a NAK broadcast; to ciaddr when the client has an
 * address; broadcast when the client asked for it (flags) or there is no yiaddr; else unicast to yiaddr at
 * chaddr (the edge sends at layer 2, so the client needs no ARP answer). A boot service (4011) reply goes
 * back where the request came from.
 */
export function replyDestination(inbound: DhcpInbound, reply: DhcpMessage): DhcpDestination {
  const request = inbound.message;
  const broadcast: DhcpDestination = {
    ip: BROADCAST_IP,
    port: CLIENT_PORT,
    mac: BROADCAST_MAC,
    broadcast: true,
  };
  const chaddrOk = parseMac(request.chaddr) !== null;
  if (inbound.port === 4011) {
    if (inbound.srcIp === ZERO) return { ...broadcast, port: inbound.srcPort };
    return { ip: inbound.srcIp, port: inbound.srcPort, mac: inbound.srcMac, broadcast: false };
  }
  if (request.giaddr !== ZERO)
    return { ip: request.giaddr, port: SERVER_PORT, mac: inbound.srcMac, broadcast: false };
  if (reply.messageType === 'NAK') return broadcast;
  if (request.ciaddr !== ZERO && chaddrOk)
    return { ip: request.ciaddr, port: CLIENT_PORT, mac: request.chaddr, broadcast: false };
  if (request.broadcast || reply.yiaddr === ZERO || !chaddrOk) return broadcast;
  return { ip: reply.yiaddr, port: CLIENT_PORT, mac: request.chaddr, broadcast: false };
}
