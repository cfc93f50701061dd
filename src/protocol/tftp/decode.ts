/**
 * TFTP decoder (RFC 1350, options per RFC 2347–2349 and 7440). Lenient: any byte string decodes to a
 * packet, oddities become notes, and the exact layout is remembered so encodeTftp gives the bytes back.
 */
import { EMPTY, setLayout, type TftpLayout } from './layout.js';
import { checkTftpOption } from './options.js';
import { displayBytes, hasNonPrintable } from './text.js';
import {
  TFTP_ACK,
  TFTP_DATA,
  TFTP_ERROR,
  TFTP_OACK,
  TFTP_RRQ,
  TFTP_WRQ,
  tftpOpcodeName,
  type TftpOption,
  type TftpPacket,
} from './types.js';

const MODES: ReadonlySet<string> = new Set(['netascii', 'octet', 'mail']);

/**
 * A copy of [start, end): the payload may be a view into a reader buffer that is reused, and on a Node
 * Buffer slice() is a view, not a copy.
 */
function copy(payload: Uint8Array, start: number, end: number = payload.length): Uint8Array {
  const out = new Uint8Array(Math.max(0, end - start));
  out.set(payload.subarray(start, end));
  return out;
}

/** NUL-terminated strings from `start` to the end; the last one may lack its NUL. Copies the bytes. */
function splitStrings(payload: Uint8Array, start: number): { strings: Uint8Array[]; unterminated: boolean } {
  const strings: Uint8Array[] = [];
  let pos = start;
  while (pos < payload.length) {
    const nul = payload.indexOf(0, pos);
    if (nul < 0) {
      strings.push(copy(payload, pos));
      return { strings, unterminated: true };
    }
    strings.push(copy(payload, pos, nul));
    pos = nul + 1;
  }
  return { strings, unterminated: false };
}

function newLayout(): TftpLayout {
  return { strings: [], shown: [], unterminated: false, danglingName: false, trailing: EMPTY };
}

function setData(pkt: TftpPacket, data: Uint8Array): void {
  Object.defineProperty(pkt, 'data', { value: data, enumerable: false, writable: false, configurable: true });
}

/** Adds an own property even for "__proto__", which plain assignment would treat as the prototype. */
function putOption(options: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') {
    Object.defineProperty(options, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    options[key] = value;
  }
}

/** Options from raw strings[first..]: fills the packet's options/optionList and the notes. */
function decodeOptions(pkt: TftpPacket, layout: TftpLayout, first: number): void {
  const options: Record<string, string> = {};
  const list: TftpOption[] = [];
  const { strings, shown } = layout;
  for (let i = first; i < strings.length; i += 2) {
    const name = shown[i];
    const hasValue = i + 1 < strings.length;
    const value = hasValue ? shown[i + 1] : '';
    if (!hasValue) {
      layout.danglingName = true;
      pkt.notes.push(`odd option count: option "${name}" has no value`);
    }
    list.push({ name, value });
    const key = name.toLowerCase();
    if (key === '') pkt.notes.push('empty option name');
    if (Object.hasOwn(options, key)) {
      pkt.notes.push(`duplicate option ${key}`);
    } else {
      putOption(options, key, value);
    }
    if (hasValue) {
      const problem = checkTftpOption(key, value);
      if (problem !== null) pkt.notes.push(problem);
    }
  }
  pkt.options = options;
  pkt.optionList = list;
}

/** Name of the field the i-th string of a request/OACK is, for "missing NUL after …". */
function stringFieldName(pkt: TftpPacket, index: number, optionsStart: number): string {
  if (index < optionsStart) return index === 0 ? 'filename' : 'mode';
  const list = pkt.optionList ?? [];
  const option = list[(index - optionsStart) >> 1];
  const name = option === undefined ? '' : option.name;
  return (index - optionsStart) % 2 === 0 ? `option name "${name}"` : `value of option "${name}"`;
}

function decodeRequest(pkt: TftpPacket, payload: Uint8Array, layout: TftpLayout): void {
  const { strings, unterminated } = splitStrings(payload, 2);
  layout.strings = strings;
  layout.shown = strings.map(displayBytes);
  layout.unterminated = unterminated;
  if (strings.length === 0) {
    pkt.notes.push('missing filename');
  } else {
    pkt.filename = layout.shown[0];
    if (strings[0].length === 0) pkt.notes.push('empty filename');
    else if (hasNonPrintable(strings[0])) pkt.notes.push('non-printable bytes in filename');
  }
  if (strings.length < 2) {
    if (strings.length === 1) pkt.notes.push('missing transfer mode');
  } else {
    pkt.mode = layout.shown[1];
    if (!MODES.has(pkt.mode.toLowerCase())) pkt.notes.push(`unknown transfer mode "${pkt.mode}"`);
  }
  decodeOptions(pkt, layout, 2);
  if (unterminated) pkt.notes.push(`missing NUL after ${stringFieldName(pkt, strings.length - 1, 2)}`);
}

