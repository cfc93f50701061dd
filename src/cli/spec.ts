/**
 * The commands as data: each command's yargs builder run against a recorder, so that help examples, shell
 * completion and the man page are all made from the one definition the parser uses.
 */
import type { Argv, CommandModule } from 'yargs';
import { analyzeCommand } from './commands/analyze.js';
import { decodeCommand } from './commands/decode.js';
import { diagramCommand } from './commands/diagram.js';
import { fixtureCommand } from './commands/fixture.js';
import { replayCommand } from './commands/replay.js';
import { sniffCommand } from './commands/sniff.js';
import { serveCommand } from './commands/serve.js';

/** The shells `pxe-doctor completion` writes a script for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const;

export interface OptionSpec {
  name: string;
  aliases: string[];
  type: string | null;
  choices: string[];
  description: string;
  positional: boolean;
}

export interface CommandSpec {
  name: string;
  /** "analyze [file]" */
  usage: string;
  describe: string;
  options: OptionSpec[];
  /** [command line with $0 replaced, what it does] */
  examples: [string, string][];
  /** Commands below this one (`fixture anonymize`). */
  subcommands: CommandSpec[];
  /** The text help ends with (what the command needs, its exit codes); '' when none. */
  epilog: string;
}

/** The options every command takes (main.ts gives them to yargs). */
export const GLOBAL_OPTIONS = {
  color: {
    type: 'boolean',
    description:
      'colour on (--color) or off (--no-color); default: on a terminal, unless NO_COLOR is set or TERM=dumb',
  },
} as const;

/** The fixed flags yargs adds, listed by help, completion and the man page. */
export const BUILTIN_OPTIONS: OptionSpec[] = [
  {
    name: 'help',
    aliases: ['h'],
    type: 'boolean',
    choices: [],
    description: 'show help (also: pxe-doctor help COMMAND)',
    positional: false,
  },
  {
    name: 'version',
    aliases: ['V'],
    type: 'boolean',
    choices: [],
    description: 'show the version',
    positional: false,
  },
];

interface OptionLike {
  alias?: string | readonly string[];
  type?: string;
  choices?: readonly unknown[];
  description?: string;
  describe?: string;
}

type Recorder = Record<string, (...args: unknown[]) => unknown>;

/** Runs a command's builder against a stand-in for yargs that writes down options and examples. */
export function recordCommand(module: {
  command?: string | readonly string[];
  describe?: string | false;
  builder?: unknown;
}): CommandSpec {
  const usage = Array.isArray(module.command) ? String(module.command[0]) : String(module.command ?? '');
  const spec: CommandSpec = {
    name: usage.split(' ')[0] ?? '',
    usage,
    describe: typeof module.describe === 'string' ? module.describe : '',
    options: [],
    examples: [],
    subcommands: [],
    epilog: '',
  };
  const add = (name: string, o: OptionLike, positional: boolean): void => {
    const alias = o.alias === undefined ? [] : typeof o.alias === 'string' ? [o.alias] : [...o.alias];
    spec.options.push({
      name,
      aliases: alias,
      type: o.type ?? (o.choices !== undefined ? 'string' : null),
      choices: (o.choices ?? []).map(String),
      description: o.description ?? o.describe ?? '',
      positional,
    });
  };
  const recorder: Recorder = new Proxy({} as Recorder, {
    get: (_target, prop) => {
      if (prop === 'option' || prop === 'positional')
        return (name: unknown, o: unknown) => {
          add(String(name), (o ?? {}) as OptionLike, prop === 'positional');
          return recorder;
        };
      if (prop === 'options')
        return (all: unknown) => {
          for (const [name, o] of Object.entries((all ?? {}) as Record<string, OptionLike>))
            add(name, o, false);
          return recorder;
        };
      if (prop === 'example')
        return (cmd: unknown, what: unknown) => {
          spec.examples.push([String(cmd).replace(/\$0/g, 'pxe-doctor'), String(what ?? '')]);
          return recorder;
        };
      if (prop === 'epilog')
        return (text: unknown) => {
          spec.epilog = String(text ?? '');
          return recorder;
        };
      if (prop === 'command')
        return (sub: unknown) => {
          if (typeof sub === 'object' && sub !== null) spec.subcommands.push(recordCommand(sub));
          return recorder;
        };
      if (prop === 'then') return undefined;
      return () => recorder;
    },
  });
  if (typeof module.builder === 'function') (module.builder as (y: Recorder) => unknown)(recorder);
  return spec;
}

