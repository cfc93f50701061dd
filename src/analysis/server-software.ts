/**
 * Which DHCP and TFTP server software answered, told from the wire alone: the order a server writes its
 * DHCP options in, the texts of its NAKs and TFTP errors, and how it answers TFTP options. Each signature
 * below is what that server's own source does (cited beside it), never a guess from one capture; a server
 * that matches none, or two, stays "unknown". The report shows how each was recognised; the diagnosis puts
 * the identified server's fix first.
 */
import { captureFactsOf } from './capture-facts.js';
import { dhcpEvidence, dhcpSigns } from './server-software-dhcp.js';
import { combineTftp, tftpEvidence, tftpSigns } from './server-software-tftp.js';
import { Signs, type ServerEvidence, type ServerSoftware } from './server-signs.js';
import type { AnalysisResult, DhcpEvent, TftpTransfer } from './types.js';

export type { ServerEvidence, ServerSoftware } from './server-signs.js';

export type ServerService = 'dhcp' | 'tftp';

export type Confidence = 'high' | 'medium' | 'low';

export interface ServerIdentity {
  ip: string;
  service: ServerService;
  software: ServerSoftware;
  /** For people: "dnsmasq", "ISC dhcpd", "Kea", "Windows WDS", "tftpd-hpa", "atftpd", "unknown". */
  name: string;
  confidence: Confidence | null;
  /** How it was recognised (for the identified software first; others that also matched after). */
  evidence: ServerEvidence[];
}

export const SOFTWARE_NAMES: Record<ServerSoftware, string> = {
  dnsmasq: 'dnsmasq',
  'isc-dhcpd': 'ISC dhcpd',
  kea: 'Kea',
  'windows-wds': 'Windows WDS',
  'tftpd-hpa': 'tftpd-hpa',
  atftpd: 'atftpd',
  unknown: 'unknown',
};

/** Every server of the capture that answered DHCP or TFTP, in order of first appearance. */
export function identifyServers(analysis: AnalysisResult): ServerIdentity[] {
  const known = captureFactsOf(analysis)?.servers();
  if (known !== undefined) return known;
  const dhcp = new Map<string, DhcpEvent[]>();
  for (const s of analysis.sessions) {
    for (const tx of s.transactions) {
      for (const e of tx.events) {
        if (e.op !== 2) continue;
        const ip = e.serverId ?? e.src;
        const list = dhcp.get(ip) ?? [];
        list.push(e);
        dhcp.set(ip, list);
      }
    }
  }
  const tftp = new Map<string, TftpTransfer[]>();
  const transfers = [...analysis.sessions.flatMap((s) => s.transfers), ...analysis.orphanTransfers];
  for (const t of transfers) {
    if (t.serverPort === null && t.error === null && t.oack === null) continue;
    const list = tftp.get(t.serverIp) ?? [];
    list.push(t);
    tftp.set(t.serverIp, list);
  }
  return identities(
    [...dhcp].map(([ip, replies]) => [ip, dhcpEvidence(replies, analysis)] as const),
    [...tftp].map(([ip, list]) => [ip, tftpEvidence(list)] as const),
  );
}

/** Each server's identity from the evidence of its DHCP replies and of its TFTP transfers, in that order. */
function identities(
  dhcp: Iterable<readonly [string, ServerEvidence[]]>,
  tftp: Iterable<readonly [string, ServerEvidence[]]>,
): ServerIdentity[] {
  const out: ServerIdentity[] = [];
  for (const [ip, evidence] of dhcp) out.push(decide(ip, 'dhcp', evidence));
  for (const [ip, evidence] of tftp) {
    // dnsmasq serves TFTP itself (enable-tftp): the same host's DHCP being dnsmasq fits, but proves nothing.
    // Only while nothing seen contradicts it: a sign of another server that dnsmasq does not share too.
    const dhcpSide = out.find((i) => i.ip === ip && i.service === 'dhcp');
    const fitsDnsmasq = (e: ServerEvidence): boolean =>
      e.software === 'dnsmasq' || evidence.some((d) => d.software === 'dnsmasq' && d.text === e.text);
    if (dhcpSide?.software === 'dnsmasq' && dhcpSide.confidence !== 'low' && evidence.every(fitsDnsmasq)) {
      evidence.push({
        software: 'dnsmasq',
        weight: 1,
        text: 'the same host answers DHCP as dnsmasq, which has its own TFTP server',
        frames: [],
      });
    }
    out.push(decide(ip, 'tftp', evidence));
  }
  return out;
}

