/** Small text helpers shared by the rules, so every message names things the same way. */
import { archName } from '../protocol/dhcp/index.js';
import type { BootSession, TftpTransfer } from '../analysis/types.js';
import { isPxelinuxBootFile } from './pxe-errors.js';
import { requesterOf, roundsOf } from './rounds.js';
import type { Finding, RuleDoc, Severity } from './types.js';

/** Evidence lists stay short enough to read and to print: the first frames tell the story. */
export const MAX_FRAMES = 20;

export function evidence(
  ...lists: (readonly (number | null | undefined)[] | number | null | undefined)[]
): number[] {
  const all = new Set<number>();
  for (const l of lists) {
    if (l === null || l === undefined) continue;
    if (typeof l === 'number') all.add(l);
    else for (const f of l) if (typeof f === 'number' && Number.isFinite(f)) all.add(f);
  }
  return [...all].sort((a, b) => a - b).slice(0, MAX_FRAMES);
}

/** "frame 14", "frames 1, 6, 9", "frames 22–84". */
export function framesText(frames: readonly number[]): string {
  const sorted = [...new Set(frames)].sort((a, b) => a - b);
  if (sorted.length === 0) return 'no frames';
  if (sorted.length === 1) return `frame ${sorted[0]}`;
  if (sorted.length <= 4) return `frames ${sorted.join(', ')}`;
  return `frames ${sorted[0]}–${sorted[sorted.length - 1]}`;
}

export function seconds(s: number): string {
  if (!Number.isFinite(s)) return '? s';
  if (s === 0) return '0 s';
  if (s < 0.01) return `${(s * 1000).toFixed(1)} ms`;
  if (s < 10) return `${Number(s.toFixed(2))} s`;
  if (s < 120) return `${s.toFixed(1)} s`;
  // Long stretches in human units (a clock step shows as "23.6 years", not millions of seconds).
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  if (s < 365.25 * 86400) return `${(s / 86400).toFixed(1)} days`;
  return `${(s / (365.25 * 86400)).toFixed(1)} years`;
}

export function bytes(n: number): string {
  if (n < 10 * 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** A point on the capture's time line: "t=16.08 s". */
export function at(t: number): string {
  return `t=${t.toFixed(2)} s`;
}

/** Quotes a name and makes control bytes visible, so an odd filename is obvious in the message. */
export function q(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || c === 0xff)
      out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `"${out}"`;
}

export function listText(items: readonly string[], conj = 'and'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conj} ${items[items.length - 1]}`;
}

/**
 * "52:54:00:12:34:56 (x64 UEFI, iPXE)": the MAC plus what the client said it is. `loaded` labels a message of
 * the program the firmware loaded instead: never "iPXE" (iPXE only loaded it), its name when known.
 */
export function clientLabel(s: BootSession, loaded?: { program: string | null }): string {
  const rounds = roundsOf(s);
  const arch = s.arch[0] ?? rounds.map((r) => r.arch).find((a): a is number => a !== null) ?? null;
  const parts: string[] = [];
  const name = s.archName ?? (arch === null ? null : archName(arch));
  if (name) parts.push(name);
  if (loaded !== undefined) {
    if (loaded.program !== null) parts.push(loaded.program);
  } else if (s.isIpxe || rounds.some((r) => r.family === 'ipxe')) parts.push('iPXE');
  return parts.length > 0 ? `${s.clientMac} (${parts.join(', ')})` : s.clientMac;
}

/**
 * Who sent a transfer's request (rounds.ts requesterOf): a file pxelinux asks for (ldlinux.c32, its config
 * search) is pxelinux's request, never labelled iPXE because an iPXE ROM loaded pxelinux.
 */
export function requestLabel(s: BootSession | null | undefined, t: TftpTransfer): string {
  if (s === null || s === undefined) return ipClientLabel(t.clientIp);
  const req = requesterOf(s, t);
  if (req.family !== 'loader') return clientLabel(s);
  return clientLabel(s, { program: isPxelinuxBootFile(req.round?.bootFile ?? null) ? 'pxelinux' : null });
}

/** A client label at the start of a sentence: "Client 52:54:…" or, for an IP-only label, "Client 10.0.0.5". */
export function clientSubject(label: string): string {
  return `Client ${label.startsWith('client ') ? label.slice('client '.length) : label}`;
}

/** Client label for a transfer without a session: its IP is all that is known. */
export function ipClientLabel(ip: string): string {
  return `client ${ip}`;
}

export interface FindingFields {
  message: string;
  frames: readonly number[];
  client: string | null;
  pxeError: string | null;
  hint: string;
  t: number | null;
  severity?: Severity;
  sessionId?: string;
  incomplete?: true;
}

/** Builds a finding of a rule: id, group and title come from the rule's doc, the rest from the case. */
export function finding(doc: RuleDoc, f: FindingFields): Finding {
  const out: Finding = {
    ruleId: doc.id,
    severity: f.severity ?? doc.severity,
    group: doc.group,
    title: doc.title,
    message: f.message,
    frames: evidence(f.frames),
    client: f.client,
    pxeError: f.pxeError,
    hint: f.hint,
    t: f.t,
  };
  if (f.sessionId !== undefined) out.sessionId = f.sessionId;
  if (f.incomplete === true) out.incomplete = true;
  return out;
}

export function sessionFinding(
  doc: RuleDoc,
  s: BootSession,
  f: Omit<FindingFields, 'client' | 'sessionId'>,
): Finding {
  return finding(doc, { ...f, client: s.clientMac, sessionId: s.id });
}
