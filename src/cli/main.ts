import { createRequire } from 'node:module';
import type yargsFactory from 'yargs/yargs';
import { CaptureInputError } from '../capture/errors.js';
import { EXIT, PxeDoctorError, UsageError } from '../errors.js';
import { outputWidth, StdoutGone, stdoutError, writeErr, writeOut } from './io.js';
import { rejectUnparsedNumbers } from './options.js';
import {
  BUILTIN_OPTIONS,
  commandModules,
  commandSpecs,
  GLOBAL_OPTIONS,
  renderExamples,
  specFor,
} from './spec.js';
import { packageVersion } from './version.js';

/**
 * yargs' CommonJS build, loaded with require(): one pre-bundled file whose help text wraps at word boundaries
 * (the ESM build's cliui breaks words). Importing it from ESM instead would first run Node's CommonJS export
 * scanner over that file, which costs more start-up time than loading it.
 */
const yargs = createRequire(import.meta.url)('yargs/yargs') as typeof yargsFactory;

/** What `help`/`completion` asked for, run once yargs is done parsing. */
type After = { kind: 'help'; command: string | undefined } | { kind: 'completion'; shell: string };

/**
 * Parses arguments, runs one command and returns the process exit code (see docs/exit-codes.md).
 * This is the only place that turns errors into exit codes.
 */
export async function main(argv: string[]): Promise<number> {
  let exitCode: number = EXIT.ok;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  let after: After | null = null;
  let output = '';
  try {
    let parser = yargs(argv)
      .scriptName('pxe-doctor')
      .usage('$0 <command> [options]\n\nReads PXE network-boot captures and says what went wrong.');
    const hooks = {
      setExit,
      help: (command: string | undefined): void => {
        after = { kind: 'help', command };
      },
      completion: (shell: string): void => {
        after = { kind: 'completion', shell };
      },
    };
    const modules = commandModules(hooks);
    for (const m of modules) parser = parser.command(m);
    // The commands that do the work, for the message when none is named.
    const names = modules
      .map((m) => String(m.command).split(' ')[0])
      .filter((n) => n !== 'help' && n !== 'completion');
    await parser
      .middleware((parsed) => rejectUnparsedNumbers(parsed, argv))
      .option('color', GLOBAL_OPTIONS.color)
      .demandCommand(1, `Name a command: ${names.join(', ')}.`)
      .strict()
      .recommendCommands()
      .help('help', BUILTIN_OPTIONS[0].description)
      .alias('h', 'help')
      .version('version', BUILTIN_OPTIONS[1].description, packageVersion())
      .alias('V', 'version')
      .wrap(helpWidth())
      .fail((msg, err) => {
        if (err) throw err;
        // Thrown, not printed: yargs would otherwise go on to run the command with what it could parse.
        throw new UsageError(`${msg}\nRun 'pxe-doctor --help' for usage.`);
      })
      // With a callback yargs hands help and version text back instead of printing it and exiting.
      .parseAsync(argv, {}, (_err, _parsed, text) => {
        output = text;
      });
    if (output !== '') writeOut(`${withExamples(output, argv, helpWidth())}\n`);
    const next = after as After | null;
    if (next?.kind === 'help') {
      if (next.command !== undefined && !commandSpecs().some((c) => c.name === next.command))
        throw new UsageError(
          `help ${next.command}: no such command (${commandSpecs()
            .map((c) => c.name)
            .join(', ')})`,
        );
      return main(next.command !== undefined ? [next.command, '--help'] : ['--help']);
    }
    if (next?.kind === 'completion') {
      const { completionScript } = await import('./completion.js');
      writeOut(completionScript(next.shell, commandSpecs()));
    }
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

/** The width help text is laid out for: the terminal's, at most 110 (100 when unknown). */
function helpWidth(): number {
  return Math.min(110, outputWidth() ?? 100);
}

/**
 * yargs' help with its Examples section (which wraps command lines) replaced by ours (which does not); the
 * text after that section (the command's epilog: what it needs, its exit codes) stays.
 */
function withExamples(help: string, argv: readonly string[], width: number): string {
  const at = help.indexOf('\nExamples:\n');
  if (at < 0) return help;
  const spec = specFor(argv, commandSpecs());
  if (spec === undefined || spec.examples.length === 0) return help;
  const end = help.indexOf('\n\n', at + 1);
  const epilog = end < 0 ? '' : help.slice(end);
  return `${help.slice(0, at)}\n${renderExamples(spec.examples, width)}${epilog}`;
}
