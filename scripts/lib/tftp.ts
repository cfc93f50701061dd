/**
 * TFTP packet bytes (RFC 1350, options RFC 2347-2349, windowsize RFC 7440) for generated captures.
 */
import type { Bytes } from './packets.js';

export const TFTP_RRQ = 1;
export const TFTP_WRQ = 2;
export const TFTP_DATA = 3;
export const TFTP_ACK = 4;
export const TFTP_ERROR = 5;
export const TFTP_OACK = 6;

export const TFTP_ERR_NOT_DEFINED = 0;
export const TFTP_ERR_NOT_FOUND = 1;
export const TFTP_ERR_ACCESS = 2;
export const TFTP_ERR_DISK_FULL = 3;
export const TFTP_ERR_ILLEGAL_OP = 4;
export const TFTP_ERR_UNKNOWN_TID = 5;
export const TFTP_ERR_EXISTS = 6;
export const TFTP_ERR_NO_USER = 7;
export const TFTP_ERR_OPTION = 8;

export type TftpOptions = readonly (readonly [name: string, value: string])[];

function zstrings(values: readonly string[]): Buffer {
  return Buffer.concat(values.map((v) => Buffer.concat([Buffer.from(v, 'latin1'), Uint8Array.of(0)])));
}

function opcode(op: number): Buffer {
  return Buffer.from([op >> 8, op & 0xff]);
}

export function tftpRequest(
  op: typeof TFTP_RRQ | typeof TFTP_WRQ,
  file: string,
  mode: string,
  options: TftpOptions = [],
): Buffer {
  return Buffer.concat([opcode(op), zstrings([file, mode, ...options.flatMap(([n, v]) => [n, v])])]);
}

export function tftpRrq(file: string, options: TftpOptions = [], mode = 'octet'): Buffer {
  return tftpRequest(TFTP_RRQ, file, mode, options);
}

export function tftpOack(options: TftpOptions): Buffer {
  return Buffer.concat([opcode(TFTP_OACK), zstrings(options.flatMap(([n, v]) => [n, v]))]);
}

export function tftpData(block: number, data: Bytes): Buffer {
  const out = Buffer.allocUnsafe(4 + data.length);
  out.writeUInt16BE(TFTP_DATA, 0);
  out.writeUInt16BE(block & 0xffff, 2);
  out.set(data, 4);
  return out;
}

export function tftpAck(block: number): Buffer {
  return Buffer.from([0, TFTP_ACK, (block >> 8) & 0xff, block & 0xff]);
}

export function tftpError(code: number, message: string): Buffer {
  return Buffer.concat([opcode(TFTP_ERROR), Buffer.from([code >> 8, code & 0xff]), zstrings([message])]);
}
