/** Renders docs/rules.md from the registry, so the documentation cannot drift from the rules. */
import { messageSource } from './pxe-errors.js';
import { listRules } from './registry.js';
import type { RuleDoc } from './types.js';

export const RULES_DOC_HEADER = `# Diagnosis rules

Every rule \`pxe-doctor analyze\` runs, in the order it runs them (\`pxe-doctor analyze --rules\` lists the
same). Each finding names the client, file and server involved, the frames that prove it, what the client
printed (per firmware family: legacy BIOS PXE ROM, UEFI, iPXE, pxelinux — each with the firmware source
it was checked against; none when the capture shows no network-boot client) and a fix with the real names
filled in for dnsmasq, ISC dhcpd and Kea.

Severities: **error** — the boot fails because of it; **warn** — it works here but is fragile or slow, or
may fail on other firmware; **info** — worth knowing when reading the capture.

This file is generated from \`src/diagnosis/rules/\`; the unit tests check it is current
(\`UPDATE_DOCS=1 node --test dist/test/unit/diagnosis/\` rewrites it).
`;

export function renderRuleSection(r: RuleDoc): string {
  const lines = [`## \`${r.id}\` — ${r.title}`, ''];
  lines.push(`- **Severity:** ${r.severity}${r.severityNote ? `; ${r.severityNote}` : ''}`);
  lines.push(`- **Group:** ${r.group}`);
  lines.push(`- **Detects:** ${r.detects}`);
  lines.push(`- **Ignores:** ${r.ignores}`);
  lines.push(
    `- **Client shows:** ${r.clientMessages.length > 0 ? r.clientMessages.map(cited).join(' · ') : '—'}`,
  );
  lines.push(`- **Fix:** ${r.fix}`);
  return lines.join('\n');
}

/** A client message with the firmware source it was checked against. */
function cited(m: string): string {
  const src = messageSource(m);
  return src === null ? `\`${m}\`` : `\`${m}\` (${src})`;
}

export function renderRulesMarkdown(rules: readonly RuleDoc[] = listRules()): string {
  const index = rules.map((r) => `| [\`${r.id}\`](#${anchor(r)}) | ${r.severity} | ${r.title} |`).join('\n');
  return [
    RULES_DOC_HEADER,
    '| rule | severity | title |',
    '|---|---|---|',
    index,
    '',
    ...rules.map((r) => `${renderRuleSection(r)}\n`),
  ].join('\n');
}

/** GitHub's heading anchor for "## `id` — title". */
export function anchor(r: RuleDoc): string {
  return `${r.id} — ${r.title}`
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}
