/**
 * Tells a capture's container from its first bytes and makes its parser; what a parser read, as CaptureInfo.
 */
import { PcapParser } from './pcap.js';
import { PcapngParser } from './pcapng.js';
import type { CaptureInfo, CaptureParser, CaptureSink } from './types.js';

export type SniffedKind = 'gzip' | 'pcap' | 'pcapng' | 'unknown';

/** Bytes needed to decide: every magic we know fits in 4. */
export const SNIFF_LENGTH = 4;

const PCAP_MAGICS: readonly (readonly number[])[] = [
  [0xa1, 0xb2, 0xc3, 0xd4],
  [0xd4, 0xc3, 0xb2, 0xa1],
  [0xa1, 0xb2, 0x3c, 0x4d],
  [0x4d, 0x3c, 0xb2, 0xa1],
];
const PCAPNG_MAGIC: readonly number[] = [0x0a, 0x0d, 0x0d, 0x0a];

function startsWith(head: Uint8Array, magic: readonly number[]): boolean {
  if (head.length < magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[i] !== magic[i]) return false;
  return true;
}

/** Classifies the first bytes of a file (give at least SNIFF_LENGTH unless the file is shorter). */
export function sniff(head: Uint8Array): SniffedKind {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (startsWith(head, PCAPNG_MAGIC)) return 'pcapng';
  for (const magic of PCAP_MAGICS) if (startsWith(head, magic)) return 'pcap';
  return 'unknown';
}

/** "d4 c3 b2 a1 02 00 04 00" — the first bytes, for messages about files that are not captures. */
export function describeBytes(head: Uint8Array, max = 8): string {
  const shown = Array.from(head.subarray(0, max), (b) => b.toString(16).padStart(2, '0')).join(' ');
  return head.length > max ? `${shown} …` : shown;
}

/** The message for input that is not a capture; `head` holds its first bytes. */
export function notACaptureMessage(head: Uint8Array, afterGunzip: boolean): string {
  const what = afterGunzip ? 'the gzip-compressed data is not' : 'not';
  const bytes = head.length === 0 ? 'none' : describeBytes(head);
  const short = head.length < SNIFF_LENGTH ? `, only ${head.length} bytes` : '';
  return `${what} a pcap or pcapng file (first bytes: ${bytes}${short})`;
}

export function createParser(kind: 'pcap' | 'pcapng', sink: CaptureSink): CaptureParser {
  return kind === 'pcap' ? new PcapParser(sink) : new PcapngParser(sink);
}

/** What a parser read, once it has stopped: the summary every reader returns. */
export function captureInfo(parser: CaptureParser, compressed: boolean): CaptureInfo {
  const last = parser.lastPacket();
  const stats = parser.stats?.();
  return {
    format: parser.format,
    compressed,
    interfaces: [...parser.interfaces],
    bytesRead: parser.bytesParsed,
    frames: parser.frames,
    nonPacketRecords: parser.nonPacketRecords,
    ...(last !== null ? { last } : {}),
    ...(stats !== undefined ? { stats } : {}),
  };
}
