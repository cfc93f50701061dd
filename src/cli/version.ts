import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The version in package.json (read once; the CLI runs from dist/src/cli/). */
export function packageVersion(): string {
  if (cached !== null) return cached;
  try {
    const url = new URL('../../../package.json', import.meta.url);
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { version?: unknown };
    cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    cached = '0.0.0';
  }
  return cached;
}

/**
 * `pxe-doctor --version` on its own, without the argument parser: the version line, and for a write that
 * fails the same one line and exit code as every other command (6; a reader gone away is no error).
 */
export async function printVersion(): Promise<number> {
  const { stdoutError, writeErr, writeOut } = await import('./io.js');
  writeOut(`${packageVersion()}\n`);
  // A failed write to standard output is reported as an 'error' event after the write: let it arrive.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const failed = stdoutError();
  if (failed === null) return 0;
  writeErr(`pxe-doctor: ${failed.message}\n`);
  return failed.exitCode;
}
