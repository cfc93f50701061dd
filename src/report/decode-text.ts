import { secondsBetween, type Timestamp } from '../capture/timestamp.js';
import { summarizeDhcp, optionValueToJson, type DhcpMessage } from '../protocol/dhcp/index.js';
import { summarizeTftp } from '../protocol/tftp/index.js';
import type { DecodedPacket } from '../protocol/packet.js';
import type { DecodeSummary } from '../protocol/decode-stream.js';
import { formatSkipped } from './format.js';
import { wrapText } from './layout.js';

/** Continuation lines of a packet that does not fit start under its time. */
const PACKET_INDENT = ' '.repeat(7);

/** packetLine fitted to `width` columns (null: one line, for grep). */
export function packetLines(p: DecodedPacket, origin: Timestamp, width: number | null): string {
  return wrapText(packetLine(p, origin), width, '', PACKET_INDENT).join('\n');
}

/** The last line of `decode` on a terminal: what was read and what was left aside. */
export function decodeSummaryLine(s: DecodeSummary): string {
  const skipped = formatSkipped(s.skipped);
  return (
    `${s.frames} frames: DHCP ${s.dhcpPackets}, TFTP ${s.tftpPackets}` +
    (skipped !== '' ? `, skipped ${skipped}` : '')
  );
}

/**
 * One line per DHCP/TFTP packet, laid out like tshark's summary lines
 * ("frame  time  src → dst  PROTO len  info"), with the PXE fields a person looks for appended.
 */
export function packetLine(p: DecodedPacket, origin: Timestamp): string {
  const rel = secondsBetween(origin, p.ts).toFixed(Math.min(p.ts.digits, 9));
  const proto = p.protocol === 'dhcp' ? 'DHCP' : 'TFTP';
  const info =
    p.protocol === 'dhcp' ? dhcpInfo(p.dhcp, p.srcPort, p.dstPort) : summarizeTftp(p.tftp, p.tftpBlksize);
  const notes = p.notes.length > 0 ? `  [${p.notes.join('; ')}]` : '';
  return (
    `${String(p.frame).padStart(6)} ${rel.padStart(13)} ${p.src.padStart(15)} → ${p.dst.padEnd(15)} ` +
    `${proto} ${String(p.frameLength).padStart(4)} ${info}${notes}`
  );
}

function dhcpInfo(m: DhcpMessage, srcPort: number, dstPort: number): string {
  const proxy = srcPort === 4011 || dstPort === 4011;
  let text = summarizeDhcp(m);
  if (proxy) text = text.replace(/^DHCP/, 'proxyDHCP');
  const extra: string[] = [];
  if (m.yiaddr !== '0.0.0.0') extra.push(`yiaddr=${m.yiaddr}`);
  if (m.siaddr !== '0.0.0.0') extra.push(`siaddr=${m.siaddr}`);
  if (m.file !== '') extra.push(`file=${quoteIfNeeded(m.file)}`);
  for (const o of m.options) {
    if (o.code === 60 || o.code === 66 || o.code === 67 || o.code === 93 || o.code === 77 || o.code === 54) {
      extra.push(`${o.code}=${compact(optionValueToJson(o.value))}`);
    }
  }
  for (const n of m.notes) extra.push(`[${n}]`);
  return extra.length > 0 ? `${text}  ${extra.join(' ')}` : text;
}

function quoteIfNeeded(s: string): string {
  return /[\s"]/.test(s) ? JSON.stringify(s) : s;
}

function compact(v: unknown): string {
  if (typeof v === 'string') return quoteIfNeeded(v);
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return v.map((x) => compact(x)).join(',');
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string') return o.name;
    if (typeof o.text === 'string') return quoteIfNeeded(o.text);
    if (typeof o.uuid === 'string') return o.uuid;
    return JSON.stringify(v);
  }
  return String(v);
}
