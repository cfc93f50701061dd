import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { Finding } from '../../diagnosis/types.js';
import { EXIT, InputError } from '../../errors.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { writeErr } from '../io.js';

interface AnonymizeArgs {
  in: string;
  out: string;
  key?: string;
}

function readInput(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such file' : 'cannot be read'}`);
  }
}

/** The whole analysis of a capture in memory (the fixture layer is handed it: it sits below the library glue). */
async function analyzeBytes(): Promise<(bytes: Uint8Array) => Promise<readonly Finding[]>> {
  const { analyzeCapture } = await import('../../analyze.js');
  const { Readable } = await import('node:stream');
  return async (bytes) => (await analyzeCapture(Readable.from([Buffer.from(bytes)]))).findings;
}

function anonymizeCommand(): CommandModule<object, AnonymizeArgs> {
  return {
    command: 'anonymize <in> <out>',
    describe: 'Write a copy of a capture with keyed pseudonyms for every MAC, address, UUID and name',
    builder: (y) =>
      y
        .positional('in', { type: 'string', demandOption: true, description: 'capture (pcap, pcapng, .gz)' })
        .positional('out', { type: 'string', demandOption: true, description: 'anonymised capture to write' })
        .option('key', {
          type: 'string',
          description:
            'pseudonym key: the same key gives the same pseudonyms and reveals them (default: random)',
        })
        .example('$0 fixture anonymize site.pcapng shared.pcapng --key "$KEY"', 'consistent across captures'),
    handler: async (args) => {
      const { anonymizeVerified, identifierCount } = await import('../../fixture/anonymize/index.js');
      const key = args.key ?? randomBytes(16).toString('hex');
      const { result } = await anonymizeVerified(readInput(args.in), key, await analyzeBytes());
      writeFileSync(args.out, result.bytes);
      const f = result.found;
      const s = result.stats;
      writeErr(
        `anonymised ${s.frames} frames (DHCP ${s.dhcp}, TFTP ${s.tftp}, ARP ${s.arp}; ${s.payloadsDropped} other payloads dropped): ` +
          `${identifierCount(f)} identifiers replaced (${f.mac.size} MAC, ${f.ipv4.size} IPv4, ${f.uuid.size} UUID, ` +
          `${f.name.size} names, ${f.opaque.size} opaque); none left in ${args.out}; analysis unchanged\n`,
      );
      if (args.key === undefined) writeErr(`key: ${key} (keep it to reveal the pseudonyms, or reuse it)\n`);
    },
  };
}

interface AddArgs {
  capture: string;
  name?: string;
  dir: string;
  anonymize: boolean;
  key?: string;
}

interface CheckArgs {
  dirs?: string[];
  junit?: string;
  update: boolean;
}

/** The whole analysis of a capture file, as the fixture layer is handed it. */
async function analyzeFile(): Promise<
  (path: string) => Promise<{ result: AnalysisResult; findings: Finding[] }>
> {
  const { analyzeCapture } = await import('../../analyze.js');
  return async (path) => {
    const { result, findings } = await analyzeCapture(path);
    return { result, findings };
  };
}

async function ruleIds(): Promise<string[]> {
  const { listRules } = await import('../../diagnosis/registry.js');
  return listRules().map((r) => r.id);
}

function addCommand(): CommandModule<object, AddArgs> {
  return {
    command: 'add <capture>',
    describe: "Make a fixture folder: the capture and an expect.yaml from today's analysis, to review",
    builder: (y) =>
      y
        .positional('capture', { type: 'string', demandOption: true, description: 'capture of the boot' })
        .option('name', { type: 'string', description: 'folder name (default: the capture file name)' })
        .option('dir', { type: 'string', default: 'fixtures', description: 'where fixture folders live' })
        .option('anonymize', { type: 'boolean', default: false, description: 'store an anonymised copy' })
        .option('key', { type: 'string', description: 'pseudonym key for --anonymize (default: random)' })
        .example(
          '$0 fixture add failed-boot.pcapng --name uefi-nak --anonymize',
          'then review fixtures/uefi-nak/expect.yaml',
        ),
    handler: async (args) => {
      const { addFixture } = await import('../../fixture/add.js');
      const key = args.key ?? randomBytes(16).toString('hex');
      const folder = await addFixture(
        {
          capture: args.capture,
          name: args.name,
          dir: args.dir,
          anonymize: args.anonymize ? { key, analyzeBytes: await analyzeBytes() } : undefined,
        },
        await analyzeFile(),
      );
      process.stdout.write(
        `${folder}/expect.yaml written from today's analysis: review it before committing\n`,
      );
      if (args.anonymize && args.key === undefined)
        writeErr(`key: ${key} (keep it to reveal the pseudonyms)\n`);
    },
  };
}

function checkCommand(setExit: (code: number) => void): CommandModule<object, CheckArgs> {
  return {
    command: 'check [dirs..]',
    describe: 'Analyse every fixture again and compare with its expect.yaml (exit 1 on any difference)',
    builder: (y) =>
      y
        .positional('dirs', {
          type: 'string',
          array: true,
          description: 'fixture folders, or folders holding them (default: fixtures)',
        })
        .option('junit', { type: 'string', description: 'also write a JUnit XML report to this file' })
        .option('update', {
          type: 'boolean',
          default: false,
          description: 'rewrite expect.yaml from the analysis (after review)',
        })
        .example('$0 fixture check fixtures/ --junit fixtures.xml', 'in CI'),
    handler: async (args) => {
      const { checkFixture, findFixtures, updateFixture } = await import('../../fixture/check.js');
      const { junitXml } = await import('../../fixture/junit.js');
      const dirs = findFixtures(args.dirs !== undefined && args.dirs.length > 0 ? args.dirs : ['fixtures']);
      const analyze = await analyzeFile();
      const ids = await ruleIds();
      if (args.update) {
        for (const d of dirs) {
          await updateFixture(d, analyze, ids);
          process.stdout.write(`updated  ${d}\n`);
        }
        process.stdout.write(`${dirs.length} fixture(s) updated: review the diff before committing\n`);
        return;
      }
      const results = [];
      for (const d of dirs) {
        const r = await checkFixture(d, analyze, ids);
        results.push(r);
        if (r.differences.length === 0) process.stdout.write(`ok    ${d}\n`);
        else process.stdout.write(`FAIL  ${d}\n${r.differences.map((x) => `        ${x}\n`).join('')}`);
      }
      const failed = results.filter((r) => r.differences.length > 0).length;
      process.stdout.write(
        `${results.length} fixture(s): ${results.length - failed} passed, ${failed} failed\n`,
      );
      if (args.junit !== undefined) writeFileSync(args.junit, junitXml(results));
      if (failed > 0) setExit(EXIT.findings);
    },
  };
}

/** `pxe-doctor fixture …`: regression fixtures from real boots. */
export function fixtureCommand(setExit: (code: number) => void): CommandModule<object, object> {
  return {
    command: 'fixture <command>',
    describe: 'Regression fixtures: pin what the analysis says about real boots, check it in CI',
    builder: (y: Argv) =>
      y
        .command(addCommand())
        .command(checkCommand(setExit))
        .command(anonymizeCommand())
        .demandCommand(1, 'Name a fixture command: add, check or anonymize.'),
    handler: () => undefined,
  };
}
