import { archCodec } from './arch.js';
import { clientIdCodec } from './client-id.js';
import { OptionValueError, type DecodeContext, type OptionCodec } from './codec.js';
import { hexCodec, hexValue } from './hex.js';
import { boolCodec, int32Codec, secondsCodec, uintCodec } from './integer.js';
import { ipCodec, ipListCodec, ipPairsCodec } from './ip.js';
import { ipxeCodec } from './ipxe.js';
import { messageTypeCodec } from './message-type.js';
import { dhcpOptionName } from './names.js';
import { ndiCodec } from './ndi.js';
import { codeListCodec } from './param-list.js';
import { pxeVendorCodec } from './pxe-vendor.js';
import { relayAgentCodec } from './relay-agent.js';
import { textCodec } from './text.js';
import { userClassCodec } from './user-class.js';
import { uuidCodec } from './uuid.js';
import type { DhcpOptionValue } from './values.js';

export { dhcpOptionName };

export interface OptionSpec {
  name: string;
  codec: OptionCodec;
}

const ip = ipCodec;
const ips = ipListCodec();
const text = textCodec;
const u8 = uintCodec('u8');
const u16 = uintCodec('u16');
const u32 = uintCodec('u32');
const seconds = secondsCodec;
const bool = boolCodec;

/** Value families by option code (RFC 2132 and later; PXE 4578/5859; PXELINUX 5071; iPXE). */
const CODECS: ReadonlyMap<number, OptionCodec> = new Map<number, OptionCodec>([
  [1, ip],
  [2, int32Codec],
  [3, ips],
  [4, ips],
  [5, ips],
  [6, ips],
  [7, ips],
  [8, ips],
  [9, ips],
  [10, ips],
  [11, ips],
  [12, text],
  [13, u16],
  [14, text],
  [15, text],
  [16, ip],
  [17, text],
  [18, text],
  [19, bool],
  [20, bool],
  [21, ipPairsCodec],
  [22, u16],
  [23, u8],
  [24, seconds],
  [26, u16],
  [27, bool],
  [28, ip],
  [29, bool],
  [30, bool],
  [31, bool],
  [32, ip],
  [33, ipPairsCodec],
  [34, bool],
  [35, seconds],
  [36, bool],
  [37, u8],
  [38, seconds],
  [39, bool],
  [40, text],
  [41, ips],
  [42, ips],
  [43, pxeVendorCodec],
  [44, ips],
  [45, ips],
  [46, u8],
  [47, text],
  [48, ips],
  [49, ips],
  [50, ip],
  [51, seconds],
  [52, u8],
  [53, messageTypeCodec],
  [54, ip],
  [55, codeListCodec],
  [56, text],
  [57, u16],
  [58, seconds],
  [59, seconds],
  [60, text],
  [61, clientIdCodec],
  [62, text],
  [64, text],
  [65, ips],
  [66, text],
  [67, text],
  [68, ipListCodec(0)],
  [69, ips],
  [70, ips],
  [71, ips],
  [72, ips],
  [73, ips],
  [74, ips],
  [75, ips],
  [76, ips],
  [77, userClassCodec],
  [82, relayAgentCodec],
  [86, text],
  [87, text],
  [91, seconds],
  [92, ips],
  [93, archCodec],
  [94, ndiCodec],
  [97, uuidCodec],
  [100, text],
  [101, text],
  [108, seconds],
  [112, ips],
  [113, text],
  [114, text],
  [116, bool],
  [118, ip],
  [150, ips],
  [152, u32],
  [153, u32],
  [154, u32],
  [155, u32],
  [156, u8],
  [157, u8],
  [161, text],
  [175, ipxeCodec],
  [209, text],
  [210, text],
  [211, seconds],
  // Private range, but WPAD's proxy auto-config URL is what everyone puts in 252 (Wireshark shows it as text).
  [252, text],
]);

/** The registry entry for a code; unknown codes get their "Unknown (n)" name and the hex codec. */
export function optionSpec(code: number): OptionSpec {
  return { name: dhcpOptionName(code), codec: CODECS.get(code) ?? hexCodec };
}

/**
 * Decodes one option value (already RFC 3396-concatenated). Never throws: bytes that do not fit the type are
 * kept as hex and `note` says why.
 */
export function decodeOptionValue(code: number, raw: Uint8Array, ctx: DecodeContext): DhcpOptionValue {
  const { name, codec } = optionSpec(code);
  try {
    return codec.decode(raw, ctx);
  } catch (e) {
    const why = e instanceof OptionValueError ? e.message : `decoder error: ${String(e)}`;
    ctx.note(`option ${code} (${name}): ${why}; kept as hex`);
    return hexValue(raw);
  }
}

/**
 * The bytes of a typed value, for code building options (servers, the replayer). A hex value is accepted for
 * any code; any other kind must be the code's own family (TypeError otherwise).
 */
export function encodeOption(code: number, value: DhcpOptionValue): Uint8Array {
  if (value.kind === 'hex') return hexCodec.encode(value);
  return optionSpec(code).codec.encode(value);
}