function decodeOack(pkt: TftpPacket, payload: Uint8Array, layout: TftpLayout): void {
  const { strings, unterminated } = splitStrings(payload, 2);
  layout.strings = strings;
  layout.shown = strings.map(displayBytes);
  layout.unterminated = unterminated;
  decodeOptions(pkt, layout, 0);
  if (strings.length === 0) pkt.notes.push('OACK without options');
  if (unterminated) pkt.notes.push(`missing NUL after ${stringFieldName(pkt, strings.length - 1, 0)}`);
}

function decodeError(pkt: TftpPacket, payload: Uint8Array, layout: TftpLayout): void {
  if (payload.length < 4) {
    layout.trailing = copy(payload, 2);
    pkt.notes.push('truncated: no error code');
    return;
  }
  pkt.errorCode = (payload[2] << 8) | payload[3];
  if (pkt.errorCode > 8) pkt.notes.push(`unknown error code ${pkt.errorCode}`);
  if (payload.length === 4) {
    pkt.notes.push('missing error message');
    return;
  }
  const nul = payload.indexOf(0, 4);
  const message = nul < 0 ? copy(payload, 4) : copy(payload, 4, nul);
  layout.strings = [message];
  layout.shown = [displayBytes(message)];
  pkt.errorMessage = layout.shown[0];
  if (nul < 0) {
    layout.unterminated = true;
    pkt.notes.push('missing NUL after error message');
  } else if (nul + 1 < payload.length) {
    layout.trailing = copy(payload, nul + 1);
    pkt.notes.push(`${layout.trailing.length} bytes after the error message`);
  }
}

/** What decodeTftp keeps. */
export interface TftpDecodeOptions {
  /**
   * Copy DATA's file bytes into `data` (default true). Reading a capture for its analysis needs only
   * `dataLength`: without the copy, the bulk of a transfer's bytes are never touched twice.
   */
  keepData?: boolean;
}

function decodeBody(
  pkt: TftpPacket,
  payload: Uint8Array,
  layout: TftpLayout,
  opcode: number,
  keepData: boolean,
): void {
  switch (opcode) {
    case TFTP_RRQ:
    case TFTP_WRQ:
      decodeRequest(pkt, payload, layout);
      return;
    case TFTP_OACK:
      decodeOack(pkt, payload, layout);
      return;
    case TFTP_ERROR:
      decodeError(pkt, payload, layout);
      return;
    case TFTP_DATA:
    case TFTP_ACK:
      if (payload.length < 4) {
        layout.trailing = copy(payload, 2);
        pkt.notes.push('truncated: no block number');
        return;
      }
      pkt.block = (payload[2] << 8) | payload[3];
      if (opcode === TFTP_DATA) {
        pkt.dataLength = payload.length - 4;
        if (keepData) setData(pkt, copy(payload, 4));
      } else if (payload.length > 4) {
        // Windows Deployment Services' "msftwindow" puts the next window size in one extra byte.
        layout.trailing = copy(payload, 4);
        pkt.notes.push(`${payload.length - 4} bytes after the ACK block number`);
      }
      return;
    default: {
      const data = copy(payload, 2);
      pkt.dataLength = data.length;
      setData(pkt, data);
      pkt.notes.push(`unknown opcode ${opcode}`);
    }
  }
}

/** Decodes a UDP payload as TFTP. Never throws: whatever the bytes, a packet with notes comes back. */
export function decodeTftp(payload: Uint8Array, options: TftpDecodeOptions = {}): TftpPacket {
  const layout = newLayout();
  if (payload.length < 2) {
    const pkt: TftpPacket = { opcode: 'UNKNOWN(-1)', notes: ['truncated: no opcode'] };
    layout.trailing = copy(payload, 0);
    setLayout(pkt, layout);
    return pkt;
  }
  const opcode = (payload[0] << 8) | payload[1];
  // Nearly every packet of a transfer: a whole DATA, or a 4-byte ACK. Canonical, so no layout to remember.
  if (payload.length >= 4 && (opcode === TFTP_DATA || (opcode === TFTP_ACK && payload.length === 4)))
    return blockPacket(payload, opcode, options.keepData !== false);
  const pkt: TftpPacket = { opcode: tftpOpcodeName(opcode), notes: [] };
  try {
    decodeBody(pkt, payload, layout, opcode, options.keepData !== false);
  } catch (err) {
    // Not expected (the fuzz tests look for this note), but a capture must never stop on one packet.
    pkt.notes.push(`internal decoder error: ${err instanceof Error ? err.message : String(err)}`);
  }
  // DATA and ACK packets are canonical nearly always: encodeTftp needs no layout for them.
  if (!isCanonicalLayout(layout)) setLayout(pkt, layout);
  return pkt;
}

/** DATA or ACK with its block number (what decodeBody gives them, keys in the same order). */
function blockPacket(payload: Uint8Array, opcode: number, keepData: boolean): TftpPacket {
  const block = (payload[2] << 8) | payload[3];
  if (opcode === TFTP_ACK) return { opcode: 'ACK', notes: [], block };
  const pkt: TftpPacket = { opcode: 'DATA', notes: [], block, dataLength: payload.length - 4 };
  if (keepData) setData(pkt, copy(payload, 4));
  return pkt;
}

function isCanonicalLayout(layout: TftpLayout): boolean {
  return (
    layout.strings.length === 0 &&
    layout.trailing.length === 0 &&
    !layout.unterminated &&
    !layout.danglingName
  );
}
