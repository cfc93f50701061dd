/** Arranging a diagram's lines: finding notes, folded rounds, quiet gaps, the line cap. */
import type { Finding, Severity } from '../diagnosis/types.js';
import { formatOffset, formatSeconds } from './format.js';
import { cut, note, type Message, type Note, type Step } from './mermaid-model.js';

const SEVERITY_MARK: Record<Severity, string> = { error: '✖', warn: '⚠', info: 'ℹ' };

export function findingNote(f: Finding, sessionEnd: number): Note {
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
export function foldRounds(steps: Step[], folded: { n: number }): Step[] {
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
export function repeats(m: Message): string {
  if (m.count <= 1) return '';
  const span = m.until - m.t;
  return span >= 0.5 ? ` ×${m.count} over ${formatSeconds(span)}` : ` ×${m.count}`;
}

/** Seconds without a packet of the session that get a note of their own: where a client waited. */
export const GAP_SECONDS = 2;

/** A note wherever the session went quiet for GAP_SECONDS or more between two lines. */
export function markGaps(steps: Step[]): Step[] {
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
export function mergeFindings(exchange: Step[], notes: Note[]): Step[] {
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
export function capLines(lines: Step[], max: number, folded: { n: number }): Step[] {
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
