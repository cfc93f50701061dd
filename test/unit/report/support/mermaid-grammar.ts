/**
 * The subset of mermaid's sequence-diagram syntax pxe-doctor may write, as a checker: every line must be one
 * of the statement forms below, and every piece of text may hold only plain characters, the diagram's own
 * symbols, entity codes (`#35;`) and `<br/>`. Anything else (a raw `#`, `;`, `%%`, `<`, a keyword mermaid
 * rewrites) is reported with its line number.
 */

const ID = '(?:Client|Bcast|S\\d+)';
const TEXT_UNIT = "(?:[A-Za-z0-9 .,_/()\\[\\]+=@!?*'^~|{}:\\-·…×→↻✖✔⚠ℹµ–]|#\\d{1,7};|<br/>)";
const TEXT = `${TEXT_UNIT}+`;

const FORMS: { name: string; re: RegExp }[] = [
  { name: 'header', re: /^sequenceDiagram$/ },
  { name: 'participant', re: new RegExp(`^    participant (${ID}) as (${TEXT})$`) },
  { name: 'message', re: new RegExp(`^ {4}(${ID})(?:->>|-->>|-x|--x)(${ID}): (${TEXT})$`) },
  { name: 'note', re: new RegExp(`^(?: {4}| {8})Note over (${ID})(?:,(${ID}))?: (${TEXT})$`) },
  { name: 'rect', re: /^ {4}rect rgb\(\d{1,3}, \d{1,3}, \d{1,3}\)$/ },
  { name: 'end', re: /^ {4}end$/ },
];

export interface GrammarProblem {
  line: number;
  text: string;
  why: string;
}

/** Text rules beyond the character set: words and prefixes mermaid treats specially. */
function textProblem(text: string): string | null {
  if (/style|classdef/i.test(text)) return 'contains style/classDef unencoded';
  if (/^(?:no)?wrap:/i.test(text)) return 'starts with wrap:';
  if (/%%/.test(text)) return 'contains %%';
  return null;
}

/** Problems of a diagram text; [] when every line is allowed and the structure holds. */
export function checkDiagram(diagram: string): GrammarProblem[] {
  const problems: GrammarProblem[] = [];
  if (!diagram.endsWith('\n')) problems.push({ line: 0, text: '', why: 'no final newline' });
  const lines = diagram.replace(/\n$/, '').split('\n');
  const declared = new Set<string>();
  let inRect = false;
  let rectNotes = 0;
  lines.forEach((text, i) => {
    const line = i + 1;
    const form = FORMS.find((f) => f.re.test(text));
    if (form === undefined) {
      problems.push({ line, text, why: 'not an allowed statement' });
      return;
    }
    if ((form.name === 'header') !== (i === 0)) problems.push({ line, text, why: 'header misplaced' });
    const m = form.re.exec(text);
    const groups = m === null ? [] : m.slice(1).filter((g) => g !== undefined);
    if (form.name === 'participant') {
      if (declared.has(groups[0])) problems.push({ line, text, why: 'participant declared twice' });
      declared.add(groups[0]);
    }
    const ids =
      form.name === 'message' ? groups.slice(0, 2) : form.name === 'note' ? groups.slice(0, -1) : [];
    for (const id of ids) if (!declared.has(id)) problems.push({ line, text, why: `${id} not declared` });
    if (form.name === 'participant' || form.name === 'message' || form.name === 'note') {
      const why = textProblem(groups[groups.length - 1]);
      if (why !== null) problems.push({ line, text, why });
    }
    if (form.name === 'rect') {
      if (inRect) problems.push({ line, text, why: 'nested rect' });
      inRect = true;
      rectNotes = 0;
    } else if (form.name === 'end') {
      if (!inRect || rectNotes !== 1) problems.push({ line, text, why: 'end without rect + one note' });
      inRect = false;
    } else if (inRect) {
      if (form.name !== 'note' || !text.startsWith('        '))
        problems.push({ line, text, why: 'rect holds a note only' });
      rectNotes++;
    } else if (text.startsWith('        ')) problems.push({ line, text, why: 'indented outside rect' });
  });
  if (inRect) problems.push({ line: lines.length, text: '', why: 'rect not closed' });
  return problems;
}

/** Entity codes back to characters: what mermaid shows for a text (`<br/>` as a line break). */
export function decodeMermaidText(text: string): string {
  return text
    .replace(/<br\/>/g, '\n')
    .replace(/#(\d+);/g, (_m, n: string) => String.fromCodePoint(Number(n)));
}

/** Statement lines of a form, for assertions on real diagrams. */
export function linesOf(diagram: string, form: 'participant' | 'message' | 'note'): string[] {
  const re = FORMS.find((f) => f.name === form)?.re;
  return diagram.split('\n').filter((l) => re !== undefined && re.test(l));
}
