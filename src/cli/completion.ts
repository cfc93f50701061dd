/**
 * `pxe-doctor completion bash|zsh|fish`: static completion scripts made from the command definitions
 * (spec.ts), so a new command, subcommand or option completes without anyone editing a script. Completing
 * costs no Node start-up.
 */
import { UsageError } from '../errors.js';
import { BUILTIN_OPTIONS, SHELLS, type CommandSpec, type OptionSpec } from './spec.js';

/** Options every command takes, beside its own. */
const COMMON: OptionSpec[] = [
  ...BUILTIN_OPTIONS,
  { name: 'color', aliases: [], type: 'boolean', choices: [], description: 'colour on', positional: false },
  {
    name: 'no-color',
    aliases: [],
    type: 'boolean',
    choices: [],
    description: 'colour off',
    positional: false,
  },
];

/** A command with the words that lead to it: `fixture add` is path ['fixture', 'add']. */
interface Level {
  path: string[];
  spec: CommandSpec;
}

/** Every command and subcommand, parents before their children. */
function levels(commands: CommandSpec[], parent: string[] = []): Level[] {
  return commands.flatMap((spec) => {
    const path = [...parent, spec.name];
    return [{ path, spec }, ...levels(spec.subcommands, path)];
  });
}

function flags(o: OptionSpec): string[] {
  return [o.name, ...o.aliases].map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
}

function takesValue(o: OptionSpec): boolean {
  return o.type !== 'boolean';
}

function optionsOf(c: CommandSpec): OptionSpec[] {
  return [...c.options.filter((o) => !o.positional), ...COMMON];
}

/** The values a positional takes: its choices, or for `help [command]` the command names. */
function positionalChoices(c: CommandSpec, top: CommandSpec[]): string[] {
  const p = c.options.find((o) => o.positional);
  if (p === undefined) return [];
  if (c.name === 'help' && p.name === 'command') return top.map((x) => x.name);
  return p.choices;
}

/** Single-quoted for sh-like shells. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bash(commands: CommandSpec[]): string {
  const all = levels(commands);
  const known = all.map((l) => sq(l.path.join(' '))).join('|');
  const valueCases = new Map<string, string>();
  for (const { spec } of all)
    for (const o of spec.options.filter((x) => !x.positional && takesValue(x))) {
      const pattern = flags(o).join('|');
      valueCases.set(
        pattern,
        o.choices.length > 0
          ? `    ${pattern}) COMPREPLY=($(compgen -W ${sq(o.choices.join(' '))} -- "$cur")); return ;;`
          : `    ${pattern}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`,
      );
    }
  // Per level: what a word completes to (subcommands or the positional's values) and its options.
  const perLevel = [
    `    '') words=${sq(commands.map((c) => c.name).join(' '))}; opts=${sq(COMMON.flatMap(flags).join(' '))} ;;`,
    ...all.map(({ path, spec }) => {
      const words =
        spec.subcommands.length > 0 ? spec.subcommands.map((s) => s.name) : positionalChoices(spec, commands);
      return `    ${sq(path.join(' '))}) words=${sq(words.join(' '))}; opts=${sq(optionsOf(spec).flatMap(flags).join(' '))} ;;`;
    }),
  ];
  return `# bash completion for pxe-doctor: source <(pxe-doctor completion bash)
_pxe_doctor() {
  local cur prev path next words opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  # The command and subcommand typed so far ("fixture add"); the first other word ends it.
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) continue ;;
    esac
    next="\${path:+$path }\${COMP_WORDS[i]}"
    case "$next" in
      ${known}) path="$next" ;;
      *) break ;;
    esac
  done
  case "$prev" in
${[...valueCases.values()].join('\n')}
  esac
  case "$path" in
${perLevel.join('\n')}
    *) words=""; opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n "$words" ]]; then
    COMPREPLY=($(compgen -W "$words" -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -o bashdefault -F _pxe_doctor pxe-doctor
`;
}

/** Text inside a zsh _arguments description: no brackets or colons. */
function zdesc(s: string): string {
  return s.replace(/[[\]]/g, '').replace(/:/g, '\\:').replace(/'/g, `'\\''`);
}

/** One level of the zsh completer: the command names at word 2, then the chosen command's own completion. */
function zshLevel(commands: CommandSpec[], top: CommandSpec[], indent: string): string {
  const list = commands.map((c) => `${indent}  ${sq(`${c.name}:${c.describe.replace(/:/g, '\\:')}`)}`);
  const cases = commands.map((c) => {
    const body =
      c.subcommands.length > 0
        ? zshLevel(c.subcommands, top, `${indent}    `)
        : `${indent}    ${zshArguments(c, top, `${indent}      `)}`;
    return `${indent}  ${c.name})\n${body}\n${indent}    ;;`;
  });
  return [
    `${indent}local -a commands`,
    `${indent}commands=(`,
    ...list,
    `${indent})`,
    `${indent}if (( CURRENT == 2 )); then`,
    `${indent}  _describe 'command' commands`,
    `${indent}  return`,
    `${indent}fi`,
    `${indent}local cmd=$words[2]`,
    `${indent}shift words`,
    `${indent}(( CURRENT-- ))`,
    `${indent}case $cmd in`,
    ...cases,
    `${indent}esac`,
  ].join('\n');
}

function zshArguments(c: CommandSpec, top: CommandSpec[], indent: string): string {
  const specs = optionsOf(c).map((o) => {
    const names = flags(o);
    const head = names.length > 1 ? `'(${names.join(' ')})'{${names.join(',')}}'` : `'${names[0]}`;
    const value = !takesValue(o)
      ? ''
      : o.choices.length > 0
        ? `:${o.name}:(${o.choices.join(' ')})`
        : `:${o.name}:_files`;
    return `${head}[${zdesc(o.description)}]${value}'`;
  });
  const choices = positionalChoices(c, top);
  const pos = c.options
    .filter((o) => o.positional)
    .map((o, i) =>
      i === 0 && choices.length > 0
        ? `'${i + 1}:${o.name}:(${choices.join(' ')})'`
        : `'${i + 1}:${o.name}:_files'`,
    );
  return `_arguments -s \\\n${indent}${[...specs, ...pos].join(` \\\n${indent}`)}`;
}

