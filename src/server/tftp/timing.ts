/**
 * The retransmission timing of a TFTP transfer, one place for both engines: the TypeScript session
 * (session.ts) computes its timer from it, and the native data pump gets the same delays as a table.
 */

/** Retransmission timeout when the client does not ask one, in ms. */
export const DEFAULT_TIMEOUT_MS = 1000;
/** Retransmissions of one packet (or window) before giving up. */
export const DEFAULT_RETRIES = 5;
/** Ceiling of the exponential back-off, in ms. */
export const DEFAULT_MAX_TIMEOUT_MS = 30_000;
/**
 * The server's ceiling on how long a transfer waits for the client without progress, in ms, whatever
 * `timeout` the client asked for (RFC 2349 allows 255 s, which with retries would hold a transfer slot
 * for minutes).
 */
export const DEFAULT_MAX_WAIT_MS = 30_000;

/** The timer armed after `tries` timeouts in a row without progress: doubling from `baseMs`, capped. */
export function retransmitDelayMs(baseMs: number, tries: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** tries, maxMs);
}

/**
 * retransmitDelayMs for tries = 0, 1, …, up to the first one that reaches the ceiling (or `retries`):
 * every later try uses the last entry. Whole milliseconds, at least 1.
 */
export function retransmitSchedule(baseMs: number, retries: number, maxMs: number): number[] {
  const delays: number[] = [];
  for (let tries = 0; tries <= retries; tries++) {
    const ms = retransmitDelayMs(baseMs, tries, maxMs);
    delays.push(Math.max(1, Math.round(ms)));
    if (ms >= maxMs) break;
  }
  return delays;
}
