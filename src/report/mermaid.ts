/**
 * Mermaid sequence diagrams of boot sessions: one `sequenceDiagram` per session, the client and each server
 * (DHCP, proxyDHCP, TFTP; one participant per host) as lifelines, DHCP messages with their key options, each
 * TFTP transfer as RRQ → OACK → one collapsed DATA/ACK line → how it ended, and the findings as notes where
 * they happen. Pure: text in, text out (rendering to SVG/PNG is render-mermaid.ts).
 *
 * Readability: retransmissions fold into `×N`, pxelinux config-search misses into one line, a DHCP round that
 * repeats the one before it (a chainload loop) into one note, and past `maxMessages` lines the rest is
 * summarised in a final note.
 *
 * Safety: every piece of text goes through mermaidText(), which leaves a small set of plain characters as they
 * are and writes everything else as a mermaid entity code (`#35;` for `#`), so no file name or server message
 * from a capture can end a line, start a comment or directive, or inject markup.
 */
import type {
  AnalysisResult,
  BootSession,
  DhcpEvent,
  DhcpTransaction,
  TftpTransfer,
} from '../analysis/types.js';
import { concernsSession as concerns } from '../diagnosis/verdict.js';
import { archName } from '../protocol/dhcp/index.js';
import type { Finding, Severity } from '../diagnosis/types.js';
import { tftpErrorName } from '../protocol/tftp/index.js';
import { formatBytes, formatOffset, formatRate, formatSeconds } from './format.js';

export interface MermaidOptions {
  /** Only the session(s) of this client MAC (lower-case, colon-separated). */
  client?: string;
  /** Prefix each message with its time (seconds since the start of the capture). */
  times?: boolean;
  /** Most message and note lines per diagram before the rest is summarised (default 60). */
  maxMessages?: number;
}

export interface MermaidDiagram {
  /** Client MAC of the session. */
  client: string;
  sessionId: string;
  /** The diagram, `sequenceDiagram` first, one statement per line, ending in a newline. */
  text: string;
  /** Exchange lines merged into others or left out (retransmissions, search misses, repeated rounds, cap). */
  folded: number;
}

export const DEFAULT_MAX_MESSAGES = 60;

