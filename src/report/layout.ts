/**
 * Fitting text reports into a terminal width: word wrapping with a hanging indent and a table that drops,
 * narrows or stacks columns. Every text renderer lays out through here. A width of null means "no limit"
 * (output piped to a file or a program: one logical line stays one line, for grep).
 * Widths are measured without colour codes; a word longer than a line (a file name) is broken, never cut.
 */

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Columns a string takes on a terminal (colour codes excluded; one column per code point). */
export function visibleLength(s: string): number {
  return [...s.replace(ANSI, '')].length;
}

/** Splits a word that does not fit into pieces of at most `size` visible columns (colour codes dropped). */
function breakWord(word: string, size: number): string[] {
  const chars = [...word.replace(ANSI, '')];
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/**
 * Wraps `text` at spaces to `width` columns: the first line starts with `first`, the others with `rest`
 * (the hanging indent). Runs of spaces inside a line are kept (aligned labels); a break swallows them.
 */
export function wrapText(text: string, width: number | null, first = '', rest = first): string[] {
  if (width === null || visibleLength(first) + visibleLength(text) <= width) return [first + text];
  const lines: string[] = [];
  let prefix = first;
  let line = '';
  let lineLen = 0;
  let words = 0;
  const room = (): number => Math.max(8, width - visibleLength(prefix));
  const push = (): void => {
    lines.push(prefix + line);
    prefix = rest;
    line = '';
    lineLen = 0;
    words = 0;
  };
  const add = (gap: string, word: string, len: number): void => {
    line += gap + word;
    lineLen += gap.length + len;
    words++;
  };
  for (const [, space, word] of text.matchAll(/( *)([^ ]+)/g)) {
    const len = visibleLength(word);
    if (words > 0 && lineLen + space.length + len > room()) push();
    // Spaces between words stay; at a break they go, except the text's own leading ones (alignment).
    const gap = words > 0 || lines.length === 0 ? space : '';
    if (lineLen + gap.length + len <= room()) {
      add(gap, word, len);
      continue;
    }
    // A word longer than a whole line (a file name, a URL): broken, never cut.
    const pieces = breakWord(word, room());
    pieces.forEach((piece, i) => {
      if (i > 0) push();
      add('', piece, visibleLength(piece));
    });
  }
  if (words > 0 || lines.length === 0) push();
  return lines;
}

/** wrapText for an already indented line: the hanging indent is its own indent plus `extra` spaces. */
export function fitLine(line: string, width: number | null, extra = 4): string[] {
  const lead = /^ */.exec(line)?.[0] ?? '';
  return wrapText(line.slice(lead.length), width, lead, lead + ' '.repeat(extra));
}

export interface Column {
  head: string;
  align?: 'left' | 'right';
  /** Dropped first when the table is too wide: lower goes first; Infinity never goes. */
  keep: number;
  /** The column that takes what room is left and wraps anywhere (the file name). At most one. */
  flexible?: boolean;
  /** May wrap at spaces, down to its longest word ("error 1 (File not found)"). */
  words?: boolean;
}

/** A cell: text, or text with a colour applied after wrapping (so codes never span lines or padding). */
export type Cell = string | { text: string; paint: (s: string) => string };

const GAP = '  ';
/** Below this many columns for the flexible column, rows are stacked instead. */
const MIN_FLEX = 16;
/** Columns are dropped until the flexible column gets this much room (or all it needs). */
const ENOUGH_FLEX = 40;
/** Columns kept less than this go before a word column wraps (a row on one line reads better). */
const WRAP_BEFORE = 3;

function cellText(cell: Cell | undefined): string {
  return cell === undefined ? '' : typeof cell === 'string' ? cell : cell.text;
}

function paintCell(cell: Cell | undefined, text: string): string {
  return cell === undefined || typeof cell === 'string' || text === '' ? text : cell.paint(text);
}

function pad(cell: string, width: number, align: 'left' | 'right' | undefined): string {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(cell)));
  return align === 'right' ? fill + cell : cell + fill;
}

