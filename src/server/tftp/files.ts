/**
 * Which file a TFTP read request names, confined to the server root. The rules (docs/serve.md):
 *
 * - The name is taken byte for byte: TFTP has no escaping, so "%2e%2e" is a file named "%2e%2e".
 * - It must be UTF-8 without control bytes (NUL, CR, LF, …) and at most MAX_TFTP_NAME bytes.
 * - A backslash is a path separator, as Windows boot loaders send them ("boot\x64\wdsnbp.com"), like dnsmasq.
 * - Leading slashes are dropped: "/pxelinux.0" is the root's pxelinux.0, as with tftp-hpa -s and dnsmasq.
 * - A ".." segment anywhere is refused; "." and empty segments are dropped.
 * - After symlinks are resolved the file must still lie under the root, be a regular file and be readable
 *   by everyone (o+r, like tftp-hpa): the server hands it to anyone on the network.
 * - Hard links cannot be seen in a path: a file hard-linked from outside the root is served unless the
 *   server runs with --no-hardlinks (hard-links.ts), which refuses it (Access violation).
 *
 * Errors carry the fixed RFC 1350 texts only, never a server path: 1 "File not found", 2 "Access violation".
 * The `reason` is for the server's log.
 */
import { constants } from 'node:fs';
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { sep } from 'node:path';

import { TFTP_ERR_ACCESS_VIOLATION, TFTP_ERR_FILE_NOT_FOUND } from '../../protocol/tftp/index.js';
import type { HardLinkGuard } from './hard-links.js';

/** Longest requested name accepted, in bytes. */
export const MAX_TFTP_NAME = 1024;

export type TftpNameCheck =
  | { ok: true; /** The path under the root, '/'-separated, no leading slash. */ relative: string }
  | TftpFileRefusal;

export interface TftpFileRefusal {
  ok: false;
  code: number;
  /** "File not found" or "Access violation": what goes on the wire. */
  message: string;
  /** Why, for the server's log (no secrets, but may name the requested path). */
  reason: string;
}

export type TftpOpenResult =
  { ok: true; relative: string; handle: FileHandle; size: number } | TftpFileRefusal;

function denied(reason: string): TftpFileRefusal {
  return { ok: false, code: TFTP_ERR_ACCESS_VIOLATION, message: 'Access violation', reason };
}

function notFound(reason: string): TftpFileRefusal {
  return { ok: false, code: TFTP_ERR_FILE_NOT_FOUND, message: 'File not found', reason };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The path a requested name stands for under the root, or why it is refused. Pure: no file system. */
export function checkTftpName(name: Uint8Array | string): TftpNameCheck {
  const bytes = typeof name === 'string' ? new TextEncoder().encode(name) : name;
  if (bytes.length === 0) return denied('empty file name');
  if (bytes.length > MAX_TFTP_NAME) return denied(`file name longer than ${MAX_TFTP_NAME} bytes`);
  for (const b of bytes) {
    if (b === 0) return denied('NUL in file name');
    if (b < 0x20 || b === 0x7f) return denied('control byte in file name');
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return denied('file name is not UTF-8');
  }
  const segments: string[] = [];
  for (const segment of text.replaceAll('\\', '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') return denied('".." in file name');
    segments.push(segment);
  }
  if (segments.length === 0) return denied('file name names the root');
  return { ok: true, relative: segments.join('/') };
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

function errnoOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown';
}

/**
 * Opens the file a request names. `root` should be a real path (see realRoot); the file's real path must
 * lie under it. With `hardLinks` (--no-hardlinks), a file with links outside the root is refused. The
 * caller closes the handle.
 */
export async function openTftpFile(
  root: string,
  name: Uint8Array | string,
  hardLinks: HardLinkGuard | null = null,
): Promise<TftpOpenResult> {
  const check = checkTftpName(name);
  if (!check.ok) return check;
  const joined = root.endsWith(sep) ? root + check.relative : root + sep + check.relative;
  let real: string;
  try {
    real = await realpath(joined);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ENAMETOOLONG') return notFound(code);
    return denied(code);
  }
  if (!isInside(root, real)) return denied('resolves outside the root');
  let handle: FileHandle;
  try {
    // O_NOFOLLOW: the real path has no symlink left; one swapped in since is refused. O_NONBLOCK: a FIFO
    // must not hang the open (it is refused below as not a regular file).
    handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = errnoOf(err);
    if (code === 'ENOENT') return notFound(code);
    return denied(code);
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) {
      await handle.close();
      return notFound('is a directory');
    }
    if (!stat.isFile()) {
      await handle.close();
      return denied('not a regular file');
    }
    if ((stat.mode & 0o004) === 0) {
      await handle.close();
      return denied('not readable by everyone (o+r)');
    }
    const linked = hardLinks !== null ? await hardLinks.refusal(stat) : null;
    if (linked !== null) {
      await handle.close();
      return denied(linked);
    }
    return { ok: true, relative: check.relative, handle, size: stat.size };
  } catch (err) {
    await handle.close().catch(() => undefined);
    return denied(errnoOf(err));
  }
}

/** The real path of the server root (symlinks resolved), which openTftpFile compares against. */
export async function realRoot(root: string): Promise<string> {
  return realpath(root);
}
