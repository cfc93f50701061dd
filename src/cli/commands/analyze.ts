import type { CommandModule } from 'yargs';
import type { AnalysisResult } from '../../analysis/types.js';
import type { Finding, Severity } from '../../diagnosis/types.js';
import { EXIT, UsageError } from '../../errors.js';
import { parseMac } from '../../protocol/addr.js';
import { inputPath, OutputBuffer, useColor, writeErr } from '../io.js';
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

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warn: 1, error: 2 };

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
        .option('client', { type: 'string', description: 'only the client with this MAC address' })
        .option('fail-on', {
          choices: ['info', 'warn', 'error'] as const,
          description: 'exit 1 when a finding at or above this severity exists',
        })
        .option('html', {
          type: 'string',
          description: 'also write a self-contained HTML report (with sequence diagrams) to this file',
        })
        .option('rules', {
          type: 'boolean',
          default: false,
          description: 'list the diagnosis rules and exit',
        })
        .example('$0 analyze pxe.pcapng', 'report for every client')
        .example(
          '$0 analyze pxe.pcapng --client 52:54:00:12:34:56 --fail-on error',
          'CI gate for one client',
        ),
    handler: async (args) => {
      // Loaded here, not at start-up: `decode` and `--help` need none of it.
      const { analyzeCapture } = await import('../../analyze.js');
      const { filterByClient } = await import('../../analysis/filter.js');
      const { listRules } = await import('../../diagnosis/registry.js');
      const { analysisDocument, analysisJsonChunks } = await import('../../report/analyze-json.js');
      const { renderAnalysisText } = await import('../../report/analyze-text.js');
      const { renderRulesText } = await import('../../report/rules-text.js');
      const color = useColor(args.color);
      if (args.rules) {
        process.stdout.write(renderRulesText(listRules(), { color }));
        return;
      }
      if (args.file === undefined) throw new UsageError('analyze needs a capture file (or - for stdin)');
      let client: string | null = null;
      if (args.client !== undefined) {
        const mac = parseMac(args.client);
        if (mac === null)
          throw new UsageError(`--client ${args.client}: not a MAC address (aa:bb:cc:dd:ee:ff)`);
        client = Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
      }
      const showProgress = process.stderr.isTTY === true && !args.json;
      const outcome = await analyzeCapture(inputPath(args.file), {
        progress: showProgress ? (n) => writeErr(`\r  reading… ${n} frames`) : undefined,
      });
      if (showProgress) writeErr('\r\x1b[K');
      let { result, findings } = outcome;
      if (client !== null) ({ result, findings } = filterByClient(result, findings, client));
      if (args.json) {
        const out = new OutputBuffer();
        for (const chunk of analysisJsonChunks(analysisDocument(result, findings, packageVersion())))
          await out.write(chunk);
        await out.flush();
      } else {
        process.stdout.write(renderAnalysisText(result, findings, { color }));
      }
      if (args.html !== undefined) await writeHtmlReport(args.html, result, findings);
      const threshold = args['fail-on'];
      if (
        threshold !== undefined &&
        findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[threshold])
      ) {
        setExit(EXIT.findings);
      }
    },
  };
}

async function writeHtmlReport(path: string, result: AnalysisResult, findings: Finding[]): Promise<void> {
  const { writeFileSync } = await import('node:fs');
  const { renderMermaid } = await import('../../report/mermaid.js');
  const { renderHtmlReport } = await import('../../report/html.js');
  const { diagramsForHtml } = await import('../../report/render-mermaid.js');
  const drawn = await diagramsForHtml(renderMermaid(result, findings));
  writeFileSync(path, renderHtmlReport(result, findings, drawn, { version: packageVersion() }));
}