/**
 * The same reading kept up as the capture runs: each reply and each transfer is read once, when it is seen
 * (a live capture identifies the servers for every finding it tells; reading every record each time would
 * cost the whole capture). Signs are kept per kind, so this holds little: a few per server.
 */
export class ServerSignsLog {
  private readonly dhcp = new Map<string, Signs>();
  private readonly tftp = new Map<string, Signs>();

  /** A DHCP reply, with the request list of the client message it answers. */
  reply(e: DhcpEvent, prl: number[] | null): void {
    const ip = e.serverId ?? e.src;
    let signs = this.dhcp.get(ip);
    if (signs === undefined) this.dhcp.set(ip, (signs = new Signs()));
    dhcpSigns(e, prl, signs);
  }

  /** A transfer its server answered (once it ended, or as it stands). */
  transfer(t: TftpTransfer): void {
    if (t.serverPort === null && t.error === null && t.oack === null) return;
    let signs = this.tftp.get(t.serverIp);
    if (signs === undefined) this.tftp.set(t.serverIp, (signs = new Signs()));
    tftpSigns(t, signs);
  }

  identities(): ServerIdentity[] {
    const list = (m: Map<string, Signs>): [string, ServerEvidence[]][] =>
      [...m].map(([ip, signs]) => [ip, signs.list()]);
    const tftp = list(this.tftp).map(([ip, evidence]): [string, ServerEvidence[]] => [
      ip,
      combineTftp(evidence),
    ]);
    return identities(list(this.dhcp), tftp);
  }
}

/** The identity of one server's service, if the capture has it. */
export function serverIdentity(
  identities: readonly ServerIdentity[],
  ip: string | null,
  service: ServerService,
): ServerIdentity | null {
  if (ip === null) return null;
  return identities.find((i) => i.ip === ip && i.service === service) ?? null;
}

function decide(ip: string, service: ServerService, evidence: ServerEvidence[]): ServerIdentity {
  const score = new Map<ServerSoftware, number>();
  const unique = new Set<ServerSoftware>();
  for (const e of evidence) {
    score.set(e.software, (score.get(e.software) ?? 0) + e.weight);
    if (e.weight === 3) unique.add(e.software);
  }
  const ranked = [...score.entries()].sort((a, b) => b[1] - a[1]);
  let software: ServerSoftware = 'unknown';
  let confidence: Confidence | null = null;
  if (unique.size === 1) {
    // A mark only one software makes decides, unless another software's marks add up as high.
    software = [...unique][0];
    const own = score.get(software) ?? 0;
    const rival = Math.max(0, ...ranked.filter(([sw]) => sw !== software).map(([, n]) => n));
    if (rival >= own) software = 'unknown';
    else confidence = rival >= 2 ? 'medium' : 'high';
  } else if (unique.size === 0 && ranked.length > 0) {
    // Only signs that fit several servers: one must lead clearly.
    const [best, second] = ranked;
    const lead = best[1] - (second?.[1] ?? 0);
    if (lead >= 1) {
      software = best[0];
      confidence = best[1] >= 3 && lead >= 2 ? 'medium' : 'low';
    }
  }
  // Two softwares each with a mark only they make: the capture contradicts itself (two servers behind one
  // address, a relay, a crafted file): left unknown, with both sets of evidence shown.
  const byWeight = (a: ServerEvidence, b: ServerEvidence): number => b.weight - a.weight;
  const ordered = [
    ...evidence.filter((e) => e.software === software).sort(byWeight),
    ...evidence.filter((e) => e.software !== software).sort(byWeight),
  ];
  return { ip, service, software, name: SOFTWARE_NAMES[software], confidence, evidence: ordered };
}
