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
