import { fromHex, toHex } from '../bytes.js';
import { OptionValueError, wrongKind, type OptionCodec } from './codec.js';

/**
 * Option 97, UUID/GUID-based client identifier (RFC 4578 2.3): type 0, then 16 bytes.
 * PXE firmware copies the SMBIOS system UUID, whose first three fields SMBIOS stores little-endian. So the same
 * 16 bytes read two ways:
 * - `uuid`: the bytes in wire order. pxelinux builds its pxelinux.cfg/<uuid> file name from this form.
 * - `smbiosUuid`: the first three fields byte-swapped. This is what the machine reports (qemu -uuid, SeaBIOS
 *   "Machine UUID", iPXE ${uuid}, dmidecode) and what tshark 4.0 prints as dhcp.client_id.uuid.
 * Lab example: wire 1e1b5f8a1d7c2e4c9b9a0123456789ab → uuid 1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab,
 * smbiosUuid 8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab.
 */
export interface UuidValue {
  kind: 'uuid';
  type: number;
  uuid: string;
  smbiosUuid: string;
}

function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function swapFirstFields(b: Uint8Array): Uint8Array {
  return Uint8Array.of(b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], ...b.subarray(8));
}

export function formatUuid(bytes16: Uint8Array): { uuid: string; smbiosUuid: string } {
  return { uuid: dashed(toHex(bytes16)), smbiosUuid: dashed(toHex(swapFirstFields(bytes16))) };
}

export const uuidCodec: OptionCodec = {
  decode(raw) {
    if (raw.length !== 17) throw new OptionValueError(`length ${raw.length} is not 17 for a type + UUID`);
    return { kind: 'uuid', type: raw[0], ...formatUuid(raw.subarray(1)) };
  },
  encode(v) {
    if (v.kind !== 'uuid') return wrongKind('uuid', v);
    const bytes = fromHex(v.uuid);
    if (bytes.length !== 16) throw new TypeError(`not a UUID: ${v.uuid}`);
    return Uint8Array.of(v.type, ...bytes);
  },
};