function zsh(commands: CommandSpec[]): string {
  return `#compdef pxe-doctor
# zsh completion for pxe-doctor: pxe-doctor completion zsh > "\${fpath[1]}/_pxe-doctor"
# (or: source <(pxe-doctor completion zsh) after compinit)
_pxe-doctor() {
${zshLevel(commands, commands, '  ')}
}
if [[ $funcstack[1] == _pxe-doctor ]]; then
  _pxe-doctor "$@"
else
  compdef _pxe-doctor pxe-doctor
fi
`;
}

function fish(commands: CommandSpec[]): string {
  const lines = [
    '# fish completion for pxe-doctor: pxe-doctor completion fish > ~/.config/fish/completions/pxe-doctor.fish',
    'complete -c pxe-doctor -f',
  ];
  /** The condition "the words so far lead to this level": each word of the path seen, no child of it yet. */
  const at = (path: string[], children: CommandSpec[]): string =>
    [
      ...path.map((w) => `__fish_seen_subcommand_from ${w}`),
      ...(children.length > 0
        ? [`not __fish_seen_subcommand_from ${children.map((c) => c.name).join(' ')}`]
        : []),
    ].join('; and ');
  const option = (cond: string, o: OptionSpec): string => {
    const parts = [`complete -c pxe-doctor`];
    if (cond !== '') parts.push(`-n ${sq(cond)}`);
    for (const f of flags(o)) parts.push(f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
    if (takesValue(o)) parts.push(o.choices.length > 0 ? `-x -a ${sq(o.choices.join(' '))}` : '-r -F');
    parts.push(`-d ${sq(o.description)}`);
    return parts.join(' ');
  };
  for (const c of commands)
    lines.push(`complete -c pxe-doctor -n ${sq(at([], commands))} -a ${c.name} -d ${sq(c.describe)}`);
  for (const o of COMMON) lines.push(option('', o));
  for (const { path, spec } of levels(commands)) {
    for (const sub of spec.subcommands)
      lines.push(
        `complete -c pxe-doctor -n ${sq(at(path, spec.subcommands))} -a ${sub.name} -d ${sq(sub.describe)}`,
      );
    if (spec.subcommands.length > 0) continue;
    const cond = at(path, []);
    for (const o of spec.options.filter((x) => !x.positional)) lines.push(option(cond, o));
    const choices = positionalChoices(spec, commands);
    if (spec.options.some((x) => x.positional))
      lines.push(
        choices.length > 0
          ? `complete -c pxe-doctor -n ${sq(cond)} -x -a ${sq(choices.join(' '))}`
          : `complete -c pxe-doctor -n ${sq(cond)} -F`,
      );
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(shell: string, commands: CommandSpec[]): string {
  switch (shell) {
    case 'bash':
      return bash(commands);
    case 'zsh':
      return zsh(commands);
    case 'fish':
      return fish(commands);
    default:
      throw new UsageError(`completion ${shell}: one of ${SHELLS.join(', ')}`);
  }
}
