/**
 * LINKTYPE_* values (https://www.tcpdump.org/linktypes.html) that PXE captures realistically contain,
 * so messages can say "LINUX_SLL (113)" instead of a bare number. Decoders compare against LINKTYPE.
 */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  IEEE802_5: 6,
  PPP: 9,
  FDDI: 10,
  PPP_HDLC: 50,
  PPP_ETHER: 51,
  ATM_RFC1483: 100,
  RAW: 101,
  C_HDLC: 104,
  IEEE802_11: 105,
  FRELAY: 107,
  LOOP: 108,
  LINUX_SLL: 113,
  PFLOG: 117,
  IEEE802_11_PRISM: 119,
  IP_OVER_FC: 122,
  IEEE802_11_RADIOTAP: 127,
  ARCNET_LINUX: 129,
  USER0: 147,
  USER15: 162,
  IEEE802_11_AVS: 163,
  PPP_PPPD: 166,
  MPLS: 219,
  PPI: 192,
  IPV4: 228,
  IPV6: 229,
  IPNET: 226,
  NETANALYZER: 240,
  NETANALYZER_TRANSPARENT: 241,
  NFLOG: 239,
  NETLINK: 253,
  IPOIB: 242,
  DOCSIS: 143,
  LINUX_SLL2: 276,
  ETW: 290,
} as const;

const NAMES = new Map<number, string>();
for (const [name, value] of Object.entries(LINKTYPE)) NAMES.set(value, name);
for (let n = 1; n < 15; n++) NAMES.set(LINKTYPE.USER0 + n, `USER${n}`);

/** "ETHERNET (1)", "LINUX_SLL (113)", or "unknown (4242)" for values not in the table. */
export function linkTypeName(linkType: number): string {
  return `${NAMES.get(linkType) ?? 'unknown'} (${linkType})`;
}

/** Whether the value is one this table knows; other link types are still read, just not named. */
export function isKnownLinkType(linkType: number): boolean {
  return NAMES.has(linkType);
}
