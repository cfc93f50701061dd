/**
 * DHCP side of the server-software reading: option order, NAK texts and WDS marks, each as the server's own
 * source writes them (cited beside each reader).
 */
import { Signs, type ServerEvidence } from './server-signs.js';
import type { AnalysisResult, DhcpEvent } from './types.js';

export function dhcpEvidence(replies: DhcpEvent[], analysis: AnalysisResult): ServerEvidence[] {
  const signs = new Signs();
  const requestOf = requestLists(analysis);
  for (const e of replies) dhcpSigns(e, requestOf.get(e) ?? null, signs);
  return signs.list();
}

/** The signs one reply shows; `prl` is the request list of the client message it answers. */
export function dhcpSigns(e: DhcpEvent, prl: number[] | null, signs: Signs): void {
  const o = e.optionOrder;
  if (o.length === 0) return;
  dnsmasqOrder(e, o, prl, signs);
  keaOrder(e, o, signs);
  iscOrder(e, o, prl, signs);
  wds(e, o, signs);
  if (e.messageType === 'NAK' && e.message !== null) nakText(e, e.message, signs);
}

/**
 * dnsmasq (src/rfc2131.c) starts every address reply with 53, 54, 51, then T1 and T2 (58, 59: "required in
 * DHCPOFFER by HP's wacky Jetdirect client"), with 67 before them when dhcp-boot names a file; then the
 * netmask and the broadcast address it computes (1, 28), whatever order the client asked in. Its proxyDHCP
 * reply (pxe-service) is 53, 54, 60 "PXEClient", 97 (the client's UUID echoed), 43 (the boot menu).
 */
function dnsmasqOrder(e: DhcpEvent, o: number[], prl: number[] | null, signs: Signs): void {
  const head = o.slice(0, 6).join(',');
  // ISC dhcpd's priority list also starts 53, 54, 51, 58, 59: alone this only fits dnsmasq.
  if (/^53,54,51,58,59(,|$)/.test(head)) {
    const both = 'replies start with options 53, 54, 51, 58, 59 (as dnsmasq and ISC dhcpd write them)';
    signs.add('dnsmasq', 1, both, e.frame);
    signs.add('isc-dhcpd', 1, both, e.frame);
  }
  if (/^53,54,51,67,58,59(,|$)/.test(head) && !asksInOrder(prl, [67, 58])) {
    signs.add(
      'dnsmasq',
      3,
      'option 67 between the lease time (51) and T1/T2 (58, 59), where dnsmasq writes the boot file',
      e.frame,
    );
  }
  const i = o.indexOf(1);
  if (o[1] === 54 && i >= 0 && o[i + 1] === 28 && !followsRequestList(prl, o, i, i + 1)) {
    signs.add(
      'dnsmasq',
      2,
      "broadcast (28) right after the netmask (1), unasked, in dnsmasq's own order",
      e.frame,
    );
  }
  if (/^53,54,60,97,43$/.test(o.join(','))) {
    signs.add('dnsmasq', 3, 'proxyDHCP reply with exactly 53, 54, 60, 97, 43 (dnsmasq pxe-service)', e.frame);
  }
}

/**
 * Whether writing o[a] right before o[b] is what a server following the client's request list would do:
 * both asked, in that order, and nothing else of the reply asked between them.
 */
function followsRequestList(prl: number[] | null, o: number[], a: number, b: number): boolean {
  if (prl === null) return false;
  const pa = prl.indexOf(o[a]);
  const pb = prl.indexOf(o[b]);
  if (pa < 0 || pb < 0 || pb < pa) return false;
  return !o.some((c) => {
    const p = prl.indexOf(c);
    return p > pa && p < pb;
  });
}

/** The client asked for these codes in this order (so a server following its list would write them so too). */
function asksInOrder(prl: number[] | null, codes: number[]): boolean {
  if (prl === null) return false;
  const at = codes.map((c) => prl.indexOf(c));
  return at.every((p, k) => p >= 0 && (k === 0 || p > at[k - 1]));
}

/**
 * Kea (src/lib/dhcp/libdhcp++.cc, LibDHCP::packOptions4) writes 53 first, then every option in ascending
 * code order, 82 last: an ordering no other common server uses, since they put 54 second.
 */
function keaOrder(e: DhcpEvent, o: number[], signs: Signs): void {
  if (o[0] !== 53 || o.length < 4) return;
  const rest = o.slice(1).filter((c) => c !== 82);
  const ascending = rest.every((c, k) => k === 0 || c > rest[k - 1]);
  if (ascending && o[1] !== 54 && o.includes(54)) {
    signs.add(
      'kea',
      3,
      'options after 53 in ascending code order (Kea packs options sorted by code)',
      e.frame,
    );
  }
}

