/**
 * Link layer: finds the network header behind whatever the capture's link type puts in front of it.
 *
 * Hot path design: decodeLinkInto writes into a caller-owned LinkInfo (create one per reader with
 * createLinkInfo) and returns a small status number. It reads a handful of bytes, allocates nothing and
 * keeps MAC addresses as offsets into the frame, so the analyzer can drop ARP-less, non-IPv4 and
 * uninteresting frames without creating a single object. decodeLink is the allocating convenience form.
 */
import { macToString } from './addr.js';
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_BSD,
  LINKTYPE_RAW_OPENBSD,
  linkTypeName,
} from './link-types.js';

// The link-type numbers and names have their own file; most readers of frames want both.
export * from './link-types.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ tag still emitted by some switches. */
export const ETHERTYPE_QINQ_OLD = 0x9100;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
/** No EtherType: 802.3/LLC frames without SNAP, non-IP loopback families, SLL protocols that are not EtherTypes. */
export const ETHERTYPE_NONE = 0;

/** decodeLinkInto results. */
export const LINK_OK = 0;
/** The frame ends inside the link header. */
export const LINK_TRUNCATED = 1;
/** The link type is not one we decode: warn once, naming linkTypeName(linkType). */
export const LINK_UNSUPPORTED = 2;
export type LinkStatus = typeof LINK_OK | typeof LINK_TRUNCATED | typeof LINK_UNSUPPORTED;

/** Tags beyond this many are not followed (tshark stops too, with "too many nested VLAN tags"). */
export const MAX_VLAN_TAGS = 8;

/** Where the network layer starts and what it is. Reused between frames: copy what you keep. */
export interface LinkInfo {
  /** EtherType of the network header at `offset` (ETHERTYPE_IPV4, _ARP, _IPV6, another, or ETHERTYPE_NONE). */
  etherType: number;
  /** Byte offset of the network header in the frame. */
  offset: number;
  /** Offset of the destination MAC in the frame, -1 when the link type has none. */
  dstMacOffset: number;
  /** Offset of the source link-layer address, -1 when absent. */
  srcMacOffset: number;
  /** Length of that source address: 6 for a MAC; Linux cooked captures may carry 0–8 bytes. */
  srcAddrLength: number;
  /** Number of valid entries in vlanIds. */
  vlanCount: number;
  /** VLAN ids, outermost first; only the first vlanCount entries belong to this frame. */
  vlanIds: number[];
  /** Linux cooked capture packet type (0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us); -1 otherwise. */
  packetType: number;
  /** Linux SLL2 interface index; -1 otherwise. */
  ifIndex: number;
}

export function createLinkInfo(): LinkInfo {
  return {
    etherType: ETHERTYPE_NONE,
    offset: 0,
    dstMacOffset: -1,
    srcMacOffset: -1,
    srcAddrLength: 0,
    vlanCount: 0,
    vlanIds: new Array<number>(MAX_VLAN_TAGS).fill(0),
    packetType: -1,
    ifIndex: -1,
  };
}

function u16(data: Uint8Array, offset: number): number {
  return (data[offset] << 8) | data[offset + 1];
}

function isVlanTpid(type: number): boolean {
  return type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD;
}

/**
 * Follows VLAN tags, an MPLS label stack and LLC/SNAP from `offset`, where `type` is the EtherType (or
 * 802.3 length) just read, and records the network header.
 */
