/**
 * The replay diff as text: what the reference was configured with (when inferred), then per client each
 * request played again with the fields whose answer changed. Expected differences are counted, not listed,
 * unless `verbose`. Colour only through chalk, so `color: false` gives plain text.
 */
import { Chalk } from 'chalk';
import type { ExchangeDiff, FieldDiff, ReplayReport } from './replay-model.js';

export interface ReplayTextOptions {
  color: boolean;
  /** Also list the fields that differ as expected (volatile) and the exchanges that are the same. */
  verbose?: boolean;
}

const MAX_VALUE = 100;

function show(v: string | null): string {
  if (v === null) return 'none';
  return v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE - 1)}…` : v;
}

export function renderReplayText(r: ReplayReport, opts: ReplayTextOptions): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [`Replay of ${r.capture} against the ${r.target}`];
  for (const w of r.warnings) out.push(c.yellow(`warning: ${w}`));
  if (r.inference.length > 0) {
    out.push('', 'Reference configuration inferred from the capture (give --config to use your own):');
    for (const line of r.inference) out.push(`  ${line}`);
  }
  for (const s of r.skipped) out.push('', `client ${s.mac}: not replayed: ${s.reason}`);
  for (const client of r.clients) {
    const n = client.differences;
    out.push(
      '',
      c.bold(
        `client ${client.mac}: ${n === 0 ? 'same answers' : `${n} answer${n === 1 ? ' differs' : 's differ'}`}` +
          ` (${client.volatile} field${client.volatile === 1 ? '' : 's'} differ as expected)`,
      ),
    );
    for (const e of client.exchanges) out.push(...exchangeLines(e, opts.verbose === true, c));
  }
  const total = r.differences;
  // What the capture cannot show is not "the same": said beside the verdict.
  const unknown = r.clients.reduce(
    (n, cl) => n + cl.exchanges.filter((e) => e.status === 'unknown').length,
    0,
  );
  const unseen =
    unknown === 0
      ? ''
      : `; ${unknown} captured answer${unknown === 1 ? '' : 's'} the capture does not show, not compared`;
  out.push(
    '',
    total === 0
      ? c.green(`Result: the same answers (apart from the expected differences)${unseen}`)
      : c.red(`Result: ${total} answer${total === 1 ? ' differs' : 's differ'}${unseen}`),
    '',
  );
  return out.join('\n');
}

const MARK: Record<ExchangeDiff['status'], string> = { same: '=', differs: '≠', unknown: '?', skipped: '-' };

function exchangeLines(e: ExchangeDiff, verbose: boolean, c: InstanceType<typeof Chalk>): string[] {
  const shown = e.fields.filter((f) => f.status === 'differs' || (verbose && f.status !== 'same'));
  if (e.status === 'same' && !verbose) return [];
  const expected = e.fields.filter((f) => f.status === 'volatile').length;
  let head = `  ${MARK[e.status]} ${e.label} (frame ${e.clientFrame})`;
  if (e.status === 'unknown') head += ': the capture does not show the captured answer';
  if (e.status === 'skipped') head += `: ${e.note ?? 'not sent'}`;
  if (e.status === 'same' && expected > 0)
    head += `: ${expected} expected difference${expected === 1 ? '' : 's'}`;
  const paint = e.status === 'differs' ? c.red : e.status === 'same' ? c.green : c.dim;
  const lines = [paint(head)];
  for (const f of shown) lines.push(fieldLine(f));
  if (e.note !== null && e.status !== 'skipped') lines.push(`      (${e.note})`);
  if (e.explains.length > 0)
    lines.push(c.cyan(`      explains the analyze finding ${e.explains.join(', ')}`));
  return lines;
}

function fieldLine(f: FieldDiff): string {
  const why = f.status === 'volatile' ? ` — expected: ${f.why ?? 'volatile'}` : '';
  return `      ${f.field}: captured ${show(f.captured)}, now ${show(f.replayed)}${why}`;
}
