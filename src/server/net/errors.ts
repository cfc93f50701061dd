/**
 * Errors of `pxe-doctor serve` the user can act on, with their exit codes (docs/exit-codes.md, serve). An
 * unusable interface is net/errors.ts' InterfaceError (exit 4), shared with every command that opens one.
 * Library code throws these; only the CLI turns them into exit codes.
 */
import { PxeDoctorError } from '../../errors.js';
import { INTERFACE_EXIT, InterfaceError } from '../../net/errors.js';

/** Exit codes of `serve` beyond the common ones (0 ok, 2 usage/config, 3 internal). */
export const SERVE_EXIT = {
  /** The interface is missing, has no IPv4 address, or capturing/binding on it is not permitted. */
  interface: INTERFACE_EXIT,
  /** Another DHCP server answered the probe and --force was not given. */
  otherServer: 5,
} as const;

/** Another DHCP server answers on the segment: a full server would compete with it. */
export class OtherDhcpServerError extends PxeDoctorError {
  constructor(message: string) {
    super(message, SERVE_EXIT.otherServer);
  }
}

/**
 * A listening socket that cannot be bound, as one line naming the port and the OS reason (exit 4): most
 * often another TFTP or HTTP server already has the port.
 */
export function bindError(what: string, port: number, address: string, e: unknown): InterfaceError {
  const code = (e as NodeJS.ErrnoException)?.code;
  const reason =
    code === 'EADDRINUSE'
      ? 'already in use by another program (EADDRINUSE)'
      : code === 'EACCES'
        ? 'permission denied (EACCES): run as root or grant CAP_NET_BIND_SERVICE'
        : code === 'EADDRNOTAVAIL'
          ? 'address not available on this host (EADDRNOTAVAIL)'
          : (code ?? (e instanceof Error ? e.message : String(e)));
  return new InterfaceError(`cannot listen on ${what} port ${port} of ${address}: ${reason}`);
}
