/** One line per packet in the words of tshark's Info column, so pxe-doctor and tshark read alike. */
import { tftpErrorName } from './errors.js';
import type { TftpPacket } from './types.js';

/** tshark spells code 4 with a capital O; RFC 1350 (and tftpErrorName) does not. */
function errorNameAsTshark(code: number): string {
  return code === 4 ? 'Illegal TFTP Operation' : tftpErrorName(code);
}

function optionsText(pkt: TftpPacket): string {
  return (pkt.optionList ?? []).map((o) => `, ${o.name}=${o.value}`).join('');
}

/**
 * "Read Request, File: pxelinux.0, Transfer type: octet, blksize=1432, tsize=0", "Data Packet, Block: 3
 * (last)", … `blksize` is the block size in force for the transfer (512 unless an OACK said otherwise):
 * a DATA shorter than it is the last one. Block numbers are the 16-bit wire values.
 */
export function summarizeTftp(pkt: TftpPacket, blksize = 512): string {
  switch (pkt.opcode) {
    case 'RRQ':
    case 'WRQ': {
      let s = pkt.opcode === 'RRQ' ? 'Read Request' : 'Write Request';
      if (pkt.filename !== undefined) s += `, File: ${pkt.filename}`;
      if (pkt.mode !== undefined) s += `, Transfer type: ${pkt.mode}`;
      return s + optionsText(pkt);
    }
    case 'DATA':
      if (pkt.block === undefined) return 'Data Packet';
      return `Data Packet, Block: ${pkt.block}${(pkt.dataLength ?? 0) < blksize ? ' (last)' : ''}`;
    case 'ACK':
      return pkt.block === undefined ? 'Acknowledgement' : `Acknowledgement, Block: ${pkt.block}`;
    case 'ERROR': {
      if (pkt.errorCode === undefined) return 'Error Code';
      let s = `Error Code, Code: ${errorNameAsTshark(pkt.errorCode)}`;
      if (pkt.errorMessage !== undefined) s += `, Message: ${pkt.errorMessage}`;
      return s;
    }
    case 'OACK':
      return 'Option Acknowledgement' + optionsText(pkt);
    default: {
      const n = Number(/-?\d+/.exec(pkt.opcode)?.[0] ?? NaN);
      if (n < 0) return 'Malformed (no opcode)';
      // Opcode 255 is Microsoft's MSDP information packet; tshark names it.
      if (n === 255) return 'Information (MSDP)';
      return `Unknown (0x${n.toString(16).padStart(4, '0')})`;
    }
  }
}
