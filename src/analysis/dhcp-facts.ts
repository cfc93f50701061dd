import * as dhcp from '../protocol/dhcp/facts.js';
import { pxeMenuProblems } from '../protocol/dhcp/options/pxe-vendor.js';
import type { PacketOrigin } from '../protocol/packet.js';
import type { DhcpEvent, DhcpRole } from './types.js';

/**
 * The part of the codec's DhcpMessage the analysis reads. Declared structurally so the analysis depends on
 * field names only, not on how the codec models option values (values are read from `raw`).
 */
export interface DhcpMessageView {
  op: number;
  xid: number;
  secs: number;
  broadcast: boolean;
  ciaddr: string;
  yiaddr: string;
  siaddr: string;
  giaddr: string;
  chaddr: string;
  sname: string;
  file: string;
  messageType: string | null;
  options: readonly { code: number; raw: Uint8Array }[];
  notes: readonly string[];
}

export interface DhcpRecordView extends PacketOrigin {
  dhcp: DhcpMessageView;
}

const ZERO = '0.0.0.0';

/**
 * Who sent the message. A BOOTREQUEST from port 67 with giaddr set is a relay forwarding it to a server;
 * a BOOTREPLY to port 68 with giaddr set is the relay handing it on to the client.
 */
function roleOf(op: number, giaddr: string, srcPort: number, dstPort: number): DhcpRole {
  const relayed = giaddr !== ZERO;
  if (op === 2) return relayed && dstPort === 68 && srcPort === 67 ? 'relay' : 'server';
  return relayed && srcPort === 67 ? 'relay' : 'client';
}

/** Strips the NUL padding of the fixed BOOTP fields, in case the codec left it in. */
function fieldText(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** Turns a decoded DHCP packet into the event the correlation and the rules work on. */
export function dhcpEvent(p: DhcpRecordView, t: number): DhcpEvent {
  const m = p.dhcp;
  const overload = dhcp.optionOverload(m);
  // With option 52 the fields carry options, not names: never read them as a file or server name.
  const file = overload !== null && (overload & 1) !== 0 ? '' : fieldText(m.file);
  const sname = overload !== null && (overload & 2) !== 0 ? '' : fieldText(m.sname);

  const vendorClass = dhcp.vendorClass(m);
  const pxe = dhcp.pxeVendorOptions(m);
  const role = roleOf(m.op, m.giaddr, p.srcPort, p.dstPort);
  const port4011 = p.srcPort === 4011 || p.dstPort === 4011;

  const notes = [...m.notes];
  if (m.op === 2 && m.giaddr !== ZERO) {
    notes.push(
      p.dst === m.giaddr
        ? `reply addressed to relay agent ${m.giaddr} (server side of a relay)`
        : `relayed reply (giaddr ${m.giaddr})`,
    );
  }
  if (m.op === 1 && role === 'relay') notes.push(`forwarded by relay agent ${m.giaddr}`);

  const event: DhcpEvent = {
    frame: p.frame,
    t,
    messageType: m.messageType,
    op: m.op,
    role,
    src: p.src,
    dst: p.dst,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    srcMac: p.srcMac,
    secs: m.secs,
    broadcast: m.broadcast,
    ciaddr: m.ciaddr,
    yiaddr: m.yiaddr,
    siaddr: m.siaddr,
    giaddr: m.giaddr,
    serverId: dhcp.serverId(m) ?? (m.op === 2 ? p.src : null),
    file,
    sname,
    bootfileOption: dhcp.bootFileOption(m),
    tftpServerName: dhcp.tftpServerName(m),
    tftpServerAddresses: dhcp.tftpServerAddresses(m),
    vendorClass,
    arch: dhcp.clientArchitectures(m),
    userClass: dhcp.userClass(m),
    ipxeOptions: dhcp.hasIpxeOptions(m),
    uuid: dhcp.clientUuid(m),
    vendorSpecific: dhcp.hasOption(m, 43),
    pxeDiscoveryControl: pxe?.discoveryControl ?? null,
    pxeBootServers: pxe?.bootServers ?? [],
    pxeMenu: pxe?.menu ?? [],
    overload,
    message: dhcp.serverMessage(m),
    requestedIp: dhcp.requestedAddress(m),
    leaseTime: dhcp.leaseTime(m),
    parameterRequestList: dhcp.parameterRequestList(m),
    optionOrder: dhcp.optionOrder(m),
    maxMessageSize: dhcp.maxMessageSize(m),
    interfaceMtu: dhcp.interfaceMtu(m),
    port4011,
    proxy: m.op === 2 && m.yiaddr === ZERO && dhcp.isPxeClientVendor(vendorClass),
    notes,
  };
  // A port-4011 ACK carries only the chosen boot item (71): no menu is expected there.
  const menuReply = m.op === 2 && !port4011 && dhcp.isPxeClientVendor(vendorClass);
  const ending = dhcp.bootFileOptionEnding(m);
  if (ending !== null) event.bootfileOptionEnding = ending;
  const option43 = menuReply ? dhcp.optionBytes(m, 43) : null;
  if (option43 !== null) {
    const problems = pxeMenuProblems(option43);
    if (problems.length > 0) event.pxeMenuProblems = problems;
  }
  return event;
}

/** The protocol's iPXE test on an event (its user classes are kept joined by ","). */
export function isIpxeEvent(e: DhcpEvent): boolean {
  return dhcp.isIpxeSignature(e.userClass === null ? [] : e.userClass.split(','), e.ipxeOptions);
}

/** Server identity of a reply: option 54, else its IP source. */
export function serverOf(e: DhcpEvent): string {
  return e.serverId ?? e.src;
}

/** A proxyDHCP reply on 67/68: no address, option 60 PXEClient (the analyzer's flag, or derived). */
export function isProxyReply(e: DhcpEvent): boolean {
  if (e.op !== 2 || e.port4011) return false;
  return e.proxy || (e.yiaddr === ZERO && dhcp.isPxeClientVendor(e.vendorClass));
}

/** A reply that hands out an address (OFFER, ACK or BOOTP reply with yiaddr). */
export function isAddressReply(e: DhcpEvent): boolean {
  return e.op === 2 && !e.port4011 && !isProxyReply(e) && e.yiaddr !== ZERO;
}
