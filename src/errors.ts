/**
 * The few error types pxe-doctor throws on purpose. Only the CLI turns them into exit codes
 * (see docs/exit-codes.md): library code throws, it never exits.
 */

/** Base class: anything the user can act on (bad input, bad arguments). */
export class PxeDoctorError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The input cannot be read at all (missing file, not a capture): exit code 2. */
export class InputError extends PxeDoctorError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Bad command-line usage (unknown option value, conflicting flags): exit code 2. */
export class UsageError extends PxeDoctorError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Exit codes, documented in docs/exit-codes.md (serve adds 4 and 5 in server/net/errors.ts). */
export const EXIT = {
  ok: 0,
  findings: 1,
  input: 2,
  internal: 3,
  output: 6,
} as const;

/**
 * An output cannot be written: a missing folder, no permission, a full disk, standard output gone bad.
 * Its own exit code so that a CI gate never reads it as "findings" (1) or as a bad capture (2).
 */
export class OutputError extends PxeDoctorError {
  constructor(message: string) {
    super(message, EXIT.output);
  }
}

/** "no space left on device" from "ENOSPC: no space left on device, write"; the code when there is no text. */
export function osReason(err: unknown): string {
  if (typeof err === 'string') {
    // A message another program printed: "ENOSPC: no space left on device, write".
    const m = /^(E[A-Z0-9]+): ([^,]+)/.exec(err);
    return m !== null ? `${m[2]} (${m[1]})` : err;
  }
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const m = /^[A-Z0-9_]+: ([^,]+)/.exec(err.message);
  if (m !== null) return code !== undefined ? `${m[1]} (${code})` : m[1];
  return code ?? err.message;
}