function finishEtherType(data: Uint8Array, offset: number, type: number, out: LinkInfo): LinkStatus {
  const len = data.length;
  while (isVlanTpid(type) && out.vlanCount < MAX_VLAN_TAGS) {
    if (offset + 4 > len) return LINK_TRUNCATED;
    out.vlanIds[out.vlanCount++] = u16(data, offset) & 0x0fff;
    type = u16(data, offset + 2);
    offset += 4;
  }
  if (type === ETHERTYPE_MPLS || type === ETHERTYPE_MPLS_MULTICAST) {
    // Pop labels to the bottom of the stack, then guess the payload by its version nibble, as tshark does.
    for (;;) {
      if (offset + 4 > len) return LINK_TRUNCATED;
      const bottom = data[offset + 2] & 1;
      offset += 4;
      if (bottom === 1) break;
    }
    if (offset < len) {
      const version = data[offset] >> 4;
      if (version === 4) type = ETHERTYPE_IPV4;
      else if (version === 6) type = ETHERTYPE_IPV6;
    }
  } else if (type < 0x0600) {
    // 802.3 length field: an LLC frame. Only SNAP with a zero OUI carries an EtherType (RFC 1042).
    if (
      offset + 8 <= len &&
      data[offset] === 0xaa &&
      data[offset + 1] === 0xaa &&
      data[offset + 2] === 0x03 &&
      data[offset + 3] === 0 &&
      data[offset + 4] === 0 &&
      data[offset + 5] === 0
    ) {
      type = u16(data, offset + 6);
      offset += 8;
    } else {
      type = ETHERTYPE_NONE;
    }
  }
  out.etherType = type;
  out.offset = offset;
  return LINK_OK;
}

/** BSD address families seen in NULL/LOOP headers; AF_INET6 differs between the BSDs. */
function familyToEtherType(family: number): number {
  if (family === 2) return ETHERTYPE_IPV4;
  // 24: NetBSD, OpenBSD, BSD/OS; 28: FreeBSD, DragonFly; 30: Darwin.
  if (family === 24 || family === 28 || family === 30) return ETHERTYPE_IPV6;
  return ETHERTYPE_NONE;
}

function versionToEtherType(data: Uint8Array, offset: number): number {
  const version = data[offset] >> 4;
  if (version === 4) return ETHERTYPE_IPV4;
  if (version === 6) return ETHERTYPE_IPV6;
  return ETHERTYPE_NONE;
}

/** SLL/SLL2 protocol field: an EtherType unless it is one of Linux's small non-Ethernet protocol numbers. */
function cookedProtocol(
  data: Uint8Array,
  offset: number,
  protocol: number,
  hatype: number,
  out: LinkInfo,
): LinkStatus {
  // ARPHRD_NETLINK: the protocol field is a netlink family, not an EtherType.
  if (hatype === 824) {
    out.etherType = ETHERTYPE_NONE;
    out.offset = offset;
    return LINK_OK;
  }
  // 0x0004 is LINUX_SLL_P_802_2: an LLC frame follows (SNAP is followed). Other small values are
  // Novell 802.3, CAN, ... with no network layer for us.
  if (protocol < 0x0600 && protocol !== 0x0004) {
    out.etherType = ETHERTYPE_NONE;
    out.offset = offset;
    return LINK_OK;
  }
  return finishEtherType(data, offset, protocol, out);
}

/**
 * Decodes the link header of `data` into `out`. Zero allocation. On LINK_OK, out.etherType and
 * out.offset say where the network layer is; other fields are reset for every frame.
 */
