/**
 * Fixes for the server in use: when the capture shows which software a finding's DHCP or TFTP server runs
 * (analysis/server-software.ts, high or medium confidence), that software's block of the hint comes first,
 * the generic blocks (firewall, client) next, and the other servers' blocks after an "if it is not …" line
 * (the HTML report folds them). Unknown servers leave the hint as the rule wrote it.
 */
import {
  identifyServers,
  SOFTWARE_NAMES,
  type ServerIdentity,
  type ServerService,
  type ServerSoftware,
} from '../analysis/server-software.js';
import type { AnalysisResult, BootSession } from '../analysis/types.js';
import { hintBlocks, OTHER_SERVERS_PREFIX, type HintBlock } from './hints.js';
import type { Finding } from './types.js';

/** Hint block labels (hints.ts) and the software they configure; other labels are generic. */
const LABEL_SOFTWARE: Record<string, Exclude<ServerSoftware, 'unknown'>> = {
  dnsmasq: 'dnsmasq',
  'ISC dhcpd': 'isc-dhcpd',
  Kea: 'kea',
  'Windows DHCP': 'windows-wds',
  WDS: 'windows-wds',
  'tftp-hpa': 'tftpd-hpa',
  'tftpd-hpa': 'tftpd-hpa',
  atftpd: 'atftpd',
};

/** A server a hint may be for: its software and, when known, the service it was identified by. */
export interface HintServer {
  software: ServerSoftware;
  service?: ServerService;
}

/** `sessions`: those the findings may concern (default: all of the analysis; one, when judging one live). */
export function applyServerHints(
  findings: Finding[],
  analysis: AnalysisResult,
  sessions?: readonly BootSession[],
): Finding[] {
  // Nothing to order: the servers are not read (a live capture judges most sessions with no finding).
  if (findings.length === 0) return findings;
  let known: ServerIdentity[];
  try {
    known = identifyServers(analysis).filter((i) => i.confidence === 'high' || i.confidence === 'medium');
  } catch {
    // The engine never throws: an analysis too broken to read servers from keeps the rules' hints as written.
    return findings;
  }
  if (known.length === 0) return findings;
  const byId = new Map((sessions ?? analysis.sessions ?? []).map((s) => [s.id, s]));
  return findings.map((f) => {
    const session = f.sessionId === undefined ? undefined : byId.get(f.sessionId);
    const servers = serversFor(f, session, known);
    if (servers.length === 0) return f;
    const { hint, first } = ordered(f.hint, servers);
    return hint === f.hint ? f : { ...f, hint, hintFor: first };
  });
}

/**
 * The servers a finding is about: those it names (message or hint), else those of its client's DHCP rounds
 * (address server, proxy, TFTP server), else, for a capture-wide finding, all.
 */
function serversFor(f: Finding, s: BootSession | undefined, known: ServerIdentity[]): HintServer[] {
  const named = known.filter((i) => mentionsIp(f.message, i.ip) || mentionsIp(f.hint, i.ip));
  let chosen = named;
  if (chosen.length === 0 && s !== undefined) {
    const ips = new Set(s.boots.flatMap((b) => [b.offerFrom, b.proxyServer, b.tftpServer]));
    for (const t of s.transfers) ips.add(t.serverIp);
    chosen = known.filter((i) => ips.has(i.ip));
  }
  if (chosen.length === 0 && s === undefined) chosen = known;
  return chosen.map((i) => ({ software: i.software, service: i.service }));
}

function mentionsIp(text: string, ip: string): boolean {
  return new RegExp(`(^|[^\\d.])${ip.replace(/\./g, '\\.')}(?![\\d]|\\.\\d)`).test(text);
}

/**
 * The service a hint block configures: ISC dhcpd and Kea blocks are DHCP, tftp-hpa and atftpd blocks TFTP;
 * a dnsmasq block is TFTP when every line is a TFTP setting (tftp-root=, enable-tftp, tftp-…), DHCP when
 * none is. One host often runs dnsmasq for DHCP and tftp-hpa for TFTP: its dnsmasq is not the TFTP server.
 */
function blockService(b: HintBlock, sw: ServerSoftware): ServerService | null {
  if (sw === 'isc-dhcpd' || sw === 'kea') return 'dhcp';
  if (sw === 'tftpd-hpa' || sw === 'atftpd') return 'tftp';
  if (sw !== 'dnsmasq') return null;
  const settings = b.lines.map((l) => l.replace(/^ {2}\S[^:]*:(?= |$)/, '').trim());
  const tftp = settings.filter((l) => /^(enable-tftp|tftp-)/.test(l)).length;
  if (tftp === settings.length) return 'tftp';
  return tftp === 0 ? 'dhcp' : null;
}

/** The hint with the blocks of `servers` first, generic blocks next, the other servers' blocks folded. */
export function orderHint(hint: string, servers: readonly (ServerSoftware | HintServer)[]): string {
  return ordered(hint, servers).hint;
}

function ordered(
  hint: string,
  servers: readonly (ServerSoftware | HintServer)[],
): { hint: string; first: ServerSoftware[] } {
  const list = servers.map((x) => (typeof x === 'string' ? { software: x } : x));
  const { intro, blocks, tail } = hintBlocks(hint);
  const of = (b: HintBlock): ServerSoftware | null => LABEL_SOFTWARE[b.label] ?? null;
  const isMine = (b: HintBlock): boolean => {
    const sw = of(b);
    if (sw === null) return false;
    const service = blockService(b, sw);
    return list.some(
      (x) => x.software === sw && (x.service === undefined || service === null || x.service === service),
    );
  };
  const mine = blocks.filter(isMine);
  if (mine.length === 0) return { hint, first: [] };
  // A block for a service whose server was not identified (the TFTP roots under a DHCP fix, when only the
  // DHCP server is known) is not "another server's": it stays unfolded, with the generic blocks.
  const covered = (b: HintBlock): boolean => {
    const sw = of(b);
    if (sw === null) return false;
    const service = blockService(b, sw);
    return service === null || list.some((x) => x.service === undefined || x.service === service);
  };
  const generic = blocks.filter((b) => !isMine(b) && !covered(b));
  const others = blocks.filter((b) => !isMine(b) && covered(b));
  const first = [...new Set(mine.map((b) => of(b) ?? 'unknown'))];
  // Two blocks of one software (dnsmasq's DHCP and TFTP lines) read as one: its label once.
  const mineLines = mine.flatMap((b, i) =>
    i > 0 && mine[i - 1].label === b.label
      ? [
          b.lines[0].replace(
            /^( {2})(\S[^:]*:)/,
            (_m, lead: string, label: string) => lead + ' '.repeat(label.length),
          ),
          ...b.lines.slice(1),
        ]
      : b.lines,
  );
  const lines = [...intro, ...mineLines, ...generic.flatMap((b) => b.lines)];
  if (others.length > 0) {
    const names = first.map((sw) => SOFTWARE_NAMES[sw]).join(' or ');
    lines.push(`${OTHER_SERVERS_PREFIX}${names}:`, ...others.flatMap((b) => b.lines));
  }
  return { hint: [...lines, ...tail].join('\n'), first };
}
