/**
 * Layer-2 receive and send on one interface through libpcap (the optional `cap` package), as a FrameLink.
 * node:dgram cannot bind to a device nor tell which interface a broadcast arrived on; a pcap handle can do
 * both. Frames carry their receipt time and whether they were cut short (link.ts says what those mean here).
 */
import { createRequire } from 'node:module';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_NULL, LINKTYPE_RAW } from '../protocol/link.js';
import { InterfaceError } from './errors.js';
import { receiptTime, type FrameLink, type FrameListener } from './link.js';

/** The part of the cap binding used here (it ships no type declarations). */
interface CapInstance {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  close(): void;
  send(buffer: Buffer, length?: number): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
}
interface CapModule {
  Cap: new () => CapInstance;
}

/** How to get the binding, for the message when it is missing. */
export const CAP_INSTALL_HINT =
  'install libpcap-dev and a compiler (apt-get install libpcap-dev build-essential python3), then ' +
  'npm_config_nodedir=/usr npm install cap';

let cached: CapModule | null = null;

function isCapModule(value: unknown): value is CapModule {
  return (
    typeof value === 'object' && value !== null && typeof (value as { Cap?: unknown }).Cap === 'function'
  );
}

/** Loads the binding, or throws InterfaceError saying what to install. */
export function loadCap(): CapModule {
  if (cached !== null) return cached;
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)('cap');
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new InterfaceError(
      `the libpcap binding (npm package cap) is not available (${why}): ${CAP_INSTALL_HINT}`,
    );
  }
  if (!isCapModule(mod)) throw new InterfaceError(`the cap package does not look like the libpcap binding`);
  cached = mod;
  return mod;
}

/** True when the binding loads (for tests that need it). */
export function capAvailable(): boolean {
  try {
    loadCap();
    return true;
  } catch {
    return false;
  }
}

/** Turns libpcap's plain messages into an actionable error. */
function openError(device: string, message: string): InterfaceError {
  if (/permitted|permission|denied/i.test(message))
    return new InterfaceError(
      `cannot capture on ${device} (${message}): run as root or give node CAP_NET_RAW and CAP_NET_ADMIN`,
    );
  if (/no such device/i.test(message)) return new InterfaceError(`no interface ${device} (${message})`);
  return new InterfaceError(`cannot open ${device} with libpcap: ${message}`);
}

/**
 * Every handle ever opened stays referenced: cap's native destructor, when the garbage collector runs it
 * for a closed handle, emits an async-hooks destroy from inside the collection and crashes Node 20. A handle
 * is small and a process opens two (probe, receive).
 */
const retained: CapInstance[] = [];

/** Bytes libpcap may buffer between two reads: a burst of a thousand clients fits easily. */
const KERNEL_BUFFER = 16 * 1024 * 1024;

/** The binding's names for the link types it knows; anything else comes as "Unknown linktype N". */
const CAP_LINK_TYPES: Readonly<Record<string, number>> = {
  ETHERNET: LINKTYPE_ETHERNET,
  NULL: LINKTYPE_NULL,
  IEEE802_11_RADIO: 127, // LINKTYPE_IEEE802_11_RADIOTAP: no decoder here, only named in protocol/link.ts
  LINKTYPE_LINUX_SLL: LINKTYPE_LINUX_SLL,
  RAW: LINKTYPE_RAW,
};

/** The LINKTYPE_* number of the binding's link-type string; -1 when it names none. */
function linkTypeNumber(name: string): number {
  const known = CAP_LINK_TYPES[name];
  if (known !== undefined) return known;
  const m = /^Unknown linktype (\d+)$/.exec(name);
  return m === null ? -1 : Number(m[1]);
}

export interface PcapLinkOptions {
  /** Accept any link type (a capture); by default only Ethernet, which is all the senders here build. */
  anyLinkType?: boolean;
}

/** Opens `device` with the BPF `filter` (libpcap's syntax; "" for every frame). */
export function openPcapLink(device: string, filter: string, options: PcapLinkOptions = {}): FrameLink {
  const { Cap } = loadCap();
  const cap = new Cap();
  retained.push(cap);
  const buffer = Buffer.alloc(65535);
  let capLinkType: string;
  try {
    capLinkType = cap.open(device, filter, KERNEL_BUFFER, buffer);
  } catch (e) {
    throw openError(device, e instanceof Error ? e.message : String(e));
  }
  const linkType = linkTypeNumber(capLinkType);
  if (linkType !== LINKTYPE_ETHERNET && options.anyLinkType !== true) {
    cap.close();
    throw new InterfaceError(`${device} is not an Ethernet interface (link type ${capLinkType})`);
  }
  const listeners = new Set<FrameListener>();
  cap.on('packet', (nbytes: number, truncated: boolean) => {
    if (listeners.size === 0) return;
    const frame = { data: buffer.subarray(0, nbytes), timestamp: receiptTime(), truncated };
    for (const l of listeners) l(frame);
  });
  let open = true;
  return {
    name: device,
    linkType,
    send(frame: Uint8Array): void {
      const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      cap.send(b, b.length);
    },
    listen(listener: FrameListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close(): void {
      if (!open) return;
      open = false;
      listeners.clear();
      cap.close();
    },
  };
}
