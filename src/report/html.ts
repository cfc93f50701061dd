/**
 * The HTML report of `pxe-doctor analyze --html`: one self-contained file (inline CSS, no network access when
 * opened) with the capture summary, per session the boot parameters, timeline, transfers, findings with their
 * fixes and the sequence diagram. Pure: the caller supplies the diagrams and, when available, the mermaid
 * library or pre-rendered SVGs. Every text that comes from the capture goes through escapeHtml().
 */
import { identifyServers } from '../analysis/server-software.js';
import type { AnalysisResult, BootSession, TftpTransfer } from '../analysis/types.js';
import { OTHER_SERVERS_PREFIX } from '../diagnosis/hints.js';
import type { Finding, Severity } from '../diagnosis/types.js';
import { concernsSession as concerns, verdictOf, type VerdictStatus } from '../diagnosis/verdict.js';
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
  serverLine,
  sessionOffset,
  timelineOrigin,
} from './format.js';
import type { MermaidDiagram } from './mermaid.js';

export interface HtmlDiagrams {
  diagrams: MermaidDiagram[];
  /** How diagrams are drawn: the inlined mermaid library, SVGs rendered beforehand, or the text only. */
  mode: 'library' | 'svg' | 'text';
  /** mermaid.min.js (mode 'library'). */
  library?: string;
  /** One SVG per diagram, in order (mode 'svg'). */
  svgs?: string[];
}