export function decodeLinkInto(linkType: number, data: Uint8Array, out: LinkInfo): LinkStatus {
  out.vlanCount = 0;
  out.dstMacOffset = -1;
  out.srcMacOffset = -1;
  out.srcAddrLength = 0;
  out.packetType = -1;
  out.ifIndex = -1;
  out.etherType = ETHERTYPE_NONE;
  out.offset = 0;
  const len = data.length;
  switch (linkType) {
    case LINKTYPE_ETHERNET: {
      if (len < 14) return LINK_TRUNCATED;
      out.dstMacOffset = 0;
      out.srcMacOffset = 6;
      out.srcAddrLength = 6;
      const type = (data[12] << 8) | data[13];
      // Untagged IPv4/ARP/IPv6, the bulk of any capture, without the tag and LLC logic.
      if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 || type === ETHERTYPE_ARP) {
        out.etherType = type;
        out.offset = 14;
        return LINK_OK;
      }
      return finishEtherType(data, 14, type, out);
    }
    case LINKTYPE_LINUX_SLL: {
      if (len < 16) return LINK_TRUNCATED;
      out.packetType = u16(data, 0);
      const halen = u16(data, 4);
      if (halen > 0) {
        out.srcMacOffset = 6;
        out.srcAddrLength = halen > 8 ? 8 : halen;
      }
      return cookedProtocol(data, 16, u16(data, 14), u16(data, 2), out);
    }
    case LINKTYPE_LINUX_SLL2: {
      if (len < 20) return LINK_TRUNCATED;
      out.ifIndex = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
      out.packetType = data[10];
      const halen = data[11];
      if (halen > 0) {
        out.srcMacOffset = 12;
        out.srcAddrLength = halen > 8 ? 8 : halen;
      }
      return cookedProtocol(data, 20, u16(data, 0), u16(data, 8), out);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_RAW_OPENBSD:
      if (len < 1) return LINK_TRUNCATED;
      out.etherType = versionToEtherType(data, 0);
      return LINK_OK;
    case LINKTYPE_IPV4:
      out.etherType = ETHERTYPE_IPV4;
      return LINK_OK;
    case LINKTYPE_IPV6:
      out.etherType = ETHERTYPE_IPV6;
      return LINK_OK;
    case LINKTYPE_NULL: {
      if (len < 4) return LINK_TRUNCATED;
      // Host byte order of the capturing machine, unknown to us: families are small numbers, so a
      // value that only fits with the other byte order tells which one it was (Wireshark does the same).
      let family = (data[0] | (data[1] << 8) | (data[2] << 16) | (data[3] << 24)) >>> 0;
      if (family > 0xffff) family = ((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0;
      out.etherType = familyToEtherType(family);
      out.offset = 4;
      return LINK_OK;
    }
    case LINKTYPE_LOOP:
      if (len < 4) return LINK_TRUNCATED;
      // OpenBSD loopback: same as NULL but always network byte order.
      out.etherType = familyToEtherType(((data[0] << 24) | (data[1] << 16) | (data[2] << 8) | data[3]) >>> 0);
      out.offset = 4;
      return LINK_OK;
    default:
      return LINK_UNSUPPORTED;
  }
}

/** The VLAN ids of the last decoded frame, outermost first (a copy). */
export function linkVlans(info: LinkInfo): number[] {
  return info.vlanIds.slice(0, info.vlanCount);
}

/** Source MAC of the last decoded frame, when the link layer has a 6-byte source address. */
export function linkSrcMac(info: LinkInfo, data: Uint8Array): string | undefined {
  return info.srcMacOffset >= 0 && info.srcAddrLength === 6
    ? macToString(data, info.srcMacOffset)
    : undefined;
}

/** Destination MAC of the last decoded frame (Ethernet only). */
export function linkDstMac(info: LinkInfo, data: Uint8Array): string | undefined {
  return info.dstMacOffset >= 0 ? macToString(data, info.dstMacOffset) : undefined;
}

/** A decoded link header as plain data (allocating form of decodeLinkInto). */
export interface LinkFrame {
  ok: true;
  linkType: number;
  etherType: number;
  offset: number;
  srcMac?: string;
  dstMac?: string;
  /** Source link-layer address of another length (Linux cooked captures), as colon hex. */
  srcAddr?: string;
  vlans: number[];
  packetType?: number;
  ifIndex?: number;
}

export interface LinkFailure {
  ok: false;
  linkType: number;
  reason: 'truncated' | 'unsupported';
  /** e.g. "IEEE802_11_RADIOTAP (127)", for a warning. */
  linkName: string;
}

export function decodeLink(linkType: number, data: Uint8Array): LinkFrame | LinkFailure {
  const info = createLinkInfo();
  const status = decodeLinkInto(linkType, data, info);
  if (status !== LINK_OK) {
    return {
      ok: false,
      linkType,
      reason: status === LINK_TRUNCATED ? 'truncated' : 'unsupported',
      linkName: linkTypeName(linkType),
    };
  }
  const frame: LinkFrame = {
    ok: true,
    linkType,
    etherType: info.etherType,
    offset: info.offset,
    vlans: linkVlans(info),
  };
  const srcMac = linkSrcMac(info, data);
  if (srcMac !== undefined) frame.srcMac = srcMac;
  else if (info.srcMacOffset >= 0) frame.srcAddr = macToString(data, info.srcMacOffset, info.srcAddrLength);
  const dstMac = linkDstMac(info, data);
  if (dstMac !== undefined) frame.dstMac = dstMac;
  if (info.packetType >= 0) frame.packetType = info.packetType;
  if (info.ifIndex >= 0) frame.ifIndex = info.ifIndex;
  return frame;
}
