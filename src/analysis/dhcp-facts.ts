import type { PacketOrigin } from '../protocol/packet.js';
import {
  readIp,
  readIpList,
  readPxeVendorOptions,
  readText,
  readU16,
  readU16List,
  readU32,
  readU8,
  readUserClass,
  readUuid,
} from './option-bytes.js';
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

/** Repeated options are one value split over several instances (RFC 3396): join them in wire order. */
function optionMap(options: DhcpMessageView['options']): Map<number, Uint8Array> {
  const map = new Map<number, Uint8Array>();
  for (const o of options) {
    const prev = map.get(o.code);
    if (prev === undefined) map.set(o.code, o.raw);
    else {
      const joined = new Uint8Array(prev.length + o.raw.length);
      joined.set(prev);
      joined.set(o.raw, prev.length);
      map.set(o.code, joined);
    }
  }
  return map;
}

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
  const opts = optionMap(m.options);
  const text = (code: number): string | null => {
    const raw = opts.get(code);
    return raw === undefined ? null : readText(raw);
  };
  const num = <T>(code: number, read: (raw: Uint8Array) => T | null): T | null => {
    const raw = opts.get(code);
    return raw === undefined ? null : read(raw);
  };

  const overload = num(52, readU8);
  // With option 52 the fields carry options, not names: never read them as a file or server name.
  const file = overload !== null && (overload & 1) !== 0 ? '' : fieldText(m.file);
  const sname = overload !== null && (overload & 2) !== 0 ? '' : fieldText(m.sname);

  const vendorClass = text(60);
  const raw43 = opts.get(43);
  const pxe = raw43 === undefined ? null : readPxeVendorOptions(raw43);
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

  return {
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
    serverId: num(54, readIp) ?? (m.op === 2 ? p.src : null),
    file,
    sname,
    bootfileOption: text(67),
    tftpServerName: text(66),
    tftpServerAddresses: num(150, readIpList) ?? [],
    vendorClass,
    arch: num(93, readU16List) ?? [],
    userClass: num(77, readUserClass),
    ipxeOptions: opts.has(175),
    uuid: num(97, readUuid),
    vendorSpecific: raw43 !== undefined,
    pxeDiscoveryControl: pxe?.discoveryControl ?? null,
    pxeBootServers: pxe?.bootServers ?? [],
    pxeMenu: pxe?.menu ?? [],
    overload,
    message: text(56),
    requestedIp: num(50, readIp),
    leaseTime: num(51, readU32),
    parameterRequestList: num(55, (raw) => [...raw]) ?? [],
    maxMessageSize: num(57, readU16),
    interfaceMtu: num(26, readU16),
    port4011,
    proxy: m.op === 2 && m.yiaddr === ZERO && vendorClass !== null && vendorClass.startsWith('PXEClient'),
    notes,
  };
}

/** iPXE announces itself with user class "iPXE" (raw, not RFC 3004) and its own option 175. */
export function isIpxeEvent(e: DhcpEvent): boolean {
  return e.ipxeOptions || (e.userClass !== null && e.userClass.split(',').includes('iPXE'));
}
