/**
 * The input cannot be read as a capture at all: missing or unreadable file, a directory, an empty file, or
 * bytes that are not pcap/pcapng. Thrown (rejected) before any frame is delivered; the CLI maps it to exit
 * code 2. Problems inside a capture whose header was valid are warnings instead (CaptureSink.warning).
 */
export class CaptureInputError extends Error {
  /** The path given ("-" for stdin, "<stream>" or "<buffer>" for in-memory input). */
  readonly path: string;
  /** errno code (ENOENT, EACCES, EISDIR, …) when the operating system refused, else undefined. */
  readonly code: string | undefined;

  constructor(path: string, message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CaptureInputError';
    this.path = path;
    this.code = options?.code;
  }
}
