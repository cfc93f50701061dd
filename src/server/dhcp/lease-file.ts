/**
 * The lease file's format, read and checked: a JSON snapshot `{"version": 1, "generation": G, "leases":
 * [...]}`, and beside it a journal (`FILE.journal`: a header line `{"journal": 1, "generation": G}`, then
 * one lease record per line) that ACKs append to between snapshots. Damage is never silently discarded:
 * the error names the byte and line, and `--leases-reset` starts over explicitly.
 */
import { PxeDoctorError } from '../../errors.js';
import { parseIp, parseMac } from '../../protocol/addr.js';

/** offered: held briefly for a DISCOVER; bound: ACKed; released: given back (kept to prefer it next time). */
export type LeaseState = 'offered' | 'bound' | 'released' | 'declined';

export interface LeaseRecord {
  /** The client (for a declined address: the client that declined it). */
  mac: string;
  ip: string;
  state: LeaseState;
  /** Milliseconds since the epoch: end of the lease, the offer hold or the decline hold. */
  expires: number;
}

export const FILE_VERSION = 1;
const STATES: readonly LeaseState[] = ['offered', 'bound', 'released', 'declined'];

/** The lease file cannot be read, parsed or written at start: exit 2 (docs/exit-codes.md). */
export class LeaseFileError extends PxeDoctorError {
  constructor(path: string, message: string) {
    super(`lease file ${path}: ${message}`, 2);
  }
}

/** The OS reason of a failed file operation, without Node's "ENOENT: …, open '/path'" decoration. */
export function osReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const reasons: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    ENOENT: 'no such file or folder',
    ENOTDIR: 'a part of the path is not a folder',
    EISDIR: 'is a folder, not a file',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EIO: 'input/output error',
  };
  if (err?.code !== undefined && reasons[err.code] !== undefined) return `${reasons[err.code]} (${err.code})`;
  return err?.code ?? (e instanceof Error ? e.message : String(e));
}

const RESET_HINT = '(fix or remove it, or start over with --leases-reset)';

/**
 * Where JSON.parse stopped: from its message when it says, else the shortest prefix of the text that fails
 * before its own end (a prefix that only ends early is fine so far).
 */
function jsonErrorOffset(text: string, message: string): number {
  const position = (m: string): number | null => {
    const at = /at position (\d+)/.exec(m);
    return at !== null ? Number(at[1]) : null;
  };
  const stated = position(message);
  if (stated !== null) return stated;
  if (/end of JSON input/.test(message)) return text.length;
  const failsInside = (n: number): boolean => {
    try {
      JSON.parse(text.slice(0, n));
      return false;
    } catch (e) {
      const m = (e as Error).message;
      const p = position(m);
      if (p !== null) return p < n;
      return !/end of JSON input|Unterminated/.test(m);
    }
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsInside(mid + 1)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** "byte N (line L, column C)" of a character offset, counting bytes as UTF-8 does. */
export function describeOffset(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `byte ${Buffer.byteLength(before, 'utf8')} (line ${line}, column ${column})`;
}

/** A lease snapshot: the records and the generation its journal must carry. */
export interface LeaseSnapshot {
  generation: number;
  leases: LeaseRecord[];
}

/** Reads a lease file; throws LeaseFileError naming where it is damaged and the first bad entry. */
export function parseLeaseFile(text: string, path: string): LeaseRecord[] {
  return parseLeaseSnapshot(text, path).leases;
}

/** parseLeaseFile with the generation (0 for a file written before journals). */
export function parseLeaseSnapshot(text: string, path: string): LeaseSnapshot {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const offset = jsonErrorOffset(text, (e as Error).message);
    const what =
      text.trim() === ''
        ? 'is empty'
        : offset >= text.length
          ? `ends early at ${describeOffset(text, offset)}: truncated`
          : `is not valid JSON at ${describeOffset(text, offset)}`;
    throw new LeaseFileError(path, `${what} ${RESET_HINT}`);
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { leases?: unknown }).leases))
    throw new LeaseFileError(path, `expected {"version": 1, "leases": [...]} ${RESET_HINT}`);
  const version = (doc as { version?: unknown }).version;
  if (version !== FILE_VERSION)
    throw new LeaseFileError(
      path,
      `version ${JSON.stringify(version) ?? 'missing'}, this pxe-doctor reads version ${FILE_VERSION} ${RESET_HINT}`,
    );
  const generation = (doc as { generation?: unknown }).generation;
  const leases = (doc as { leases: unknown[] }).leases.map((entry, i) => {
    const r = leaseRecordOf(entry);
    if (r === null)
      throw new LeaseFileError(path, `leases[${i}] is not {mac, ip, state, expires} ${RESET_HINT}`);
    return r;
  });
  return { generation: typeof generation === 'number' ? generation : 0, leases };
}

/**
 * The records of a journal written for `generation`: none when it belongs to an older snapshot (a crash
 * between writing a snapshot and starting its journal). A last line without its newline is a write the
 * crash cut short; no ACK waited on it, so it is left out.
 */
export function parseLeaseJournal(text: string, path: string, generation: number): LeaseRecord[] {
  const lines = text.split('\n');
  lines.pop();
  if (lines.length === 0) return [];
  let header: unknown;
  try {
    header = JSON.parse(lines[0]);
  } catch {
    throw new LeaseFileError(path, `line 1 is not a journal header ${RESET_HINT}`);
  }
  const h = header as { journal?: unknown; generation?: unknown } | null;
  if (h === null || typeof h !== 'object' || h.journal !== 1)
    throw new LeaseFileError(path, `line 1 is not a journal header ${RESET_HINT}`);
  if (h.generation !== generation) return [];
  let offset = lines[0].length + 1;
  return lines.slice(1).map((line, i) => {
    let r: LeaseRecord | null = null;
    try {
      r = leaseRecordOf(JSON.parse(line));
    } catch {
      r = null;
    }
    if (r === null)
      throw new LeaseFileError(path, `line ${i + 2} (byte ${offset}) is not a lease record ${RESET_HINT}`);
    offset += Buffer.byteLength(line, 'utf8') + 1;
    return r;
  });
}

/** A lease record checked field by field, or null. */
function leaseRecordOf(entry: unknown): LeaseRecord | null {
  const r = entry as Partial<Record<keyof LeaseRecord, unknown>> | null;
  const ok =
    r !== null &&
    typeof r === 'object' &&
    typeof r.mac === 'string' &&
    parseMac(r.mac) !== null &&
    typeof r.ip === 'string' &&
    parseIp(r.ip) !== null &&
    typeof r.state === 'string' &&
    (STATES as readonly string[]).includes(r.state) &&
    typeof r.expires === 'number' &&
    Number.isFinite(r.expires);
  if (!ok) return null;
  return {
    mac: r.mac as string,
    ip: r.ip as string,
    state: r.state as LeaseState,
    expires: r.expires as number,
  };
}
