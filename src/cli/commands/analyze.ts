import type { CommandModule } from 'yargs';
import type { AnalysisResult } from '../../analysis/types.js';
import type { Finding, Severity } from '../../diagnosis/types.js';
import { EXIT, UsageError } from '../../errors.js';
import { checkOutputPath, writeOutputFile } from '../output-files.js';
import {
  clientOption,
  clientOptionSpec,
  failOnOptionSpec,
  reachesFailOn,
  requireClient,
} from '../options.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { inputPath, OutputBuffer, outputWidth, useColor, writeErr, writeOut } from '../io.js';
import { packageVersion } from '../version.js';

interface AnalyzeArgs {
  file?: string;
  json: boolean;
  client?: string;
  'fail-on'?: Severity;
  rules: boolean;
  color?: boolean;
  html?: string;
}

/** `pxe-doctor analyze FILE`: boot sessions per client, findings, fixes. */
export function analyzeCommand(setExit: (code: number) => void): CommandModule<object, AnalyzeArgs> {
  return {
    command: 'analyze [file]',
    describe: 'Say, per PXE client, what went wrong in a capture and how to fix it ("-" reads stdin)',
    builder: (y) =>
      y
        .positional('file', {
          type: 'string',
          description: 'capture file (pcap, pcapng, .gz), or - for stdin',
        })
        .option('json', {
          type: 'boolean',
          default: false,
          description: 'one JSON document {capture, sessions, findings, stats}',
        })
        .option('client', clientOptionSpec('; exit 2 when it is not in the capture'))
        .option('fail-on', failOnOptionSpec('exists'))
        .option('html', {
          type: 'string',
          description: 'also write a self-contained HTML report (with sequence diagrams) to this file',
        })
        .option('rules', {
          type: 'boolean',
          default: false,
          description: 'list the diagnosis rules and exit (with --json: a JSON array)',
        })
        .example('$0 analyze pxe.pcapng', 'report for every client')
        .example('$0 analyze pxe.pcapng --client 52:54:00:12:34:56 --fail-on error', 'CI gate for one client')
        .epilog(exitCodesLine('')),
    handler: async (args) => {
      // Each part loaded when it is used, not at start-up: `decode`, `--help` and the other output need none of it.
      const color = useColor(args.color);
      if (args.rules) {
        const { listRules } = await import('../../diagnosis/registry.js');
        if (args.json) {
          writeOut(`${JSON.stringify(listRules(), null, 2)}\n`);
          return;
        }
        const { renderRulesText } = await import('../../report/rules-text.js');
        writeOut(renderRulesText(listRules(), { color, width: outputWidth() }));
        return;
      }
      if (args.file === undefined) throw new UsageError('analyze needs a capture file (or - for stdin)');
      const client = clientOption(args.client);
      // Checked before the capture is read: a typo in the path must not cost the whole analysis.
      if (args.html !== undefined) checkOutputPath('--html', args.html);
      // The progress line is redrawn with escape codes: not on a dumb terminal.
      const showProgress = process.stderr.isTTY === true && process.env.TERM !== 'dumb' && !args.json;
      const { analyzeCapture } = await import('../../analyze.js');
      const outcome = await analyzeCapture(inputPath(args.file), {
        progress: showProgress ? (n) => writeErr(`\r  reading… ${n} frames`) : undefined,
      });
      if (showProgress) writeErr('\r\x1b[K');
      let { result, findings } = outcome;
      requireClient(client, result);
      if (client !== undefined) {
        const { filterByClient } = await import('../../analysis/filter.js');
        ({ result, findings } = filterByClient(result, findings, client));
      }
      if (args.json) {
        const { analysisDocument, analysisJsonChunks } = await import('../../report/analyze-json.js');
        const out = new OutputBuffer();
        for (const chunk of analysisJsonChunks(analysisDocument(result, findings, packageVersion())))
          await out.write(chunk);
        await out.flush();
      } else {
        const { renderAnalysisText } = await import('../../report/analyze-text.js');
        writeOut(renderAnalysisText(result, findings, { color, width: outputWidth() }));
      }
      if (args.html !== undefined) await writeHtmlReport(args.html, result, findings);
      if (reachesFailOn(findings, args['fail-on'])) setExit(EXIT.findings);
    },
  };
}

async function writeHtmlReport(path: string, result: AnalysisResult, findings: Finding[]): Promise<void> {
  const { renderMermaid } = await import('../../report/mermaid.js');
  const { renderHtmlReport } = await import('../../report/html.js');
  const { diagramsForHtml } = await import('../../report/render-mermaid.js');
  const drawn = await diagramsForHtml(renderMermaid(result, findings));
  writeOutputFile('--html', path, renderHtmlReport(result, findings, drawn, { version: packageVersion() }));
}
