/**
 * `pxe-doctor completion bash|zsh|fish`: static completion scripts made from the command definitions
 * (spec.ts), so a new option completes without anyone editing a script. Completing costs no Node start-up.
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

function flags(o: OptionSpec): string[] {
  return [o.name, ...o.aliases].map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
}

function takesValue(o: OptionSpec): boolean {
  return o.type !== 'boolean';
}

function optionsOf(c: CommandSpec): OptionSpec[] {
  return [...c.options.filter((o) => !o.positional), ...COMMON];
}

/** Single-quoted for sh-like shells. */
function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function bash(commands: CommandSpec[]): string {
  const top = [...commands.map((c) => c.name), ...COMMON.flatMap(flags)].join(' ');
  const perCommand = commands
    .map((c) => `    ${c.name}) opts=${sq(optionsOf(c).flatMap(flags).join(' '))} ;;`)
    .join('\n');
  const valueCases = new Map<string, string>();
  for (const c of commands) {
    for (const o of c.options.filter((x) => !x.positional && takesValue(x))) {
      const pattern = flags(o).join('|');
      valueCases.set(
        pattern,
        o.choices.length > 0
          ? `    ${pattern}) COMPREPLY=($(compgen -W ${sq(o.choices.join(' '))} -- "$cur")); return ;;`
          : `    ${pattern}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`,
      );
    }
    for (const o of c.options.filter((x) => x.positional && x.choices.length > 0))
      valueCases.set(
        `@${c.name}`,
        `    ${c.name}) [[ "$cur" != -* ]] && COMPREPLY=($(compgen -W ${sq(o.choices.join(' '))} -- "$cur")) && return ;;`,
      );
  }
  const positionalChoices = [...valueCases.entries()].filter(([k]) => k.startsWith('@')).map(([, v]) => v);
  const optionValues = [...valueCases.entries()].filter(([k]) => !k.startsWith('@')).map(([, v]) => v);
  return `# bash completion for pxe-doctor: source <(pxe-doctor completion bash)
_pxe_doctor() {
  local cur prev cmd opts i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    COMPREPLY=($(compgen -W ${sq(top)} -- "$cur"))
    return
  fi
  case "$prev" in
${optionValues.join('\n')}
  esac
  case "$cmd" in
${positionalChoices.join('\n')}
  esac
  case "$cmd" in
${perCommand}
    *) opts="" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
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

function zsh(commands: CommandSpec[]): string {
  const list = commands.map((c) => `    ${sq(`${c.name}:${c.describe.replace(/:/g, '\\:')}`)}`).join('\n');
  const cases = commands
    .map((c) => {
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
      const pos = c.options
        .filter((o) => o.positional)
        .map((o) =>
          o.choices.length > 0 ? `'1:${o.name}:(${o.choices.join(' ')})'` : `'1:${o.name}:_files'`,
        );
      return `    ${c.name})\n      _arguments -s \\\n        ${[...specs, ...pos].join(' \\\n        ')}\n      ;;`;
    })
    .join('\n');
  return `#compdef pxe-doctor
# zsh completion for pxe-doctor: pxe-doctor completion zsh > "\${fpath[1]}/_pxe-doctor"
# (or: source <(pxe-doctor completion zsh) after compinit)
_pxe-doctor() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
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
  const names = commands.map((c) => c.name).join(' ');
  for (const c of commands)
    lines.push(
      `complete -c pxe-doctor -n "not __fish_seen_subcommand_from ${names}" -a ${c.name} -d ${sq(c.describe)}`,
    );
  const option = (cond: string, o: OptionSpec): string => {
    const parts = [`complete -c pxe-doctor`];
    if (cond !== '') parts.push(`-n ${sq(cond)}`);
    for (const f of flags(o)) parts.push(f.startsWith('--') ? `-l ${f.slice(2)}` : `-s ${f.slice(1)}`);
    if (takesValue(o)) parts.push(o.choices.length > 0 ? `-x -a ${sq(o.choices.join(' '))}` : '-r -F');
    parts.push(`-d ${sq(o.description)}`);
    return parts.join(' ');
  };
  for (const o of COMMON) lines.push(option('', o));
  for (const c of commands) {
    const cond = `__fish_seen_subcommand_from ${c.name}`;
    for (const o of c.options.filter((x) => !x.positional)) lines.push(option(cond, o));
    for (const p of c.options.filter((x) => x.positional))
      lines.push(
        p.choices.length > 0
          ? `complete -c pxe-doctor -n ${sq(cond)} -x -a ${sq(p.choices.join(' '))}`
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
