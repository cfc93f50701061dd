import type { BootSession, DhcpEvent, EffectiveBoot, TftpTransfer } from '../../analysis/types.js';
import { displayBytes } from '../../protocol/tftp/text.js';
import { isServerEvent } from '../facts.js';
import { clientLabel, q, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { BIOS, clientMessage } from '../pxe-errors.js';
import { sessionEvents } from '../rounds.js';
import { sessionFamily } from '../tftp-facts.js';
import type { Finding, Rule, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'dhcp.boot-file-encoding',
  severity: 'error',
  group: 'dhcp',
  title: 'Boot file name garbled between DHCP and TFTP',
  detects:
    "A TFTP request names the client's boot file followed by bytes the server never sent (0xFF, spaces, NULs " +
    'or other control bytes): some old PXE ROMs read option 67 past its end when it is not NUL-terminated and ' +
    'append what follows (netbootxyz/netboot.xyz#1198); or the boot file the server sends itself ends in such ' +
    'bytes (option 67 or the BOOTP file field with trailing spaces or 0xFF, or bytes after the NUL). Linked to ' +
    'the file-not-found it causes.',
  ignores:
    'A request that names exactly the boot file, other files the loader fetches, and option 67 without a NUL ' +
    'when the client asks for the right name (RFC 2132 needs no NUL; most firmware copes).',
  severityNote: 'warn when the server still delivered the file (it trimmed the name).',
  clientMessages: [BIOS.tftpFileNotFound],
  fix:
    'Put the boot file in the BOOTP file field, which is NUL-padded (dnsmasq dhcp-boot=, ISC dhcpd filename, Kea ' +
    'boot-file-name), rather than only in option 67; remove stray spaces or bytes from the configured name.',
};

/** Bytes a ROM or a sloppy config adds at the end of a name, as the TFTP decoder shows them. */
const JUNK = /^(?:\\x[0-9a-f]{2}| )+$/i;
const TRAILING_JUNK = /(?:\\x[0-9a-f]{2}| )+$/i;

/** The boot file as the bytes the server sent would appear in a TFTP request (latin1, escaped). */
function shown(name: string): string {
  return displayBytes(Buffer.from(name, 'latin1'));
}

/** The accepted DHCP round in force when the request was sent. */
function bootAt(s: BootSession, t: number): EffectiveBoot | null {
  let found: EffectiveBoot | null = null;
  for (const b of s.boots) if (b.accepted && b.start <= t && b.bootFile !== null) found = b;
  return found;
}

function sourceEvent(s: BootSession, boot: EffectiveBoot): DhcpEvent | null {
  const frames = new Set(boot.frames);
  return (
    sessionEvents(s).find(
      (e) => isServerEvent(e) && frames.has(e.frame) && (e.file !== '' || e.bootfileOption !== null),
    ) ?? null
  );
}

function check(s: BootSession): Finding[] {
  const out: Finding[] = [];
  const told = new Set<string>();
  for (const t of s.transfers) {
    if (t.direction !== 'read') continue;
    const boot = bootAt(s, t.request.t);
    if (boot === null || boot.bootFile === null) continue;
    const sent = shown(boot.bootFile);
    const appended = t.filename.startsWith(sent) ? t.filename.slice(sent.length) : '';
    const serverJunk = sent.match(TRAILING_JUNK)?.[0] ?? '';
    const asked = t.filename === sent || t.filename.replace(/^\//, '') === sent.replace(/^\//, '');
    const clientJunk = appended !== '' && JUNK.test(appended);
    if (!clientJunk && !(serverJunk !== '' && asked)) continue;
    const key = `${boot.transaction}|${t.filename}`;
    if (told.has(key)) continue;
    told.add(key);
    out.push(finding(s, t, boot, clientJunk ? appended : serverJunk, clientJunk));
  }
  return out;
}

function finding(
  s: BootSession,
  t: TftpTransfer,
  boot: EffectiveBoot,
  junk: string,
  byClient: boolean,
): Finding {
  const e = sourceEvent(s, boot);
  const failed = t.error !== null && t.error.from === 'server';
  const notFound = failed && t.error?.code === 1;
  const delivered = t.outcome === 'complete';
  const viaOption = boot.bootFileSource === 'option-67';
  const ending = e?.bootfileOptionEnding;
  const why = byClient
    ? viaOption && ending === 'unterminated'
      ? 'Option 67 has no terminating NUL and this ROM read past its end.'
      : viaOption && ending === 'bytes-after-nul'
        ? 'Option 67 carries bytes after its NUL and the client kept them.'
        : 'The client added them to the name it was given.'
    : `The server sends the name with them (${viaOption ? 'option 67' : 'the BOOTP file field'}).`;
  const outcome = notFound
    ? `the server answered "file not found" (${t.error?.message ?? ''})`
    : failed
      ? `the server answered error ${t.error?.code ?? '?'}`
      : delivered
        ? 'the server still delivered it'
        : 'no file came back';
  const frames = [
    ...(e ? [e.frame] : boot.frames),
    t.request.frame,
    ...(t.error ? [t.error.frame.frame] : []),
  ];
  return sessionFinding(doc, s, {
    severity: delivered ? 'warn' : 'error',
    message:
      `${clientLabel(s)} was told to boot ${q(boot.bootFile ?? '')} and asked TFTP ${t.serverIp} for ${q(t.filename)}: ` +
      `"${junk}" ${byClient ? 'appended' : 'at the end of the name'}. ${why} Then ${outcome}.`,
    frames,
    pxeError: notFound ? clientMessage(sessionFamily(s), { bios: [BIOS.tftpFileNotFound] }) : null,
    hint: serverHint(
      `Send ${q((boot.bootFile ?? '').replace(/[\s\u0080-\u00ff]+$/, ''))} in the NUL-padded BOOTP file field (and clean the configured name):`,
      {
        dnsmasq: [`dhcp-boot=${(boot.bootFile ?? '').trim()}   # fills the file field`],
        isc: [`filename "${(boot.bootFile ?? '').trim()}";   # instead of option bootfile-name`],
        kea: [`"boot-file-name": "${(boot.bootFile ?? '').trim()}"`],
      },
    ),
    t: t.request.t,
  });
}

export const dhcpBootFileEncoding: Rule = { ...doc, checkSession: check };
