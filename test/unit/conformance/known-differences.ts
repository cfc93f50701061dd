/**
 * Differences with tshark that are understood and deliberate, per capture. Each entry says why; an
 * entry must match a difference message exactly enough that nothing else slips through.
 */
const KNOWN: Record<string, { pattern: RegExp; why: string }[]> = {
  'public/ndpi/capwap.pcap': [
    {
      pattern: /frame \d+: tshark decodes DHCP, we found nothing$/,
      why: 'DHCP inside CAPWAP data tunnels (802.11 frames in UDP 5247) is not followed; PXE does not travel there',
    },
  ],
  'public/tcpdump/bootp_asan-2.pcap': [
    {
      pattern: /frame 1: tshark decodes DHCP, we found nothing$/,
      why: 'fuzzer-made frame with 11 captured DHCP bytes; fewer than 34 bytes (op … chaddr) are not decoded as DHCP',
    },
  ],
  'public/tcpdump/ieee802.11_htc.pcap': [
    {
      pattern: /frame 1: tshark decodes DHCP, we found nothing$/,
      why: '802.11 radiotap link type is not decoded (one warning names it); capture PXE on the wired side',
    },
  ],
};

export function expectedDifferences(rel: string): RegExp[] {
  return (KNOWN[rel] ?? []).map((k) => k.pattern);
}
