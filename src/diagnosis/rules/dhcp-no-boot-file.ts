import type { BootSession } from '../../analysis/types.js';
import { archClassOf } from '../boot-files.js';
import { hasBootInfo, serverOf, ZERO_IP } from '../facts.js';
import { type DhcpRound, relevantRounds } from '../rounds.js';
import { clientLabel, sessionFinding } from '../format.js';
import { bootFileHint, counterpartFile } from '../hints.js';
import { BIOS, IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.no-boot-file',
  severity: 'error',
  severityNote:
    'warn for an iPXE DHCP round after an earlier round already delivered a file (an iPXE build with an ' +
    'embedded script does not need one)',
  group: 'dhcp',
  title: 'Address but no boot file',
  detects:
    'A network-boot client takes an address (its REQUEST is ACKed) but the reply has no BOOTP file, no ' +
    'option 67, no PXE boot menu (option 43), there is no proxyDHCP offer and no port-4011 boot server ' +
    'reply, and the client never starts a TFTP transfer.',
  ignores:
    'DHCP from operating systems and installers after the boot (no PXEClient/HTTPClient vendor class, no ' +
    'iPXE user class); rounds after which the client fetched something over TFTP anyway; rounds where the ' +
    'client asked a boot server on port 4011 (see dhcp.pxeclient-without-proxy and proxy.no-reply-4011).',
  clientMessages: [BIOS.noBootFilename, UEFI.noValidOffer, IPXE.nothingToBoot],
  fix: 'Configure a boot file (and next-server) for this client on the DHCP server, or run a proxyDHCP.',
};

/** The reply the client took: its ACK, else the offer it REQUESTed. */
function taken(r: DhcpRound): { frames: number[]; server: string; siaddr: string; yiaddr: string } | null {
  const ack = r.acks[r.acks.length - 1];
  if (ack) return { frames: [ack.frame], server: serverOf(ack), siaddr: ack.siaddr, yiaddr: ack.yiaddr };
  return null;
}

function check(s: BootSession): Finding[] {
  const rounds = relevantRounds(s);
  const out: Finding[] = [];
  rounds.forEach((r, i) => {
    if (!r.isBootClient) return;
    const t = taken(r);
    if (t === null) return;
    const replies = [...r.acks, ...r.addressOffers, ...r.proxyReplies, ...r.bootServerReplies];
    if (replies.some(hasBootInfo)) return;
    // The client went looking for a boot server on 4011: the PXEClient / proxy rules explain what failed.
    if (r.bootServerRequests.length > 0) return;
    if (s.transfers.some((x) => x.request.t >= r.start && x.request.t < r.end)) return;
    const earlierFile = rounds.slice(0, i).some((p) => p.bootFile !== null);
    const ipxeAfterChain = r.family === 'ipxe' && earlierFile;
    const arch = r.arch;
    const cls = arch === null ? null : archClassOf(arch);
    const suggested =
      cls === null ? '<boot file>' : counterpartFile('pxelinux.0', cls === 'bios' ? 'bios' : cls);
    const nextServer = t.siaddr !== ZERO_IP ? t.siaddr : t.server;
    const siaddrNote =
      t.siaddr !== ZERO_IP
        ? ` (next-server/siaddr ${t.siaddr} is set, but a server alone is not enough)`
        : '';
    const frames = [...r.requests.map((e) => e.frame), ...t.frames, ...r.addressOffers.map((e) => e.frame)];
    out.push(
      sessionFinding(doc, s, {
        severity: ipxeAfterChain ? 'warn' : 'error',
        message:
          `${t.server} gave ${clientLabel(s)} the address ${t.yiaddr} (frame ${t.frames[0]}) but no boot file: ` +
          `the BOOTP file field is empty, there is no option 67 and no PXE boot menu (option 43), and no ` +
          `proxyDHCP offer is on the wire${siaddrNote}.` +
          (ipxeAfterChain
            ? ' This is iPXE asking again after the first download: unless the iPXE binary has an embedded script, it stops here.'
            : ''),
        frames,
        pxeError: clientMessage(r.family, {
          bios: [BIOS.noBootFilename],
          uefi: [UEFI.noValidOffer],
          ipxe: [IPXE.nothingToBoot],
        }),
        hint: bootFileHint(
          `Give ${s.clientMac} a boot file (and a TFTP server) in ${t.server}'s configuration, e.g.:`,
          suggested,
          nextServer,
        ),
        t: r.start,
      }),
    );
  });
  return out;
}

export const dhcpNoBootFile: Rule = { ...doc, checkSession: check };
