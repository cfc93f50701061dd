/**
 * The conventions of tshark, git and ripgrep users, through the real CLI: -h/-V, `help COMMAND`,
 * --no-color and TERM=dumb, unwrapped help examples, case-insensitive levels, --rules --json, shell
 * completion that the shells accept and that completes, a man page that matches the definitions.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { renderManPage } from '../../../src/cli/man.js';
import { commandSpecs } from '../../../src/cli/spec.js';
import { packageVersion } from '../../../src/cli/version.js';
import { findCapture, projectRoot } from '../../support/fixtures.js';
import { CLI_BIN, runCli } from '../../support/run-cli.js';
import { REQUIRED_RULE_IDS } from '../../support/required-rules.js';

const root = projectRoot();
const happy = findCapture('lab/happy-bios-pxelinux/capture.pcapng')?.path ?? '';
const failing = findCapture('lab/file-not-found/capture.pcapng')?.path ?? '';
const scratch = mkdtempSync(join(tmpdir(), 'pxe-doctor-conv-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function have(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Runs the CLI on a pseudo-terminal (util-linux `script`), where colour and the decode summary apply. */
function onTerminal(args: string, env: Record<string, string>): string {
  const r = spawnSync('script', ['-qec', `${process.execPath} ${CLI_BIN} ${args}`, '/dev/null'], {
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', COLUMNS: '100', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return r.stdout;
}

test('-h, --help, help COMMAND; -V, --version', () => {
  const long = runCli(['analyze', '--help']);
  assert.equal(long.code, 0);
  assert.match(long.stdout, /^pxe-doctor analyze \[file\]/);
  assert.equal(runCli(['analyze', '-h']).stdout, long.stdout);
  assert.equal(runCli(['help', 'analyze']).stdout, long.stdout);
  const top = runCli(['help']);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /pxe-doctor completion <shell>/);
  assert.match(top.stdout, /--no-color/);
  assert.match(top.stdout, /-h, --help/);
  assert.match(top.stdout, /-V, --version/);
  const unknown = runCli(['help', 'frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no such command/);
  for (const flag of ['-V', '--version']) {
    const v = runCli([flag]);
    assert.equal(v.code, 0);
    assert.equal(v.stdout, `${packageVersion()}\n`);
  }
  assert.equal(runCli(['decode', '-V']).stdout, `${packageVersion()}\n`);
});

test('help fits 80 columns, and examples are never broken inside a command', () => {
  const all = commandSpecs().flatMap((c) => [
    { argv: [c.name], spec: c },
    ...c.subcommands.map((s) => ({ argv: [c.name, s.name], spec: s })),
  ]);
  assert.ok(
    all.some((x) => x.spec.examples.some(([cmd]) => cmd.length > 80)),
    'a long example to break',
  );
  for (const { argv, spec } of [{ argv: [], spec: undefined }, ...all]) {
    for (const width of [80, 60]) {
      const r = runCli([...argv, '--help'], { env: { COLUMNS: String(width) } });
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      if (width === 80)
        for (const line of lines)
          assert.ok([...line].length <= 80, `${argv.join(' ')} --help: ${[...line].length} columns: ${line}`);
      // Each example: its lines (the first, then those after a trailing backslash) paste as the one command.
      const shown = lines.map((l, i) => {
        const own = [l];
        while (own[own.length - 1]?.endsWith(' \\')) own.push(lines[i + own.length] ?? '');
        return own;
      });
      for (const [cmd] of spec?.examples ?? []) {
        const own = shown.find((o) => o.map((l) => l.trim().replace(/ \\$/, '')).join(' ') === cmd);
        assert.ok(own !== undefined, `${argv.join(' ')} at ${width}: "${cmd}" whole`);
        if (2 + cmd.length > width)
          assert.ok(own.length > 1, `${cmd}: broken with continuations at ${width}`);
        if (own.length > 1) for (const l of own) assert.ok(l.length <= width, `${l}: within ${width}`);
      }
    }
  }
});

test('colour: on a terminal by default; off with --no-color, NO_COLOR or TERM=dumb', (t) => {
  if (!have('script')) return t.skip('util-linux script is not installed');
  const esc = String.fromCharCode(27);
  const colour = new RegExp(`${esc}\\[[0-9;]*m`);
  assert.match(onTerminal(`analyze ${happy}`, { TERM: 'xterm' }), colour, 'colour on a terminal');
  assert.doesNotMatch(onTerminal(`analyze ${happy} --no-color`, { TERM: 'xterm' }), colour, '--no-color');
  assert.ok(
    !onTerminal(`analyze ${happy}`, { TERM: 'dumb' }).includes(esc),
    'TERM=dumb: no escape code at all',
  );
  assert.doesNotMatch(onTerminal(`analyze ${happy}`, { TERM: 'xterm', NO_COLOR: '1' }), colour, 'NO_COLOR');
});

test('decode ends with a summary line on a terminal only', (t) => {
  if (!have('script')) return t.skip('util-linux script is not installed');
  const out = onTerminal(`decode ${happy}`, { TERM: 'xterm' });
  assert.match(out, /^372 frames: DHCP 6, TFTP 351, skipped IPv6 6, ICMP 1\r?$/m);
  assert.doesNotMatch(runCli(['decode', happy]).stderr, /frames:/);
});

test('--fail-on takes the levels in any case; --rules --json is the rule list', () => {
  assert.equal(runCli(['analyze', failing, '--fail-on', 'ERROR']).code, 1);
  assert.equal(runCli(['analyze', failing, '--fail-on', 'Warn']).code, 1);
  assert.equal(runCli(['analyze', happy, '--fail-on', 'ERROR']).code, 0);
  const r = runCli(['analyze', '--rules', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const rules = JSON.parse(r.stdout) as { id: string; severity: string; detects: string }[];
  for (const id of REQUIRED_RULE_IDS)
    assert.ok(
      rules.some((x) => x.id === id),
      id,
    );
  assert.ok(rules.every((x) => ['info', 'warn', 'error'].includes(x.severity) && x.detects !== ''));
});

test('completion scripts: each shell accepts its script, and bash completes commands, flags and values', (t) => {
  for (const shell of ['bash', 'zsh', 'fish']) {
    const r = runCli(['completion', shell]);
    assert.equal(r.code, 0, r.stderr);
    const file = join(scratch, `completion.${shell}`);
    writeFileSync(file, r.stdout);
    if (!have(shell)) {
      t.diagnostic(`${shell} not installed: syntax not checked`);
      continue;
    }
    const check = spawnSync(shell, ['-n', file], { encoding: 'utf8' });
    assert.equal(check.status, 0, `${shell} -n: ${check.stderr}`);
  }
  const complete = (line: string): string[] => {
    const words = line.split(' ');
    const script = `source ${join(scratch, 'completion.bash')}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_pxe_doctor; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: scratch }).stdout.trim().split('\n');
  };
  assert.deepEqual(complete('pxe-doctor ana'), ['analyze']);
  assert.ok(complete('pxe-doctor analyze --fa').includes('--fail-on'));
  assert.deepEqual(complete('pxe-doctor analyze --fail-on '), ['info', 'warn', 'error']);
  assert.deepEqual(complete('pxe-doctor completion f'), ['fish']);
  assert.ok(complete('pxe-doctor serve --boot').includes('--boot-uefi'));
  // Subcommands, their options and their positionals' values, from the same definitions.
  const fixture = commandSpecs().find((c) => c.name === 'fixture');
  const subs = (fixture?.subcommands ?? []).map((s) => s.name).sort();
  assert.deepEqual(subs, ['add', 'anonymize', 'check', 'record']);
  assert.deepEqual(complete('pxe-doctor fixture ').sort(), subs);
  assert.deepEqual(complete('pxe-doctor --no-color fixture an'), ['anonymize']);
  assert.ok(complete('pxe-doctor fixture check --').includes('--junit'));
  assert.ok(!complete('pxe-doctor fixture add --').includes('--junit'), 'check options are not add options');
  assert.ok(complete('pxe-doctor help ').includes('fixture'), 'help completes command names');
  for (const shell of ['bash', 'zsh', 'fish']) {
    const script = readFileSync(join(scratch, `completion.${shell}`), 'utf8');
    for (const sub of fixture?.subcommands ?? []) {
      assert.match(script, new RegExp(`\\b${sub.name}\\b`), `${shell}: ${sub.name}`);
      for (const o of sub.options.filter((x) => !x.positional))
        assert.ok(script.includes(o.name), `${shell}: fixture ${sub.name} --${o.name}`);
    }
  }
  if (have('zsh')) {
    // The zsh completer run with stand-ins for the completion system's functions, to see what it offers.
    const zsh = (words: string[]): string =>
      spawnSync(
        'zsh',
        [
          '-c',
          `compdef() { :; }; source ${join(scratch, 'completion.zsh')}
_describe() { print -rl -- \${(P)2}; }; _arguments() { print -rl -- "$@"; }
words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _pxe-doctor`,
        ],
        { encoding: 'utf8' },
      ).stdout;
    assert.match(zsh(['pxe-doctor', 'fixture', '']), /^check:/m);
    assert.match(zsh(['pxe-doctor', 'fixture', 'check', '']), /^--junit\[/m);
    assert.match(zsh(['pxe-doctor', 'analyze', '--fail-on', '']), /^--fail-on.*:\(info warn error\)/m);
  }
  if (have('fish')) {
    const subsFish = spawnSync(
      'fish',
      ['-c', `source ${join(scratch, 'completion.fish')}; complete -C 'pxe-doctor fixture check --'`],
      { encoding: 'utf8' },
    );
    assert.match(subsFish.stdout, /^--junit\t/m);
    const fish = spawnSync(
      'fish',
      ['-c', `source ${join(scratch, 'completion.fish')}; complete -C 'pxe-doctor analyze --fail-on '`],
      { encoding: 'utf8' },
    );
    assert.deepEqual(
      fish.stdout
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0])
        .sort(),
      ['error', 'info', 'warn'],
    );
  }
});

test('the man page is generated from the current definitions (npm run man)', () => {
  const committed = readFileSync(join(root, 'man', 'pxe-doctor.1'), 'utf8');
  const exitCodes = readFileSync(join(root, 'docs', 'exit-codes.md'), 'utf8');
  assert.equal(committed, renderManPage(commandSpecs(), exitCodes, packageVersion()), 'run npm run man');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    man?: string;
    files?: string[];
  };
  assert.equal(pkg.man, './man/pxe-doctor.1');
  assert.ok(pkg.files?.includes('man'));
  for (const code of ['0', '1', '2', '3', '6']) assert.match(committed, new RegExp(`^\\.B ${code}$`, 'm'));
  assert.match(committed, /\\-\\-fail\\-on info\|warn\|error/);
});
