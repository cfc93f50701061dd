/**
 * Where frames come from: a file, stdin, any byte stream, or (elsewhere) a live interface. Decoding and
 * analysis take a FrameSource, so they never care which; a source only promises to hand frames to the sink
 * in its own order, synchronously, and to resolve with what it read.
 */
import { readCapture, type ReadCaptureOptions } from './source.js';
import type { CaptureInfo, CaptureSink } from './types.js';

export interface FrameSource {
  /** What the input is called in reports: "boot.pcapng", "stdin", "live:br0". */
  readonly label: string;
  read(sink: CaptureSink, opts?: ReadCaptureOptions): Promise<CaptureInfo>;
}

const STDIN = '-';

/** A capture file by path; "-" is stdin. Gzip'ed files are inflated on the way. */
export function fileSource(path: string): FrameSource {
  return {
    label: path === STDIN ? 'stdin' : path,
    read: (sink, opts) => readCapture(path, sink, opts),
  };
}

/** Capture bytes (pcap, pcapng, optionally gzip'ed) arriving on a stream: a pipe, a capture child's stdout. */
export function streamSource(stream: NodeJS.ReadableStream, label: string): FrameSource {
  return { label, read: (sink, opts) => readCapture(stream, sink, { label, ...opts }) };
}

/** What decode and analyze accept: a path ("-" = stdin), a byte stream, or a ready FrameSource. */
export type CaptureSource = string | NodeJS.ReadableStream | FrameSource;

export function isFrameSource(input: CaptureSource): input is FrameSource {
  return typeof input === 'object' && 'read' in input && 'label' in input && !('pipe' in input);
}

/** The one way an input becomes a FrameSource (a bare stream is labelled "stream"). */
export function toFrameSource(input: CaptureSource): FrameSource {
  if (typeof input === 'string') return fileSource(input);
  if (isFrameSource(input)) return input;
  return streamSource(input, 'stream');
}
