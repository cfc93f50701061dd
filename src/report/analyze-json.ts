import { identifyServers, type ServerIdentity } from '../analysis/server-software.js';
import type { AnalysisResult } from '../analysis/types.js';
import type { Finding } from '../diagnosis/types.js';
import { verdictsOf, type ClientVerdict } from '../diagnosis/verdict.js';

/** Schema version of the `analyze --json` document (docs/json-schema.md); bumped on incompatible change. */
export const ANALYSIS_SCHEMA_VERSION = 1;

export interface AnalysisDocument {
  schemaVersion: number;
  tool: { name: 'pxe-doctor'; version: string };
  capture: AnalysisResult['capture'];
  /** DHCP and TFTP servers seen, with the software each was recognised as and how (analysis/server-software.ts). */
  servers: ServerIdentity[];
  sessions: AnalysisResult['sessions'];
  orphanTransfers: AnalysisResult['orphanTransfers'];
  findings: Finding[];
  /** One per session, in session order (diagnosis/verdict.ts): what the text report's Verdict lines say. */
  verdicts: ClientVerdict[];
  stats: AnalysisResult['stats'] & { findings: Record<Finding['severity'], number> };
}

/** The one JSON document of `analyze --json`: {capture, sessions, findings, verdicts, stats}. */
export function analysisDocument(
  result: AnalysisResult,
  findings: Finding[],
  version: string,
): AnalysisDocument {
  const counts = { error: 0, warn: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    tool: { name: 'pxe-doctor', version },
    capture: result.capture,
    servers: identifyServers(result),
    sessions: result.sessions,
    orphanTransfers: result.orphanTransfers,
    findings,
    verdicts: verdictsOf(result, findings),
    stats: { ...result.stats, findings: counts },
  };
}

export function renderAnalysisJson(doc: AnalysisDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

/**
 * The same text as renderAnalysisJson, in pieces: one per session, orphan transfer and finding. A long
 * capture's document runs to tens of MB; written piece by piece it never exists as one string.
 */
export function* analysisJsonChunks(doc: AnalysisDocument): Generator<string, void, undefined> {
  const entries = Object.entries(doc).filter(([, v]) => v !== undefined && typeof v !== 'function');
  yield entries.length === 0 ? '{}\n' : '{\n';
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i] as [string, unknown];
    const comma = i < entries.length - 1 ? ',' : '';
    const name = `  ${JSON.stringify(key)}: `;
    if (Array.isArray(value) && value.length > 0) {
      yield `${name}[\n`;
      for (let j = 0; j < value.length; j++) {
        const item: unknown = value[j];
        // JSON.stringify writes null for an array item that has no JSON form, as it would inside the array.
        const text = JSON.stringify(item, null, 2) ?? 'null';
        yield `${indentJson(text, '    ')}${j < value.length - 1 ? ',' : ''}\n`;
      }
      yield `  ]${comma}\n`;
    } else {
      yield `${name}${indentJson(JSON.stringify(value, null, 2), '  ').slice(2)}${comma}\n`;
    }
  }
  if (entries.length > 0) yield '}\n';
}

/** Indents every line of JSON text (string values never hold a raw line break, so lines are safe to split). */
function indentJson(text: string, pad: string): string {
  return pad + text.replaceAll('\n', `\n${pad}`);
}
