/**
 * The terminal report of `pxe-doctor analyze`: capture summary, one block per boot session (client,
 * effective boot parameters, phase timeline, transfers, findings with the client-side message and the fix)
 * and a one-line verdict per client. Colour only through chalk, so `color: false` gives plain text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { identifyServers } from '../analysis/server-software.js';
import type { AnalysisResult, BootSession, TftpTransfer } from '../analysis/types.js';
import type { Finding, Severity } from '../diagnosis/types.js';
import { verdictOf, type ClientVerdict, type VerdictStatus } from '../diagnosis/verdict.js';
import { tftpErrorName } from '../protocol/tftp/index.js';
import {
  bootLabel,
  blksizeText,
  bootLine,
  completeText,
  formatBytes,
  formatFrames,
  formatRate,
  formatSeconds,
  formatSkipped,
  sessionOffset,
  timelineOrigin,
  serverLine,
} from './format.js';
import { fitLine, renderTable, wrapText, type Cell, type Column } from './layout.js';

export interface TextReportOptions {
  color: boolean;
  /** Columns to fit (wrapping, table layout); null or absent: no limit (piped output). */
  width?: number | null;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

export function renderAnalysisText(
  result: AnalysisResult,
  findings: Finding[],
  opts: TextReportOptions,
): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const w = opts.width ?? null;
  const out: string[] = [];
  out.push(...captureBlock(result, c).flatMap((l) => fitLine(l, w)));
  const servers = identifyServers(result).map(serverLine);
  if (servers.length > 0) {
    out.push('');
    out.push(c.bold('Servers'));
    for (const l of servers) out.push(...wrapText(l, w, '  ', '      '));
  }
  const captureFindings = findings.filter((f) => f.client === null);
  for (const s of result.sessions) {
    out.push('');
    out.push(
      ...sessionBlock(
        s,
        findings.filter((f) => f.client === s.clientMac),
        c,
        w,
      ),
    );
  }
  if (result.orphanTransfers.length > 0) {
    out.push('');
    out.push(c.bold('TFTP transfers without a DHCP exchange in the capture'));
    out.push(...transfersTable(result.orphanTransfers, c, w));
  }
  if (captureFindings.length > 0) {
    out.push('');
    out.push(c.bold('Capture-wide findings'));
    for (const f of captureFindings) out.push(...findingBlock(f, c, w));
  }
  out.push('');
  out.push(c.bold('Verdict'));
  if (result.sessions.length === 0) {
    out.push(
      ...fitLine(`  ${c.yellow('no PXE client')}: the capture holds no DHCP exchange of a client.`, w),
    );
  }
  for (const s of result.sessions) {
    const v = verdictOf(s, findings, result);
    // Continuation lines start under the verdict's text, as fitLine counts it: MAC (17) + 1 + label + 2.
    out.push(...fitLine(`  ${verdictLine(s, v, c)}`, w, 20 + VERDICT_LABEL[v.status].length));
  }
  return `${out.join('\n')}\n`;
}

function captureBlock(r: AnalysisResult, c: ChalkInstance): string[] {
  const cap = r.capture;
  const lines = [c.bold(`Capture ${cap.file}`)];
  const format = `${cap.format}${cap.compressed ? ' (gzip)' : ''}`;
  lines.push(
    `  ${format}, ${cap.linkTypes.join(' + ') || 'no interfaces'}, ${cap.frames} frames over ${formatSeconds(cap.duration)}` +
      (cap.firstEpoch !== null ? ` from ${new Date(Number(cap.firstEpoch) * 1000).toISOString()}` : ''),
  );
  lines.push(
    `  DHCP ${cap.dhcpPackets} · TFTP ${cap.tftpPackets} · ARP ${cap.arpPackets} · ${r.sessions.length} client(s)`,
  );
  const skipped = formatSkipped(cap.skipped);
  if (skipped !== '') lines.push(c.dim(`  skipped: ${skipped}`));
  for (const w of cap.warnings) lines.push(c.yellow(`  warning: ${w}`));
  const kept = cap.retention;
  if (kept !== undefined)
    lines.push(
      c.yellow(
        `  report covers the clients active since ${new Date(Number(kept.since) * 1000).toISOString()}: ` +
          `${kept.clients} earlier client(s), judged and quiet for more than ${formatSeconds(kept.window)}, dropped (sniff --retain)`,
      ),
    );
  if (r.stats.evicted > 0)
    lines.push(c.yellow(`  ${r.stats.evicted} idle transactions/transfers dropped to keep memory bounded`));
  return lines;
}

function sessionBlock(s: BootSession, findings: Finding[], c: ChalkInstance, w: number | null): string[] {
  const lines: string[] = [];
  const who = [s.archName ?? 'arch unknown', s.vendorClass ?? null, s.isIpxe ? 'iPXE' : null].filter(
    (x) => x !== null,
  );
  lines.push(...fitLine(c.bold.cyan(`Client ${s.clientMac}`) + c.dim(`  ${who.join(' · ')}`), w, 2));
  if (s.uuid !== null) lines.push(`  UUID ${s.uuid}`);
  if (s.clientIp !== null) lines.push(`  address ${s.clientIp}`);
  s.boots.forEach((b, i) => lines.push(...fitLine(`  ${bootLabel(s.boots, i)}: ${bootLine(b)}`, w, 6)));
  if (s.phases.length > 0) {
    const origin = timelineOrigin(s);
    lines.push(c.bold('  Timeline') + (origin === null ? '' : c.dim(`  (${origin})`)));
    for (const p of s.phases) {
      lines.push(...fitLine(`    ${c.dim(sessionOffset(s, p.start).padStart(11))}  ${p.label}`, w, 13));
    }
  }
  if (s.transfers.length > 0) {
    lines.push(c.bold('  Transfers'));
    lines.push(...transfersTable(s.transfers, c, sub(w, 2)).map((l) => `  ${l}`));
  }
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  if (sorted.length > 0) {
    lines.push(c.bold('  Findings'));
    for (const f of sorted) lines.push(...findingBlock(f, c, sub(w, 2)).map((l) => `  ${l}`));
  }
  return lines;
}

