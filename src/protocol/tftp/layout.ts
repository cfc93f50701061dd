/**
 * Wire details of a decoded (or built) packet that its JSON fields cannot hold: the exact bytes of each
 * string and the quirks of its framing. Kept in a WeakMap beside the packet so the packet stays plain data;
 * a copy of the packet ({...pkt}, JSON) loses them and encodes in canonical form.
 */
import type { TftpPacket } from './types.js';

export interface TftpLayout {
  /** Raw bytes of the string fields in wire order (filename, mode, name, value, …; or the error message). */
  strings: Uint8Array[];
  /** Display form each raw string had: a field still equal to it is written from the raw bytes. */
  shown: string[];
  /** The last string has no terminating NUL. */
  unterminated: boolean;
  /** The last option name has no value string at all (odd count of option strings). */
  danglingName: boolean;
  /** Bytes after the last field: ACK/ERROR extras, or a partial block number / error code / opcode. */
  trailing: Uint8Array;
}

const layouts = new WeakMap<TftpPacket, TftpLayout>();

export function setLayout(pkt: TftpPacket, layout: TftpLayout): void {
  layouts.set(pkt, layout);
}

export function getLayout(pkt: TftpPacket): TftpLayout | undefined {
  return layouts.get(pkt);
}

export const EMPTY = new Uint8Array(0);
