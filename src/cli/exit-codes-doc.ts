/**
 * docs/exit-codes.md as the one list of exit codes: the man page prints its rows, and each command's help
 * ends with a line naming its codes, both read from that file so neither can drift from it.
 */
import { readFileSync } from 'node:fs';

export interface ExitCodeRow {
  /** "" for the first table (analyze, decode, diagram), else the heading: "serve", "fixture" … */
  section: string;
  code: string;
  /** The row's text, markdown as written. */
  text: string;
}

/** "| 6 | text |" rows of docs/exit-codes.md, by section ("" for the first table, "serve" after its heading). */
export function exitCodeRows(markdown: string): ExitCodeRow[] {
  const rows: ExitCodeRow[] = [];
  let section = '';
  for (const line of markdown.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading !== null) section = heading[1].replace(/`/g, '');
    const row = /^\| (\d+) \| (.+) \|$/.exec(line);
    if (row !== null) rows.push({ section, code: row[1], text: row[2].replace(/\\\|/g, '|') });
  }
  return rows;
}

/** The text of docs/exit-codes.md shipped with the package, or null when it is not there. */
export function exitCodesMarkdown(): string | null {
  try {
    return readFileSync(new URL('../../../docs/exit-codes.md', import.meta.url), 'utf8');
  } catch {
    return null;
  }
}

/** `text` up to the first of `marks` outside parentheses (all of it when there is none). */
function upTo(text: string, marks: readonly string[]): string {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && marks.some((m) => text.startsWith(m, i))) return text.slice(0, i);
  }
  return text;
}

/**
 * A row's gist for one line of help: its first clause ("interface or permission problem"), after the label
 * it may start with ("check: every fixture agrees …"); a clause too long for that is cut at a comma.
 */
export function exitCodeGist(text: string): string {
  // A label is what the row starts with in backticks, a command or an option: "`check`: …".
  const label = /^`[^`]+`(, `[^`]+`)*: /.exec(text)?.[0].replace(/`/g, '') ?? '';
  const plain = text.replace(/`/g, '').slice(label.length);
  let clause = upTo(upTo(plain, ['. ']).replace(/\.$/, ''), [': ', '; ', ' — ']);
  if (clause.length > 80) clause = upTo(clause, [', ']);
  const gist = `${label}${clause}`;
  return gist.charAt(0).toLowerCase() + gist.slice(1);
}

/** "Exit codes: 0 …; 2 …; … (docs/exit-codes.md)." for the help of the commands of one section. */
export function exitCodesLine(section: string, markdown: string | null = exitCodesMarkdown()): string {
  const rows = markdown === null ? [] : exitCodeRows(markdown).filter((r) => r.section === section);
  if (rows.length === 0) return 'Exit codes: see docs/exit-codes.md.';
  return `Exit codes: ${rows.map((r) => `${r.code} ${exitCodeGist(r.text)}`).join('; ')} (docs/exit-codes.md).`;
}
