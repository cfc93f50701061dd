/**
 * Packet builders for the reference server and tests. Each builds the wire bytes and decodes them, so a
 * built packet is exactly what the analyzer would decode from the wire (same fields, same notes).
 * Strings are written as UTF-8; they throw RangeError on values that cannot go on the wire.
 */
import { decodeTftp } from './decode.js';
import { textToBytes } from './text.js';
import {
  TFTP_ACK,
  TFTP_DATA,
  TFTP_ERROR,
  TFTP_OACK,
  TFTP_RRQ,
  TFTP_WRQ,
  type TftpOption,
  type TftpPacket,
} from './types.js';

/** Options by name (insertion order kept) or as a list (order and duplicates kept). */
export type TftpOptionsInput = Readonly<Record<string, string | number>> | readonly TftpOption[];

function u16(value: number, what: string): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff)
    throw new RangeError(`TFTP ${what} out of range: ${value}`);
  return [value >> 8, value & 0xff];
}

function zstring(text: string, what: string): number[] {
  const bytes = textToBytes(text);
  if (bytes.includes(0)) throw new RangeError(`TFTP ${what} cannot contain NUL`);
  return [...bytes, 0];
}

function optionBytes(options: TftpOptionsInput): number[] {
  const list: TftpOption[] = Array.isArray(options)
    ? [...(options as readonly TftpOption[])]
    : Object.entries(options as Readonly<Record<string, string | number>>).map(([name, value]) => ({
        name,
        value: String(value),
      }));
  const out: number[] = [];
  for (const o of list) out.push(...zstring(o.name, 'option name'), ...zstring(o.value, 'option value'));
  return out;
}

function request(opcode: number, filename: string, mode: string, options: TftpOptionsInput): TftpPacket {
  return decodeTftp(
    Uint8Array.from([
      ...u16(opcode, 'opcode'),
      ...zstring(filename, 'filename'),
      ...zstring(mode, 'mode'),
      ...optionBytes(options),
    ]),
  );
}

export function tftpRrq(filename: string, mode = 'octet', options: TftpOptionsInput = {}): TftpPacket {
  return request(TFTP_RRQ, filename, mode, options);
}

export function tftpWrq(filename: string, mode = 'octet', options: TftpOptionsInput = {}): TftpPacket {
  return request(TFTP_WRQ, filename, mode, options);
}

export function tftpData(block: number, data: Uint8Array): TftpPacket {
  const bytes = new Uint8Array(4 + data.length);
  bytes.set([...u16(TFTP_DATA, 'opcode'), ...u16(block, 'block number')]);
  bytes.set(data, 4);
  return decodeTftp(bytes);
}

export function tftpAck(block: number): TftpPacket {
  return decodeTftp(Uint8Array.from([...u16(TFTP_ACK, 'opcode'), ...u16(block, 'block number')]));
}

export function tftpError(code: number, message: string): TftpPacket {
  return decodeTftp(
    Uint8Array.from([
      ...u16(TFTP_ERROR, 'opcode'),
      ...u16(code, 'error code'),
      ...zstring(message, 'error message'),
    ]),
  );
}

export function tftpOack(options: TftpOptionsInput): TftpPacket {
  return decodeTftp(Uint8Array.from([...u16(TFTP_OACK, 'opcode'), ...optionBytes(options)]));
}
