import type { CommandModule } from 'yargs';
import { tmpdir } from 'node:os';
import { PxeDoctorError, EXIT, OutputError, osReason, UsageError } from '../../errors.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { inputPath, writeErr, writeOut } from '../io.js';
import { checkOutputPath, writeOutputFile } from '../output-files.js';
import { clientOption, clientOptionSpec, requireClient } from '../options.js';

interface DiagramArgs {
  file?: string;
  client?: string;
  times: boolean;
  output?: string;
  'max-messages'?: number;
}

/** `pxe-doctor diagram FILE`: one mermaid sequence diagram per boot session (see docs/diagrams.md). */
export function diagramCommand(): CommandModule<object, DiagramArgs> {
  return {
    command: 'diagram [file]',
    describe: 'Draw each boot session as a mermaid sequence diagram (text, or SVG/PNG with -o)',
    builder: (y) =>
      y
        .positional('file', {
          type: 'string',
          description: 'capture file (pcap, pcapng, .gz), or - for stdin',
        })
        .option('client', clientOptionSpec())
        .option('times', {
          type: 'boolean',
          default: false,
          description: "prefix each message with its time (seconds since the client's first packet)",
        })
        .option('output', {
          alias: 'o',
          type: 'string',
          description:
            'write FILE.mmd, FILE.svg or FILE.png (one file per client, suffixed -<mac>, when several)',
        })
        .option('max-messages', {
          type: 'number',
          description: 'lines per diagram before the rest is summarised (default 60)',
        })
        .example('$0 diagram pxe.pcapng', 'mermaid text on stdout')
        .example('$0 diagram pxe.pcapng --client 52:54:00:12:34:56 -o boot.svg', 'SVG of one client')
        .epilog(exitCodesLine('')),
    handler: async (args) => {
      const { analyzeCapture } = await import('../../analyze.js');
      const { renderMermaid } = await import('../../report/mermaid.js');
      if (args.file === undefined) throw new UsageError('diagram needs a capture file (or - for stdin)');
      const client = clientOption(args.client);
      const output = args.output;
      const format = output === undefined ? null : outputFormat(output);
      const max = args['max-messages'];
      if (max !== undefined && (!Number.isInteger(max) || max < 5))
        throw new UsageError(`--max-messages ${max}: a whole number of at least 5`);

      // Checked before the capture is read (the per-client files go into the same folder).
      if (output !== undefined) checkOutputPath('-o', output);

      const { result, findings } = await analyzeCapture(inputPath(args.file));
      requireClient(client, result);
      const diagrams = renderMermaid(result, findings, { client, times: args.times, maxMessages: max });
      if (diagrams.length === 0) {
        writeErr(
          'pxe-doctor: no PXE client in the capture (no DHCP exchange of a client): nothing to draw\n',
        );
        return;
      }

      if (output === undefined || format === null) {
        const several = diagrams.length > 1;
        writeOut(diagrams.map((d) => (several ? `%% client ${d.client}\n${d.text}` : d.text)).join('\n'));
        return;
      }

      const render = await import('../../report/render-mermaid.js');
      const base = output.slice(0, output.length - format.length - 1);
      const used = new Map<string, number>();
      const files = diagrams.map((d) => {
        let stem = base;
        if (diagrams.length > 1) {
          const mac = d.client.replace(/:/g, '-');
          const n = (used.get(mac) ?? 0) + 1;
          used.set(mac, n);
          stem = `${base}-${mac}${n > 1 ? `-${n}` : ''}`;
        }
        const mmd = `${stem}.mmd`;
        writeOutputFile('-o', mmd, d.text);
        return { input: mmd, output: `${stem}.${format}`, text: d.text };
      });
      if (format === 'mmd') {
        if (files.length > 1) writeErr(`wrote ${files.map((f) => f.input).join(', ')}\n`);
        return;
      }
      const tools = render.findRenderTools();
      if (tools === null) {
        writeErr(
          `pxe-doctor: wrote ${files.map((f) => f.input).join(', ')}; no ${render.missingTools().join(' and no ')} here, ${render.HOW_TO_GET_SVG}\n`,
        );
        return;
      }
      let images: Buffer[];
      try {
        images = await render.renderImages(
          files.map((f) => ({ text: f.text, format })),
          tools,
        );
      } catch (err) {
        if (!(err instanceof render.RenderError)) throw err;
        // A browser that is there but does not start is like no browser: the .mmd stays, one line says why.
        if (err.browserFailed) {
          writeErr(
            `pxe-doctor: wrote ${files.map((f) => f.input).join(', ')}; the browser ${tools.browser} did not start (${err.reason}); ${render.HOW_TO_GET_SVG}\n`,
          );
          return;
        }
        // Rendering happens in the temporary folder: when that is full, the image could not be written.
        if (err.spaceFailed)
          throw new OutputError(`-o ${output}: cannot render in ${tmpdir()}: ${osReason(err.reason)}`);
        throw new PxeDoctorError(err.message, EXIT.internal);
      }
      // Written by us, not by mermaid-cli: a full disk or a bad path is one line with its reason (exit 6).
      for (const [i, f] of files.entries()) writeOutputFile('-o', f.output, images[i] ?? Buffer.alloc(0));
      if (files.length > 1) writeErr(`wrote ${files.map((f) => f.output).join(', ')}\n`);
    },
  };
}

function outputFormat(path: string): 'mmd' | 'svg' | 'png' {
  const m = /\.(mmd|svg|png)$/i.exec(path);
  if (m === null) throw new UsageError(`-o ${path}: name a .mmd, .svg or .png file`);
  return m[1].toLowerCase() as 'mmd' | 'svg' | 'png';
}
