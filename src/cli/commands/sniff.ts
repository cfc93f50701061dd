import type { CommandModule } from 'yargs';
import type { Severity } from '../../diagnosis/types.js';
import { EXIT, UsageError } from '../../errors.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { OutputBuffer, useColor, writeErr } from '../io.js';
import { checkOutputPath } from '../output-files.js';
import { clientOption, clientOptionSpec, failOnOptionSpec, reachesFailOn } from '../options.js';
import { packageVersion } from '../version.js';

interface SniffArgs {
  iface?: string;
  interface?: string;
  backend?: 'dumpcap' | 'tcpdump' | 'cap';
  filter?: string;
  buffer?: number;
  write?: string;
  ring?: number;
  'ring-size'?: number;
  duration?: number;
  count?: number;
  client?: string;
  json: boolean;
  metrics?: string;
  'fail-on'?: Severity;
  'session-quiet'?: number;
  retain?: number;
  color?: boolean;
}

function positive(name: string, value: number | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value)))
    throw new UsageError(`--${name} ${value}: expected a positive ${integer ? 'whole ' : ''}number`);
  return value;
}

/** `pxe-doctor sniff IFACE`: watch PXE boots live on an interface (see docs/sniff.md). */
export function sniffCommand(setExit: (code: number) => void): CommandModule<object, SniffArgs> {
  return {
    command: 'sniff [iface]',
    describe: 'Watch PXE boots live on an interface: events as they happen, verdicts, the report at the end',
    builder: (y) =>
      y
        .positional('iface', { type: 'string', description: 'interface to capture on (br0, a VLAN, a NIC)' })
        .option('interface', { alias: 'i', type: 'string', description: 'same as IFACE' })
        .option('backend', {
          choices: ['dumpcap', 'tcpdump', 'cap'] as const,
          description: 'capture with this backend (default: dumpcap, else tcpdump, else cap)',
        })
        .option('filter', {
          type: 'string',
          description: 'BPF capture filter instead of the default (DHCP, 4011, TFTP with its data ports, …)',
        })
        .option('buffer', { type: 'number', description: 'kernel capture buffer in KiB (backend default)' })
        .option('write', { alias: 'w', type: 'string', description: 'also write the captured bytes to FILE' })
        .option('ring', {
          type: 'number',
          description: 'with -w: keep N files, rotating (needs --ring-size)',
        })
        .option('ring-size', { type: 'number', description: 'with --ring: MB per file' })
        .option('duration', { type: 'number', description: 'stop after this many seconds' })
        .option('count', { type: 'number', description: 'stop after this many packets' })
        .option('client', clientOptionSpec())
        .option('json', { type: 'boolean', default: false, description: 'NDJSON events (docs/sniff.md)' })
        .option('metrics', {
          type: 'string',
          description: 'serve Prometheus metrics on HOST:PORT (/metrics)',
        })
        .option('fail-on', failOnOptionSpec('was seen'))
        .option('session-quiet', {
          type: 'number',
          description: 'seconds a client must be silent before its verdict (default 5)',
        })
        .option('retain', {
          type: 'number',
          description:
            'seconds a judged client stays in the stop report after its last packet (default 600); older ones are dropped to keep memory flat',
        })
        .example('$0 sniff br0', 'watch boots on the PXE bridge')
        .example('$0 sniff eth1 -w pxe.pcapng --metrics :9477', 'record, and serve metrics for Prometheus')
        .epilog(exitCodesLine('sniff')),
    handler: async (args) => {
      const { DEFAULT_CAPTURE_FILTER } = await import('../../capture/live/filter.js');
      const { SniffRun } = await import('../../sniff/run.js');
      const { parseListen } = await import('../../sniff/metrics.js');
      const { sniffEventJson, sniffEventText } = await import('../../report/sniff-events.js');
      const { renderAnalysisText } = await import('../../report/analyze-text.js');
      const { analysisDocument } = await import('../../report/analyze-json.js');
      const iface = args.iface ?? args.interface;
      if (iface === undefined || iface === '') throw new UsageError('sniff needs an interface (sniff br0)');
      const client = clientOption(args.client) ?? null;
      const ring = positive('ring', args.ring, true);
      const ringSize = positive('ring-size', args['ring-size']);
      if ((ring === undefined) !== (ringSize === undefined))
        throw new UsageError('--ring and --ring-size go together');
      if (ring !== undefined && args.write === undefined) throw new UsageError('--ring needs -w FILE');
      let metrics: { host: string; port: number } | undefined;
      if (args.metrics !== undefined) {
        try {
          metrics = parseListen(args.metrics);
        } catch (err) {
          throw new UsageError(
            `--metrics ${args.metrics}: ${err instanceof Error ? err.message : String(err)}`,
          );
        }
      }
      // An unwritable -w is one line and exit 6 before any capture starts, as for analyze and diagram.
      if (args.write !== undefined) checkOutputPath('-w', args.write);
      const color = useColor(args.color);
      const out = new OutputBuffer(0);
      const run = new SniffRun({
        iface,
        backend: args.backend,
        filter: args.filter ?? DEFAULT_CAPTURE_FILTER,
        bufferKiB: positive('buffer', args.buffer),
        write: args.write,
        ring,
        ringSizeBytes: ringSize !== undefined ? ringSize * 1e6 : undefined,
        duration: positive('duration', args.duration),
        count: positive('count', args.count, true),
        client,
        metrics,
        sessionQuiet: positive('session-quiet', args['session-quiet']),
        retain: positive('retain', args.retain),
        onEvent: (e, seconds) => {
          const time = new Date(seconds * 1000);
          void out.write(args.json ? sniffEventJson(e, time) : sniffEventText(e, time, { color }));
        },
        onStarted: (info) => {
          if (info.metrics !== null && !args.json)
            writeErr(`pxe-doctor: metrics on http://${info.metrics}/metrics\n`);
        },
      });
      const onSignal = (signal: NodeJS.Signals): void => run.stop(signal);
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const outcome = await run.run();
        const { result, findings } = outcome;
        if (args.json) {
          const doc = analysisDocument(result, findings, packageVersion());
          await out.write(
            `${JSON.stringify({ time: new Date().toISOString(), event: 'report', report: doc })}\n`,
          );
        } else {
          await out.write(`\n${renderAnalysisText(result, findings, { color })}`);
        }
        await out.flush();
        if (outcome.writeError !== null) throw outcome.writeError;
        if (reachesFailOn(findings, args['fail-on'])) setExit(EXIT.findings);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    },
  };
}
