/**
 * The TFTP packet model shared by the analyzer, the reports and the reference server. Its enumerable fields
 * are a JSON contract (see report/decode-json.ts); fields that do not apply to an opcode are absent.
 */

export const TFTP_RRQ = 1;
export const TFTP_WRQ = 2;
export const TFTP_DATA = 3;
export const TFTP_ACK = 4;
export const TFTP_ERROR = 5;
export const TFTP_OACK = 6;

/** UNKNOWN(-1) is a payload too short to hold the 2-byte opcode. */
export type TftpOpcodeName = 'RRQ' | 'WRQ' | 'DATA' | 'ACK' | 'ERROR' | 'OACK' | `UNKNOWN(${number})`;

/** One option as on the wire: name case kept, display-escaped like filenames. */
export interface TftpOption {
  name: string;
  value: string;
}

export interface TftpPacket {
  opcode: TftpOpcodeName;
  /**
   * RRQ/WRQ. Printable ASCII is shown as is (a backslash too, as tshark does); any other byte as \xNN.
   * The exact bytes are kept aside for encodeTftp.
   */
  filename?: string;
  /** RRQ/WRQ transfer mode as sent ("octet", "netascii", any case). */
  mode?: string;
  /** RRQ/WRQ/OACK: option name lower-cased → value; the first of duplicated options wins. */
  options?: Record<string, string>;
  /** RRQ/WRQ/OACK: every option in wire order and case, duplicates included. encodeTftp writes these. */
  optionList?: TftpOption[];
  /** DATA/ACK block number as on the wire (16 bits; see unwrapBlock). */
  block?: number;
  /** DATA: bytes of file data. Unknown opcode: bytes after the opcode. */
  dataLength?: number;
  errorCode?: number;
  errorMessage?: string;
  /** Malformed or noteworthy things, in plain words. */
  notes: string[];
  /**
   * DATA file bytes (an unknown opcode: its body). Not enumerable, so it stays out of JSON output and
   * deep-equality; read it directly.
   */
  readonly data?: Uint8Array;
}

const OPCODE_NAMES: readonly TftpOpcodeName[] = ['RRQ', 'WRQ', 'DATA', 'ACK', 'ERROR', 'OACK'];

export function tftpOpcodeName(opcode: number): TftpOpcodeName {
  return opcode >= 1 && opcode <= 6 ? OPCODE_NAMES[opcode - 1] : `UNKNOWN(${opcode})`;
}

/** Inverse of tftpOpcodeName; NaN when the name is not one of ours. */
export function tftpOpcodeNumber(name: TftpOpcodeName): number {
  const i = OPCODE_NAMES.indexOf(name);
  if (i >= 0) return i + 1;
  const m = /^UNKNOWN\((-?\d+)\)$/.exec(name);
  return m === null ? NaN : Number(m[1]);
}
