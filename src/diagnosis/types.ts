import type { ServerSoftware } from '../analysis/server-software.js';
import type { AnalysisResult, BootSession } from '../analysis/types.js';

export type Severity = 'info' | 'warn' | 'error';

/** Rough grouping, after Wireshark's expert-info groups. */
export type FindingGroup = 'dhcp' | 'proxy' | 'tftp' | 'boot' | 'capture';

export interface Finding {
  /** Stable dotted id, e.g. "dhcp.no-offer". */
  ruleId: string;
  severity: Severity;
  group: FindingGroup;
  /** Short, the same for every finding of the rule. */
  title: string;
  /** Specific: names the client, file, server, numbers. */
  message: string;
  /** Evidence: frame numbers that prove it, in order. */
  frames: number[];
  /** Client MAC of the session it concerns, when it concerns one. */
  client: string | null;
  /** What the user saw on the client (e.g. "PXE-E53: No boot filename received"), when one applies. */
  pxeError: string | null;
  /** The fix, in dnsmasq / ISC dhcpd / Kea terms where it is a server setting. */
  hint: string;
  /**
   * The server software whose configuration the hint shows first (identified from the wire); absent when the
   * servers were not recognised and the hint lists every server's fix as the rule wrote it.
   */
  hintFor?: ServerSoftware[];
  /** Seconds since capture start where it happens (for timelines and diagrams). */
  t: number | null;
  /** Id of the boot session it concerns (BootSession.id), when it concerns one. */
  sessionId?: string;
  /** The capture ended before the outcome it is about: the client's verdict is incomplete, not failed. */
  incomplete?: true;
}

export interface RuleContext {
  analysis: AnalysisResult;
}

export interface RuleDoc {
  id: string;
  /** The usual severity; `severityNote` says when a finding of this rule gets another one. */
  severity: Severity;
  group: FindingGroup;
  title: string;
  /** What it looks for on the wire. */
  detects: string;
  /** What is deliberately not flagged (the normal-but-scary cases). */
  ignores: string;
  /** When findings of this rule are raised or lowered from `severity`. */
  severityNote?: string;
  /** What the client prints in this situation, per firmware family (may be empty). */
  clientMessages: string[];
  /** The fix, in general terms; each finding's hint carries it with the real names filled in. */
  fix: string;
}

/** One rule per file in diagnosis/rules/, listed once in diagnosis/registry.ts. */
export interface Rule extends RuleDoc {
  /** Runs once over the whole analysis (capture-level rules) … */
  checkCapture?(ctx: RuleContext): Finding[];
  /** … and/or once per boot session. */
  checkSession?(session: BootSession, ctx: RuleContext): Finding[];
}
