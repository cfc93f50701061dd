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
import type { AnalysisResult, BootSession } from '../analysis/types.js';
import { concernsSession as concerns } from '../diagnosis/verdict.js';
import type { Finding, Severity } from '../diagnosis/types.js';
import { formatOffset } from './format.js';
import { arpSteps, dhcpSteps } from './mermaid-dhcp.js';
import { capLines, findingNote, foldRounds, markGaps, mergeFindings, repeats } from './mermaid-layout.js';
import {
  BROADCAST,
  CLIENT,
  mermaidText,
  Participants,
  ROLE_ORDER,
  type Step,
  type Who,
} from './mermaid-model.js';
import { tftpSteps } from './mermaid-tftp.js';

export { mermaidText, shorten } from './mermaid-model.js';
export { GAP_SECONDS } from './mermaid-layout.js';

export interface MermaidOptions {
  /** Only the session(s) of this client MAC (lower-case, colon-separated). */
  client?: string;
  /** Prefix each message with its time (seconds since the session's first packet). */
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
  // Times count from the session's first packet, never from a capture frame that may come later in time
  // (files joined out of order), so no time shown is negative.
  const origin = Math.min(s.start, steps[0]?.t ?? s.start);
  const fromStart = <T extends Step>(st: T): T => {
    st.t -= origin;
    if (st.until !== undefined) st.until -= origin;
    return st;
  };
  steps.forEach(fromStart);

  const exchange = markGaps(foldRounds(steps, folded));
  const notes = findings.map((f) => fromStart(findingNote(f, s.end))).sort((a, b) => a.t - b.t);
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
