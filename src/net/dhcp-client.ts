/**
 * A DHCP client, simulated: it builds its DISCOVER, then its REQUEST from the OFFER it got, with the
 * project's codecs, and checks every answer (xid, chaddr, message type, address). The transport is a
 * DhcpExchange function, so the same client drives a reference engine in process (the server's
 * engineExchange), or a running server over a FrameLink (wire-exchange.ts: libpcap on an interface, or an
 * in-memory segment).
 */
import {
  decodeDhcp,
  dhcpMessageFromFields,
  encodeDhcp,
  serverId as serverIdOf,
  type DhcpMessage,
  type DhcpOptionInput,
} from '../protocol/dhcp/index.js';
import type { DhcpServicePort } from './frames.js';

export interface SimulatedClientSpec {
  mac: string;
  xid: number;
  /** Option 93; null sends none. Default 0 (x86 BIOS). */
  arch?: number | null;
  /** Option 77 "iPXE" (a chainloaded iPXE asking). */
  ipxe?: boolean;
  /** Option 60; default "PXEClient:Arch:<arch>:UNDI:002001", null sends none. */
  vendorClass?: string | null;
  /** Sets the broadcast flag (EDK2 does, iPXE does not). */
  broadcast?: boolean;
}

function clientOptions(spec: SimulatedClientSpec): DhcpOptionInput[] {
  const arch = spec.arch === undefined ? 0 : spec.arch;
  const out: DhcpOptionInput[] = [{ code: 57, value: { kind: 'u16', value: 1472 } }];
  if (arch !== null) out.push({ code: 93, value: { kind: 'arch', archs: [{ code: arch, name: '' }] } });
  const vendor =
    spec.vendorClass === undefined
      ? `PXEClient:Arch:${String(arch ?? 0).padStart(5, '0')}:UNDI:002001`
      : spec.vendorClass;
  if (vendor !== null) out.push({ code: 60, value: { kind: 'text', text: vendor } });
  if (spec.ipxe === true) out.push({ code: 77, raw: Buffer.from('iPXE', 'latin1') });
  out.push({
    code: 55,
    value: { kind: 'codes', codes: [1, 3, 6, 12, 15, 28, 43, 51, 54, 58, 59, 60, 66, 67, 97] },
  });
  return out;
}

export function buildDiscover(spec: SimulatedClientSpec): DhcpMessage {
  return clientMessage(spec, 'DISCOVER', []);
}

/** The SELECTING REQUEST for an offer: its server identifier and address. */
export function buildRequest(spec: SimulatedClientSpec, offer: DhcpMessage): DhcpMessage {
  const serverId = serverIdOf(offer) ?? '0.0.0.0';
  return clientMessage(spec, 'REQUEST', [
    { code: 54, value: { kind: 'ip', ip: serverId } },
    { code: 50, value: { kind: 'ip', ip: offer.yiaddr } },
  ]);
}

/** A message from the simulated client: its header fields, its usual options, then `extra`. */
function clientMessage(
  spec: SimulatedClientSpec,
  messageType: 'DISCOVER' | 'REQUEST',
  extra: DhcpOptionInput[],
): DhcpMessage {
  return dhcpMessageFromFields({
    xid: spec.xid,
    chaddr: spec.mac,
    broadcast: spec.broadcast ?? false,
    secs: 4,
    messageType,
    options: [...clientOptions(spec), ...extra],
  });
}

export interface SimulatedPacket {
  /** The DHCP payload. */
  bytes: Uint8Array;
  srcMac: string;
  dstPort: DhcpServicePort;
  /** Default 0.0.0.0: a client without an address. */
  srcIp?: string;
  /** Default broadcast (255.255.255.255, ff:ff:ff:ff:ff:ff); a 4011 request goes to the boot server's. */
  dstIp?: string;
  dstMac?: string;
}

/** Sends one client's packet; returns the DHCP payloads the server sent back (all of them; they are checked). */
export type DhcpExchange = (packet: SimulatedPacket) => Promise<Uint8Array[]> | Uint8Array[];

export interface SimulatedLease {
  mac: string;
  ip: string;
  serverId: string | null;
  file: string;
  nextServer: string;
}

/** The one reply of the expected type for this client, or a problem. */
function pick(
  spec: SimulatedClientSpec,
  payloads: Uint8Array[],
  type: 'OFFER' | 'ACK',
): DhcpMessage | string {
  const mine = payloads.map((p) => decodeDhcp(p)).filter((m) => m.xid === spec.xid && m.chaddr === spec.mac);
  if (mine.length !== 1)
    return `${spec.mac}: ${mine.length} replies to the ${type === 'OFFER' ? 'DISCOVER' : 'REQUEST'}, expected 1`;
  const m = mine[0];
  if (m.op !== 2) return `${spec.mac}: reply op ${m.op}`;
  if (m.messageType !== type) return `${spec.mac}: got ${m.messageType ?? 'BOOTP'}, expected ${type}`;
  if (m.yiaddr === '0.0.0.0') return `${spec.mac}: ${type} without an address`;
  return m;
}

/** One client's DISCOVER → OFFER → REQUEST → ACK. */
export async function runSimulatedClient(
  spec: SimulatedClientSpec,
  exchange: DhcpExchange,
): Promise<SimulatedLease | string> {
  const offer = pick(
    spec,
    await exchange({ bytes: encodeDhcp(buildDiscover(spec)), srcMac: spec.mac, dstPort: 67 }),
    'OFFER',
  );
  if (typeof offer === 'string') return offer;
  const request = buildRequest(spec, offer);
  const ack = pick(
    spec,
    await exchange({ bytes: encodeDhcp(request), srcMac: spec.mac, dstPort: 67 }),
    'ACK',
  );
  if (typeof ack === 'string') return ack;
  if (ack.yiaddr !== offer.yiaddr) return `${spec.mac}: ACK for ${ack.yiaddr}, offered ${offer.yiaddr}`;
  return {
    mac: spec.mac,
    ip: ack.yiaddr,
    serverId: serverIdOf(ack),
    file: ack.file,
    nextServer: ack.siaddr,
  };
}
