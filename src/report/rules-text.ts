import { Chalk } from 'chalk';
import type { RuleDoc } from '../diagnosis/types.js';

/** `analyze --rules`: every rule with what it detects and what it deliberately leaves alone. */
export function renderRulesText(rules: readonly RuleDoc[], opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const out: string[] = [];
  for (const r of rules) {
    const sev =
      r.severity === 'error'
        ? c.red(r.severity)
        : r.severity === 'warn'
          ? c.yellow(r.severity)
          : c.blue(r.severity);
    out.push(`${c.bold(r.id)}  [${sev}]  ${r.title}`);
    out.push(`    detects: ${r.detects}`);
    if (r.ignores !== '') out.push(`    ignores: ${r.ignores}`);
    out.push('');
  }
  return `${out.join('\n')}`;
}
