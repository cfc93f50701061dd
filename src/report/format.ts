/** Number formatting shared by the text, HTML and diagram reports. */
import { isUrl } from '../protocol/dhcp/index.js';
import { SOFTWARE_NAMES, type ServerIdentity } from '../analysis/server-software.js';
import type { BootSession, EffectiveBoot, TftpTransfer } from '../analysis/types.js';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 * 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

export function formatSeconds(s: number): string {
  if (s < 0.001) return `${(s * 1e6).toFixed(0)} µs`;
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  if (s < 120) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  if (s < 3600) {
    const m = Math.floor(s / 60);
    return `${m} min ${Math.round(s - m * 60)} s`;
  }
  // Hours and beyond (a clock step, a capture left running): human units, never "12430761 min".
  if (s < 86400) return `${(s / 3600).toFixed(1)} h`;
  if (s < 365.25 * 86400) return `${(s / 86400).toFixed(1)} days`;
  return `${(s / (365.25 * 86400)).toFixed(1)} years`;
}

export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return '–';
  if (bytesPerSecond < 1e3) return `${bytesPerSecond.toFixed(0)} B/s`;
  if (bytesPerSecond < 1e6) return `${(bytesPerSecond / 1e3).toFixed(1)} kB/s`;
  return `${(bytesPerSecond / 1e6).toFixed(1)} MB/s`;
}

/** Relative time as shown in timelines: "+3.005 s". */
export function formatOffset(t: number): string {
  return `${t.toFixed(3)} s`;
}

/**
 * A session's timeline counts from its first packet: a capture joined out of time order (or a clock step)
 * can hold frames earlier than its first one, and a timeline never shows a negative time.
 */
export function sessionOffset(s: BootSession, t: number): string {
  return formatOffset(Math.max(0, t - s.start));
}

/**
 * What a timeline counts from, when that is not the capture's start: "from frame 40 (the client's first
 * packet)"; null when the session begins with the capture.
 */
export function timelineOrigin(s: BootSession): string | null {
  if (Math.abs(s.start) < 0.0005) return null;
  let frame: number | null = null;
  for (const tx of s.transactions) for (const e of tx.events) if (e.t === s.start) frame ??= e.frame;
  for (const t of s.transfers) if (t.request.t === s.start) frame ??= t.request.frame;
  return frame === null ? "from the client's first packet" : `from frame ${frame}, the client's first packet`;
}

/** "1, 2, 5-9, 12" — evidence frames, compact. */
export function formatFrames(frames: readonly number[], max = 12): string {
  if (frames.length === 0) return '';
  const sorted = [...new Set(frames)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0];
  let prev = start;
  for (let i = 1; i <= sorted.length; i++) {
    const f = sorted[i];
    if (f === prev + 1) {
      prev = f;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}-${prev}`);
    start = f;
    prev = f;
  }
  if (parts.length <= max) return parts.join(', ');
  return `${parts.slice(0, max).join(', ')}, … (${sorted.length} frames)`;
}

/**
 * The label of one round's line: "boot" for a round the client took (numbered when there are several), "offer
 * … not taken" for offers it saw and ignored, so an ignored offer never reads as what the client booted.
 */
export function bootLabel(boots: readonly EffectiveBoot[], i: number): string {
  const n = boots.length > 1 ? ` ${i + 1}` : '';
  return boots[i].accepted ? `boot${n}` : `offer${n} (not taken)`;
}

/** The effective boot parameters of one round, as one line of text (an ignored round says "offered"). */
export function bootLine(b: EffectiveBoot): string {
  const parts: string[] = [];
  if (b.accepted) parts.push(b.clientIp !== null ? `address ${b.clientIp}` : 'no address');
  else parts.push(b.clientIp !== null ? `offered ${b.clientIp}` : 'no address offered');
  if (b.offerFrom !== null) parts.push(`from ${b.offerFrom}`);
  parts.push(
    b.bootFile !== null ? `file ${JSON.stringify(b.bootFile)} (${b.bootFileSource})` : 'no boot file',
  );
  // A URL names its own server: siaddr is no "TFTP server" for it.
  if (b.bootFile !== null && isUrl(b.bootFile)) parts.push('fetched by HTTP');
  else parts.push(b.tftpServer !== null ? `TFTP ${b.tftpServer} (${b.tftpServerSource})` : 'no TFTP server');
  if (b.proxyServer !== null) parts.push(`proxyDHCP ${b.proxyServer}`);
  return parts.join(', ');
}

/** "IPv6 6, ICMP 1": frames left aside and why, most first. */
export function formatSkipped(skipped: Readonly<Record<string, number>>): string {
  return Object.entries(skipped)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${n}`)
    .join(', ');
}

/**
 * One server as the reports show it: "10.77.0.1 TFTP: dnsmasq (high confidence): <how>, seen in frame 23";
 * the strongest sign of the identified software (the JSON has them all), or why it stays unknown.
 */
export function serverLine(id: ServerIdentity): string {
  const what = `${id.ip} ${id.service === 'dhcp' ? 'DHCP' : 'TFTP'}`;
  if (id.software === 'unknown') {
    const kinds = [...new Set(id.evidence.map((e) => SOFTWARE_NAMES[e.software]))];
    const seen = kinds.length > 1 ? ` (what it does fits ${kinds.join(' and ')} alike)` : '';
    return `${what}: software not recognised from the wire${seen}`;
  }
  const own = id.evidence.filter((e) => e.software === id.software);
  const [e] = own;
  const how =
    e.frames.length === 0
      ? e.text
      : `${e.text}, seen in ${e.frames.length === 1 ? 'frame' : 'frames'} ${formatFrames(e.frames)}`;
  const more = own.length > 1 ? ` (+${own.length - 1} more ${own.length === 2 ? 'sign' : 'signs'})` : '';
  return `${what}: ${id.name} (${id.confidence ?? 'low'} confidence): ${how}${more}`;
}

/**
 * The block size column: the negotiated size, or, when the client asked for one and no OACK is in the
 * capture, what it asked ("1432 asked, no OACK seen") rather than a 512 the capture does not show.
 */
export function blksizeText(t: TftpTransfer): string {
  const asked = t.requested.blksize;
  let base = String(t.blksize);
  // No DATA either (an ERROR answered the request): only what was asked is known.
  if (t.oack === null && asked !== undefined)
    base = t.firstData === null ? `${asked} asked` : `${asked} asked, no OACK seen`;
  return base + (t.windowsize > 1 ? ` w${t.windowsize}` : '');
}

/** A transfer that ended well: "complete", or "uploaded" for a WRQ (the client sent the file). */
export function completeText(t: TftpTransfer): string {
  return t.direction === 'write' ? 'complete (upload from the client)' : 'complete';
}
