/**
 * Errors of `pxe-doctor serve` the user can act on, with their exit codes (docs/exit-codes.md, serve). An
 * unusable interface is net/errors.ts' InterfaceError (exit 4), shared with every command that opens one.
 * Library code throws these; only the CLI turns them into exit codes.
 */
import { PxeDoctorError } from '../../errors.js';
import { INTERFACE_EXIT } from '../../net/errors.js';

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
