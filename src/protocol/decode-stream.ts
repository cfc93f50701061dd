/**
 * Reads a capture (path, "-" for stdin, or a stream) and hands every DHCP/TFTP message, ARP packet and
 * lost-fragment record to the caller as they are decoded. Streams: memory does not grow with file size.
 */
import { toFrameSource, type CaptureSource } from '../capture/frame-source.js';
import type { Timestamp } from '../capture/timestamp.js';
import { toTimestamp } from '../capture/timestamp.js';
import type { CaptureInfo, CaptureInterface, CaptureWarning } from '../capture/types.js';
import { linkTypeName } from './link.js';
import { PacketDecoder, type PacketHandlers, type SkipCounts } from './packet-decoder.js';

export interface DecodeWarning {
  /** Byte offset in the capture for container problems; null for per-frame problems. */
  offset: number | null;
  frame: number | null;
  message: string;
  /** Reading stopped here. */
  fatal: boolean;
}

export interface DecodeHandlers extends Omit<PacketHandlers, 'warning'> {
  warning?(w: DecodeWarning): void;
  /** Timestamp of the capture's first frame (for relative times). */
  firstFrame?(ts: Timestamp): void;
  /** Timestamp of each frame, sparingly: called for the last frame only at the end. */
  lastFrame?(ts: Timestamp, frame: number): void;
}

export interface DecodeSummary {
  capture: CaptureInfo;
  linkTypes: string[];
  frames: number;
  ipv4Frames: number;
  dhcpPackets: number;
  tftpPackets: number;
  arpPackets: number;
  skipped: SkipCounts;
  warnings: DecodeWarning[];
  /** A container problem stopped reading before the end of the input. */
  fatal: boolean;
}

export interface DecodeOptions {
  signal?: AbortSignal;
  /** See ReadCaptureOptions.afterChunk: lets a slow output pause the input. */
  afterChunk?: () => Promise<void> | undefined;
  /** Called every 65536 frames with the count so far (progress display). */
  progress?: (frames: number) => void;
  /** Keep TFTP DATA's file bytes (default true); reports and the analysis need only their length. */
  keepTftpData?: boolean;
}

export async function decodeCapture(
  input: CaptureSource,
  handlers: DecodeHandlers,
  opts: DecodeOptions = {},
): Promise<DecodeSummary> {
  const warnings: DecodeWarning[] = [];
  const warn = (w: DecodeWarning): void => {
    warnings.push(w);
    handlers.warning?.(w);
  };
  const decoder = new PacketDecoder(
    {
      packet: handlers.packet,
      tftpBlock: handlers.tftpBlock,
      arp: handlers.arp,
      icmpUnreachable: handlers.icmpUnreachable,
      icmpEcho: handlers.icmpEcho,
      clientFrame: handlers.clientFrame,
      fragmentLoss: handlers.fragmentLoss,
      warning: (w) => warn({ offset: null, frame: w.frame, message: w.message, fatal: false }),
    },
    { keepTftpData: opts.keepTftpData },
  );
  const interfaces: CaptureInterface[] = [];
  let first = true;
  let fatal = false;
  const progress = opts.progress;
  const info = await toFrameSource(input).read(
    {
      skim: (frame, linkType, bytes, offset, length, info) => {
        if (progress !== undefined && (frame & 0xffff) === 0) progress(frame);
        // The first frame always goes through frame(): its timestamp starts the capture's clock.
        return !first && decoder.skim(linkType, bytes, offset, length, frame, info);
      },
      frame: (f) => {
        if (first) {
          first = false;
          handlers.firstFrame?.(toTimestamp(f.ts));
        }
        decoder.push(f);
      },
      warning: (w: CaptureWarning) => {
        if (w.fatal) fatal = true;
        warn({ offset: w.offset, frame: null, message: w.message, fatal: w.fatal });
      },
      interface: (i) => {
        interfaces.push(i);
      },
    },
    { signal: opts.signal, afterChunk: opts.afterChunk, reuseBuffers: true },
  );
  decoder.finish();
  if (info.last !== undefined) handlers.lastFrame?.(toTimestamp(info.last.ts), info.last.frame);
  const linkTypes = [
    ...new Set(
      (info.interfaces.length > 0 ? info.interfaces : interfaces).map((i) => linkTypeName(i.linkType)),
    ),
  ];
  return {
    capture: info,
    linkTypes,
    frames: info.frames,
    ipv4Frames: decoder.ipv4Frames,
    dhcpPackets: decoder.dhcpPackets,
    tftpPackets: decoder.tftpPackets,
    arpPackets: decoder.arpPackets,
    skipped: decoder.skipped,
    warnings,
    fatal,
  };
}

/** "at byte 1234: capture ends in the middle of packet 17 …" / "frame 9: …" */
export function formatDecodeWarning(w: DecodeWarning): string {
  if (w.offset !== null) return `at byte ${w.offset}: ${w.message}`;
  if (w.frame !== null && !w.message.includes(`frame ${w.frame}`)) return `frame ${w.frame}: ${w.message}`;
  return w.message;
}
