/**
 * Why a live capture cannot start or went wrong: no backend installed, no permission, no such interface,
 * the capture program failing. One line that says what to install or grant; exit code 4
 * (docs/exit-codes.md, sniff). Library code throws it; only the CLI turns it into the exit code.
 */
import { PxeDoctorError } from '../../errors.js';

export const LIVE_CAPTURE_EXIT = 4;

export class LiveCaptureError extends PxeDoctorError {
  constructor(message: string) {
    super(message, LIVE_CAPTURE_EXIT);
  }
}

/** What to do about a capture program's complaint, for the one-line message. */
export function captureHint(program: string, message: string): string {
  if (/permission|not permitted|operation not permitted|denied/i.test(message)) {
    const grant =
      program === 'dumpcap'
        ? 'run as root, add the user to the wireshark group (dpkg-reconfigure wireshark-common), or ' +
          'setcap cap_net_raw,cap_net_admin+eip on dumpcap'
        : program === 'tcpdump'
          ? 'run as root or setcap cap_net_raw,cap_net_admin+eip on tcpdump'
          : 'run as root or give node CAP_NET_RAW and CAP_NET_ADMIN';
    return `${grant}`;
  }
  if (/no such device|doesn't exist|does not exist|no suitable device/i.test(message))
    return 'check the interface name (ip link)';
  if (/syntax error|can't parse filter|invalid (capture )?filter|parse error/i.test(message))
    return 'check --filter (tcpdump -d FILTER compiles it)';
  return '';
}