export interface CommandHooks {
  setExit(code: number): void;
  /** `help [command]` and `completion <shell>` only say what to print; main() prints it after parsing. */
  help(command: string | undefined): void;
  completion(shell: string): void;
}

/** Every command, in the order help lists them. */
export function commandModules(hooks: CommandHooks): CommandModule<object, never>[] {
  const modules: unknown[] = [
    decodeCommand(),
    analyzeCommand(hooks.setExit),
    diagramCommand(),
    serveCommand(hooks.setExit),
    replayCommand(hooks.setExit),
    fixtureCommand(hooks.setExit),
    sniffCommand(hooks.setExit),
    {
      command: 'help [command]',
      describe: 'Show the help of a command',
      builder: (y: Argv) => y.positional('command', { type: 'string', description: 'a command' }),
      handler: (args: { command?: string }) => hooks.help(args.command),
    },
    {
      command: 'completion <shell>',
      describe: 'Print a shell completion script: bash, zsh or fish',
      builder: (y: Argv) =>
        y
          .positional('shell', { choices: SHELLS, description: 'the shell' })
          .example('source <(pxe-doctor completion bash)', 'bash: in ~/.bashrc')
          .example('pxe-doctor completion zsh > "${fpath[1]}/_pxe-doctor"', 'zsh')
          .example('pxe-doctor completion fish > ~/.config/fish/completions/pxe-doctor.fish', 'fish'),
      handler: (args: { shell: string }) => hooks.completion(args.shell),
    },
  ];
  return modules as CommandModule<object, never>[];
}

export function commandSpecs(): CommandSpec[] {
  const none = (): void => undefined;
  return commandModules({ setExit: none, help: none, completion: none }).map((m) => recordCommand(m));
}

/** The command a help request is about: `fixture anonymize --help` → the spec of `anonymize`. */
export function specFor(argv: readonly string[], commands: CommandSpec[]): CommandSpec | undefined {
  let level = commands;
  let found: CommandSpec | undefined;
  for (const word of argv.filter((a) => !a.startsWith('-'))) {
    const next = level.find((c) => c.name === word);
    if (next === undefined) break;
    found = next;
    level = next.subcommands;
  }
  return found;
}

/** The words of a command line; a quoted part stays inside its word. */
function shellWords(cmd: string): string[] {
  return cmd.match(/(?:"[^"]*"|'[^']*'|[^\s"'])+/g) ?? [];
}

/**
 * A command line as lines of at most `width` characters for a reader to copy: too long a line is broken
 * before an option (with its value), a pipe or a redirection, never inside a word, and every line but the last ends in a
 * shell continuation (` \`), so the lines pasted together are still the one command. A single word longer
 * than the width stays whole.
 */
export function breakCommandLine(cmd: string, width: number, indent: string, continued: string): string[] {
  if (indent.length + cmd.length <= width) return [`${indent}${cmd}`];
  const groups: string[] = [];
  for (const word of shellWords(cmd)) {
    // A word that is not an option, a pipe or a redirection stays with the one before it (a value, a file).
    if (groups.length > 0 && !/^(-|\||[<>])/.test(word)) groups[groups.length - 1] += ` ${word}`;
    else groups.push(word);
  }
  const lines: string[] = [];
  let line = indent;
  for (const group of groups) {
    const fresh = line.trim() === '';
    // Room for the group and, should more follow, the ' \\' at the end of this line.
    if (!fresh && line.length + 1 + group.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `${continued}${group}`;
    } else line = fresh ? `${line}${group}` : `${line} ${group}`;
  }
  lines.push(line);
  return lines;
}

/**
 * The Examples section as pxe-doctor prints it: each command line whole (to copy; a long one broken with
 * shell continuations to fit `width`), what it does below. yargs would wrap a long command line in the middle.
 */
export function renderExamples(examples: readonly [string, string][], width = 80): string {
  if (examples.length === 0) return '';
  const lines = ['Examples:'];
  for (const [cmd, what] of examples) {
    lines.push(...breakCommandLine(cmd, width, '  ', '    '));
    if (what !== '') lines.push(`      ${what}`);
  }
  return lines.join('\n');
}
