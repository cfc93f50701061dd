/**
 * What the streaming analyzer tells as soon as it is certain (the Zeek model: a record is emitted when it
 * completes or expires). `t` is capture time (seconds since the first frame) when the record was decided.
 */
import type { BootSession, DhcpTransaction, TftpTransfer } from './types.js';

/**
 * Why a session event was sent: the client was quiet for `sessionQuiet` seconds, it started a new boot
 * (a firmware DISCOVER after it had already fetched files), the analysis ended, or the client was dropped
 * to keep memory bounded. A session can be told again later under the same id, when the client comes back
 * before the session is split off (idleTimeout): the newest event supersedes the earlier ones.
 */
export type SessionCloseReason = 'quiet' | 'new-boot' | 'end' | 'evicted';

export type AnalysisEvent =
  | { kind: 'dhcp-transaction'; t: number; transaction: DhcpTransaction }
  | { kind: 'tftp-transfer'; t: number; transfer: TftpTransfer }
  | { kind: 'session'; t: number; session: BootSession; reason: SessionCloseReason };
