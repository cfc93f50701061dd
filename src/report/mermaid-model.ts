/**
 * The pieces every mermaid diagram module shares: the line model (messages and notes), participants, and the
 * escaping that keeps capture text from breaking a diagram line.
 */
import type { Severity } from '../diagnosis/types.js';

/** Characters written as they are; anything else becomes `#<code point>;`. */
const PLAIN = /^[A-Za-z0-9 .,_/()[\]+=@!?*'^~|{}:-]$/;
/** Symbols the diagrams use themselves (all render with common fonts). */
const OWN_SYMBOLS = new Set(['·', '…', '×', '→', '↻', '✖', '✔', '⚠', 'ℹ', 'µ', '–']);

/**
 * Text safe on any mermaid sequence-diagram line (participant alias, message, note): plain characters stay,
 * the rest become entity codes. Control characters are shown as `\xNN` (mermaid drops a message whose
 * entity decodes to a line break). The words `style` and `classDef` get their first letter encoded too,
 * because mermaid rewrites lines that contain them before parsing, and a leading `wrap:`/`nowrap:` gets its
 * colon encoded, because mermaid takes it as a layout switch and drops it from the text.
 */
export function mermaidText(raw: string): string {
  let out = '';
  for (const ch of raw) {
    const cp = ch.codePointAt(0) ?? 0;
    if (PLAIN.test(ch) || OWN_SYMBOLS.has(ch)) out += ch;
    else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) out += `#92;x${cp.toString(16).padStart(2, '0')}`;
    else out += `#${cp};`;
  }
  return out
    .replace(/(s)(?=tyle)|(c)(?=lassdef)/gi, (c) => `#${c.charCodeAt(0)};`)
    .replace(/^((?:no)?wrap):/i, '$1#58;');
}

export type Arrow = '->>' | '-->>' | '-x' | '--x';

/** Participant key: 'client', 'broadcast' (resolved at output) or a server IP. */
export type Who = string;

export interface Message {
  kind: 'msg';
  t: number;
  /** First frame the line stands for (places findings after their evidence). */
  frame: number;
  from: Who;
  to: Who;
  arrow: Arrow;
  text: string;
  /** Repeats folded into this line (shown as ×N). */
  count: number;
  /** Time of the last packet the line stands for (its repeats, a transfer's last DATA/ACK). */
  until: number;
  /** The line without numbers that vary between otherwise identical rounds. */
  shape: string;
  /** First line of a port 67 DHCP transaction: starts a round. */
  roundStart?: boolean;
  /** What the line stands for, for the summary of folded lines. */
  what: 'dhcp' | 'tftp' | 'other';
}

export interface Note {
  kind: 'note';
  t: number;
  /** Exchange notes: the frame they follow; findings: their last evidence frame (null: place by time). */
  frame: number | null;
  lines: string[];
  severity: Severity | null;
  /** Span every participant (findings, summaries) or sit over the client only. */
  wide: boolean;
  /** Time of the last packet the note stands for (a folded stretch), when later than `t`. */
  until?: number;
}

export type Step = Message | Note;

type Role = 'DHCP' | 'proxyDHCP' | 'TFTP' | 'relay' | 'host';
export const ROLE_ORDER: Role[] = ['DHCP', 'proxyDHCP', 'TFTP', 'relay', 'host'];
export const CLIENT = 'client';
export const BROADCAST = 'broadcast';

export class Participants {
  readonly roles = new Map<string, Set<Role>>();

  add(ip: string, role: Role): string {
    let roles = this.roles.get(ip);
    if (roles === undefined) {
      roles = new Set();
      this.roles.set(ip, roles);
    }
    roles.add(role);
    return ip;
  }
}

/** At most `n` characters (code points), cut at the end. */
export function cut(s: string, n: number): string {
  const cps = Array.from(s);
  return cps.length <= n ? s : `${cps.slice(0, n - 1).join('')}…`;
}

/** At most `n` characters (code points), keeping the end (file names differ at the end). */
export function shorten(s: string, n: number): string {
  const cps = Array.from(s);
  if (cps.length <= n) return s;
  const tail = Math.floor((n - 1) / 3);
  return `${cps.slice(0, n - 1 - tail).join('')}…${cps.slice(cps.length - tail).join('')}`;
}

export function note(
  at: { t: number; frame: number | null },
  lines: string[],
  wide: boolean,
  severity: Severity | null = null,
): Note {
  return { kind: 'note', t: at.t, frame: at.frame, lines, wide, severity };
}
