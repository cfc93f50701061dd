#!/usr/bin/env node
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
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(args);
}
