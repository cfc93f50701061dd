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
};

export function expectedDifferences(rel: string): RegExp[] {
  return (KNOWN[rel] ?? []).map((k) => k.pattern);
}
