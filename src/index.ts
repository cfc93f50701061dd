/**
 * pxe-doctor as a library (package entry `pxe-doctor`, docs/api.md): read a capture, decode it into DHCP
 * and TFTP, correlate boot sessions, diagnose them, render the result. Nothing here prints or exits:
 * results are data, and errors the user can act on are PxeDoctorError subclasses carrying the exit code
 * the command line would use. The CLI is one caller of this API among others.
 */

// The whole pipeline in one call: capture → packets → sessions → findings.
export { analyzeCapture, type AnalyzeOptions, type AnalyzeOutcome } from './analyze.js';

// Errors and exit codes (docs/exit-codes.md).
export { EXIT, InputError, PxeDoctorError, UsageError } from './errors.js';

// Reading: pcap / pcapng (gzip too), from a path, a stream, a buffer or a frame source; writing captures.
export { readCapture, readCaptureBuffer, type ReadCaptureOptions } from './capture/source.js';
export {
  fileSource,
  isFrameSource,
  streamSource,
  toFrameSource,
  type CaptureSource,
  type FrameSource,
} from './capture/frame-source.js';
export type {
  CaptureFormat,
  CaptureInfo,
  CaptureInterface,
  CaptureSink,
  CaptureWarning,
  RawFrame,
  RawTimestamp,
} from './capture/types.js';
export { CaptureInputError } from './capture/errors.js';
export {
  formatEpoch,
  secondsBetween,
  timestampToNumber,
  toTimestamp,
  type Timestamp,
} from './capture/timestamp.js';
export {
  PcapngWriter,
  PcapWriter,
  writeCapture,
  type CaptureWriter,
  type PcapngWriterOptions,
  type PcapWriterOptions,
  type WritePacket,
} from './capture/writer.js';

// Decoding: frames → DHCP and TFTP packets (with IPv4 reassembly), and both codecs.
export {
  decodeCapture,
  type DecodeHandlers,
  type DecodeOptions,
  type DecodeSummary,
  type DecodeWarning,
} from './protocol/decode-stream.js';
export type {
  ArpRecord,
  DecodedPacket,
  DhcpPacketRecord,
  FragmentLossRecord,
  IcmpUnreachableRecord,
  PacketOrigin,
  TftpPacketRecord,
} from './protocol/packet.js';
export * from './protocol/dhcp/index.js';
export * from './protocol/tftp/index.js';

// Analysing: DHCP transactions, TFTP transfers, boot sessions and their effective boot parameters.
export { Analyzer, type AnalyzerOptions, type CaptureInput } from './analysis/analyzer.js';
export type { AnalysisEvent, SessionCloseReason } from './analysis/events.js';
export { filterByClient } from './analysis/filter.js';
export type * from './analysis/types.js';

// Diagnosing: the rule registry and the engine that runs it.
export {
  diagnose,
  RULE_FAILED_ID,
  severityRank,
  sortFindings,
  type DiagnoseOptions,
} from './diagnosis/engine.js';
export { getRule, listRules, RULES, selectRules } from './diagnosis/registry.js';
export type { Finding, FindingGroup, Rule, RuleContext, RuleDoc, Severity } from './diagnosis/types.js';

// Rendering: the reports of `analyze` (text, JSON, HTML), sequence diagrams, `decode` lines and JSON.
export {
  ANALYSIS_SCHEMA_VERSION,
  analysisDocument,
  analysisJsonChunks,
  renderAnalysisJson,
  type AnalysisDocument,
} from './report/analyze-json.js';
export { renderAnalysisText, type TextReportOptions } from './report/analyze-text.js';
export { renderHtmlReport, type HtmlDiagrams, type HtmlReportOptions } from './report/html.js';
export { renderMermaid, type MermaidDiagram, type MermaidOptions } from './report/mermaid.js';
export {
  diagramsForHtml,
  findRenderTools,
  renderMermaidFiles,
  renderSvgTexts,
  RenderError,
  type RenderTools,
} from './report/render-mermaid.js';
export { renderRulesText } from './report/rules-text.js';
export { packetLine } from './report/decode-text.js';
export { dhcpToJson, packetToJson, tftpToJson } from './report/decode-json.js';
export { formatDecodeWarning } from './report/warnings.js';
