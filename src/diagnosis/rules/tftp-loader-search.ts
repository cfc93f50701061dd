import type { BootSession, TftpTransfer } from '../../analysis/types.js';
import {
  clientLabel,
  clientSubject,
  framesText,
  ipClientLabel,
  listText,
  plural,
  q,
  finding,
  requestLabel,
} from '../format.js';
import { searchMissesOf, type SearchMiss } from '../loader-search.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'tftp.loader-search',
  severity: 'info',
  group: 'tftp',
  title: 'Loader search misses (normal)',
  detects:
    'A client got ERROR 1 (file not found) for names a loader tries on purpose and then loaded a later name: ' +
    'pxelinux.cfg/<uuid>, 01-<mac> and hex-IP names before "default", GRUB\'s module lists, ' +
    'grub.cfg-01-<mac> / grub.cfg-<hex ip> names before grub.cfg, modules insmod did not find ' +
    "(<cpu>-<platform>/*.mod), locales and fonts, iPXE's autoexec.ipxe, names with the client's MAC, IP " +
    'or UUID, ldlinux.c32 under several directories. One finding per client lists them all.',
  ignores:
    'Misses after which the client loaded nothing more (those are tftp.file-not-found when they are not a ' +
    'probe), and a boot whose misses are all of one kind the client never got past.',
  clientMessages: [],
  fix: 'Nothing to fix: a loader asks for per-client and optional names first and takes the first that exists.',
};

const SHOWN = 8;

function tell(
  misses: SearchMiss[],
  next: TftpTransfer,
  label: string,
  session: BootSession | null,
  after: number,
): Finding {
  const kinds = new Map<string, number>();
  for (const m of misses) kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
  const names = [...new Set(misses.map((m) => m.transfer.filename))];
  const servers = [...new Set(misses.map((m) => m.transfer.serverIp))];
  const modules = misses.filter((m) => m.kind === 'grub module (insmod)').map((m) => m.transfer.filename);
  const frames = misses.flatMap((m) => [
    m.transfer.request.frame,
    ...(m.transfer.error ? [m.transfer.error.frame.frame] : []),
  ]);
  const parts = [
    `${clientSubject(label)} searched for ${plural(misses.length, 'name')} that ${listText(servers)} ` +
      `does not have, as its loaders do on purpose (${[...kinds].map(([k, n]) => `${n}× ${k}`).join(', ')}): ` +
      `${names.slice(0, SHOWN).map(q).join(', ')}${names.length > SHOWN ? `, … (${names.length - SHOWN} more)` : ''} ` +
      `(${framesText(frames)}). It went on and loaded ${q(next.filename)} (frame ${next.request.frame})` +
      (after > 1 ? ` and ${plural(after - 1, 'more file')}` : '') +
      ': these misses are normal.',
  ];
  if (modules.length > 0) {
    parts.push(
      `GRUB printed "error: file '${modules[0]}' not found" for ${modules.length > 1 ? 'each module' : 'the module'} ` +
        'insmod could not load and went on.',
    );
  }
  return finding(doc, {
    message: parts.join(' '),
    frames,
    client: session?.clientMac ?? null,
    sessionId: session?.id,
    pxeError: null,
    hint:
      'Nothing to fix.' +
      (modules.length > 0
        ? ' If a menu entry needs one of these modules, copy the module directory of the same GRUB build ' +
          `(${modules[0].replace(/\/[^/]+$/, '/')}) into the TFTP root, or build the image with it embedded.`
        : ''),
    t: misses[0]?.transfer.request.t ?? null,
  });
}

/** The search misses of one client that a later successful fetch followed: one finding. */
function check(
  ctx: RuleContext,
  transfers: readonly TftpTransfer[],
  label: string,
  session: BootSession | null,
): Finding[] {
  const misses = searchMissesOf(ctx.analysis, transfers, session);
  const first = misses[0];
  if (first === undefined) return [];
  const after = transfers.filter(
    (t) => t.outcome === 'complete' && t.request.frame > first.transfer.request.frame,
  );
  if (after.length === 0) return [];
  const next = after.reduce((x, t) => (t.request.frame < x.request.frame ? t : x));
  // Named after the program that searched (pxelinux's config walk is pxelinux's, whatever ROM loaded it).
  const who = session !== null ? requestLabel(session, first.transfer) : label;
  return [tell(misses, next, who, session, after.length)];
}

function checkSession(s: BootSession, ctx: RuleContext): Finding[] {
  return check(ctx, s.transfers, clientLabel(s), s);
}

function checkCapture(ctx: RuleContext): Finding[] {
  const byClient = new Map<string, TftpTransfer[]>();
  for (const t of ctx.analysis.orphanTransfers)
    byClient.set(t.clientIp, [...(byClient.get(t.clientIp) ?? []), t]);
  return [...byClient].flatMap(([ip, list]) => check(ctx, list, ipClientLabel(ip), null));
}

export const tftpLoaderSearch: Rule = { ...doc, checkSession, checkCapture };
