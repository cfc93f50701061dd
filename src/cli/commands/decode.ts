import type { CommandModule } from 'yargs';
import type { DecodeWarning } from '../../protocol/decode-stream.js';
import type { Timestamp } from '../../capture/timestamp.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { inputPath, OutputBuffer, outputWidth, StdoutGone, stdoutGone, writeErr } from '../io.js';

interface DecodeArgs {
  file: string;
  json: boolean;
}

/** `pxe-doctor decode FILE|-`: one line (or one NDJSON object) per DHCP/TFTP packet. */
export function decodeCommand(): CommandModule<object, DecodeArgs> {
  return {
    command: 'decode <file>',
    describe: 'Print every DHCP and TFTP packet of a pcap/pcapng capture ("-" reads stdin)',
    builder: (y) =>
      y
        .positional('file', {
          type: 'string',
          demandOption: true,
          description: 'capture file, or - for stdin',
        })
        .option('json', { type: 'boolean', default: false, description: 'NDJSON, one object per packet' })
        .example('$0 decode pxe.pcapng', 'summary lines')
        .example('tcpdump -U -w - port 67 or port 68 or port 69 | $0 decode -', 'live, from stdin')
        .epilog(exitCodesLine('')),
    handler: async (args) => {
      // Loaded here, not at start-up: `--version`, `--help` and the other commands need none of it.
      const { decodeCapture } = await import('../../protocol/decode-stream.js');
      const { packetToJson } = await import('../../report/decode-json.js');
      const { decodeSummaryLine, packetLines } = await import('../../report/decode-text.js');
      const { formatDecodeWarning } = await import('../../report/warnings.js');
      const out = new OutputBuffer();
      let origin: Timestamp | null = null;
      const warnings: DecodeWarning[] = [];
      const width = args.json ? null : outputWidth();
      const summary = await decodeCapture(
        inputPath(args.file),
        {
          packet: (p) => {
            if (origin === null) origin = p.ts;
            out.write(
              args.json ? `${JSON.stringify(packetToJson(p))}\n` : `${packetLines(p, origin, width)}\n`,
            );
          },
          firstFrame: (ts) => {
            origin = ts;
          },
          warning: (w) => warnings.push(w),
        },
        // Neither output shows DATA's file bytes.
        {
          afterChunk: () => {
            // Nobody reads any more (`| head`) or the disk is full: stop reading the capture.
            if (stdoutGone()) throw new StdoutGone();
            return out.flush();
          },
          keepTftpData: false,
        },
      );
      await out.flush();
      for (const w of warnings) writeErr(`pxe-doctor: warning: ${formatDecodeWarning(w)}\n`);
      // On a terminal, a last line says what was read (tshark prints the count the same way); never in a pipe.
      if (process.stdout.isTTY === true) writeErr(`${decodeSummaryLine(summary)}\n`);
      // A capture cut short still printed what it held: the warnings say where it stopped; exit stays 0.
    },
  };
}
