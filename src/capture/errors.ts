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

export function gzipMessage(problem: string): string {
  return `gzip data is corrupt or cut short (${problem}); reading stopped there`;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

export function inputError(path: string, verb: string, err: unknown): CaptureInputError {
  const code = errnoCode(err);
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'it is a directory',
    ENOTDIR: 'a part of the path is not a directory',
  };
  const reason = (code !== undefined ? reasons[code] : undefined) ?? errorText(err);
  return new CaptureInputError(path, `cannot ${verb} ${path}: ${reason}`, { cause: err, code });
}
