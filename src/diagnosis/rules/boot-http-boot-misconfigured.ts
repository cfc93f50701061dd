import type { BootSession } from '../../analysis/types.js';
import { isHttpClientVendor, isUrl } from '../../protocol/dhcp/index.js';
import { bootFileOf, serverOf } from '../facts.js';
import { roundsOf } from '../rounds.js';
import { clientLabel, listText, plural, q, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { UEFI_HTTP } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'boot.http-boot-misconfigured',
  severity: 'error',
  group: 'boot',
  title: 'UEFI HTTP boot not answered as HTTP boot',
  detects:
    'A client that only does UEFI HTTP boot (option 60 "HTTPClient:Arch:…", option 93 15/16/19 …) gets ' +
    'offers, but none echoes option 60 "HTTPClient" with a URL as the boot file, so the firmware ignores them.',
  ignores:
    'HTTP boot attempts after a PXE attempt by the same client: OVMF and most firmware try PXE, then HTTP, ' +
    'and that fallback is just the boot order.',
  clientMessages: [UEFI_HTTP.noFileSize],
  fix: 'Answer HTTPClient requests with option 60 "HTTPClient" and a http:// URL in the boot file.',
};

function check(s: BootSession): Finding[] {
  const rounds = roundsOf(s);
  if (rounds.some((r) => r.isBootClient && !r.isHttpBoot)) return [];
  const http = rounds.filter((r) => r.isHttpBoot);
  const offers = http.flatMap((r) => [...r.addressOffers, ...r.acks, ...r.proxyReplies]);
  if (http.length === 0 || offers.length === 0) return [];
  const good = offers.some((o) => isHttpClientVendor(o.vendorClass) && isUrl(bootFileOf(o) ?? ''));
  if (good) return [];
  const servers = [...new Set(offers.map(serverOf))];
  const files = [...new Set(offers.map((e) => bootFileOf(e)).filter((f): f is string => f !== null))];
  const echo = offers.some((o) => isHttpClientVendor(o.vendorClass));
  const why = echo
    ? `the boot file ${files.length > 0 ? listText(files.map(q)) : '(none)'} is not a URL`
    : 'none echoes option 60 "HTTPClient"';
  const url = 'http://<server>/boot/bootx64.efi';
  return [
    sessionFinding(doc, s, {
      message:
        `Client ${clientLabel(s)} does UEFI HTTP boot and got ${plural(offers.length, 'offer')} from ` +
        `${listText(servers)}, but ${why}, so the firmware cannot use them.`,
      frames: [...http.flatMap((r) => r.discovers.map((d) => d.frame)), ...offers.map((o) => o.frame)],
      // HttpBootDiscoverBootInfo finds no offer with a boot URI, so EDK2 prints this before the status line.
      pxeError: UEFI_HTTP.noFileSize,
      hint: serverHint(`Answer HTTP boot clients with 60 "HTTPClient" and a URL (e.g. ${url}):`, {
        dnsmasq: [
          'dhcp-vendorclass=set:httpboot,HTTPClient',
          'dhcp-option-force=tag:httpboot,60,HTTPClient',
          `dhcp-boot=tag:httpboot,${url}`,
        ],
        isc: [
          'class "httpclients" { match if substring (option vendor-class-identifier, 0, 10) = "HTTPClient";',
          `  option vendor-class-identifier "HTTPClient"; filename "${url}"; }`,
        ],
        kea: [
          `{ "name": "httpboot", "test": "substring(option[60].hex,0,10) == 'HTTPClient'", "boot-file-name": "${url}",`,
          '  "option-data": [ { "name": "vendor-class-identifier", "data": "HTTPClient" } ] }',
        ],
      }),
      t: http[0]?.start ?? null,
    }),
  ];
}

export const bootHttpBoot: Rule = { ...doc, checkSession: check };
