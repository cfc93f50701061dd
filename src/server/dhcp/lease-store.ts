/**
 * Where leases live between restarts (format: lease-file.ts). The snapshot is replaced atomically (write a
 * temporary file, fsync it, rename it over the old one, fsync the folder), so a crash leaves either the old
 * or the new one. Between snapshots each write appends the changed records to the journal and fdatasyncs
 * it: one small write instead of the whole file, which is what lets every ACK wait for its lease (see
 * lease-gate.ts). When the journal has grown past the snapshot's size, or at close, a new snapshot of a
 * new generation replaces both. Changes are batched: the engine says "changed" on every packet, the store
 * writes at most once per `delayMs`; flush() writes whatever is pending at once.
 */
import { fdatasyncSync, writeSync } from 'node:fs';
import { open, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import {
  FILE_VERSION,
  LeaseFileError,
  osReason,
  parseLeaseJournal,
  parseLeaseSnapshot,
  type LeaseRecord,
} from './lease-file.js';

export { LeaseFileError, osReason, parseLeaseFile, type LeaseRecord, type LeaseState } from './lease-file.js';

export interface LeaseStore {
  load(): Promise<LeaseRecord[]>;
  /** Proves at start that the store can be written (the leases as loaded are written back). */
  check(records: readonly LeaseRecord[]): Promise<void>;
  /**
   * Leases changed: `changes` are the records that changed since the last call, `snapshot` gives the
   * whole set when the store writes a snapshot.
   */
  changed(snapshot: () => LeaseRecord[], changes: readonly LeaseRecord[]): void;
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
  async check(): Promise<void> {}
  changed(): void {}
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

export interface FileLeaseStoreOptions {
  /** Longest a change waits before it is written; default 500 ms. */
  delayMs?: number;
  /** A batched write failed (a flush() call rejects instead). */
  onError?: (error: Error) => void;
  /** Start over: load() gives no leases whatever the files hold (--leases-reset). */
  reset?: boolean;
}

/** The journal is folded into a new snapshot once it holds this many records more than the snapshot. */
const MIN_JOURNAL_RECORDS = 1000;

export class FileLeaseStore implements LeaseStore {
  private snapshot: (() => LeaseRecord[]) | null = null;
  /** Changed records not yet written. */
  private pending: LeaseRecord[] = [];
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private generation = 0;
  /** The open journal; null until the first snapshot, and after a failed append (the next write is a snapshot). */
  private journal: FileHandle | null = null;
  private journalRecords = 0;
  private snapshotRecords = 0;
  /** Writes done so far (tests and benchmarks look at it to see batching work). */
  writes = 0;

  constructor(
    readonly path: string,
    private readonly options: FileLeaseStoreOptions = {},
  ) {}

  get journalPath(): string {
    return `${this.path}.journal`;
  }

  async load(): Promise<LeaseRecord[]> {
    const text = await readOptional(this.path);
    const journal = await readOptional(this.journalPath);
    if (this.options.reset === true || text === null) return [];
    const snapshot = parseLeaseSnapshot(text, this.path);
    this.generation = snapshot.generation;
    const added = journal === null ? [] : parseLeaseJournal(journal, this.journalPath, snapshot.generation);
    return [...snapshot.leases, ...added];
  }

  /** Writes the leases as loaded as a new snapshot: a place that cannot be written is found before serving. */
  async check(records: readonly LeaseRecord[]): Promise<void> {
    try {
      await this.writeSnapshot(records);
    } catch (e) {
      throw new LeaseFileError(this.path, `cannot be written: ${osReason(e)}`);
    }
  }

  changed(snapshot: () => LeaseRecord[], changes: readonly LeaseRecord[]): void {
    this.snapshot = snapshot;
    for (const r of changes) this.pending.push(r);
    this.dirty = true;
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch((e: unknown) => this.options.onError?.(e as Error));
    }, this.options.delayMs ?? 500);
    this.timer.unref();
  }

  flush(): Promise<void> {
    return this.enqueue(false);
  }

  /** Writes what is pending as a snapshot (the journal starts over) and closes the journal. */
  async close(): Promise<void> {
    await this.enqueue(true);
    const journal = this.journal;
    this.journal = null;
    await journal?.close();
  }

  private enqueue(compact: boolean): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    // One write at a time; a flush during a write waits for it, then writes what changed meanwhile.
    this.writing = this.writing
      .catch(() => undefined)
      .then(async () => {
        if (this.snapshot === null || (!this.dirty && !(compact && this.journalRecords > 0))) return;
        this.dirty = false;
        const changes = this.pending;
        this.pending = [];
        try {
          const full = compact || this.journal === null || this.journalRecords >= this.journalLimit();
          if (full) await this.writeSnapshot(this.snapshot());
          else await this.append(changes);
        } catch (e) {
          this.dirty = true;
          this.pending = [...changes, ...this.pending];
          throw e;
        }
      });
    return this.writing;
  }

  private journalLimit(): number {
    return Math.max(MIN_JOURNAL_RECORDS, this.snapshotRecords);
  }

  /**
   * Appends synchronously, as dnsmasq writes its lease file: a write and an fdatasync of a few kilobytes
   * take well under a millisecond on the calling thread, while two trips through the thread pool cost a
   * scheduling delay each on a busy machine, and every ACK of the batch waits for them.
   */
  private async append(changes: readonly LeaseRecord[]): Promise<void> {
    const journal = this.journal as FileHandle;
    const body = changes.map((r) => `${JSON.stringify(r)}\n`).join('');
    try {
      writeSync(journal.fd, body, null, 'utf8');
      fdatasyncSync(journal.fd);
    } catch (e) {
      // Part of a line may be on disk: the next write is a whole new snapshot and journal.
      this.journal = null;
      await journal.close().catch(() => undefined);
      throw e;
    }
    this.journalRecords += changes.length;
    this.writes++;
  }

  /** A new generation: the snapshot first (a crash here leaves the old journal, which no longer matches it). */
  private async writeSnapshot(records: readonly LeaseRecord[]): Promise<void> {
    const generation = this.generation + 1;
    const body = JSON.stringify({ version: FILE_VERSION, generation, leases: records }, null, 1) + '\n';
    await replaceFile(this.path, body);
    await replaceFile(this.journalPath, `${JSON.stringify({ journal: 1, generation })}\n`);
    this.generation = generation;
    await this.journal?.close().catch(() => undefined);
    this.journal = await open(this.journalPath, 'a', 0o644);
    this.journalRecords = 0;
    this.snapshotRecords = records.length;
    this.writes++;
  }
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new LeaseFileError(path, `cannot be read: ${osReason(e)}`);
  }
}

/** Atomically: a temporary file beside it, fsynced, renamed over it, the folder fsynced. */
async function replaceFile(path: string, body: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(tmp, 'w', 0o644);
  try {
    await file.writeFile(body, 'utf8');
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await syncFolder(dirname(path));
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
