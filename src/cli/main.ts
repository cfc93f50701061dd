import { createRequire } from 'node:module';
import type yargsFactory from 'yargs/yargs';
import { CaptureInputError } from '../capture/errors.js';
import { EXIT, PxeDoctorError, UsageError } from '../errors.js';
import { analyzeCommand } from './commands/analyze.js';
import { decodeCommand } from './commands/decode.js';
import { diagramCommand } from './commands/diagram.js';
import { fixtureCommand } from './commands/fixture.js';
import { replayCommand } from './commands/replay.js';
import { serveCommand } from './commands/serve.js';
import { rejectUnparsedNumbers } from './options.js';
import { packageVersion } from './version.js';
import { StdoutGone, stdoutError, writeErr } from './io.js';

/**
 * yargs' CommonJS build, loaded with require(): one pre-bundled file whose help text wraps at word boundaries
 * (the ESM build's cliui breaks words). Importing it from ESM instead would first run Node's CommonJS export
 * scanner over that file, which costs more start-up time than loading it.
 */
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

/**
 * Parses arguments, runs one command and returns the process exit code (see docs/exit-codes.md).
 * This is the only place that turns errors into exit codes.
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  try {
    await yargs(argv)
      .scriptName('pxe-doctor')
      .usage('$0 <command> [options]\n\nReads PXE network-boot captures and says what went wrong.')
      .command(decodeCommand())
      .command(analyzeCommand(setExit))
      .command(diagramCommand())
      .command(serveCommand(setExit))
      .command(fixtureCommand(setExit))
      .command(replayCommand(setExit))
      .middleware((parsed) => rejectUnparsedNumbers(parsed, argv))
      .option('color', { type: 'boolean', description: 'Colour output (default: only on a terminal)' })
      .demandCommand(1, 'Name a command: decode, analyze, diagram, serve, replay or fixture.')
      .strict()
      .recommendCommands()
      .help()
      .version(packageVersion())
      .wrap(Math.min(110, process.stdout.columns || 100))
      .fail((msg, err) => {
        if (err) throw err;
        // Thrown, not printed: yargs would otherwise go on to run the command with what it could parse.
        throw new UsageError(`${msg}\nRun 'pxe-doctor --help' for usage.`);
      })
      .parseAsync();
    // A failed write to standard output is reported as an 'error' event after the write: let it arrive.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const failed = stdoutError();
    if (failed !== null) throw failed;
  } catch (thrown) {
    // Stopped early because standard output went away: the reader left (EPIPE, quiet) or a write failed.
    const err = thrown instanceof StdoutGone ? stdoutError() : thrown;
    if (err === null) return exitCode;
    if (err instanceof CaptureInputError) {
      const where = err.message.includes(err.path) ? '' : `${err.path}: `;
      writeErr(`pxe-doctor: ${where}${err.message}\n`);
      return EXIT.input;
    }
    if (err instanceof PxeDoctorError) {
      writeErr(`pxe-doctor: ${err.message}\n`);
      return err.exitCode;
    }
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    writeErr(`pxe-doctor: internal error (please report it with the capture if you can):\n${detail}\n`);
    return EXIT.internal;
  }
  return exitCode;
}
