import type { CommandModule } from 'yargs';
import { EXIT, UsageError } from '../../errors.js';
import { parseIp, parseMac } from '../../protocol/addr.js';
import type { MacChoice } from '../../replay/live-target.js';
import type { ClientScript, ReplayTarget } from '../../replay/index.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { inputPath, useColor } from '../io.js';
import { checkOutputPath } from '../output-files.js';

interface ReplayArgs {
  file?: string;
  config?: string;
  root?: string;
  client?: string;
  'tftp-server'?: string;
  interface?: string;
  mac?: string;
  giaddr?: string;
  'relay-to'?: string;
  write?: string;
  release: boolean;
  force: boolean;
  wait: number;
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

function ipArg(text: string, flag: string): string {
  if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(text) || parseIp(text) === null)
    throw new UsageError(`${flag} ${text}: expected an IPv4 address`);
  return text;
}

/** --mac: "captured" (default), "random", or a MAC; a multicast MAC is no client's. */
function macChoice(text: string | undefined): MacChoice {
  if (text === undefined || text === 'captured') return { kind: 'captured' };
  if (text === 'random') return { kind: 'random' };
  const mac = normalMac(text, '--mac');
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1)
    throw new UsageError(`--mac ${text}: a multicast address, not a client's`);
  return { kind: 'given', mac };
}

/** The live-server options only make sense with --interface. */
function checkLiveArgs(args: ReplayArgs): void {
  const live = ['mac', 'giaddr', 'relay-to', 'write'] as const;
  if (args.interface === undefined) {
    const given = live.filter((k) => args[k] !== undefined);
    if (given.length > 0)
      throw new UsageError(
        `--${given[0] === 'write' ? 'w' : given[0]} plays against a live server: it needs --interface`,
      );
    return;
  }
  if (args['tftp-server'] !== undefined)
    throw new UsageError('--interface and --tftp-server are two targets: give one');
  if (args.config !== undefined)
    throw new UsageError(
      '--interface plays against the live server: --config is for the in-process reference',
    );
  if (args['relay-to'] !== undefined && args.giaddr === undefined)
    throw new UsageError('--relay-to goes with --giaddr');
  if (!Number.isFinite(args.wait) || args.wait < 100 || args.wait > 60_000)
    throw new UsageError(`--wait ${args.wait}: expected milliseconds from 100 to 60000`);
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
        .option('interface', {
          alias: 'i',
          type: 'string',
          description:
            'play the DHCP, 4011 and TFTP side against the live server on this interface (layer 2, root)',
        })
        .option('mac', {
          type: 'string',
          description:
            'with --interface: the MAC to play as: captured (default: the server answers as it did), random (a locally administered one) or a MAC',
        })
        .option('giaddr', {
          type: 'string',
          description: 'with --interface: pose as a relay agent with this address (unicast from port 67)',
        })
        .option('relay-to', {
          type: 'string',
          description:
            "with --giaddr: the DHCP server(s) the relay forwards to, comma-separated (default: the capture's)",
        })
        .option('write', {
          alias: 'w',
          type: 'string',
          description: 'with --interface: write the frames sent and received to FILE (pcapng)',
        })
        .option('release', {
          type: 'boolean',
          default: true,
          description: 'RELEASE the leases the replay got, at the end (--no-release keeps them)',
        })
        .option('force', {
          type: 'boolean',
          default: false,
          description:
            'send even on an interface with the default route, and go on when several DHCP servers offer',
        })
        .option('wait', {
          type: 'number',
          default: 6000,
          description: 'with --interface: ms a request waits for its first answer (resent at 1, 3 s …)',
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
        .example('$0 replay boot.pcapng --tftp-server 10.0.0.5', 'the TFTP reads against a live server')
        .example(
          '$0 replay failing.pcapng --interface br0 -w new.pcapng',
          'against the live server on br0, recording the new conversation',
        )
        .epilog(exitCodesLine('replay')),
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
      checkLiveArgs(args);
      const mac = macChoice(args.mac);
      const giaddr = args.giaddr === undefined ? undefined : ipArg(args.giaddr, '--giaddr');
      const relayTo = args['relay-to']?.split(',').map((t) => ipArg(t.trim(), '--relay-to'));
      if (args.write !== undefined) checkOutputPath('-w', args.write);
      if (args.interface !== undefined) {
        const { checkReplayInterface } = await import('../../replay/interface-check.js');
        checkReplayInterface(args.interface, args.force);
      }
      const { replayCapture } = await import('../../replay/index.js');
      const { setupFromConfig } = await import('../../replay/config-setup.js');
      const { renderReplayText } = await import('../../report/replay-text.js');
      const setup =
        args.config === undefined ? undefined : await setupFromConfig(args.config, args.root ?? null);
      const { LiveTftpTarget } = await import('../../replay/tftp-target.js');
      const { LiveDhcpTarget, capturedDhcpServers } = await import('../../replay/live-target.js');
      const iface = args.interface;
      const openLive = (
        live: string,
        _: unknown,
        clients: readonly ClientScript[],
      ): Promise<ReplayTarget> => {
        if (mac.kind === 'given' && clients.length > 1)
          throw new UsageError(
            `--mac ${mac.mac} names one client, the capture has ${clients.length}: choose one with --client`,
          );
        const servers = relayTo ?? (giaddr === undefined ? [] : capturedDhcpServers(clients));
        if (giaddr !== undefined && servers.length === 0)
          throw new UsageError(
            '--giaddr: no DHCP server in the capture to relay to: name one with --relay-to',
          );
        return Promise.resolve(
          LiveDhcpTarget.open({
            iface: live,
            mac,
            giaddr,
            relayTo: servers,
            waitMs: args.wait,
            record: args.write ?? null,
            release: args.release,
            force: args.force,
          }),
        );
      };
      const report = await replayCapture(inputPath(args.file), {
        client,
        openTarget:
          iface !== undefined
            ? (scripts, clients) => openLive(iface, scripts, clients)
            : tftp === null
              ? undefined
              : () => Promise.resolve(new LiveTftpTarget(tftp)),
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
