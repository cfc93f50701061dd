#!/usr/bin/env node
import { statSync } from 'node:fs';
import * as nodeModule from 'node:module';

// Node ≥ 22.1 keeps the compiled code of every module it loads on disk (in the OS temp folder), so the next
// run skips compiling them: most of the start-up of a command. Older Node has no such cache; nothing to do.
// NODE_DISABLE_COMPILE_CACHE=1 turns it off; a temp folder that cannot be written only leaves it unused.
nodeModule.enableCompileCache?.();

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one call scripts make in a loop: answered without loading the argument parser or any command.
  const { printVersion } = await import('../dist/src/cli/version.js');
  process.exitCode = await printVersion();
} else {
  const { main } = await import(cliEntry());
  process.exitCode = await main(args);
}

/**
 * The bundled CLI (dist/src/bundle/, see scripts/bundle-cli.ts) when it is at least as new as the compiled
 * modules, else the modules themselves: a `tsc` run after the last bundling never leaves older code running.
 */
function cliEntry() {
  const modules = '../dist/src/cli/main.js';
  const bundle = '../dist/src/bundle/main.js';
  if (process.env.PXE_DOCTOR_NO_BUNDLE === '1') return modules;
  const mtime = (rel) => statSync(new URL(rel, import.meta.url), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = mtime(bundle);
  const compiled = mtime(modules);
  return bundled !== undefined && compiled !== undefined && bundled >= compiled ? bundle : modules;
}
