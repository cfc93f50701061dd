/**
 * A captured client request made current, as perfdhcp does with its templates: the same bytes, with the fields
 * that follow the new server's answers overwritten in place — xid, ciaddr, the server identifier (54) and the
 * requested address (50). Options keep their order and every other byte (secs, flags, 55, 60, 93, 97 …).
 */
import { parseIp, writeIp } from '../protocol/addr.js';

export interface RequestPatch {
  xid: number;
  /** New ciaddr (a client that has an address: 4011 requests, renewals); undefined leaves it. */
  ciaddr?: string;
  /** New value of option 54 if the request carries one. */
  serverId?: string;
  /** New value of option 50 if the request carries one. */
  requestedIp?: string;
}

const XID_OFFSET = 4;
const CIADDR_OFFSET = 12;
const OPTIONS_OFFSET = 240;

/** Offsets of the 4-byte values of options 50 and 54 in the options area (not in overloaded fields). */
function ipOptionOffsets(bytes: Uint8Array): Map<number, number> {
  const out = new Map<number, number>();
  let i = OPTIONS_OFFSET;
  while (i < bytes.length) {
    const code = bytes[i];
    if (code === 255) break;
    if (code === 0) {
      i++;
      continue;
    }
    if (i + 1 >= bytes.length) break;
    const len = bytes[i + 1];
    if ((code === 50 || code === 54) && len === 4 && i + 6 <= bytes.length && !out.has(code))
      out.set(code, i + 2);
    i += 2 + len;
  }
  return out;
}

function put(bytes: Uint8Array, offset: number | undefined, ip: string | undefined): void {
  if (offset === undefined || ip === undefined) return;
  const n = parseIp(ip);
  if (n !== null) writeIp(bytes, offset, n);
}

/** A copy of `captured` with the patch applied. */
export function patchRequest(captured: Uint8Array, patch: RequestPatch): Uint8Array {
  const out = Uint8Array.from(captured);
  if (out.length < OPTIONS_OFFSET) return out;
  new DataView(out.buffer, out.byteOffset).setUint32(XID_OFFSET, patch.xid >>> 0);
  put(out, CIADDR_OFFSET, patch.ciaddr);
  const offsets = ipOptionOffsets(out);
  put(out, offsets.get(54), patch.serverId);
  put(out, offsets.get(50), patch.requestedIp);
  return out;
}

const HOPS_OFFSET = 3;
const GIADDR_OFFSET = 24;
const CHADDR_OFFSET = 28;

function macBytes(mac: string): number[] {
  return mac.split(':').map((h) => parseInt(h, 16));
}

/**
 * A copy of a client request sent as another MAC: chaddr, and option 61 when it is the MAC itself (type 1),
 * as most firmware sends it — servers key leases on 61 before chaddr, so leaving it would take the real
 * client's lease. Any other client identifier (a DUID, a UUID) is left as captured.
 */
export function patchClientMac(captured: Uint8Array, from: string, to: string): Uint8Array {
  const out = Uint8Array.from(captured);
  if (from === to || out.length < OPTIONS_OFFSET) return out;
  const old = macBytes(from);
  const mac = macBytes(to);
  if (out[2] === 6) out.set(mac, CHADDR_OFFSET);
  let i = OPTIONS_OFFSET;
  while (i + 1 < out.length && out[i] !== 255) {
    if (out[i] === 0) {
      i++;
      continue;
    }
    const len = out[i + 1];
    if (out[i] === 61 && len === 7 && out[i + 2] === 1 && old.every((b, k) => out[i + 3 + k] === b))
      out.set(mac, i + 3);
    i += 2 + len;
  }
  return out;
}

/** A copy of a client request as a relay agent forwards it: giaddr set, one more hop. */
export function patchRelay(captured: Uint8Array, giaddr: string): Uint8Array {
  const out = Uint8Array.from(captured);
  if (out.length < OPTIONS_OFFSET) return out;
  out[HOPS_OFFSET] = Math.min(out[HOPS_OFFSET] + 1, 255);
  put(out, GIADDR_OFFSET, giaddr);
  return out;
}

/** The chaddr of a request, lower-case colon form (Ethernet: 6 bytes). */
export function requestMac(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(CHADDR_OFFSET, CHADDR_OFFSET + 6), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join(':');
}
