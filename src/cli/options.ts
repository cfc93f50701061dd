/**
 * Options shared by several commands, each defined and read in one place: the client MAC (`--client`), the
 * `--fail-on` level and whole numbers. Every bad value is a UsageError (exit 2) that names the flag and what
 * it expects.
 */
import type { AnalysisResult } from '../analysis/types.js';
import type { Severity } from '../diagnosis/types.js';
import { UsageError } from '../errors.js';
import { normalizeMac } from '../protocol/addr.js';

/** The forms `--client` accepts, for help and errors. */
export const MAC_FORMS = '52:54:00:12:34:56, 52-54-00-12-34-56, 5254.0012.3456 or 525400123456';

/** The `--client` option; `more` adds what the command does when the client is not there. */
export function clientOptionSpec(more = ''): { type: 'string'; description: string } {
  return { type: 'string', description: `only the client with this MAC address (${MAC_FORMS})${more}` };
}

/** `--client` as "52:54:00:12:34:56", whichever way it was written. */
export function clientOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const mac = normalizeMac(value);
  if (mac === null) throw new UsageError(`--client ${value}: not a MAC address (${MAC_FORMS})`);
  return mac;
}

/** A `--client` that names nobody in the capture is a typo until shown otherwise: exit 2 with who is there. */
export function requireClient(client: string | undefined, result: AnalysisResult): void {
  if (client === undefined || result.sessions.some((s) => s.clientMac === client)) return;
  const seen = [...new Set(result.sessions.map((s) => s.clientMac))];
  throw new UsageError(
    `--client ${client}: no boot session of this client in the capture` +
      (seen.length > 0 ? ` (clients: ${seen.join(', ')})` : ' (it holds no PXE client)'),
  );
}

/**
 * yargs turns `--http abc` into NaN and lets the command print "NaN". Run before every command: any numeric
 * flag that did not parse is a usage error quoting what was typed.
 */
export function rejectUnparsedNumbers(argv: Record<string, unknown>, raw: readonly string[]): void {
  for (const [key, value] of Object.entries(argv)) {
    if (typeof value !== 'number' || !Number.isNaN(value) || key.length < 2) continue;
    const flag = `--${key}`;
    const i = raw.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
    if (i < 0) continue; // the camelCase twin of a kebab-case flag: reported under its own name
    const typed = raw[i].includes('=') ? raw[i].slice(flag.length + 1) : (raw[i + 1] ?? '');
    throw new UsageError(`${flag} ${typed === '' ? '(no value)' : typed}: not a number`);
  }
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

/** The `--fail-on LEVEL` option (any case: ERROR, Warn… as the report prints them); `when` ends its help. */
export function failOnOptionSpec(when: string): {
  choices: readonly Severity[];
  coerce: (level: string) => Severity;
  description: string;
} {
  return {
    choices: ['info', 'warn', 'error'],
    coerce: (level: string) => level.toLowerCase() as Severity,
    description: `exit 1 when a finding at or above this severity ${when} (any case)`,
  };
}

/** True when `--fail-on` was given and a finding reaches its level. */
export function reachesFailOn(
  findings: readonly { severity: Severity }[],
  level: Severity | undefined,
): boolean {
  return level !== undefined && findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
}