/**
 * ISC dhcpd (common/options.c, cons_options) writes 53, 54, 51 (and 58, 59, 56 when present), then the
 * options in the order of the client's parameter request list (55).
 */
function iscOrder(e: DhcpEvent, o: number[], prl: number[] | null, signs: Signs): void {
  // 53, 54, 51 and then neither T1/T2 nor a boot file: ISC dhcpd writes 58, 59 only when configured, while
  // dnsmasq follows 51 with 58, 59 (67 before them) for every finite lease, Kea sorts by code (1 before 51)
  // and Windows puts the netmask second. Seen from ISC dhcpd 4.4 in the lab (two-servers-nak, isc-pxe-tftpd-hpa).
  if (o[0] === 53 && o[1] === 54 && o[2] === 51 && o.length > 3 && ![58, 59, 67].includes(o[3])) {
    signs.add(
      'isc-dhcpd',
      2,
      "53, 54, 51 first and no T1/T2 (58, 59) after the lease time: ISC dhcpd's order (dnsmasq always follows 51 with 58, 59)",
      e.frame,
    );
  }
  if (prl === null || prl.length === 0 || o[0] !== 53 || o[1] !== 54) return;
  const lead = new Set([53, 54, 51, 58, 59, 56, 50, 92, 81, 118, 82]);
  const rest = o.filter((c) => !lead.has(c));
  const asked = rest.filter((c) => prl.includes(c));
  if (asked.length < 3 || asked.length !== rest.length) return;
  const positions = asked.map((c) => prl.indexOf(c));
  const inOrder = positions.every((p, k) => k === 0 || p > positions[k - 1]);
  if (!inOrder || asked.length < 4) return;
  // Only a request list that is not in ascending code order tells a server that follows it from one that
  // sorts; three or fewer options in order happen by chance.
  const ascending = asked.every((c, k) => k === 0 || c > asked[k - 1]);
  signs.add(
    'isc-dhcpd',
    ascending ? 1 : 2,
    "after 53, 54 the options follow the order of the client's request list (55), as ISC dhcpd's priority list does",
    e.frame,
  );
}

/**
 * Windows Deployment Services: its boot programs are wdsnbp.com / pxeboot.n12 / bootmgfw.efi under Boot\<arch>\,
 * and its replies carry the private options 250 (WDSNBP control) and 252 (BCD path).
 */
function wds(e: DhcpEvent, o: number[], signs: Signs): void {
  const file = e.bootfileOption ?? e.file;
  if (/(^|[\\/])(wdsnbp\.com|pxeboot\.n12|pxeboot\.com|wdsmgfw\.efi)$/i.test(file)) {
    signs.add('windows-wds', 3, `boot file ${file} is a WDS network boot program`, e.frame);
  }
  if (o.includes(252) && e.vendorClass?.startsWith('PXEClient') === true) {
    signs.add('windows-wds', 2, 'PXEClient reply with option 252 (WDS BCD path)', e.frame);
  }
  if (o.includes(250)) signs.add('windows-wds', 1, 'option 250 (WDS private WDSNBP options)', e.frame);
}

/** NAK texts (option 56) each server writes in its own words. */
function nakText(e: DhcpEvent, text: string, signs: Signs): void {
  // ISC dhcpd server/dhcp.c (find_lease): the two messages it NAKs a REQUEST with.
  if (text === 'requested address not available' || text === 'requested address on bad subnet') {
    signs.add('isc-dhcpd', 2, `NAK text "${text}" (ISC dhcpd's wording)`, e.frame);
  }
  // dnsmasq src/rfc2131.c: the NAK messages of its REQUEST handling.
  if (
    /^(wrong server-ID|wrong network|lease not found|address not available|address in use|wrong address)$/.test(
      text,
    )
  ) {
    signs.add('dnsmasq', 3, `NAK text "${text}" (dnsmasq's wording)`, e.frame);
  }
}

/** The request list of the client message each reply answers (same transaction, last client message before). */
function requestLists(analysis: AnalysisResult): Map<DhcpEvent, number[]> {
  const out = new Map<DhcpEvent, number[]>();
  for (const s of analysis.sessions) {
    for (const tx of s.transactions) {
      let last: number[] | null = null;
      for (const e of tx.events) {
        if (e.op === 1) last = e.parameterRequestList;
        else if (last !== null) out.set(e, last);
      }
    }
  }
  return out;
}