/** Dropped in this order when the terminal is narrow; the file name and outcome always stay. */
const TRANSFER_COLUMNS: Column[] = [
  { head: 'frame', align: 'right', keep: 5 },
  { head: 'file', keep: Infinity, flexible: true },
  { head: 'outcome', keep: Infinity, words: true },
  { head: 'size', align: 'right', keep: 6 },
  { head: 'blksize', align: 'right', keep: 2 },
  { head: 'time', align: 'right', keep: 4 },
  { head: 'rate', align: 'right', keep: 3 },
  { head: 'dup/gaps', align: 'right', keep: 1 },
];

function transfersTable(transfers: TftpTransfer[], c: ChalkInstance, w: number | null): string[] {
  const rows = transfers.map((t): Cell[] => [
    String(t.request.frame),
    // Never shortened: the admin copies this name (pxelinux.cfg/01-…) into the TFTP root.
    t.filename,
    outcomeText(t, c),
    t.bytes > 0 ? formatBytes(t.bytes) : t.tsize !== null ? `(${formatBytes(t.tsize)})` : '',
    blksizeText(t),
    t.firstData !== null || t.duration > 0 ? formatSeconds(t.duration) : '',
    t.bytes > 0 ? formatRate(t.throughput) : '',
    t.duplicateData + t.duplicateAcks + t.gaps > 0 ? `${t.duplicateData + t.duplicateAcks}/${t.gaps}` : '',
  ]);
  return renderTable(TRANSFER_COLUMNS, rows, w, (h) => c.dim(h));
}

/** Breaks only between "error 1" and "(File not found)": no-break spaces hold each part together. */
function outcomeText(t: TftpTransfer, c: ChalkInstance): Cell {
  const cell = (text: string, paint: (s: string) => string): Cell => ({
    text: text.replace(/ (?!\()/g, '\u00a0'),
    paint,
  });
  switch (t.outcome) {
    case 'complete':
      return cell(completeText(t), c.green);
    case 'tsize-probe':
      return cell('tsize probe', c.dim);
    case 'error':
      return cell(
        t.error === null ? 'error' : `error ${t.error.code} (${tftpErrorName(t.error.code)})`,
        c.red,
      );
    case 'abandoned':
      return cell('abandoned', c.yellow);
    case 'unknown':
      return cell('unknown (not captured)', c.dim);
    case 'in-progress':
      return cell('in progress at end', c.yellow);
  }
}

const SEVERITY_LABEL: Record<Severity, string> = { error: 'ERROR', warn: 'WARN ', info: 'info ' };

/** Findings lines hang under the rule id; fix paragraphs under the text after "fix: ". */
const FINDING_INDENT = '      ';
const FIX_INDENT = `${FINDING_INDENT}     `;

function findingBlock(f: Finding, c: ChalkInstance, w: number | null): string[] {
  const colour = f.severity === 'error' ? c.red.bold : f.severity === 'warn' ? c.yellow.bold : c.blue;
  const lines = wrapText(
    f.message,
    w,
    `${colour(SEVERITY_LABEL[f.severity])} ${c.bold(f.ruleId)}  `,
    FINDING_INDENT,
  );
  if (f.frames.length > 0)
    lines.push(...wrapText(c.dim(`frames ${formatFrames(f.frames)}`), w, FINDING_INDENT, FIX_INDENT));
  if (f.pxeError !== null)
    lines.push(...wrapText(`client saw: ${f.pxeError}`, w, FINDING_INDENT, FIX_INDENT));
  hintLines(f.hint).forEach((l, i) => {
    const first = `${FINDING_INDENT}${i === 0 ? c.green('fix: ') : '     '}`;
    // Indented hint lines are configuration to copy: never broken.
    if (/^\s/.test(l)) lines.push(first + l);
    else lines.push(...wrapText(l, w, first, FIX_INDENT));
  });
  return lines;
}

function hintLines(hint: string): string[] {
  return hint.split('\n').filter((l) => l.trim() !== '');
}

const VERDICT_LABEL: Record<VerdictStatus, string> = {
  fail: 'FAIL',
  warn: 'WARN',
  ok: 'OK  ',
  unknown: 'UNKNOWN',
  incomplete: 'INCOMPLETE',
};

function verdictLine(s: BootSession, v: ClientVerdict, c: ChalkInstance): string {
  const colour = v.status === 'fail' ? c.red.bold : v.status === 'ok' ? c.green.bold : c.yellow.bold;
  return `${s.clientMac.padEnd(17)} ${colour(VERDICT_LABEL[v.status])}  ${v.reason}`;
}

/** A width less some indent; no limit stays no limit. */
function sub(w: number | null, n: number): number | null {
  return w === null ? null : w - n;
}
