#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // The one call scripts make in a loop: answered without loading the argument parser or any command.
  const { packageVersion } = await import('../dist/src/cli/version.js');
  process.stdout.write(`${packageVersion()}\n`);
} else {
  const { main } = await import('../dist/src/cli/main.js');
  process.exitCode = await main(args);
}
