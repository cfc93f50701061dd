/**
 * `--no-hardlinks`: refuse a file that is also reachable through a hard link outside the server root.
 *
 * Symlinks are resolved and confined (files.ts), but a hard link is the file itself: "/srv/tftp/x" and
 * "/etc/shadow" can be the same inode, and nothing in the path says so. Only the link count does. A file
 * with one link is fine. For a file with more, the links inside the root are counted (a walk of the root,
 * remembered per inode); when they account for every link, they all lie inside and the file is served
 * (boot trees built with `cp -al` or `rsync -H` keep working). Otherwise it is refused.
 *
 * The walk is redone when a file's links do not add up (a link added since), at most once per
 * `rescanMs`; between walks the answer fails closed. A root larger than `maxEntries` is not walked to the
 * end and every multi-link file is refused (the reason says so).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Entries walked at most per scan of the root. */
export const HARDLINK_SCAN_MAX_ENTRIES = 200_000;
/** Least time between two walks of the root, ms. */
export const HARDLINK_RESCAN_MS = 5000;

export interface HardLinkCheckOptions {
  maxEntries?: number;
  rescanMs?: number;
  /** Clock, ms (tests). */
  now?: () => number;
}

interface Scan {
  /** "dev:ino" → links found inside the root, for files with more than one link. */
  links: Map<string, number>;
  complete: boolean;
  at: number;
}

/** The file's identity and link count, as fstat gives them. */
export interface LinkedFile {
  dev: number;
  ino: number;
  nlink: number;
}

export class HardLinkGuard {
  private scan: Scan | null = null;
  private pending: Promise<Scan> | null = null;
  private readonly maxEntries: number;
  private readonly rescanMs: number;
  private readonly now: () => number;

  constructor(
    /** The server root, symlinks resolved. */
    readonly root: string,
    options: HardLinkCheckOptions = {},
  ) {
    this.maxEntries = options.maxEntries ?? HARDLINK_SCAN_MAX_ENTRIES;
    this.rescanMs = options.rescanMs ?? HARDLINK_RESCAN_MS;
    this.now = options.now ?? Date.now;
  }

  /** Null when the file may be served, else why not (for the log). */
  async refusal(file: LinkedFile): Promise<string | null> {
    if (file.nlink <= 1) return null;
    const key = `${file.dev}:${file.ino}`;
    let scan = this.scan;
    if (scan === null || (!this.accounted(scan, key, file.nlink) && this.now() - scan.at >= this.rescanMs))
      scan = await this.rescan();
    if (this.accounted(scan, key, file.nlink)) return null;
    if (!scan.complete)
      return `hard link (${file.nlink} links) and the root has over ${this.maxEntries} entries to check`;
    return `hard link (${file.nlink} links) to a file outside the root`;
  }

  private accounted(scan: Scan, key: string, nlink: number): boolean {
    return scan.links.get(key) === nlink;
  }

  /** One walk at a time; callers during a walk share it. */
  private rescan(): Promise<Scan> {
    this.pending ??= this.walk().then(
      (scan) => {
        this.scan = scan;
        this.pending = null;
        return scan;
      },
      (err: unknown) => {
        this.pending = null;
        throw err;
      },
    );
    return this.pending;
  }

  private async walk(): Promise<Scan> {
    const at = this.now();
    const links = new Map<string, number>();
    const dirs = [this.root];
    let entries = 0;
    while (dirs.length > 0) {
      const dir = dirs.pop() as string;
      const names = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of names) {
        if (++entries > this.maxEntries) return { links, complete: false, at };
        const path = join(dir, entry.name);
        if (entry.isDirectory()) dirs.push(path);
        else if (entry.isFile()) {
          const st = await lstat(path).catch(() => null);
          if (st === null || st.nlink <= 1) continue;
          const key = `${st.dev}:${st.ino}`;
          links.set(key, (links.get(key) ?? 0) + 1);
        }
      }
    }
    return { links, complete: true, at };
  }
}
