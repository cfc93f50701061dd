/**
 * Where a capture begins and ends and what it lost: the capture-wide facts the analyzer's summary reads
 * from the reader's timestamps and the capture's own statistics.
 */
import { timestampToNumber, toTimestamp, type Timestamp } from '../capture/timestamp.js';
import type { CaptureStats } from '../capture/types.js';
import type { CaptureInput } from './analyzer-options.js';
import type { CaptureLoss } from './types.js';

/** The capture's own drop counters, when it counted any drop. */
export function captureLossOf(stats: CaptureStats | undefined): CaptureLoss | null {
  const dropped = stats?.dropped ?? 0;
  if (stats === undefined || dropped <= 0) return null;
  const interfaces = stats.perInterface
    .filter((i) => (i.ifDropped ?? 0) + (i.osDropped ?? 0) > 0)
    // if_name is free text from the file: control bytes would break a one-line message.
    .map((i) => oneLine(i.name ?? `interface ${i.id}`));
  return {
    dropped,
    received: stats.received ?? null,
    ifDropped: stats.ifDropped ?? null,
    osDropped: stats.osDropped ?? null,
    packetDrops: stats.packetDrops ?? null,
    interfaces,
  };
}

function oneLine(s: string): string {
  const spaced = [...s].map((c) => (c.charCodeAt(0) < 0x20 || c === '\x7f' ? ' ' : c)).join('');
  return spaced.split(/ +/).join(' ').trim();
}

/**
 * Where the capture stopped: its last packet, or later when the capturing program recorded that it ran on
 * (pcapng isb_endtime): a deadline that passed in that quiet tail did pass in the capture.
 */
export function endOfCapture(capture: CaptureInput, lastTs: Timestamp | null): Timestamp | null {
  const end = capture.stats?.endTs;
  if (end === undefined || lastTs === null) return lastTs;
  const stated = toTimestamp(end, 9);
  return timestampToNumber(stated) > timestampToNumber(lastTs) ? stated : lastTs;
}

/** The earlier (or later) of a timestamp the caller gives and one the analyzer saw. */
export function pickTs(
  given: Timestamp | null | undefined,
  seen: Timestamp | null,
  better: (a: number, b: number) => boolean,
): Timestamp | null {
  if (given == null) return seen;
  if (seen === null) return given;
  return better(timestampToNumber(given), timestampToNumber(seen)) ? given : seen;
}
