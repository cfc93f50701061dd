/**
 * Where leases live between restarts: a JSON file replaced atomically (write a temporary file, fsync it,
 * rename it over the old one, fsync the folder), so a crash leaves either the old or the new file, never half
 * of one. Changes are batched: the engine says "changed" on every packet, the store writes at most once per
 * `delayMs`; flush() writes whatever is pending at once.
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
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

export interface LeaseStore {
  load(): Promise<LeaseRecord[]>;
  /** Leases changed: `snapshot` gives the current set when the store gets round to writing it. */
  changed(snapshot: () => LeaseRecord[]): void;
  /** Writes pending changes now. */
  flush(): Promise<void>;
  /** Flushes and stops the batching timer. */
  close(): Promise<void>;
}

/** Keeps nothing: for proxy mode and tests. */
export class MemoryLeaseStore implements LeaseStore {
  constructor(private readonly initial: readonly LeaseRecord[] = []) {}
  async load(): Promise<LeaseRecord[]> {
    return this.initial.map((r) => ({ ...r }));
  }
  changed(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface FileLeaseStoreOptions {
  /** Longest a change waits before it is written; default 500 ms. */
  delayMs?: number;
  /** A batched write failed (a flush() call rejects instead). */
  onError?: (error: Error) => void;
}

const FILE_VERSION = 1;
const STATES: readonly LeaseState[] = ['offered', 'bound', 'released', 'declined'];

export class LeaseFileError extends Error {
  constructor(path: string, message: string) {
    super(`lease file ${path}: ${message}`);
    this.name = 'LeaseFileError';
  }
}

export class FileLeaseStore implements LeaseStore {
  private snapshot: (() => LeaseRecord[]) | null = null;
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** Writes done so far (tests and benchmarks look at it to see batching work). */
  writes = 0;

  constructor(
    readonly path: string,
    private readonly options: FileLeaseStoreOptions = {},
  ) {}

  async load(): Promise<LeaseRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new LeaseFileError(this.path, (e as Error).message);
    }
    return parseLeaseFile(text, this.path);
  }

  changed(snapshot: () => LeaseRecord[]): void {
    this.snapshot = snapshot;
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((e: unknown) => this.options.onError?.(e as Error));
    }, this.options.delayMs ?? 500);
    this.timer.unref();
  }

  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // One write at a time; a flush during a write waits for it, then writes what changed meanwhile.
    this.writing = this.writing
      .catch(() => undefined)
      .then(() => {
        if (!this.dirty || this.snapshot === null) return;
        this.dirty = false;
        const records = this.snapshot();
        return this.write(records).catch((e: unknown) => {
          this.dirty = true;
          throw e;
        });
      });
    return this.writing;
  }

  async close(): Promise<void> {
    await this.flush();
  }

  private async write(records: readonly LeaseRecord[]): Promise<void> {
    const body = JSON.stringify({ version: FILE_VERSION, leases: records }, null, 1) + '\n';
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    const file = await open(tmp, 'w', 0o644);
    try {
      await file.writeFile(body, 'utf8');
      await file.sync();
    } finally {
      await file.close();
    }
    try {
      await rename(tmp, this.path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw e;
    }
    await syncFolder(dirname(this.path));
    this.writes++;
  }
}

/** The rename itself is durable only once the folder is synced; not every platform allows it. */
async function syncFolder(path: string): Promise<void> {
  try {
    const dir = await open(path, 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // EISDIR/EPERM on some systems: the data itself is already synced.
  }
}

/** Reads a lease file; throws LeaseFileError naming the first bad entry. */
export function parseLeaseFile(text: string, path: string): LeaseRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new LeaseFileError(path, `not valid JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== 'object' || !Array.isArray((doc as { leases?: unknown }).leases))
    throw new LeaseFileError(path, 'expected {"version": 1, "leases": [...]}');
  const version = (doc as { version?: unknown }).version;
  if (version !== FILE_VERSION) throw new LeaseFileError(path, `unknown version ${String(version)}`);
  return (doc as { leases: unknown[] }).leases.map((entry, i) => {
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
    if (!ok) throw new LeaseFileError(path, `leases[${i}] is not {mac, ip, state, expires}`);
    return {
      mac: r.mac as string,
      ip: r.ip as string,
      state: r.state as LeaseState,
      expires: r.expires as number,
    };
  });
}