/** Characters written as they are; anything else becomes `#<code point>;`. */
const PLAIN = /^[A-Za-z0-9 .,_/()[\]+=@!?*'^~|{}:-]$/;
/** Symbols the diagrams use themselves (all render with common fonts). */
const OWN_SYMBOLS = new Set(['·', '…', '×', '→', '↻', '✖', '✔', '⚠', 'ℹ', 'µ', '–']);

/**
 * Text safe on any mermaid sequence-diagram line (participant alias, message, note): plain characters stay,
 * the rest become entity codes. Control characters are shown as `\xNN` (mermaid drops a message whose
 * entity decodes to a line break). The words `style` and `classDef` get their first letter encoded too,
 * because mermaid rewrites lines that contain them before parsing, and a leading `wrap:`/`nowrap:` gets its
 * colon encoded, because mermaid takes it as a layout switch and drops it from the text.
 */
export function mermaidText(raw: string): string {
  let out = '';
  for (const ch of raw) {
    const cp = ch.codePointAt(0) ?? 0;
    if (PLAIN.test(ch) || OWN_SYMBOLS.has(ch)) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += `#92;x${cp.toString(16).padStart(2, '0')}`;
    else out += `#${cp};`;
  }
  return out
    .replace(/(s)(?=tyle)|(c)(?=lassdef)/gi, (c) => `#${c.charCodeAt(0)};`)
    .replace(/^((?:no)?wrap):/i, '$1#58;');
}

type Arrow = '->>' | '-->>' | '-x' | '--x';

/** Participant key: 'client', 'broadcast' (resolved at output) or a server IP. */
type Who = string;

interface Message {
  kind: 'msg';
  t: number;
  /** First frame the line stands for (places findings after their evidence). */
  frame: number;
  from: Who;
  to: Who;
  arrow: Arrow;
  text: string;
  /** Repeats folded into this line (shown as ×N). */
  count: number;
  /** Time of the last packet the line stands for (its repeats, a transfer's last DATA/ACK). */
  until: number;
  /** The line without numbers that vary between otherwise identical rounds. */
  shape: string;
  /** First line of a port 67 DHCP transaction: starts a round. */
  roundStart?: boolean;
  /** What the line stands for, for the summary of folded lines. */
  what: 'dhcp' | 'tftp' | 'other';
}

interface Note {
  kind: 'note';
  t: number;
  /** Exchange notes: the frame they follow; findings: their last evidence frame (null: place by time). */
  frame: number | null;
  lines: string[];
  severity: Severity | null;
  /** Span every participant (findings, summaries) or sit over the client only. */
  wide: boolean;
  /** Time of the last packet the note stands for (a folded stretch), when later than `t`. */
  until?: number;
}

type Step = Message | Note;

type Role = 'DHCP' | 'proxyDHCP' | 'TFTP' | 'relay' | 'host';
const ROLE_ORDER: Role[] = ['DHCP', 'proxyDHCP', 'TFTP', 'relay', 'host'];
const CLIENT = 'client';
const BROADCAST = 'broadcast';

const SEVERITY_MARK: Record<Severity, string> = { error: '✖', warn: '⚠', info: 'ℹ' };
const SEVERITY_FILL: Record<Severity, string | null> = {
  error: 'rgb(255, 226, 226)',
  warn: 'rgb(255, 242, 204)',
  info: null,
};

export function renderMermaid(
  result: AnalysisResult,
  findings: Finding[],
  opts: MermaidOptions = {},
): MermaidDiagram[] {
  const client = opts.client?.toLowerCase();
  return result.sessions
    .filter((s) => client === undefined || s.clientMac.toLowerCase() === client)
    .map((s) =>
      sessionDiagram(
        result,
        s,
        findings.filter((f) => concerns(f, s)),
        opts,
      ),
    );
}

class Participants {
  readonly roles = new Map<string, Set<Role>>();

  add(ip: string, role: Role): string {
    let roles = this.roles.get(ip);
    if (roles === undefined) {
      roles = new Set();
      this.roles.set(ip, roles);
    }
    roles.add(role);
    return ip;
  }
}

function sessionDiagram(
  result: AnalysisResult,
  s: BootSession,
  findings: Finding[],
  opts: MermaidOptions,
): MermaidDiagram {
  const max = Math.max(5, opts.maxMessages ?? DEFAULT_MAX_MESSAGES);
  const parts = new Participants();
  const folded = { n: 0 };
  const steps: Step[] = [];
  for (const tx of s.transactions) steps.push(...dhcpSteps(tx, parts, folded));
  steps.push(...tftpSteps(s.transfers, parts, folded));
  steps.push(...arpSteps(result.arp, s, parts, folded));
  steps.sort((a, b) => a.t - b.t);

  const exchange = markGaps(foldRounds(steps, folded));
  const notes = findings.map((f) => findingNote(f, s.end)).sort((a, b) => a.t - b.t);
  let lines = mergeFindings(exchange, notes);
  lines = capLines(lines, max, folded);

  // Participants in order of first appearance, the client first; "broadcast" is a lifeline of its own so a
  // broadcast DISCOVER/REQUEST is not drawn as if sent to one particular server.
  const order: string[] = [CLIENT];
  for (const st of lines) {
    if (st.kind !== 'msg') continue;
    for (const w of [st.from, st.to]) if (!order.includes(w)) order.push(w);
  }
  for (const ip of parts.roles.keys()) if (!order.includes(ip)) order.push(ip);
  const ids = new Map<string, string>([[CLIENT, 'Client']]);
  let n = 0;
  for (const w of order.slice(1)) ids.set(w, w === BROADCAST ? 'Bcast' : `S${++n}`);
  const idOf = (w: Who): string => ids.get(w) ?? 'Client';
  const lastId = ids.size > 1 ? [...ids.values()][ids.size - 1] : null;

  const out = ['sequenceDiagram'];
  // Labels on two or three lines (role, address): mermaid's participant boxes have a fixed width.
  const clientLabel = ['client', s.clientMac, ...(s.clientIp !== null ? [s.clientIp] : [])];
  out.push(`    participant Client as ${clientLabel.map(mermaidText).join('<br/>')}`);
  for (const w of order.slice(1)) {
    let label: string[];
    if (w === BROADCAST) label = ['broadcast', '255.255.255.255'];
    else {
      const roles = ROLE_ORDER.filter((r) => parts.roles.get(w)?.has(r));
      const named = roles.filter((r) => r !== 'host');
      label = [named.length > 0 ? named.join(' + ') : 'host', w];
    }
    out.push(`    participant ${ids.get(w)} as ${label.map(mermaidText).join('<br/>')}`);
  }

  const stamp = (t: number): string => (opts.times === true ? `[${formatOffset(t)}] ` : '');
  for (const st of lines) {
    if (st.kind === 'msg') {
      const text = `${stamp(st.t)}${st.text}${repeats(st)}`;
      out.push(`    ${idOf(st.from)}${st.arrow}${idOf(st.to)}: ${mermaidText(text)}`);
      continue;
    }
    const over = st.wide && lastId !== null ? `Client,${lastId}` : 'Client';
    const body = st.lines.map((l, i) => mermaidText(i === 0 ? `${stamp(st.t)}${l}` : l)).join('<br/>');
    const fill = st.severity !== null ? SEVERITY_FILL[st.severity] : null;
    if (fill !== null) out.push(`    rect ${fill}`);
    out.push(`${fill !== null ? '        ' : '    '}Note over ${over}: ${body}`);
    if (fill !== null) out.push('    end');
  }
  return { client: s.clientMac, sessionId: s.id, text: `${out.join('\n')}\n`, folded: folded.n };
}

// ---------------------------------------------------------------------------------------------- DHCP

function dhcpSteps(tx: DhcpTransaction, parts: Participants, folded: { n: number }): Message[] {
  const out: Message[] = [];
  const answered = tx.events.some((e) => e.op === 2);
  let segment = new Map<string, Message>();
  let lastClientType: string | null = null;
  let first = true;
  for (const ev of tx.events) {
    const fromClient = ev.op === 1;
    const type = ev.messageType ?? (fromClient ? 'BOOTREQUEST' : 'BOOTREPLY');
    if (fromClient && type !== lastClientType) {
      // A new client message type starts a new segment: repeats fold only within one.
      segment = new Map();
      lastClientType = type;
    }
    const proxyish = tx.port4011 || ev.port4011 || ev.proxy;
    let from: Who;
    let to: Who;
    if (ev.role === 'relay' && fromClient) {
      from = parts.add(ev.src, 'relay');
      to = parts.add(ev.dst, proxyish ? 'proxyDHCP' : 'DHCP');
    } else if (ev.role === 'relay') {
      from = parts.add(ev.src, 'relay');
      to = CLIENT;
    } else if (fromClient) {
      from = CLIENT;
      to = isBroadcast(ev.dst) ? BROADCAST : parts.add(ev.dst, proxyish ? 'proxyDHCP' : 'DHCP');
    } else {
      from = parts.add(ev.serverId ?? ev.src, proxyish ? 'proxyDHCP' : 'DHCP');
      to = CLIENT;
    }
    const body = dhcpText(ev, type);
    const text = first && !tx.port4011 ? insertXid(body, tx.xid) : body;
    const key = `${from}|${to}|${body}`;
    const prev = segment.get(key);
    if (prev !== undefined) {
      prev.count++;
      prev.until = ev.t;
      folded.n++;
      continue;
    }
    const msg: Message = {
      kind: 'msg',
      t: ev.t,
      frame: ev.frame,
      from,
      to,
      arrow: fromClient ? (answered ? '->>' : '-x') : '-->>',
      text,
      count: 1,
      until: ev.t,
      shape: `${from}|${to}|${body}`,
      what: 'dhcp',
      roundStart: first && !tx.port4011 ? true : undefined,
    };
    segment.set(key, msg);
    out.push(msg);
    first = false;
  }
  return out;
}

function isBroadcast(ip: string): boolean {
  return ip === '255.255.255.255' || ip === '0.0.0.0';
}

function insertXid(text: string, xid: number): string {
  const sp = text.indexOf(' ');
  const xs = `xid 0x${xid.toString(16).padStart(8, '0')}`;
  return sp < 0 ? `${text} ${xs}` : `${text.slice(0, sp)} ${xs}${text.slice(sp)}`;
}

function dhcpText(ev: DhcpEvent, type: string): string {
  const parts: string[] = [type];
  if (ev.port4011) parts.push('(port 4011)');
  if (ev.op === 1) {
    if (type === 'REQUEST' && ev.requestedIp !== null) parts.push(ev.requestedIp);
    if (type === 'REQUEST' && ev.serverId !== null && !ev.port4011) parts.push(`server ${ev.serverId}`);
    // Who the client says it is: on its first message of a round (and on port 4011), not on every REQUEST.
    if (type !== 'REQUEST' || ev.port4011) {
      if (ev.arch.length > 0) parts.push(`arch ${ev.arch.map(archName).join('/')}`);
      if (ev.userClass !== null) parts.push(`user-class ${shorten(ev.userClass, 24)}`);
    }
    if (ev.giaddr !== '0.0.0.0') parts.push(`via relay ${ev.giaddr}`);
    return parts.join(' ');
  }
  if (type === 'NAK') {
    if (ev.message !== null) parts.push(shorten(ev.message, 60));
    return parts.join(' ');
  }
  if (ev.yiaddr !== '0.0.0.0' && !ev.port4011) parts.push(ev.yiaddr);
  if (ev.proxy) parts.push('proxyDHCP');
  else if (ev.vendorClass === 'PXEClient') parts.push('PXEClient');
  const file = ev.file !== '' ? ev.file : ev.bootfileOption;
  if (file !== null) parts.push(`file ${shorten(file, 60)}`);
  if (ev.file !== '' && ev.bootfileOption !== null && ev.bootfileOption !== ev.file)
    parts.push(`option 67 ${shorten(ev.bootfileOption, 40)}`);
  if (file === null && (type === 'OFFER' || type === 'ACK') && !ev.proxy) parts.push('no boot file');
  if (ev.siaddr !== '0.0.0.0') parts.push(`next-server ${ev.siaddr}`);
  if (ev.tftpServerName !== null) parts.push(`option 66 ${shorten(ev.tftpServerName, 40)}`);
  if (ev.pxeBootServers.length > 0) parts.push(`boot servers ${ev.pxeBootServers.slice(0, 3).join(', ')}`);
  if (ev.pxeMenu.length > 0) parts.push(`menu "${shorten(ev.pxeMenu.join('", "'), 40)}"`);
  return parts.join(' ');
}

// ----------------------------------------------------------------------------------------------- ARP

/** ARP requests of the client that nobody answered (a server address nobody has): one line per address. */
function arpSteps(
  arp: AnalysisResult['arp'],
  s: BootSession,
  parts: Participants,
  folded: { n: number },
): Message[] {
  const out: Message[] = [];
  const ips = new Set([s.clientIp, ...s.boots.map((b) => b.clientIp)].filter((x) => x !== null));
  const tftpServers = new Set(s.boots.map((b) => b.tftpServer));
  for (const q of arp) {
    if (q.answered !== null || q.requests.length === 0 || !ips.has(q.askedBy)) continue;
    const first = q.requests[0];
    if (first.t < s.start - 1 || first.t > s.end + 60) continue;
    const target = parts.add(q.targetIp, tftpServers.has(q.targetIp) ? 'TFTP' : 'host');
    folded.n += q.requests.length - 1;
    out.push({
      kind: 'msg',
      t: first.t,
      frame: first.frame,
      from: CLIENT,
      to: target,
      arrow: '-x',
      text: `ARP who-has ${q.targetIp} (no reply)`,
      count: q.requests.length,
      until: q.requests[q.requests.length - 1].t,
      shape: `arp ${q.targetIp}`,
      what: 'other',
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- TFTP

const CONFIGISH = /(^|\/)pxelinux\.cfg\/|\.(cfg|conf|ipxe)$/i;

function isMiss(t: TftpTransfer): boolean {
  return t.outcome === 'error' && t.error !== null && t.error.code === 1 && t.error.from === 'server';
}

function dirOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i + 1);
}

function tftpSteps(transfers: TftpTransfer[], parts: Participants, folded: { n: number }): Step[] {
  const sorted = [...transfers].sort((a, b) => a.request.t - b.request.t);
  const out: Step[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const t = sorted[i];
    // A run of "File not found" in one directory (pxelinux trying UUID, MAC, IP prefixes): one line.
    if (isMiss(t)) {
      let j = i + 1;
      while (
        j < sorted.length &&
        isMiss(sorted[j]) &&
        sorted[j].serverIp === t.serverIp &&
        dirOf(sorted[j].filename) === dirOf(t.filename)
      )
        j++;
      const run = sorted.slice(i, j);
      if (run.length >= 2) {
        const server = parts.add(t.serverIp, 'TFTP');
        const dir = dirOf(t.filename);
        const what = run.some((r) => CONFIGISH.test(r.filename)) ? 'config search' : 'search';
        const names =
          dir !== ''
            ? `${shorten(dir, 40)}…`
            : `${shorten(t.filename, 30)} … ${shorten(run[j - i - 1].filename, 30)}`;
        out.push({
          kind: 'msg',
          t: t.request.t,
          frame: t.request.frame,
          from: server,
          to: CLIENT,
          arrow: '--x',
          text: `${run.length}× File not found: ${names} (${what})`,
          count: 1,
          until: run[run.length - 1].lastPacket.t,
          shape: `miss|${server}|${dir}|${run.length}`,
          what: 'tftp',
        });
        folded.n += run.reduce((n, r) => n + transferLines(r), 0) - 1;
        i = j - 1;
        continue;
      }
    }
    out.push(...transferSteps(t, parts, folded));
  }
  return out;
}

/** How many lines a transfer takes when drawn on its own (for the folded count). */
function transferLines(t: TftpTransfer): number {
  return transferSteps(t, new Participants(), { n: 0 }).length;
}

function optionsText(opts: Record<string, string>): string {
  return Object.entries(opts)
    .map(([k, v]) => `${shorten(k, 16)} ${shorten(v, 16)}`)
    .join(' ');
}

function transferSteps(t: TftpTransfer, parts: Participants, folded: { n: number }): Step[] {
  const server = parts.add(t.serverIp, 'TFTP');
  const name = t.filename === '' ? '(empty name)' : shorten(t.filename, 60);
  const steps: Step[] = [];
  const msg = (
    at: { t: number; frame: number },
    from: Who,
    to: Who,
    arrow: Arrow,
    text: string,
    shape: string,
    count = 1,
    until = at.t,
  ): Message => ({
    kind: 'msg',
    t: at.t,
    frame: at.frame,
    from,
    to,
    arrow,
    text,
    count,
    until,
    shape,
    what: 'tftp',
  });
  const answered = t.serverPort !== null || t.oack !== null || t.firstData !== null || t.error !== null;
  const req = `${t.direction === 'read' ? 'RRQ' : 'WRQ'} ${name}`;
  const reqOpts = optionsText(t.requested);
  let reqText = reqOpts !== '' ? `${req} ${reqOpts}` : req;
  if (!answered && t.icmpErrors.length === 0)
    reqText += t.outcome === 'unknown' ? ' (answer not in the capture)' : ' (no answer)';
  const tries = 1 + t.requestRetries.length;
  folded.n += tries - 1;
  const lastTry = t.requestRetries.length > 0 ? t.requestRetries[t.requestRetries.length - 1].t : t.request.t;
  steps.push(
    msg(
      t.request,
      CLIENT,
      server,
      answered || t.icmpErrors.length > 0 ? '->>' : '-x',
      reqText,
      req,
      tries,
      lastTry,
    ),
  );
  if (t.icmpErrors.length > 0) {
    folded.n += t.icmpErrors.length - 1;
    const lastIcmp = t.icmpErrors[t.icmpErrors.length - 1].t;
    steps.push(
      msg(t.icmpErrors[0], server, CLIENT, '--x', 'ICMP unreachable', 'icmp', t.icmpErrors.length, lastIcmp),
    );
  }
  const probe = t.outcome === 'tsize-probe';
  if (t.oack !== null) {
    const o = `OACK ${optionsText(t.negotiated)}`.trimEnd();
    steps.push(
      msg(t.oack, server, CLIENT, '-->>', probe ? `${o} · client stops here (tsize probe)` : o, 'oack'),
    );
  }
  const extra: string[] = [];
  if (t.windowsize > 1) extra.push(`window ${t.windowsize}`);
  if (t.duplicateData > 0) extra.push(`${t.duplicateData} DATA resent`);
  if (t.duplicateAcks > 0) extra.push(`${t.duplicateAcks} ACK repeated`);
  if (t.unackedRetransmits > 0) extra.push(`${t.unackedRetransmits} resent without ACK`);
  if (t.gaps > 0) extra.push(`${t.gaps} blocks missing`);
  if (t.maxGap >= 1) extra.push(`stalled ${formatSeconds(t.maxGap)}`);
  if (t.lostFragments > 0) extra.push(`${t.lostFragments} fragments lost`);
  if (t.apprenticeFrom !== null) extra.push(`everything doubled from block ${t.apprenticeFrom}`);
  if (t.dataPackets > 0) {
    const range = t.blocks > 1 ? `DATA 1..${t.blocks} / ACK` : 'DATA 1 / ACK';
    const stats = [formatBytes(t.bytes)];
    if (t.duration > 0) stats.push(formatSeconds(t.duration));
    if (t.throughput !== null && t.bytes > 0) stats.push(formatRate(t.throughput));
    // A complete transfer ends on this line; the other endings get a line or note of their own below.
    const done = t.outcome === 'complete' ? ' ✔ complete' : '';
    const text = `${range} (${[...stats, ...extra].join(', ')})${done}`;
    const at = t.firstData ?? t.request;
    steps.push(msg(at, server, CLIENT, '-->>', text, `data ${t.blocks}`, 1, t.lastPacket.t));
  } else if (t.ackPackets > 0 && t.oack !== null) {
    // The client acknowledged the OACK (ACK 0) but no DATA came back.
    folded.n += t.ackPackets - 1;
    const text = `ACK 0, no DATA seen${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
    steps.push(msg(t.oack, CLIENT, server, '->>', text, 'ack0', t.ackPackets, t.lastPacket.t));
  }
  const end = t.outcomeFrame ?? t.lastPacket;
  if (t.outcome === 'error' && t.error !== null) {
    const e = t.error;
    const detail =
      e.message !== '' && e.message !== tftpErrorName(e.code) ? `: ${shorten(e.message, 90)}` : '';
    const text = `ERROR ${e.code} ${tftpErrorName(e.code)}${detail}`;
    const shape = `error ${e.code} ${e.from}`;
    steps.push(
      e.from === 'server'
        ? msg(e.frame, server, CLIENT, '--x', text, shape)
        : msg(e.frame, CLIENT, server, '-x', text, shape),
    );
  } else if (probe && t.oack === null) {
    steps.push(msg(end, CLIENT, server, '-x', 'client stops (tsize probe)', 'probe'));
  } else if (t.outcome === 'abandoned' && answered) {
    const where = t.blocks > 0 ? `after block ${t.blocks}` : 'before any DATA arrived';
    steps.push(note(end, [`${name}: abandoned ${where}`], false));
  } else if (t.outcome === 'in-progress') {
    steps.push(note(end, [`${name}: the capture ends during the transfer`], false));
  } else if (t.outcome === 'complete' && t.dataPackets === 0 && t.oack === null) {
    steps.push(msg(end, server, CLIENT, '-->>', 'complete', 'complete'));
  }
  return steps;
}

// ------------------------------------------------------------------------------------- notes, folding

function note(
  at: { t: number; frame: number | null },
  lines: string[],
  wide: boolean,
  severity: Severity | null = null,
): Note {
  return { kind: 'note', t: at.t, frame: at.frame, lines, wide, severity };
}

function findingNote(f: Finding, sessionEnd: number): Note {
  const lines = [`${SEVERITY_MARK[f.severity]} ${f.title}`];
  if (f.pxeError !== null) {
    // Several firmware messages are joined with " / ": one line each, without the long iPXE URLs.
    const saw = f.pxeError
      .replace(/\s*\(https?:\/\/[^)]*\)/g, '')
      .split(' / ')
      .slice(0, 3)
      .map((m) => cut(m, 80));
    lines.push(`client saw: ${saw[0]}`, ...saw.slice(1));
  }
  const frame = f.frames.length > 0 ? Math.max(...f.frames) : null;
  return note({ t: f.t ?? sessionEnd, frame }, lines, true, f.severity);
}

/**
 * Rounds start at each port 67 DHCP transaction. A round drawn exactly like the one before it (same
 * messages, numbers aside) folds into one note after the first: a chainload loop reads as one round + "×N".
 */
function foldRounds(steps: Step[], folded: { n: number }): Step[] {
  const rounds: Step[][] = [];
  for (const st of steps) {
    if (rounds.length === 0 || (st.kind === 'msg' && st.roundStart === true)) rounds.push([]);
    rounds[rounds.length - 1].push(st);
  }
  const shapeOf = (r: Step[]): string => r.map((s) => (s.kind === 'msg' ? s.shape : s.lines[0])).join('\n');
  const out: Step[] = [];
  for (let i = 0; i < rounds.length;) {
    out.push(...rounds[i]);
    const shape = shapeOf(rounds[i]);
    let j = i + 1;
    while (j < rounds.length && rounds[j][0].kind === 'msg' && shapeOf(rounds[j]) === shape) j++;
    const repeats = rounds.slice(i + 1, j);
    if (repeats.length > 0) {
      const lines = repeats.reduce((n, r) => n + r.length, 0);
      folded.n += lines;
      const from = repeats[0][0].t;
      const last = repeats[repeats.length - 1];
      const to = last[last.length - 1].t;
      const files = rounds[i].filter(
        (s): s is Message => s.kind === 'msg' && s.what === 'tftp' && s.shape.startsWith('RRQ '),
      );
      const summary = files.length > 0 ? ` (DHCP → ${files.map((f) => f.shape.slice(4)).join(', ')})` : '';
      const folds = note(
        { t: from, frame: repeats[0][0].frame },
        [
          `↻ the same exchange${summary} ${repeats.length} more time${repeats.length > 1 ? 's' : ''}`,
          `${formatOffset(from)} to ${formatOffset(to)}, ${lines} lines folded`,
        ],
        true,
      );
      folds.until = Math.max(...last.map((st) => st.until ?? st.t));
      out.push(folds);
    }
    i = j;
  }
  return out;
}

/** "×N" for a line that stands for N packets, with the time they spread over when that is noticeable. */
function repeats(m: Message): string {
  if (m.count <= 1) return '';
  const span = m.until - m.t;
  return span >= 0.5 ? ` ×${m.count} over ${formatSeconds(span)}` : ` ×${m.count}`;
}

/** Seconds without a packet of the session that get a note of their own: where a client waited. */
export const GAP_SECONDS = 2;

/** A note wherever the session went quiet for GAP_SECONDS or more between two lines. */
function markGaps(steps: Step[]): Step[] {
  const out: Step[] = [];
  let until: number | null = null;
  for (const st of steps) {
    if (until !== null && st.t - until >= GAP_SECONDS)
      out.push(note({ t: until, frame: null }, [`… ${formatSeconds(st.t - until)} without a packet`], false));
    out.push(st);
    const end = st.until ?? st.t;
    until = until === null ? end : Math.max(until, end);
  }
  return out;
}

/**
 * Findings go in after their evidence: before the first exchange line that starts after their last
 * evidence frame (by time when they cite no frame).
 */
function mergeFindings(exchange: Step[], notes: Note[]): Step[] {
  const after = (n: Note, st: Step): boolean =>
    n.frame !== null && st.frame !== null ? st.frame > n.frame : st.t > n.t;
  const out = [...exchange];
  for (const n of notes) {
    const i = out.findIndex((st) => (st.kind === 'msg' || st.severity === null ? after(n, st) : false));
    if (i < 0) out.push(n);
    else out.splice(i, 0, n);
  }
  return out;
}

/** Past `max` lines, exchange lines are summarised in one note; findings are always kept. */
function capLines(lines: Step[], max: number, folded: { n: number }): Step[] {
  if (lines.length <= max) return lines;
  const findings = lines.filter((l) => l.kind === 'note' && l.severity !== null).length;
  let budget = Math.max(1, max - 1 - findings);
  const kept: Step[] = [];
  const rest: Step[] = [];
  const late: Step[] = [];
  for (const l of lines) {
    if (l.kind === 'note' && l.severity !== null) {
      (rest.length > 0 ? late : kept).push(l);
    } else if (budget > 0 && rest.length === 0) {
      kept.push(l);
      budget--;
    } else rest.push(l);
  }
  if (rest.length === 0) return lines;
  folded.n += rest.length;
  const msgs = rest.filter((l): l is Message => l.kind === 'msg');
  const dhcp = msgs.filter((m) => m.what === 'dhcp').length;
  const rrqs = msgs.filter((m) => m.what === 'tftp' && /^[RW]RQ /.test(m.shape)).length;
  const what = [
    dhcp > 0 ? `${dhcp} DHCP` : null,
    rrqs > 0 ? `${rrqs} TFTP transfer${rrqs > 1 ? 's' : ''}` : null,
  ].filter((x) => x !== null);
  const first = rest[0].t;
  const last = rest[rest.length - 1].t;
  kept.push(
    note(
      { t: first, frame: null },
      [
        `… ${rest.length} more lines not drawn${what.length > 0 ? ` (${what.join(', ')})` : ''}`,
        `${formatOffset(first)} to ${formatOffset(last)}: see pxe-doctor analyze for all of it`,
      ],
      true,
    ),
  );
  return [...kept, ...late];
}

/** At most `n` characters (code points), cut at the end. */
function cut(s: string, n: number): string {
  const cps = Array.from(s);
  return cps.length <= n ? s : `${cps.slice(0, n - 1).join('')}…`;
}

/** At most `n` characters (code points), keeping the end (file names differ at the end). */
export function shorten(s: string, n: number): string {
  const cps = Array.from(s);
  if (cps.length <= n) return s;
  const tail = Math.floor((n - 1) / 3);
  return `${cps.slice(0, n - 1 - tail).join('')}…${cps.slice(cps.length - tail).join('')}`;
}
