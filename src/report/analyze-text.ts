/**
 * The terminal report of `pxe-doctor analyze`: capture summary, one block per boot session (client,
 * effective boot parameters, phase timeline, transfers, findings with the client-side message and the fix)
 * and a one-line verdict per client. Colour only through chalk, so `color: false` gives plain text.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { AnalysisResult, BootSession, TftpTransfer } from '../analysis/types.js';
import type { Finding, Severity } from '../diagnosis/types.js';
import { tftpErrorName } from '../protocol/tftp/index.js';
import { bootLine, formatBytes, formatFrames, formatRate, formatSeconds } from './format.js';

export interface TextReportOptions {
  color: boolean;
  /** Terminal width for wrapping tables. */
  width?: number;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

export function renderAnalysisText(
  result: AnalysisResult,
  findings: Finding[],
  opts: TextReportOptions,
): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  out.push(...captureBlock(result, c));
  const captureFindings = findings.filter((f) => f.client === null);
  for (const s of result.sessions) {
    out.push('');
    out.push(
      ...sessionBlock(
        s,
        findings.filter((f) => f.client === s.clientMac),
        c,
      ),
    );
  }
  if (result.orphanTransfers.length > 0) {
    out.push('');
    out.push(c.bold('TFTP transfers without a DHCP exchange in the capture'));
    out.push(transfersTable(result.orphanTransfers, c));
  }
  if (captureFindings.length > 0) {
    out.push('');
    out.push(c.bold('Capture-wide findings'));
    for (const f of captureFindings) out.push(...findingBlock(f, c));
  }
  out.push('');
  out.push(c.bold('Verdict'));
  if (result.sessions.length === 0) {
    out.push(`  ${c.yellow('no PXE client')}: the capture holds no DHCP exchange of a client.`);
  }
  for (const s of result.sessions)
    out.push(
      `  ${verdictLine(
        s,
        findings.filter((f) => f.client === s.clientMac),
        c,
      )}`,
    );
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
  const skipped = Object.entries(cap.skipped)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${n}`);
  if (skipped.length > 0) lines.push(c.dim(`  skipped: ${skipped.join(', ')}`));
  for (const w of cap.warnings) lines.push(c.yellow(`  warning: ${w}`));
  if (r.stats.evicted > 0)
    lines.push(c.yellow(`  ${r.stats.evicted} idle transactions/transfers dropped to keep memory bounded`));
  return lines;
}

function sessionBlock(s: BootSession, findings: Finding[], c: ChalkInstance): string[] {
  const lines: string[] = [];
  const who = [s.archName ?? 'arch unknown', s.vendorClass ?? null, s.isIpxe ? 'iPXE' : null].filter(
    (x) => x !== null,
  );
  lines.push(c.bold.cyan(`Client ${s.clientMac}`) + c.dim(`  ${who.join(' · ')}`));
  if (s.uuid !== null) lines.push(`  UUID ${s.uuid}`);
  if (s.clientIp !== null) lines.push(`  address ${s.clientIp}`);
  s.boots.forEach((b, i) =>
    lines.push(`  ${s.boots.length > 1 ? `boot ${i + 1}: ` : 'boot: '}${bootLine(b)}`),
  );
  if (s.phases.length > 0) {
    lines.push(c.bold('  Timeline'));
    for (const p of s.phases) {
      lines.push(`    ${c.dim(`${p.start.toFixed(3).padStart(9)} s`)}  ${p.label}`);
    }
  }
  if (s.transfers.length > 0) {
    lines.push(c.bold('  Transfers'));
    lines.push(indent(transfersTable(s.transfers, c), '  '));
  }
  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  if (sorted.length > 0) {
    lines.push(c.bold('  Findings'));
    for (const f of sorted) lines.push(...findingBlock(f, c).map((l) => `  ${l}`));
  }
  return lines;
}

function transfersTable(transfers: TftpTransfer[], c: ChalkInstance): string {
  const table = new Table({
    head: ['frame', 'file', 'outcome', 'size', 'blksize', 'time', 'rate', 'dup/gaps'],
    // cli-table3 colours by itself even when piped: colour only through chalk.
    style: { head: [], border: [], compact: true },
  });
  for (const t of transfers) {
    table.push([
      String(t.request.frame),
      truncate(t.filename, 44),
      outcomeText(t, c),
      t.bytes > 0 ? formatBytes(t.bytes) : t.tsize !== null ? `(${formatBytes(t.tsize)})` : '',
      String(t.blksize) + (t.windowsize > 1 ? ` w${t.windowsize}` : ''),
      t.firstData !== null || t.duration > 0 ? formatSeconds(t.duration) : '',
      t.bytes > 0 ? formatRate(t.throughput) : '',
      t.duplicateData + t.duplicateAcks + t.gaps > 0 ? `${t.duplicateData + t.duplicateAcks}/${t.gaps}` : '',
    ]);
  }
  return table.toString();
}

function outcomeText(t: TftpTransfer, c: ChalkInstance): string {
  switch (t.outcome) {
    case 'complete':
      return c.green('complete');
    case 'tsize-probe':
      return c.dim('tsize probe');
    case 'error':
      return c.red(t.error === null ? 'error' : `error ${t.error.code} (${tftpErrorName(t.error.code)})`);
    case 'abandoned':
      return c.yellow('abandoned');
    case 'unknown':
      return c.dim('unknown (not captured)');
    case 'in-progress':
      return c.yellow('in progress at end');
  }
}

const SEVERITY_LABEL: Record<Severity, string> = { error: 'ERROR', warn: 'WARN ', info: 'info ' };

function findingBlock(f: Finding, c: ChalkInstance): string[] {
  const colour = f.severity === 'error' ? c.red.bold : f.severity === 'warn' ? c.yellow.bold : c.blue;
  const lines = [`${colour(SEVERITY_LABEL[f.severity])} ${c.bold(f.ruleId)}  ${f.message}`];
  if (f.frames.length > 0) lines.push(c.dim(`      frames ${formatFrames(f.frames)}`));
  if (f.pxeError !== null) lines.push(`      client saw: ${f.pxeError}`);
  if (f.hint !== '')
    lines.push(...wrapHint(f.hint).map((l, i) => `      ${i === 0 ? c.green('fix: ') : '     '}${l}`));
  return lines;
}

function wrapHint(hint: string): string[] {
  return hint.split('\n').filter((l) => l.trim() !== '');
}

function verdictLine(s: BootSession, findings: Finding[], c: ChalkInstance): string {
  const worst = findings.reduce<Severity | null>(
    (w, f) => (w === null || SEVERITY_ORDER[f.severity] < SEVERITY_ORDER[w] ? f.severity : w),
    null,
  );
  const label = s.clientMac.padEnd(17);
  if (worst === 'error') {
    const first = findings.find((f) => f.severity === 'error');
    return `${label} ${c.red.bold('FAIL')}  ${first?.title ?? ''}`;
  }
  if (worst === 'warn') {
    const first = findings.find((f) => f.severity === 'warn');
    return `${label} ${c.yellow.bold('WARN')}  ${first?.title ?? ''}`;
  }
  const booted = s.transfers.filter((t) => t.outcome === 'complete');
  const what =
    booted.length > 0
      ? `loaded ${booted
          .map((t) => t.filename)
          .slice(0, 4)
          .join(', ')}${booted.length > 4 ? ', …' : ''}`
      : 'no problem seen';
  return `${label} ${c.green.bold('OK  ')}  ${what}`;
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((l) => prefix + l)
    .join('\n');
}
