/** TFTP lines of a session diagram: RRQ → OACK → one DATA/ACK line → how it ended; config-search misses folded. */
import type { TftpTransfer } from '../analysis/types.js';
import { tftpErrorName } from '../protocol/tftp/index.js';
import { formatBytes, formatRate, formatSeconds } from './format.js';
import {
  CLIENT,
  Participants,
  shorten,
  type Arrow,
  type Message,
  type Step,
  type Who,
  note,
} from './mermaid-model.js';

const CONFIGISH = /(^|\/)pxelinux\.cfg\/|\.(cfg|conf|ipxe)$/i;

function isMiss(t: TftpTransfer): boolean {
  return t.outcome === 'error' && t.error !== null && t.error.code === 1 && t.error.from === 'server';
}

function dirOf(name: string): string {
  const i = name.lastIndexOf('/');
  return i < 0 ? '' : name.slice(0, i + 1);
}

export function tftpSteps(transfers: TftpTransfer[], parts: Participants, folded: { n: number }): Step[] {
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
    // A WRQ is an upload: the client sends the DATA, the server acknowledges.
    const [from, to] = t.direction === 'write' ? [CLIENT, server] : [server, CLIENT];
    steps.push(msg(at, from, to, '-->>', text, `data ${t.blocks}`, 1, t.lastPacket.t));
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
