import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { Finding } from '../../diagnosis/types.js';
import { EXIT, InputError, UsageError } from '../../errors.js';
import type { AnalysisResult } from '../../analysis/types.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { checkOutputPath, writeOutputFile } from '../output-files.js';
import { useColor, writeErr } from '../io.js';

interface AnonymizeArgs {
  in: string;
  out: string;
  key?: string;
}

/** A fresh pseudonym key; node:crypto is loaded only by the commands that make one. */
async function randomKey(): Promise<string> {
  const { randomBytes } = await import('node:crypto');
  return randomBytes(16).toString('hex');
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
        .example('$0 fixture anonymize site.pcapng shared.pcapng --key "$KEY"', 'consistent across captures')
        .epilog(exitCodesLine('fixture')),
    handler: async (args) => {
      const { anonymizeVerified, identifierCount } = await import('../../fixture/anonymize/index.js');
      checkOutputPath('output', args.out);
      const key = args.key ?? (await randomKey());
      const { result } = await anonymizeVerified(readInput(args.in), key, await analyzeBytes());
      writeOutputFile('output', args.out, result.bytes);
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
        )
        .epilog(exitCodesLine('fixture')),
    handler: async (args) => {
      const { addFixture } = await import('../../fixture/add.js');
      const key = args.key ?? (await randomKey());
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
        .example('$0 fixture check fixtures/ --junit fixtures.xml', 'in CI')
        .epilog(exitCodesLine('fixture')),
    handler: async (args) => {
      const { checkFixture, findFixtures, updateFixture } = await import('../../fixture/check.js');
      const { junitXml } = await import('../../fixture/junit.js');
      if (args.junit !== undefined) checkOutputPath('--junit', args.junit);
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
      if (args.junit !== undefined) writeOutputFile('--junit', args.junit, junitXml(results));
      if (failed > 0) setExit(EXIT.findings);
    },
  };
}

interface RecordArgs {
  server: 'dnsmasq' | 'serve';
  config: string;
  client: 'bios' | 'uefi' | 'ipxe';
  nic?: 'e1000' | 'virtio' | 'rtl8139';
  name?: string;
  dir: string;
  anonymize: boolean;
  key?: string;
  address?: string;
  timeout: number;
  netns?: string;
  json: boolean;
}

function recordCommand(): CommandModule<object, RecordArgs> {
  return {
    command: 'record',
    describe:
      'Boot a virtual client (qemu) against your server config in a private network namespace and make a fixture (root, Linux)',
    builder: (y) =>
      y
        .option('server', {
          choices: ['dnsmasq', 'serve'] as const,
          demandOption: true,
          description: 'the PXE server to run with --config',
        })
        .option('config', {
          type: 'string',
          demandOption: true,
          description: 'dnsmasq.conf, or serve.yaml/.json (its interface and lease file are replaced)',
        })
        .option('client', {
          choices: ['bios', 'uefi', 'ipxe'] as const,
          demandOption: true,
          description: "bios/ipxe: SeaBIOS with the NIC's iPXE ROM; uefi: OVMF",
        })
        .option('nic', {
          choices: ['e1000', 'virtio', 'rtl8139'] as const,
          description: "the client's NIC (default e1000; uefi: virtio, OVMF's own PXE client)",
        })
        .option('name', { type: 'string', description: 'fixture folder name (default SERVER-CLIENT)' })
        .option('dir', { type: 'string', default: 'fixtures', description: 'where fixture folders live' })
        .option('anonymize', { type: 'boolean', default: false, description: 'store an anonymised copy' })
        .option('key', { type: 'string', description: 'pseudonym key for --anonymize (default: random)' })
        .option('address', {
          type: 'string',
          description: 'server address on the private bridge, CIDR (default: from the config)',
        })
        .option('timeout', {
          type: 'number',
          default: 180,
          description: 'seconds before the recording stops',
        })
        .option('netns', {
          type: 'string',
          description: 'name of the private namespace (default pxd-record-PID)',
        })
        .option('json', { type: 'boolean', default: false, description: 'live events on stderr as NDJSON' })
        .example(
          '$0 fixture record --server dnsmasq --config /etc/dnsmasq.d/pxe.conf --client uefi',
          'then review fixtures/dnsmasq-uefi/expect.yaml',
        )
        .epilog(exitCodesLine('fixture')),
    handler: async (args) => {
      if (!Number.isFinite(args.timeout) || args.timeout <= 0)
        throw new UsageError(`--timeout ${args.timeout}: expected a positive number`);
      const { recordFixture } = await import('../../fixture/record/record.js');
      const { sniffEventText } = await import('../../report/sniff-events.js');
      const key = args.key ?? (await randomKey());
      const color = useColor(undefined) && process.stderr.isTTY === true;
      const outcome = await recordFixture({
        server: args.server,
        config: args.config,
        client: args.client,
        nic: args.nic,
        name: args.name,
        dir: args.dir,
        anonymize: args.anonymize ? { key, analyzeBytes: await analyzeBytes() } : undefined,
        address: args.address,
        timeout: args.timeout,
        netns: args.netns ?? `pxd-record-${process.pid}`,
        mac: '52:54:00:12:34:56',
        self: [process.execPath, process.argv[1] ?? 'pxe-doctor'],
        analyze: await analyzeFile(),
        onProgress: (line) => writeErr(`${line}\n`),
        onEvent: (e, seconds) =>
          writeErr(
            args.json
              ? `${JSON.stringify({ time: new Date(seconds * 1000).toISOString(), ...e })}\n`
              : sniffEventText(e, new Date(seconds * 1000), { color }),
          ),
      });
      const v = outcome.verdict;
      process.stdout.write(
        `${outcome.folder}/expect.yaml written from the recorded boot (${v !== null ? `verdict ${v.status}: ${v.reason}` : 'no live verdict'}): review it before committing\n`,
      );
      if (args.anonymize && args.key === undefined)
        writeErr(`key: ${key} (keep it to reveal the pseudonyms)\n`);
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
        .command(recordCommand())
        .demandCommand(1, 'Name a fixture command: add, check, anonymize or record.')
        .epilog(exitCodesLine('fixture')),
    handler: () => undefined,
  };
}
