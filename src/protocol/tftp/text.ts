/**
 * How TFTP strings are shown: printable ASCII as is, every other byte as \xNN (lower-case hex). The display
 * form is not reversible (a literal "\x86", as in WDS's boot\x86\wdsnbp.com, looks like an escape), which
 * is why decode keeps the raw bytes beside the packet for encodeTftp.
 */

const HEX = '0123456789abcdef';

export function displayBytes(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    s += b >= 0x20 && b <= 0x7e ? String.fromCharCode(b) : '\\x' + HEX[b >> 4] + HEX[b & 15];
  }
  return s;
}

export function hasNonPrintable(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b < 0x20 || b > 0x7e) return true;
  }
  return false;
}

const encoder = new TextEncoder();

/** A string typed by a person (builders, edited fields) as wire bytes: UTF-8. */
export function textToBytes(text: string): Uint8Array {
  return encoder.encode(text);
}