/**
 * A plain table (head, then rows; columns two spaces apart) in `width` columns. Empty columns are left
 * out. When too wide: word columns wrap down to their longest word, columns go by their `keep` until the
 * flexible column has ENOUGH_FLEX (or all it needs), and the flexible column wraps; when it would get under
 * MIN_FLEX, every row becomes a block instead: the flexible cell, then "head value" pairs, indented.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly Cell[][],
  width: number | null,
  styleHead: (s: string) => string = (s) => s,
): string[] {
  const text = rows.map((r) => columns.map((_, i) => cellText(r[i])));
  const nonEmpty = columns.map((_, i) => i).filter((i) => text.some((r) => r[i] !== ''));
  const natural = nonEmpty.map((i) =>
    Math.max(visibleLength(columns[i].head), ...text.map((r) => visibleLength(r[i]))),
  );
  const longestWord = nonEmpty.map((i) =>
    Math.max(
      visibleLength(columns[i].head),
      ...text.flatMap((r) => r[i].split(' ').map((w) => visibleLength(w))),
    ),
  );
  const nat = (i: number): number => natural[nonEmpty.indexOf(i)];
  const minWord = (i: number): number => longestWord[nonEmpty.indexOf(i)];
  const flex = nonEmpty.find((i) => columns[i].flexible === true);

  /** Widths for these columns in `width`, or null when even the narrowest layout does not fit. */
  const fit = (shown: number[], wrapWords: boolean): Map<number, number> | null => {
    const widths = new Map(shown.map((i) => [i, nat(i)]));
    if (width === null) return widths;
    const used = shown.reduce((sum, i) => sum + nat(i), 0) + GAP.length * (shown.length - 1);
    if (used <= width) return widths;
    if (!wrapWords) return null;
    const words = shown.filter((i) => columns[i].words === true);
    let avail = width - (used - words.reduce((sum, i) => sum + nat(i), 0));
    if (flex !== undefined && shown.includes(flex)) avail += nat(flex);
    const flexNeed = flex !== undefined && shown.includes(flex) ? nat(flex) : 0;
    const wordMin = words.reduce((sum, i) => sum + minWord(i), 0);
    const flexWidth = Math.min(flexNeed, avail - wordMin);
    if (flex !== undefined && shown.includes(flex)) {
      if (flexWidth < Math.min(flexNeed, ENOUGH_FLEX)) return null;
      widths.set(flex, flexWidth);
    } else if (avail < wordMin) return null;
    // What is left after the flexible column goes back to the word columns, left to right.
    let spare = avail - wordMin - Math.max(0, flexWidth);
    for (const i of words) {
      const give = Math.min(nat(i) - minWord(i), spare);
      widths.set(i, minWord(i) + give);
      spare -= give;
    }
    return widths;
  };

  let shown = nonEmpty;
  const dropOne = (below: number): boolean => {
    const droppable = shown.filter((i) => columns[i].keep < below);
    if (droppable.length === 0) return false;
    const victim = droppable.reduce((a, b) => (columns[b].keep < columns[a].keep ? b : a));
    shown = shown.filter((i) => i !== victim);
    return true;
  };
  let widths = fit(shown, false);
  while (widths === null && dropOne(WRAP_BEFORE)) widths = fit(shown, false);
  if (widths === null) widths = fit(shown, true);
  while (widths === null && dropOne(Infinity)) widths = fit(shown, true);
  if (widths === null && width !== null) {
    // Nothing left to drop: let the flexible column wrap as narrow as MIN_FLEX, else stack the rows.
    const rest = shown.filter((i) => i !== flex);
    const restWidth = rest.reduce((sum, i) => sum + (columns[i].words === true ? minWord(i) : nat(i)), 0);
    const room = width - restWidth - GAP.length * (shown.length - 1);
    if (flex === undefined || room < MIN_FLEX)
      return stacked(columns, rows, nonEmpty, flex, width, styleHead);
    widths = new Map(
      shown.map((i) => [i, i === flex ? room : columns[i].words === true ? minWord(i) : nat(i)]),
    );
  }
  const final = widths ?? new Map(shown.map((i) => [i, nat(i)]));
  const lines: string[] = [];
  const emit = (cells: string[][], style: (s: string) => string): void => {
    const height = Math.max(...cells.map((c) => c.length));
    for (let k = 0; k < height; k++) {
      const parts = shown.map((i, j) => pad(cells[j][k] ?? '', final.get(i) ?? 0, columns[i].align));
      lines.push(style(parts.join(GAP).trimEnd()));
    }
  };
  emit(
    shown.map((i) => [columns[i].head]),
    styleHead,
  );
  rows.forEach((r, n) =>
    emit(
      shown.map((i) => {
        const t = text[n][i];
        const w = final.get(i) ?? null;
        const pieces = visibleLength(t) > (w ?? Infinity) ? wrapText(t, w) : [t];
        return pieces.map((p) => paintCell(r[i], p));
      }),
      (s) => s,
    ),
  );
  return lines;
}

function stacked(
  columns: readonly Column[],
  rows: readonly Cell[][],
  shown: number[],
  flex: number | undefined,
  width: number,
  styleHead: (s: string) => string,
): string[] {
  const lines: string[] = [];
  for (const r of rows) {
    if (flex !== undefined) lines.push(...wrapText(cellText(r[flex]), width));
    const pairs = shown
      .filter((i) => i !== flex && cellText(r[i]) !== '')
      .map((i) => `${styleHead(columns[i].head)} ${paintCell(r[i], cellText(r[i]))}`);
    lines.push(...wrapText(pairs.join(' · '), width, '  ', '  '));
  }
  return lines;
}
