import type { BootSession, DhcpEvent } from '../../analysis/types.js';
import { isServerEvent, serverOf } from '../facts.js';
import { clientLabel, framesText, listText, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { BIOS, clientMessage } from '../pxe-errors.js';
import { sessionEvents } from '../rounds.js';
import { sessionFamily } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'proxy.bad-menu',
  severity: 'error',
  group: 'proxy',
  title: 'PXE boot menu in option 43 malformed or missing',
  detects:
    'A reply to a PXE client (option 60 PXEClient, on port 67/68: proxyDHCP or address offer) carries a PXE ' +
    'option 43 that a menu-showing client cannot use, read by the protocol decoder: sub-options that do not ' +
    'decode, or — when discovery control (6) does not set bit 3 "use the boot file in the offer" — no boot ' +
    'menu (9), an empty one, no menu prompt (10), or discovery limited to a boot server list (8) that is ' +
    "missing or lacks a menu item's type. Intel ROMs stop with PXE-E74 (FOGProject/fogproject#596).",
  ignores:
    'Option 43 with discovery control bit 3 set (the boot file in the offer is used, no menu); port-4011 ACKs ' +
    '(they carry the chosen boot item, 71, only); replies without option 43 (see proxy.no-option-43); option 43 ' +
    'of non-PXE vendors.',
  clientMessages: [BIOS.badMenu],
  fix:
    'Send a complete PXE menu (dnsmasq: pxe-prompt= plus pxe-service= lines, which build 6, 8, 9 and 10), or ' +
    'tell the client to use the boot file without a menu (sub-option 6 = 8); never hand-write option 43 bytes ' +
    'that leave 9/10 out.',
};

function check(s: BootSession): Finding[] {
  const bad = sessionEvents(s).filter(
    (e): e is DhcpEvent & { pxeMenuProblems: string[] } =>
      isServerEvent(e) && !e.port4011 && (e.pxeMenuProblems?.length ?? 0) > 0,
  );
  const first = bad[0];
  if (!first) return [];
  const servers = [...new Set(bad.map(serverOf))];
  const problems = [...new Set(bad.flatMap((e) => e.pxeMenuProblems))];
  const kind = first.proxy ? 'proxyDHCP offer' : 'DHCP reply';
  return [
    sessionFinding(doc, s, {
      message:
        `The ${kind} from ${listText(servers)} to ${clientLabel(s)} (${framesText(bad.map((e) => e.frame))}) has a PXE ` +
        `option 43 with ${listText(problems)}: a PXE ROM that shows the boot menu cannot go on.`,
      frames: bad.map((e) => e.frame),
      pxeError: clientMessage(sessionFamily(s), { bios: [BIOS.badMenu] }),
      hint: serverHint(`Fix option 43 on ${listText(servers)}:`, {
        dnsmasq: [
          'pxe-prompt="Booting",0          # sub-option 10',
          'pxe-service=x86PC,"Network boot",pxelinux   # sub-options 8 and 9',
          'and drop hand-written dhcp-option=vendor:PXEClient,43,… lines',
        ],
        isc: [
          'option space PXE; option PXE.discovery-control code 6 = unsigned integer 8;',
          'option PXE.discovery-control 8;   # use the filename, no menu (or send 9 and 10 too)',
        ],
        kea: [
          '"option-data": [ { "space": "vendor-encapsulated-options-space", "code": 6, "csv-format": false, "data": "08" } ]',
        ],
      }),
      t: first.t,
    }),
  ];
}

export const proxyBadMenu: Rule = { ...doc, checkSession: check };
