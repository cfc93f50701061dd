/**
 * Ethernet frames and ARP: the encoder the reference server and the tests use, and the ARP decoder the
 * analyzer uses to spot a client asking, unanswered, for the TFTP server's MAC.
 */
import { ipToString, macToString, readIp, toIpNumber, toMacBytes, writeIp } from './addr.js';
import { ETHERTYPE_VLAN } from './link.js';

export interface VlanTag {
  id: number;
  /** Priority code point 0–7. */
  pcp?: number;
  dei?: boolean;
  /** Tag protocol identifier: 0x8100 (default), 0x88a8 for an 802.1ad service tag, 0x9100. */
  tpid?: number;
}

export interface EthernetHeader {
  dst: string | Uint8Array;
  src: string | Uint8Array;
  /** Outermost first; a number is a plain 802.1Q tag. */
  vlans?: readonly (number | VlanTag)[];
  etherType: number;
  /** Pad the frame to the 60-byte Ethernet minimum (without FCS), as a NIC would. */
  pad?: boolean;
}

function checkU16(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new RangeError(`${name} out of range: ${value}`);
}

export function encodeEthernet(header: EthernetHeader, payload: Uint8Array): Uint8Array {
  const tags = header.vlans ?? [];
  checkU16('etherType', header.etherType);
  const headerLength = 14 + 4 * tags.length;
  const length =
    header.pad === true ? Math.max(60, headerLength + payload.length) : headerLength + payload.length;
  const out = new Uint8Array(length);
  out.set(toMacBytes(header.dst), 0);
  out.set(toMacBytes(header.src), 6);
  let offset = 12;
  for (const t of tags) {
    const tag: VlanTag = typeof t === 'number' ? { id: t } : t;
    const tpid = tag.tpid ?? ETHERTYPE_VLAN;
    const pcp = tag.pcp ?? 0;
    if (!Number.isInteger(tag.id) || tag.id < 0 || tag.id > 0xfff)
      throw new RangeError(`VLAN id out of range: ${tag.id}`);
    if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7)
      throw new RangeError(`VLAN priority out of range: ${pcp}`);
    checkU16('VLAN TPID', tpid);
    const tci = (pcp << 13) | (tag.dei === true ? 0x1000 : 0) | tag.id;
    out[offset] = tpid >> 8;
    out[offset + 1] = tpid & 0xff;
    out[offset + 2] = tci >> 8;
    out[offset + 3] = tci & 0xff;
    offset += 4;
  }
  out[offset] = header.etherType >> 8;
  out[offset + 1] = header.etherType & 0xff;
  out.set(payload, offset + 2);
  return out;
}

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

/** An Ethernet/IPv4 ARP packet (RFC 826). */
export interface ArpPacket {
  /** 1 request, 2 reply; others (RARP 3/4, InARP 8/9) are passed through. */
  op: number;
  senderMac: string;
  senderIp: string;
  /** uint32 form of senderIp, for cheap comparisons. */
  senderIpNumber: number;
  targetMac: string;
  targetIp: string;
  targetIpNumber: number;
}

/**
 * Decodes ARP at `offset` (the network offset from the link layer). Returns null unless it is Ethernet/IPv4
 * ARP (htype 1, ptype 0x0800, hlen 6, plen 4) with all 28 bytes captured: other ARP says nothing about PXE.
 */
export function decodeArp(data: Uint8Array, offset: number): ArpPacket | null {
  if (offset < 0 || offset + 28 > data.length) return null;
  const htype = (data[offset] << 8) | data[offset + 1];
  const ptype = (data[offset + 2] << 8) | data[offset + 3];
  // htype 6 (IEEE 802) is what Token Ring and some 802.11 bridges send for Ethernet-sized MACs.
  if ((htype !== 1 && htype !== 6) || ptype !== 0x0800 || data[offset + 4] !== 6 || data[offset + 5] !== 4)
    return null;
  const senderIpNumber = readIp(data, offset + 14);
  const targetIpNumber = readIp(data, offset + 24);
  return {
    op: (data[offset + 6] << 8) | data[offset + 7],
    senderMac: macToString(data, offset + 8),
    senderIp: ipToString(data, offset + 14),
    senderIpNumber,
    targetMac: macToString(data, offset + 18),
    targetIp: ipToString(data, offset + 24),
    targetIpNumber,
  };
}

export interface ArpFields {
  op: number;
  senderMac: string | Uint8Array;
  senderIp: string | number;
  targetMac: string | Uint8Array;
  targetIp: string | number;
}

/** The 28-byte Ethernet/IPv4 ARP payload (wrap it with encodeEthernet and ETHERTYPE_ARP). */
export function encodeArp(fields: ArpFields): Uint8Array {
  checkU16('ARP op', fields.op);
  const out = new Uint8Array(28);
  out[1] = 1;
  out[2] = 0x08;
  out[4] = 6;
  out[5] = 4;
  out[6] = fields.op >> 8;
  out[7] = fields.op & 0xff;
  out.set(toMacBytes(fields.senderMac), 8);
  writeIp(out, 14, toIpNumber(fields.senderIp));
  out.set(toMacBytes(fields.targetMac), 18);
  writeIp(out, 24, toIpNumber(fields.targetIp));
  return out;
}
