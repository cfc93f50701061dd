/**
 * The numbers of the pcapng format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html): block
 * types, the byte-order magic, block length limits and the names messages give blocks. One table for the
 * reader, the writer and the live capture's file reader.
 */

export const BLOCK_SHB = 0x0a0d0d0a;
export const BLOCK_IDB = 0x00000001;
export const BLOCK_PB = 0x00000002;
export const BLOCK_SPB = 0x00000003;
export const BLOCK_ISB = 0x00000005;
export const BLOCK_EPB = 0x00000006;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

/** Every block has at least a type, a leading and a trailing length. */
export const MIN_BLOCK_LEN = 12;
/** Bigger blocks mean a corrupt file; also bounds what one carried-over block can cost in memory. */
export const MAX_BLOCK_LEN = 64 * 1024 * 1024;

/**
 * Blocks that tshark 4.0 turns into numbered frames although they hold no packet: systemd journal export,
 * sysdig events (v1, v2, v2 large) and custom blocks (copyable and not). Checked against tshark 4.0 with
 * crafted files: DSB, NRB, ISB and other sysdig types take no frame number.
 */
export const NUMBERED_NON_PACKET = new Set([
  0x00000009, 0x00000204, 0x00000216, 0x00000221, 0x00000bad, 0x40000bad,
]);

const BLOCK_NAMES: ReadonlyMap<number, string> = new Map([
  [BLOCK_SHB, 'section header block'],
  [BLOCK_IDB, 'interface description block'],
  [BLOCK_PB, 'packet block'],
  [BLOCK_SPB, 'simple packet block'],
  [0x00000004, 'name resolution block'],
  [BLOCK_ISB, 'interface statistics block'],
  [BLOCK_EPB, 'enhanced packet block'],
  [0x0000000a, 'decryption secrets block'],
  [0x00000bad, 'custom block'],
  [0x40000bad, 'custom block'],
]);

export function blockName(type: number): string {
  return BLOCK_NAMES.get(type) ?? `block of type 0x${type.toString(16).padStart(8, '0')}`;
}

export function isPacketBlock(type: number): boolean {
  return type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_PB;
}

/** Option code 0: the end of a block's options. */
export const OPT_END = 0;

/**
 * Walks a block's options (code u16, length u16, value padded to 4 bytes) from `p` to `end`, calling `visit`
 * with each option's code, value offset and length, up to opt_endofopt. Returns the code of an option that
 * runs past `end` (the rest cannot be read), or null when the options were read to their end.
 */
export function forEachOption(
  dv: DataView,
  p: number,
  end: number,
  little: boolean,
  visit: (code: number, at: number, length: number) => void,
): number | null {
  while (p + 4 <= end) {
    const code = dv.getUint16(p, little);
    const optLen = dv.getUint16(p + 2, little);
    p += 4;
    if (code === OPT_END) return null;
    if (p + optLen > end) return code;
    visit(code, p, optLen);
    p += (optLen + 3) & ~3;
  }
  return null;
}
