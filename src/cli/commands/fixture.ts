import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import type { Finding } from '../../diagnosis/types.js';
import { InputError } from '../../errors.js';
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

/** `pxe-doctor fixture …`: regression fixtures from real boots. */
export function fixtureCommand(): CommandModule<object, object> {
  return {
    command: 'fixture <command>',
    describe: 'Regression fixtures: anonymise a capture',
    builder: (y: Argv) =>
      y.command(anonymizeCommand()).demandCommand(1, 'Name a fixture command: anonymize.'),
    handler: () => undefined,
  };
}
