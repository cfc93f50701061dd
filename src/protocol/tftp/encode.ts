/**
 * TFTP encoder. For a packet from decodeTftp (or a builder) it writes the exact bytes that were decoded:
 * string fields left as they were come from the remembered raw bytes, framing quirks (missing final NUL,
 * odd option count, extra bytes) are replayed. A field you change is written as UTF-8 text, as typed.
 */
import { EMPTY, getLayout, type TftpLayout } from './layout.js';
import { textToBytes } from './text.js';
import {
  TFTP_ACK,
  TFTP_DATA,
  TFTP_ERROR,
  TFTP_OACK,
  TFTP_RRQ,
  TFTP_WRQ,
  tftpOpcodeNumber,
  type TftpPacket,
} from './types.js';

class Writer {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.length += b.length;
  }

  u16(value: number, what: string): void {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      throw new RangeError(`TFTP ${what} out of range: ${value}`);
    this.bytes(Uint8Array.of(value >> 8, value & 0xff));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

const NUL = Uint8Array.of(0);

/** Bytes of the index-th string: the raw ones if the field still shows what was decoded. */
function stringBytes(layout: TftpLayout | undefined, index: number, text: string): Uint8Array {
  if (layout !== undefined && index < layout.shown.length && layout.shown[index] === text)
    return layout.strings[index];
  const bytes = textToBytes(text);
  if (bytes.includes(0)) throw new RangeError(`TFTP strings cannot contain NUL: "${text}"`);
  return bytes;
}

/** NUL-terminated strings; the last one without NUL when the layout says so. */
function writeStrings(w: Writer, layout: TftpLayout | undefined, texts: string[]): void {
  for (let i = 0; i < texts.length; i++) {
    w.bytes(stringBytes(layout, i, texts[i]));
    const last = i === texts.length - 1;
    if (!(last && layout !== undefined && layout.unterminated)) w.bytes(NUL);
  }
}

/** The strings of a request/OACK in wire order. */
function requestStrings(pkt: TftpPacket, layout: TftpLayout | undefined, withFileAndMode: boolean): string[] {
  const texts: string[] = [];
  const list = pkt.optionList ?? [];
  if (withFileAndMode) {
    const needMode = pkt.mode !== undefined || list.length > 0;
    if (pkt.filename !== undefined || needMode) texts.push(pkt.filename ?? '');
    if (needMode) texts.push(pkt.mode ?? '');
  }
  list.forEach((option, i) => {
    texts.push(option.name);
    const dangling = layout !== undefined && layout.danglingName && i === list.length - 1;
    if (!dangling) texts.push(option.value);
  });
  return texts;
}

export function encodeTftp(pkt: TftpPacket): Uint8Array {
  const layout = getLayout(pkt);
  const trailing = layout?.trailing ?? EMPTY;
  const opcode = tftpOpcodeNumber(pkt.opcode);
  if (Number.isNaN(opcode)) throw new RangeError(`unknown TFTP opcode name "${pkt.opcode}"`);
  const w = new Writer();
  if (opcode < 0) {
    // A payload too short for an opcode: whatever byte there was.
    w.bytes(trailing);
    return w.finish();
  }
  w.u16(opcode, 'opcode');
  switch (opcode) {
    case TFTP_RRQ:
    case TFTP_WRQ:
    case TFTP_OACK:
      writeStrings(w, layout, requestStrings(pkt, layout, opcode !== TFTP_OACK));
      break;
    case TFTP_ERROR:
      if (pkt.errorCode === undefined) break;
      w.u16(pkt.errorCode, 'error code');
      if (pkt.errorMessage !== undefined) writeStrings(w, layout, [pkt.errorMessage]);
      break;
    case TFTP_DATA:
    case TFTP_ACK:
      if (pkt.block === undefined) break;
      w.u16(pkt.block, 'block number');
      if (opcode === TFTP_DATA && pkt.data !== undefined) w.bytes(pkt.data);
      break;
    default:
      if (pkt.data !== undefined) w.bytes(pkt.data);
  }
  w.bytes(trailing);
  return w.finish();
}