export interface HtmlReportOptions {
  version: string;
  /** Generation time shown in the footer (ISO); left out when absent, which keeps output reproducible. */
  generated?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Text for an inline <script>: nothing in it can close the element or open an HTML comment. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** An SVG from mmdc, without its XML prologue and any script. */
function inlineSvg(svg: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/<script[\s\S]*?<\/script>/gi, '')
    .replace(/\son\w+\s*=\s*("[^"]*"|'[^']*')/gi, '');
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

export function renderHtmlReport(
  result: AnalysisResult,
  findings: Finding[],
  drawn: HtmlDiagrams,
  opts: HtmlReportOptions,
): string {
  const e = escapeHtml;
  const cap = result.capture;
  const body: string[] = [];
  body.push(`<h1>PXE boot report <span class="file">${e(cap.file)}</span></h1>`);
  body.push('<section class="summary"><h2>Capture</h2><dl>');
  const dl = (k: string, v: string): void => {
    body.push(`<dt>${e(k)}</dt><dd>${e(v)}</dd>`);
  };
  dl(
    'format',
    `${cap.format}${cap.compressed ? ' (gzip)' : ''}, ${cap.linkTypes.join(' + ') || 'no interfaces'}`,
  );
  dl('frames', `${cap.frames} over ${formatSeconds(cap.duration)}`);
  if (cap.firstEpoch !== null) dl('started', epochText(cap.firstEpoch));
  dl('packets', `DHCP ${cap.dhcpPackets} · TFTP ${cap.tftpPackets} · ARP ${cap.arpPackets}`);
  dl('clients', String(result.sessions.length));
  body.push('</dl>');
  for (const w of cap.warnings) body.push(`<p class="warn">warning: ${e(w)}</p>`);
  body.push('</section>');

  const servers = identifyServers(result);
  if (servers.length > 0) {
    body.push('<section class="servers"><h2>Servers</h2><ul>');
    for (const id of servers) body.push(`<li>${e(serverLine(id))}</li>`);
    body.push('</ul></section>');
  }

  body.push('<section><h2>Verdict</h2><ul class="verdicts">');
  if (result.sessions.length === 0)
    body.push('<li>No PXE client: the capture holds no DHCP exchange of a client.</li>');
  for (const s of result.sessions) {
    const v = verdictOf(s, findings, result);
    body.push(
      `<li><a href="#${e(anchor(s))}"><code>${e(s.clientMac)}</code></a> <span class="badge ${VERDICT_CLASS[v.status]}">${v.status.toUpperCase()}</span> ${e(v.reason)}</li>`,
    );
  }
  body.push('</ul></section>');

  result.sessions.forEach((s) => {
    const index = drawn.diagrams.findIndex((d) => d.sessionId === s.id);
    body.push(
      sessionSection(
        s,
        findings.filter((f) => concerns(f, s)),
        index,
        drawn,
      ),
    );
  });
  if (result.orphanTransfers.length > 0) {
    body.push('<section><h2>TFTP transfers without a DHCP exchange in the capture</h2>');
    body.push(transfersTable(result.orphanTransfers));
    body.push('</section>');
  }
  const captureFindings = findings.filter((f) => f.client === null);
  if (captureFindings.length > 0) {
    body.push('<section><h2>Capture-wide findings</h2>');
    for (const f of captureFindings) body.push(findingBlock(f));
    body.push('</section>');
  }
  body.push(
    `<footer>pxe-doctor ${e(opts.version)}${opts.generated !== undefined ? ` · ${e(opts.generated)}` : ''}</footer>`,
  );

  const script =
    drawn.mode === 'library' && drawn.library !== undefined
      ? `<script>${scriptText(drawn.library)}</script>\n<script>mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: 'default', sequence: { wrap: false } });\nmermaid.run({ querySelector: 'pre.mermaid' }).catch(function (err) { var p = document.createElement('p'); p.className = 'warn'; p.textContent = 'diagram: ' + err; document.body.appendChild(p); });</script>`
      : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; font-src data:">
<title>PXE boot report: ${e(cap.file)}</title>
<style>${CSS}</style>
</head>
<body>
${body.join('\n')}
${script}
</body>
</html>
`;
}

/** "1795423271.701291575" (seconds since 1970) as ISO time; any other text as it is. */
function epochText(epoch: string): string {
  const ms = /^\d+(\.\d+)?$/.test(epoch) ? Number(epoch) * 1000 : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : epoch;
}

/** A finding belongs to its session (several sessions of one client each get their own). */
const VERDICT_CLASS: Record<VerdictStatus, string> = {
  fail: 'error',
  warn: 'warn',
  ok: 'ok',
  unknown: 'warn',
  incomplete: 'warn',
};

function anchor(s: BootSession): string {
  return `client-${s.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function sessionSection(s: BootSession, findings: Finding[], index: number, drawn: HtmlDiagrams): string {
  const e = escapeHtml;
  const out: string[] = [];
  out.push(`<section class="session" id="${e(anchor(s))}">`);
  const who = [s.archName ?? 'arch unknown', s.vendorClass, s.isIpxe ? 'iPXE' : null].filter(
    (x) => x !== null,
  );
  out.push(`<h2>Client <code>${e(s.clientMac)}</code> <small>${e(who.join(' · '))}</small></h2>`);
  out.push('<dl>');
  if (s.uuid !== null) out.push(`<dt>UUID</dt><dd>${e(s.uuid)}</dd>`);
  if (s.clientIp !== null) out.push(`<dt>address</dt><dd>${e(s.clientIp)}</dd>`);
  s.boots.forEach((b, i) => out.push(`<dt>${e(bootLabel(s.boots, i))}</dt><dd>${e(bootLine(b))}</dd>`));
  out.push('</dl>');

  const sorted = [...findings].sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
  if (sorted.length > 0) {
    out.push('<h3>Findings</h3>');
    for (const f of sorted) out.push(findingBlock(f));
  }
  if (index >= 0) {
    const d = drawn.diagrams[index];
    out.push('<h3>Sequence</h3><div class="diagram">');
    if (drawn.mode === 'library') out.push(`<pre class="mermaid">${e(d.text)}</pre>`);
    else if (drawn.mode === 'svg' && drawn.svgs?.[index] !== undefined)
      out.push(inlineSvg(drawn.svgs[index]));
    else {
      out.push(
        '<p class="note">The diagram is shown as mermaid text: install mermaid-cli (<code>npm install @mermaid-js/mermaid-cli@11</code>) to embed it drawn, or paste the text into any mermaid viewer.</p>',
      );
      out.push(`<pre class="mermaid-text">${e(d.text)}</pre>`);
    }
    out.push('</div>');
  }
  if (s.phases.length > 0) {
    const origin = timelineOrigin(s);
    out.push(
      `<h3>Timeline</h3>${origin === null ? '' : `<p class="note">Times count ${e(origin)}.</p>`}` +
        '<table class="timeline"><thead><tr><th>time</th><th>phase</th><th>frames</th></tr></thead><tbody>',
    );
    for (const p of s.phases)
      out.push(
        `<tr class="phase-${e(p.kind)}"><td class="num">${e(sessionOffset(s, p.start))}</td><td>${e(p.label)}</td><td class="frames">${e(formatFrames(p.frames, 4))}</td></tr>`,
      );
    out.push('</tbody></table>');
  }
  if (s.transfers.length > 0) {
    out.push('<h3>Transfers</h3>');
    out.push(transfersTable(s.transfers));
  }
  out.push('</section>');
  return out.join('\n');
}

function outcome(t: TftpTransfer): { text: string; cls: string } {
  switch (t.outcome) {
    case 'complete':
      return { text: completeText(t), cls: 'ok' };
    case 'tsize-probe':
      return { text: 'tsize probe', cls: 'dim' };
    case 'error':
      return {
        text: t.error === null ? 'error' : `error ${t.error.code} (${tftpErrorName(t.error.code)})`,
        cls: 'error',
      };
    case 'abandoned':
      return { text: 'abandoned', cls: 'warn' };
    case 'unknown':
      return { text: 'unknown (not captured)', cls: 'dim' };
    case 'in-progress':
      return { text: 'in progress at end', cls: 'warn' };
  }
}

function transfersTable(transfers: TftpTransfer[]): string {
  const e = escapeHtml;
  const rows = transfers.map((t) => {
    const o = outcome(t);
    const size = t.bytes > 0 ? formatBytes(t.bytes) : t.tsize !== null ? `(${formatBytes(t.tsize)})` : '';
    const dups =
      t.duplicateData + t.duplicateAcks + t.gaps > 0 ? `${t.duplicateData + t.duplicateAcks}/${t.gaps}` : '';
    return (
      `<tr><td class="num">${t.request.frame}</td><td class="num">${t.request.t.toFixed(3)} s</td>` +
      `<td class="name">${e(t.filename)}</td><td>${e(t.serverIp)}</td><td class="${o.cls}">${e(o.text)}</td>` +
      `<td class="num">${e(size)}</td><td class="num">${e(blksizeText(t))}</td>` +
      `<td class="num">${t.firstData !== null || t.duration > 0 ? e(formatSeconds(t.duration)) : ''}</td>` +
      `<td class="num">${t.bytes > 0 ? e(formatRate(t.throughput)) : ''}</td><td class="num">${dups}</td></tr>`
    );
  });
  return (
    '<table class="transfers"><thead><tr><th>frame</th><th>time</th><th>file</th><th>server</th><th>outcome</th>' +
    '<th>size</th><th>blksize</th><th>duration</th><th>rate</th><th>dup/gaps</th></tr></thead><tbody>\n' +
    rows.join('\n') +
    '\n</tbody></table>'
  );
}

function findingBlock(f: Finding): string {
  const e = escapeHtml;
  const out = [`<div class="finding ${f.severity}">`];
  out.push(
    `<p class="head"><span class="badge ${f.severity}">${f.severity.toUpperCase()}</span> <strong>${e(f.title)}</strong> <code>${e(f.ruleId)}</code>${f.t !== null ? ` <span class="dim">at ${f.t.toFixed(3)} s</span>` : ''}</p>`,
  );
  out.push(`<p>${e(f.message)}</p>`);
  if (f.pxeError !== null) out.push(`<p>client saw: <samp>${e(f.pxeError)}</samp></p>`);
  if (f.frames.length > 0) out.push(`<p class="dim">frames ${e(formatFrames(f.frames))}</p>`);
  if (f.hint !== '') out.push(fixBlock(f.hint));
  out.push('</div>');
  return out.join('\n');
}

/**
 * The fix: when the hint put the identified server's block first, the other servers' blocks (from the
 * "if it is not …" line on) fold into a closed section, as the text report sets them apart.
 */
function fixBlock(hint: string): string {
  const e = escapeHtml;
  const lines = hint.split('\n');
  const at = lines.findIndex((l) => l.startsWith(OTHER_SERVERS_PREFIX));
  if (at <= 0) return `<p class="fix-label">fix</p><pre class="fix">${e(hint)}</pre>`;
  const summary = lines[at].trim().replace(/:$/, '');
  return [
    `<p class="fix-label">fix</p><pre class="fix">${e(lines.slice(0, at).join('\n'))}</pre>`,
    `<details class="fix-other"><summary>${e(summary)}</summary><pre class="fix">${e(lines.slice(at + 1).join('\n'))}</pre></details>`,
  ].join('\n');
}

const CSS = `
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px; padding: 0 1rem; color: #1d2330; background: #fff; }
h1 { font-size: 1.5rem; } h1 .file { font-weight: normal; font-family: ui-monospace, monospace; font-size: 1rem; color: #555; word-break: break-all; }
h2 { font-size: 1.25rem; border-bottom: 1px solid #dde; padding-bottom: .2rem; margin-top: 2.2rem; } h2 small { font-weight: normal; color: #666; font-size: .85rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .5rem 0; } dt { color: #666; } dd { margin: 0; word-break: break-word; }
code, samp, pre, td.name { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { border-bottom: 1px solid #e4e6ee; padding: .25rem .5rem; text-align: left; vertical-align: top; }
th { background: #f4f5f9; } td.num { text-align: right; white-space: nowrap; } td.name { word-break: break-all; } td.frames { color: #777; }
.ok { color: #1a7f37; } .warn { color: #9a6700; } .error { color: #cf222e; } .dim, .note { color: #6e7781; }
.badge { display: inline-block; font-size: .75rem; font-weight: 600; padding: 0 .45rem; border-radius: .6rem; color: #fff; background: #6e7781; }
.badge.ok { background: #1a7f37; } .badge.warn { background: #bf8700; } .badge.error { background: #cf222e; } .badge.info { background: #0969da; }
.verdicts { list-style: none; padding: 0; } .verdicts li { margin: .2rem 0; }
.finding { border-left: 4px solid #0969da; background: #f6f8fa; padding: .3rem .9rem; margin: .6rem 0; }
.finding.error { border-color: #cf222e; background: #fff5f5; } .finding.warn { border-color: #bf8700; background: #fffbeb; }
.finding p { margin: .35rem 0; } .finding .head { margin-top: .5rem; }
.fix-label { font-weight: 600; color: #1a7f37; margin-bottom: 0; }
pre { background: #f6f8fa; border: 1px solid #e4e6ee; padding: .6rem .8rem; overflow-x: auto; white-space: pre; }
pre.fix { background: #fff; margin-top: .2rem; }
.diagram { overflow-x: auto; border: 1px solid #e4e6ee; padding: .5rem; background: #fff; }
.diagram pre.mermaid { border: 0; background: #fff; } .diagram svg { max-width: 100%; height: auto; }
footer { margin-top: 3rem; color: #6e7781; font-size: .8rem; }
`;
