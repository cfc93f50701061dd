import type { CommandModule } from 'yargs';
import { EXIT, UsageError } from '../../errors.js';
import { parseIp, parseMac } from '../../protocol/addr.js';
import { inputPath, useColor } from '../io.js';

interface ReplayArgs {
  file?: string;
  config?: string;
  root?: string;
  client?: string;
  'tftp-server'?: string;
  mtu: number;
  'discover-only': boolean;
  json: boolean;
  verbose: boolean;
  color?: boolean;
}

function normalMac(text: string, flag: string): string {
  const mac = parseMac(text);
  if (mac === null) throw new UsageError(`${flag} ${text}: not a MAC address (aa:bb:cc:dd:ee:ff)`);
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

function tftpServerArg(text: string): { server: string; port: number } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  const port = m?.[2] === undefined ? 69 : Number(m[2]);
  if (m === null || parseIp(m[1]) === null || port < 1 || port > 65535)
    throw new UsageError(`--tftp-server ${text}: expected an IPv4 address, optionally :PORT`);
  return { server: m[1], port };
}

/** `pxe-doctor replay FILE`: play each captured client again against the reference server and diff the answers. */
export function replayCommand(setExit: (code: number) => void): CommandModule<object, ReplayArgs> {
  return {
    command: 'replay [file]',
    describe:
      'Play the clients of a capture again against the reference server and show which answers differ',
    builder: (y) =>
      y
        .positional('file', { type: 'string', description: 'capture file (pcap, pcapng, .gz)' })
        .option('config', {
          type: 'string',
          description:
            'serve config (YAML/JSON, as for serve) for the reference; default: inferred from the capture',
        })
        .option('root', {
          type: 'string',
          description: "TFTP root for the reference with --config (default: the config's tftpRoot)",
        })
        .option('client', { type: 'string', description: 'only the client with this MAC address' })
        .option('tftp-server', {
          type: 'string',
          description:
            'play only the TFTP reads, against this live server (IP or IP:PORT) from an ordinary UDP socket (no root)',
        })
        .option('mtu', {
          type: 'number',
          default: 1500,
          description: "the reference's interface MTU (its TFTP server caps blksize at MTU - 32)",
        })
        .option('discover-only', {
          type: 'boolean',
          default: false,
          description: 'stop after the offers (no REQUEST, no 4011, no TFTP)',
        })
        .option('json', { type: 'boolean', default: false, description: 'the diff as one JSON document' })
        .option('verbose', {
          type: 'boolean',
          default: false,
          description: 'also list the answers that are the same and the fields that differ as expected',
        })
        .example('$0 replay failing.pcapng', 'against the reference configured from the capture')
        .example('$0 replay failing.pcapng --config serve.yaml', 'against the reference with your config')
        .example('$0 replay boot.pcapng --tftp-server 10.0.0.5', 'the TFTP reads against a live server'),
    handler: async (args) => {
      if (args.file === undefined) throw new UsageError('replay needs a capture file');
      if (args.root !== undefined && args.config === undefined)
        throw new UsageError('--root goes with --config (without it the root is inferred from the capture)');
      if (!Number.isInteger(args.mtu) || args.mtu < 576 || args.mtu > 65535)
        throw new UsageError(`--mtu ${args.mtu}: expected a whole number from 576 to 65535`);
      const client = args.client === undefined ? null : normalMac(args.client, '--client');
      const tftp = args['tftp-server'] === undefined ? null : tftpServerArg(args['tftp-server']);
      if (tftp !== null && args.config !== undefined)
        throw new UsageError(
          '--tftp-server plays against a live server: --config is for the in-process reference',
        );
      const { replayCapture } = await import('../../replay/index.js');
      const { setupFromConfig } = await import('../../replay/config-setup.js');
      const { renderReplayText } = await import('../../report/replay-text.js');
      const setup =
        args.config === undefined ? undefined : await setupFromConfig(args.config, args.root ?? null);
      const { LiveTftpTarget } = await import('../../replay/tftp-target.js');
      const report = await replayCapture(inputPath(args.file), {
        client,
        openTarget: tftp === null ? undefined : () => Promise.resolve(new LiveTftpTarget(tftp)),
        setup,
        mtu: args.mtu,
        discoverOnly: args['discover-only'],
      });
      if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else
        process.stdout.write(
          renderReplayText(report, { color: useColor(args.color), verbose: args.verbose }),
        );
      setExit(report.differences > 0 ? EXIT.findings : EXIT.ok);
    },
  };
}
