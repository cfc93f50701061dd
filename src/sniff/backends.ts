/**
 * Which capture backend runs: dumpcap, else tcpdump, else libpcap in-process through the optional `cap`
 * package; `--backend` forces one. Finding none is a one-line error saying what to install.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { startChildCapture } from '../capture/live/child.js';
import { LiveCaptureError } from '../capture/live/errors.js';
import type { BackendName, LiveCapture, LiveCaptureOptions } from '../capture/live/types.js';
import { capAvailable, loadCap } from '../net/pcap.js';
import { startCapCapture } from './cap-source.js';

export const BACKENDS: readonly BackendName[] = ['dumpcap', 'tcpdump', 'cap'];

/** Capture programs often live in sbin folders that an ordinary user's PATH lacks. */
const EXTRA_DIRS = ['/usr/sbin', '/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** The executable's path, or null when it is not installed. */
export function findProgram(name: string): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not here
    }
  }
  return null;
}

const INSTALL =
  'install dumpcap (Debian/Ubuntu: apt-get install wireshark-common; Fedora: wireshark-cli) or tcpdump, ' +
  'or the npm package cap (libpcap in-process)';

/** The backend that would run: `forced`, or the first one installed. Throws LiveCaptureError when none is. */
export function chooseBackend(forced?: BackendName): { name: BackendName; program: string | null } {
  const candidates = forced !== undefined ? [forced] : BACKENDS;
  for (const name of candidates) {
    if (name === 'cap') {
      if (capAvailable()) return { name, program: null };
      continue;
    }
    const program = findProgram(name);
    if (program !== null) return { name, program };
  }
  // Throws the binding's own message (what to install).
  if (forced === 'cap') loadCap();
  if (forced !== undefined)
    throw new LiveCaptureError(`--backend ${forced}: ${forced} is not installed; ${INSTALL}`);
  throw new LiveCaptureError(`no capture backend found: ${INSTALL}`);
}

/** Starts capturing on `opts.iface` with the chosen backend; resolves once packets can flow. */
export function startLiveCapture(opts: LiveCaptureOptions, forced?: BackendName): Promise<LiveCapture> {
  const { name, program } = chooseBackend(forced);
  if (name === 'cap' || program === null) {
    if (opts.wrap !== undefined)
      return Promise.reject(
        new LiveCaptureError('the cap backend captures in this process only: use dumpcap or tcpdump'),
      );
    return Promise.resolve(startCapCapture(opts));
  }
  return startChildCapture(name, program, opts);
}
