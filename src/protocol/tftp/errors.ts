/** TFTP error codes: 0–7 from RFC 1350, 8 from RFC 2347 (option negotiation). */

export const TFTP_ERR_NOT_DEFINED = 0;
export const TFTP_ERR_FILE_NOT_FOUND = 1;
export const TFTP_ERR_ACCESS_VIOLATION = 2;
export const TFTP_ERR_DISK_FULL = 3;
export const TFTP_ERR_ILLEGAL_OPERATION = 4;
export const TFTP_ERR_UNKNOWN_TID = 5;
export const TFTP_ERR_FILE_EXISTS = 6;
export const TFTP_ERR_NO_SUCH_USER = 7;
export const TFTP_ERR_OPTION_NEGOTIATION = 8;

export const TFTP_ERROR_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'Not defined'],
  [1, 'File not found'],
  [2, 'Access violation'],
  [3, 'Disk full or allocation exceeded'],
  [4, 'Illegal TFTP operation'],
  [5, 'Unknown transfer ID'],
  [6, 'File already exists'],
  [7, 'No such user'],
  [8, 'Option negotiation failed'],
]);

/** "File not found", or "Unknown (n)" as tshark prints codes it does not know. */
export function tftpErrorName(code: number): string {
  return TFTP_ERROR_NAMES.get(code) ?? `Unknown (${code})`;
}
