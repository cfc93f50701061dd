/**
 * Runs the registered rules over an analysis: each rule's checkCapture once, its checkSession once per boot
 * session. Never throws: a rule that fails becomes an `engine.rule-failed` finding and the others still run.
 */
import type { AnalysisResult, BootSession } from '../analysis/types.js';
import { withCaptureLossCaveat } from './capture-loss.js';
import { MAX_FRAMES } from './format.js';
import { ipxeOnEfi } from './pxe-errors.js';
import { RULES, selectRules } from './registry.js';
import { efiFirmware } from './rounds.js';
import { applyServerHints } from './server-hints.js';
import type { Finding, Rule, RuleContext, Severity } from './types.js';

export interface DiagnoseOptions {
  /** Rule ids or group prefixes to run (default: all). Unknown ones are ignored; see selectRules. */
  rules?: string[];
}

export const RULE_FAILED_ID = 'engine.rule-failed';

const RANK: Record<Severity, number> = { error: 0, warn: 1, info: 2 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

function chosenRules(opts: DiagnoseOptions): Rule[] {
  return opts.rules === undefined ? [...RULES] : selectRules(opts.rules).rules;
}

export function diagnose(analysis: AnalysisResult, opts: DiagnoseOptions = {}): Finding[] {
  const rules = chosenRules(opts);
  const ctx: RuleContext = { analysis };
  const found: Finding[] = [];
  const sessions: BootSession[] = Array.isArray(analysis?.sessions) ? analysis.sessions : [];
  for (const rule of rules) {
    if (rule.checkCapture) collect(found, rule, null, () => rule.checkCapture?.(ctx) ?? []);
    if (rule.checkSession) {
      for (const s of sessions) collect(found, rule, s, () => rule.checkSession?.(s, ctx) ?? []);
    }
  }
  return sortFindings(applyServerHints(withCaptureLossCaveat(found, analysis), analysis));
}

/** The session rules on one session (live capture: a session is diagnosed as soon as it closes). */
export function diagnoseSession(
  session: BootSession,
  analysis: AnalysisResult,
  opts: DiagnoseOptions = {},
): Finding[] {
  const ctx: RuleContext = { analysis };
  const found: Finding[] = [];
  for (const rule of chosenRules(opts)) {
    if (rule.checkSession) collect(found, rule, session, () => rule.checkSession?.(session, ctx) ?? []);
  }
  return sortFindings(applyServerHints(withCaptureLossCaveat(found, analysis), analysis, [session]));
}

/** The capture-wide rules only (live capture: once, when it stops). */
export function diagnoseCaptureWide(analysis: AnalysisResult, opts: DiagnoseOptions = {}): Finding[] {
  const ctx: RuleContext = { analysis };
  const found: Finding[] = [];
  for (const rule of chosenRules(opts)) {
    if (rule.checkCapture) collect(found, rule, null, () => rule.checkCapture?.(ctx) ?? []);
  }
  return sortFindings(applyServerHints(found, analysis));
}

function collect(out: Finding[], rule: Rule, session: BootSession | null, run: () => Finding[]): void {
  try {
    const result = run();
    if (!Array.isArray(result)) throw new TypeError(`returned ${typeof result}, not an array of findings`);
    for (const f of result) out.push(onPlatform(normalize(f, rule), session));
  } catch (err) {
    out.push(ruleFailed(rule, session, err));
  }
}

/** Holds every finding to the contract (its rule's id, frames sorted, unique and capped) whatever the rule did. */
function normalize(f: Finding, rule: Rule): Finding {
  const frames = [...new Set(f.frames.filter((n) => Number.isInteger(n) && n > 0))].sort((a, b) => a - b);
  const out: Finding = {
    ...f,
    ruleId: rule.id,
    group: f.group ?? rule.group,
    frames: frames.slice(0, MAX_FRAMES),
  };
  if (!Number.isFinite(out.t ?? NaN)) out.t = null;
  return out;
}

/** iPXE's error codes end in the platform's status: a client with UEFI firmware runs an EFI build. */
function onPlatform(f: Finding, session: BootSession | null): Finding {
  if (f.pxeError == null || session === null || !f.pxeError.includes('ipxe.org/')) return f;
  return efiFirmware(session) ? { ...f, pxeError: ipxeOnEfi(f.pxeError) } : f;
}

function ruleFailed(rule: Rule, session: BootSession | null, err: unknown): Finding {
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const where = session ? ` on session ${session.id} (${session.clientMac})` : '';
  const f: Finding = {
    ruleId: RULE_FAILED_ID,
    severity: 'info',
    group: 'capture',
    title: 'A diagnosis rule failed',
    message: `Rule ${rule.id} failed${where}: ${detail}. Its findings are missing from this report; the other rules ran.`,
    frames: [],
    client: session?.clientMac ?? null,
    pxeError: null,
    hint: 'This is a pxe-doctor bug: please report it with the capture (or the analysis JSON) if you can share it.',
    t: null,
  };
  if (session) f.sessionId = session.id;
  return f;
}

/** Errors first, then warnings, then info; within a severity by time (timeless last), then registry order. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const order = new Map(RULES.map((r, i) => [r.id, i]));
  return findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => {
      const bySeverity = RANK[a.f.severity] - RANK[b.f.severity];
      if (bySeverity !== 0) return bySeverity;
      const ta = a.f.t ?? Infinity;
      const tb = b.f.t ?? Infinity;
      if (ta !== tb) return ta < tb ? -1 : 1;
      const ra = order.get(a.f.ruleId) ?? RULES.length;
      const rb = order.get(b.f.ruleId) ?? RULES.length;
      return ra !== rb ? ra - rb : a.i - b.i;
    })
    .map(({ f }) => f);
}
