/**
 * The one list of diagnosis rules, in the order they run and are documented: DHCP from the first DISCOVER
 * to the boot reply, then the boot file, then TFTP, then facts about the capture itself.
 */
import { bootArchMismatch } from './rules/boot-arch-mismatch.js';
import { bootSilentAfterNbp } from './rules/boot-silent-after-nbp.js';
import { bootHttpBoot } from './rules/boot-http-boot-misconfigured.js';
import { captureKernelDrops } from './rules/capture-kernel-drops.js';
import { captureAnalysisBounded } from './rules/capture-analysis-bounded.js';
import { captureRelayView } from './rules/capture-relay-view.js';
import { captureTftpDataMissing } from './rules/capture-tftp-data-missing.js';
import { captureTruncated } from './rules/capture-truncated.js';
import { dhcpMultipleServers } from './rules/dhcp-multiple-servers.js';
import { dhcpNak } from './rules/dhcp-nak.js';
import { dhcpNextServerMissing } from './rules/dhcp-next-server-missing.js';
import { dhcpNoBootFile } from './rules/dhcp-no-boot-file.js';
import { dhcpNoOffer } from './rules/dhcp-no-offer.js';
import { dhcpNoRequestAfterOffer } from './rules/dhcp-no-request-after-offer.js';
import { dhcpOptionOverload } from './rules/dhcp-option-overload.js';
import { dhcpProxyOnly } from './rules/dhcp-proxy-only.js';
import { dhcpPxeClientWithoutProxy } from './rules/dhcp-pxeclient-without-proxy.js';
import { dhcpSlowOffer } from './rules/dhcp-slow-offer.js';
import { ipxeChainloadLoop } from './rules/ipxe-chainload-loop.js';
import { proxyNoOption43 } from './rules/proxy-no-option-43.js';
import { proxyNoReply4011 } from './rules/proxy-no-reply-4011.js';
import { tftpAccessViolation } from './rules/tftp-access-violation.js';
import { tftpBlksizeExceedsPath } from './rules/tftp-blksize-exceeds-path.js';
import { tftpBlksizeInvalid } from './rules/tftp-blksize-invalid.js';
import { tftpError } from './rules/tftp-error.js';
import { tftpFileNotFound } from './rules/tftp-file-not-found.js';
import { tftpLoaderSearch } from './rules/tftp-loader-search.js';
import { tftpNoServer } from './rules/tftp-no-server.js';
import { tftpOpenTimeout } from './rules/tftp-open-timeout.js';
import { tftpReadTimeout } from './rules/tftp-read-timeout.js';
import { tftpRetransmissions } from './rules/tftp-retransmissions.js';
import { tftpSorcerersApprentice } from './rules/tftp-sorcerers-apprentice.js';
import { tftpTsizeMismatch } from './rules/tftp-tsize-mismatch.js';
import { tftpUnknownTid } from './rules/tftp-unknown-tid.js';
import { dhcpBootFileEncoding } from './rules/dhcp-boot-file-encoding.js';
import { dhcpPingCheckDelay } from './rules/dhcp-ping-check-delay.js';
import { dhcpDiscoverFlood } from './rules/dhcp-discover-flood.js';
import { dhcpDuplicateAddress } from './rules/dhcp-duplicate-address.js';
import { proxyBadMenu } from './rules/proxy-bad-menu.js';
import { tftpSlowTransfer } from './rules/tftp-slow-transfer.js';
import type { Rule, RuleDoc } from './types.js';

export const RULES: readonly Rule[] = [
  dhcpNoOffer,
  dhcpSlowOffer,
  dhcpPingCheckDelay,
  dhcpDiscoverFlood,
  dhcpProxyOnly,
  dhcpNoRequestAfterOffer,
  dhcpMultipleServers,
  dhcpNak,
  dhcpDuplicateAddress,
  dhcpNoBootFile,
  dhcpNextServerMissing,
  dhcpBootFileEncoding,
  dhcpPxeClientWithoutProxy,
  dhcpOptionOverload,
  proxyNoReply4011,
  proxyNoOption43,
  proxyBadMenu,
  bootArchMismatch,
  bootHttpBoot,
  ipxeChainloadLoop,
  bootSilentAfterNbp,
  tftpNoServer,
  tftpOpenTimeout,
  tftpFileNotFound,
  tftpLoaderSearch,
  tftpAccessViolation,
  tftpError,
  tftpReadTimeout,
  tftpBlksizeExceedsPath,
  tftpBlksizeInvalid,
  tftpRetransmissions,
  tftpSorcerersApprentice,
  tftpUnknownTid,
  tftpTsizeMismatch,
  tftpSlowTransfer,
  captureTftpDataMissing,
  captureTruncated,
  captureRelayView,
  captureAnalysisBounded,
  captureKernelDrops,
];

/** The documentation of every rule, in registry order (for `pxe-doctor analyze --rules` and docs/rules.md). */
export function listRules(): RuleDoc[] {
  return RULES.map((r) => {
    const doc: RuleDoc = {
      id: r.id,
      severity: r.severity,
      group: r.group,
      title: r.title,
      detects: r.detects,
      ignores: r.ignores,
      clientMessages: [...r.clientMessages],
      fix: r.fix,
    };
    if (r.severityNote !== undefined) doc.severityNote = r.severityNote;
    return doc;
  });
}

export function getRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}

/**
 * Resolves a selection: exact rule ids, or a prefix ending the group ("tftp" or "tftp." picks every tftp.*
 * rule). Unknown selectors are returned so the CLI can report them.
 */
export function selectRules(selectors: readonly string[]): { rules: Rule[]; unknown: string[] } {
  const unknown: string[] = [];
  const picked = new Set<Rule>();
  for (const raw of selectors) {
    const sel = raw.trim();
    if (sel === '') continue;
    const prefix = sel.endsWith('.') ? sel : `${sel}.`;
    const matches = RULES.filter((r) => r.id === sel || r.id.startsWith(prefix));
    if (matches.length === 0) unknown.push(sel);
    for (const m of matches) picked.add(m);
  }
  return { rules: RULES.filter((r) => picked.has(r)), unknown };
}
