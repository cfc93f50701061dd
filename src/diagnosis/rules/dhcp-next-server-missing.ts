import type { BootSession, DhcpEvent } from '../../analysis/types.js';
import { isUrl } from '../../protocol/dhcp/index.js';
import { bootFileOf, isIpv4, serverOf, ZERO_IP } from '../facts.js';
import { type DhcpRound, relevantRounds } from '../rounds.js';
import { clientLabel, q, sessionFinding } from '../format.js';
import { bootFileHint } from '../hints.js';
import { IPXE, UEFI, clientMessage } from '../pxe-errors.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.next-server-missing',
  severity: 'error',
  severityNote:
    'warn when the client coped (it fetched from the option-66 server anyway) or when the two values only ' +
    'disagree',
  group: 'dhcp',
  title: 'TFTP server (next-server) missing or ambiguous',
  detects:
    'The reply that carries the boot file names no usable TFTP server: siaddr 0.0.0.0 with only option 66 ' +
    '(many PXE ROMs ignore 66), or no server at all (siaddr, 66, 150 and sname all empty); or siaddr and ' +
    'option 66 name different hosts; or the BOOTP file field and option 67 name different files.',
  ignores:
    'Boot files given as URLs (http://, tftp://…), which carry their server; replies without any boot file ' +
    '(see dhcp.no-boot-file).',
  clientMessages: [UEFI.serverTimeout, IPXE.nothingToBoot],
  fix: 'Set next-server (siaddr) to the TFTP server in the same scope as the boot file; keep 66 and 67 consistent with it.',
};

function check(s: BootSession): Finding[] {
  const out: Finding[] = [];
  for (const r of relevantRounds(s)) {
    const reply = r.bootReply;
    const file = reply ? bootFileOf(reply, r.family) : null;
    if (!reply || file === null || isUrl(file)) continue;
    const siblings = sameServerReplies(r, reply);
    const frames = siblings.map((e) => e.frame);
    const server = serverOf(reply);
    const transfers = s.transfers.filter((x) => x.request.t >= r.start && x.request.t < r.end);
    const fetchedFrom = [...new Set(transfers.map((x) => x.serverIp))];
    const siaddr = siblings.map((e) => e.siaddr).find((a) => a !== ZERO_IP && a !== '') ?? null;
    const opt66 = reply.tftpServerName?.trim() || null;
    const has150 = reply.tftpServerAddresses.length > 0;
    const sname = reply.sname.replace(/\0+$/, '').trim() || null;
    const who = `${server}'s ${r.bootServerReplies.includes(reply) ? 'boot server reply' : r.proxyReplies.includes(reply) ? 'proxy offer' : 'reply'}`;
    const label = clientLabel(s);
    // A BIOS ROM's line is not shown: the one the code lists give (PXE-E7B) is confirmed by no source.
    const texts = { uefi: [UEFI.serverTimeout], ipxe: [IPXE.nothingToBoot] };

    if (siaddr === null && opt66 === null && !has150 && sname === null) {
      out.push(
        sessionFinding(doc, s, {
          message:
            `${who} (frame ${reply.frame}) tells ${label} to boot ${q(file)} but names no TFTP server: siaddr is ` +
            '0.0.0.0 and there is no option 66, 150 or sname.' +
            (transfers.length === 0 ? ' The client never sent an RRQ.' : ''),
          frames: [...frames, ...transfers.map((x) => x.request.frame)],
          pxeError: clientMessage(r.family, texts),
          hint: bootFileHint(`Add next-server to ${server}'s boot configuration:`, file, null),
          t: reply.t,
        }),
      );
      continue;
    }
    if (siaddr === null && opt66 !== null) {
      const coped = fetchedFrom.length > 0;
      out.push(
        sessionFinding(doc, s, {
          severity: coped ? 'warn' : 'error',
          message:
            `${who} (frame ${reply.frame}) gives ${label} the boot file ${q(file)} with the TFTP server only in ` +
            `option 66 (${q(opt66)}) and siaddr 0.0.0.0; many PXE ROMs read only siaddr. ` +
            (coped
              ? `This client fetched from ${fetchedFrom.join(', ')} anyway; others may not.`
              : 'The client never sent an RRQ.'),
          frames: [...frames, ...transfers.slice(0, 1).map((x) => x.request.frame)],
          pxeError: coped ? null : clientMessage(r.family, texts),
          hint: bootFileHint(
            `Set next-server (siaddr) as well as option 66 in ${server}'s configuration:`,
            file,
            isIpv4(opt66) ? opt66 : null,
          ),
          t: reply.t,
        }),
      );
      continue;
    }
    if (siaddr !== null && opt66 !== null && isIpv4(opt66) && opt66 !== siaddr) {
      const used = fetchedFrom.length > 0 ? ` The client sent its RRQ to ${fetchedFrom.join(', ')}.` : '';
      out.push(
        sessionFinding(doc, s, {
          severity: 'warn',
          message:
            `${who} (frame ${reply.frame}) names two TFTP servers for ${label}: siaddr ${siaddr} and option 66 ` +
            `${opt66}. Firmware differs in which one it uses.${used}`,
          frames: [...frames, ...transfers.slice(0, 1).map((x) => x.request.frame)],
          pxeError: null,
          hint: bootFileHint(
            `Make siaddr and option 66 agree in ${server}'s configuration:`,
            file,
            fetchedFrom[0] ?? siaddr,
          ),
          t: reply.t,
        }),
      );
    }
    const fileField = reply.file.replace(/\0+$/, '').trim();
    const opt67 = reply.bootfileOption?.replace(/\0+$/, '').trim() ?? '';
    if (fileField !== '' && opt67 !== '' && fileField !== opt67) {
      out.push(
        sessionFinding(doc, s, {
          severity: 'warn',
          message:
            `${who} (frame ${reply.frame}) names two boot files for ${label}: the BOOTP file field ${q(fileField)} ` +
            `and option 67 ${q(opt67)}. iPXE and BIOS PXE ROMs use the file field, UEFI firmware option 67.`,
          frames,
          pxeError: null,
          hint: bootFileHint(`Configure one boot file in ${server}'s configuration:`, opt67, siaddr),
          t: reply.t,
        }),
      );
    }
  }
  return out;
}

/** The boot reply and the server's identical repeats (dnsmasq sends one OFFER per DISCOVER seen). */
function sameServerReplies(r: DhcpRound, reply: DhcpEvent): DhcpEvent[] {
  const all = [...r.addressOffers, ...r.acks, ...r.proxyReplies, ...r.bootServerReplies];
  return all.filter(
    (e) => e === reply || (serverOf(e) === serverOf(reply) && bootFileOf(e) === bootFileOf(reply)),
  );
}

export const dhcpNextServerMissing: Rule = { ...doc, checkSession: check };
