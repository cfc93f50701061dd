/**
 * The network error the user can act on. Library code throws it; only the CLI turns it into an exit code
 * (docs/exit-codes.md: 4 for `serve`, and for any command that opens an interface).
 */
import { PxeDoctorError } from '../errors.js';

/** Exit code of an interface or permission problem. */
export const INTERFACE_EXIT = 4;

/** The interface cannot be used: missing, no IPv4 address, no permission, libpcap binding absent. */
export class InterfaceError extends PxeDoctorError {
  constructor(message: string) {
    super(message, INTERFACE_EXIT);
  }
}
