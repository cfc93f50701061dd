/**
 * Writes man/pxe-doctor.1 from the command definitions and docs/exit-codes.md (src/cli/man.ts).
 *   npm run man
 * A unit test fails when the committed page is not what this writes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderManPage } from '../src/cli/man.js';
import { commandSpecs } from '../src/cli/spec.js';
import { packageVersion } from '../src/cli/version.js';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const page = renderManPage(
  commandSpecs(),
  readFileSync(join(root, 'docs', 'exit-codes.md'), 'utf8'),
  packageVersion(),
);
mkdirSync(join(root, 'man'), { recursive: true });
writeFileSync(join(root, 'man', 'pxe-doctor.1'), page);
console.log('wrote man/pxe-doctor.1');
