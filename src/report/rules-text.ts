import { Chalk } from 'chalk';
import type { RuleDoc } from '../diagnosis/types.js';
import { wrapText } from './layout.js';

/** `analyze --rules`: every rule with what it detects and what it deliberately leaves alone. */
export function renderRulesText(
  rules: readonly RuleDoc[],
  opts: { color: boolean; width?: number | null },
): string {
  const w = opts.width ?? null;
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  for (const r of rules) {
    const sev =
      r.severity === 'error'
        ? c.red(r.severity)
        : r.severity === 'warn'
          ? c.yellow(r.severity)
          : c.blue(r.severity);
    out.push(...wrapText(r.title, w, `${c.bold(r.id)}  [${sev}]  `, '    '));
    out.push(...wrapText(r.detects, w, '    detects: ', '             '));
    if (r.ignores !== '') out.push(...wrapText(r.ignores, w, '    ignores: ', '             '));
    out.push('');
  }
  return `${out.join('\n')}`;
}
