/**
 * Capture-wide facts the analyzer keeps up to date as records arrive, for readers that would otherwise walk
 * every session to learn them. A live capture judges sessions one at a time against Analyzer.view, and a
 * walk per judged session would make judging cost the whole capture; a batch result has none attached and
 * its readers walk it once.
 */
import type { TftpFilterSigns } from './live-facts.js';
import type { ServerIdentity } from './server-software.js';
import type { AnalysisResult, TftpTransfer } from './types.js';

export interface CaptureFacts {
  /**
   * Of the transfers the TFTP server at `ip` answered, the one requested first (lowest request frame);
   * null when it answered none. Kept since the capture began, also past the retained records.
   */
  firstAnsweredBy(ip: string): TftpTransfer | null;
  /** Every transfer of the client address `ip`, as the result shows them, in request order. */
  transfersOf(ip: string): TftpTransfer[];
  /**
   * The servers' identities (identifyServers), read from every reply and transfer once as they were seen;
   * the evidence's frames may differ from a walk of the retained records, the identities do not.
   */
  servers(): ServerIdentity[];
  /** Relay addresses (giaddr) seen in any DHCP message. */
  relays(): string[];
  /** Servers that gave an address (OFFER, ACK) to some client other than `mac`. */
  servedOthers(mac: string): string[];
  /** What tells a filtered capture from real TFTP silence (tftpOutcomeUnknown), with whether any server answered. */
  tftpFilterSigns(): TftpFilterSigns & { answered: boolean };
}

const attached = new WeakMap<AnalysisResult, CaptureFacts>();

export function attachCaptureFacts(a: AnalysisResult, facts: CaptureFacts): void {
  attached.set(a, facts);
}

/** The facts the analyzer attached to this result (a live view), if any. */
export function captureFactsOf(a: AnalysisResult): CaptureFacts | undefined {
  return attached.get(a);
}
