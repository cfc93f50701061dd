import type { BootSession } from '../../analysis/types.js';
import { basename, sameFile, serverOf } from '../facts.js';
import { roundsOf } from '../rounds.js';
import { clientLabel, framesText, plural, q, sessionFinding } from '../format.js';
import { ipxeChainHint } from '../hints.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'ipxe.chainload-loop',
  severity: 'error',
  group: 'boot',
  title: 'iPXE chainload loop',
  detects:
    'The client loads an iPXE binary, iPXE does its own DHCP (user class 77 "iPXE" / option 175) and is ' +
    'handed the same file again, which it downloads again: an endless loop.',
  ignores:
    "iPXE's second DHCP when it gets a different file (a script or a menu): that is the normal way to " +
    'break the chain.',
  clientMessages: ['the iPXE banner and "Configuring (net0 …)" repeat forever'],
  fix:
    'Tell iPXE apart by its user class and give it a script instead of the binary (dnsmasq dhcp-userclass ' +
    'tag, ISC "if exists user-class", Kea client class on option 77).',
};

function check(s: BootSession): Finding[] {
  const rounds = roundsOf(s);
  for (let i = 1; i < rounds.length; i++) {
    const r = rounds[i];
    const prev = rounds
      .slice(0, i)
      .reverse()
      .find((p) => p.bootFile !== null);
    if (!r || !prev || r.family !== 'ipxe' || r.bootFile === null || prev.bootFile === null) continue;
    const file = prev.bootFile;
    if (!sameFile(r.bootFile, file)) continue;
    const copies = s.transfers.filter((x) => sameFile(x.filename, file) && x.firstData !== null);
    const again = copies.filter((x) => x.request.t >= r.start);
    if (again.length === 0) continue;
    const reply = r.bootReply;
    const server = reply ? serverOf(reply) : r.tftpServer;
    const ipxeFrame = r.clientEvents[0]?.frame;
    const userClass = r.clientEvents.map((e) => e.userClass).find((u) => u !== null) ?? null;
    const marker = userClass ? `user class ${q(userClass)}` : 'iPXE option 175';
    const tftp = r.tftpServer ?? server ?? null;
    const script = tftp ? `http://${tftp}/boot.ipxe` : 'http://<server>/boot.ipxe';
    return [
      sessionFinding(doc, s, {
        message:
          `Client ${clientLabel(s)} loads ${q(file)}; iPXE then does DHCP again (${marker}, frame ${ipxeFrame}) and ` +
          `${server ?? 'the server'} hands it ${q(basename(file))} again (frame ${reply?.frame}). ${q(file)} was ` +
          `transferred ${plural(copies.length, 'time')} (${framesText(copies.map((x) => x.request.frame))}): ` +
          'an endless chainload loop.',
        frames: [
          ...(prev.bootReply ? [prev.bootReply.frame] : []),
          ...(ipxeFrame !== undefined ? [ipxeFrame] : []),
          ...(reply ? [reply.frame] : []),
          ...copies.map((x) => x.request.frame),
        ],
        pxeError: null,
        hint: ipxeChainHint(
          `Give iPXE (user class "iPXE") a script such as ${script} and only plain PXE firmware ${file}:`,
          file,
          script,
          tftp,
        ),
        t: r.start,
      }),
    ];
  }
  return [];
}

export const ipxeChainloadLoop: Rule = { ...doc, checkSession: check };
