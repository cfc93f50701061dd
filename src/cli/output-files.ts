/**
 * Files the CLI writes (`--html`, `diagram -o`): checked before any work starts, written with one-line errors
 * that name the path and the operating system's reason (docs/exit-codes.md, code 6).
 */
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OutputError, osReason } from '../errors.js';

function errno(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

/**
 * Throws OutputError when `path` certainly cannot be written: its folder is missing or not a folder or not
 * writable, or the path is a folder or a file we may not write. A full disk shows only on writing.
 */
export function checkOutputPath(flag: string, path: string): void {
  const dir = dirname(resolve(path));
  try {
    const d = statSync(dir);
    if (!d.isDirectory()) throw errno('ENOTDIR', 'not a directory');
    const target = statSync(path, { throwIfNoEntry: false });
    if (target?.isDirectory() === true) throw errno('EISDIR', 'is a directory');
    accessSync(target !== undefined ? path : dir, constants.W_OK);
  } catch (err) {
    const where = (err as NodeJS.ErrnoException).code === 'ENOENT' ? ` (folder ${dir})` : '';
    throw new OutputError(`${flag} ${path}: cannot write${where}: ${osReason(err)}`);
  }
}

/** writeFileSync with the one-line error. */
export function writeOutputFile(flag: string, path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (err) {
    throw new OutputError(`${flag} ${path}: cannot write: ${osReason(err)}`);
  }
}
