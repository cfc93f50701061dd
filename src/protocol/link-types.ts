/**
 * Capture link types (the LINKTYPE_ registry of tcpdump.org / IANA): the numbers decodeLinkInto understands,
 * the one table of names every message uses, and which of them are supported.
 */

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as numbered on most BSDs; some old captures carry it as the file's link type. */
export const LINKTYPE_RAW_BSD = 12;
/** DLT_RAW as numbered on OpenBSD. */
export const LINKTYPE_RAW_OPENBSD = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

/**
 * The one link-type table: names from the tcpdump.org / IANA LINKTYPE registry, for the link types a PXE capture
 * may plausibly hold (every message that names a link type uses linkTypeName).
 */
const LINKTYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NULL'],
  [1, 'ETHERNET'],
  [3, 'AX25'],
  [6, 'IEEE802_5'],
  [7, 'ARCNET_BSD'],
  [8, 'SLIP'],
  [9, 'PPP'],
  [10, 'FDDI'],
  [12, 'RAW'],
  [14, 'RAW'],
  [50, 'PPP_HDLC'],
  [51, 'PPP_ETHER'],
  [100, 'ATM_RFC1483'],
  [101, 'RAW'],
  [104, 'C_HDLC'],
  [105, 'IEEE802_11'],
  [107, 'FRELAY'],
  [108, 'LOOP'],
  [113, 'LINUX_SLL'],
  [114, 'LTALK'],
  [117, 'PFLOG'],
  [119, 'IEEE802_11_PRISM'],
  [122, 'IP_OVER_FC'],
  [123, 'SUNATM'],
  [127, 'IEEE802_11_RADIOTAP'],
  [129, 'ARCNET_LINUX'],
  [138, 'APPLE_IP_OVER_IEEE1394'],
  [139, 'MTP2_WITH_PHDR'],
  [140, 'MTP2'],
  [141, 'MTP3'],
  [142, 'SCCP'],
  [143, 'DOCSIS'],
  [144, 'LINUX_IRDA'],
  [163, 'IEEE802_11_AVS'],
  [165, 'BACNET_MS_TP'],
  [166, 'PPP_PPPD'],
  [169, 'GPRS_LLC'],
  [177, 'LINUX_LAPD'],
  [187, 'BLUETOOTH_HCI_H4'],
  [189, 'USB_LINUX'],
  [192, 'PPI'],
  [195, 'IEEE802_15_4_WITHFCS'],
  [201, 'BLUETOOTH_HCI_H4_WITH_PHDR'],
  [219, 'MPLS'],
  [220, 'USB_LINUX_MMAPPED'],
  [226, 'IPNET'],
  [227, 'CAN_SOCKETCAN'],
  [228, 'IPV4'],
  [229, 'IPV6'],
  [239, 'NFLOG'],
  [240, 'NETANALYZER'],
  [241, 'NETANALYZER_TRANSPARENT'],
  [242, 'IPOIB'],
  [249, 'USBPCAP'],
  [251, 'BLUETOOTH_LE_LL'],
  [253, 'NETLINK'],
  [263, 'DOCSIS31_XRA31'],
  [264, 'ETHERNET_MPACKET'],
  [274, 'ERF'],
  [276, 'LINUX_SLL2'],
  [290, 'ETW'],
]);

/** "ETHERNET (1)", "IEEE802_11_RADIOTAP (127)", or "unknown (n)". */
export function linkTypeName(linkType: number): string {
  if (linkType >= 147 && linkType <= 162) return `USER${linkType - 147} (${linkType})`;
  return `${LINKTYPE_NAMES.get(linkType) ?? 'unknown'} (${linkType})`;
}

/** True for the link types decodeLinkInto understands. */
export function isSupportedLinkType(linkType: number): boolean {
  switch (linkType) {
    case LINKTYPE_NULL:
    case LINKTYPE_ETHERNET:
    case LINKTYPE_RAW_BSD:
    case LINKTYPE_RAW_OPENBSD:
    case LINKTYPE_RAW:
    case LINKTYPE_LOOP:
    case LINKTYPE_LINUX_SLL:
    case LINKTYPE_IPV4:
    case LINKTYPE_IPV6:
    case LINKTYPE_LINUX_SLL2:
      return true;
    default:
      return false;
  }
}
