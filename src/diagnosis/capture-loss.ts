/**
 * When the capture itself lost packets (its interface statistics count drops), a finding built on something
 * *not* seen — no answer, no request, silence — may describe the capture rather than the network. This is
 * the one list of such rules and the one wording of the caveat; the engine adds it, the verdict reads it.
 */
import type { AnalysisResult, CaptureLoss } from '../analysis/types.js';
import { plural } from './format.js';
import type { Finding } from './types.js';

/** Rules whose findings rest on packets that are absent from the capture. */
export const ABSENCE_RULE_IDS: ReadonlySet<string> = new Set([
  'dhcp.no-offer',
  'dhcp.slow-offer',
  'dhcp.proxy-only',
  'dhcp.no-request-after-offer',
  'proxy.no-reply-4011',
  'tftp.no-server',
  'tftp.open-timeout',
  'tftp.read-timeout',
  'tftp.blksize-exceeds-path',
  'tftp.retransmissions',
  'boot.silent-after-nbp',
]);

export function captureLossOf(a: AnalysisResult): CaptureLoss | null {
  return a.capture?.captureLoss ?? null;
}

/**
 * "the capture counted 1234 packets lost and 56789 received". Not "1234 of 56789": whether the received
 * count includes the drops depends on the capture library (Linux libpcap's does not: a recording with a
 * 1 MiB buffer counts 39084 received and 46101 dropped).
 */
export function lossText(loss: CaptureLoss): string {
  return loss.received !== null
    ? `the capture counted ${plural(loss.dropped, 'packet')} lost and ${loss.received} received`
    : `the capture lost ${plural(loss.dropped, 'packet')}`;
}

/** True when this finding rests on an absence and the capture counted drops: the loss could explain it. */
export function mayBeCaptureLoss(f: Finding, a: AnalysisResult): boolean {
  return captureLossOf(a) !== null && ABSENCE_RULE_IDS.has(f.ruleId);
}

/**
 * Adds the caveat to every absence finding when the capture lost packets, and puts a new capture first in its
 * fix (findings are copied, not changed).
 */
export function withCaptureLossCaveat(findings: Finding[], a: AnalysisResult): Finding[] {
  const loss = captureLossOf(a);
  if (loss === null) return findings;
  const caveat =
    ` Careful: ${lossText(loss)} (capture.kernel-drops), so the missing packet may be a capture loss ` +
    'rather than a network fault.';
  // The loss is the cheaper explanation to rule out: a new capture, before anyone checks servers and links.
  const first =
    'First rule out the capture loss by capturing again with a bigger buffer (see capture.kernel-drops). ';
  return findings.map((f) =>
    ABSENCE_RULE_IDS.has(f.ruleId) ? { ...f, message: f.message + caveat, hint: first + f.hint } : f,
  );
}
