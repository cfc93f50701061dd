import { formatEpoch } from '../capture/timestamp.js';
import { optionValueToJson, type JsonValue } from '../protocol/dhcp/index.js';
import type { DecodedPacket } from '../protocol/packet.js';
import type { DhcpMessage } from '../protocol/dhcp/index.js';
import type { TftpPacket } from '../protocol/tftp/index.js';

/**
 * One NDJSON object per DHCP/TFTP packet; the schema is documented in docs/json-schema.md.
 * Field names are a public contract: add fields, never rename them.
 */
export function packetToJson(p: DecodedPacket): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {
    frame: p.frame,
    ts: formatEpoch(p.ts),
    src: p.src,
    dst: p.dst,
    srcPort: p.srcPort,
    dstPort: p.dstPort,
    protocol: p.protocol,
    notes: [...p.notes],
  };
  if (p.srcMac !== undefined) out.srcMac = p.srcMac;
  if (p.dstMac !== undefined) out.dstMac = p.dstMac;
  if (p.vlans !== undefined && p.vlans.length > 0) out.vlans = [...p.vlans];
  if (p.fragmentFrames !== undefined) out.fragmentFrames = [...p.fragmentFrames];
  out.frameLength = p.frameLength;
  if (p.protocol === 'dhcp') out.dhcp = dhcpToJson(p.dhcp);
  else out.tftp = tftpToJson(p.tftp);
  return out;
}

export function dhcpToJson(m: DhcpMessage): Record<string, JsonValue> {
  return {
    op: m.op,
    htype: m.htype,
    hlen: m.hlen,
    hops: m.hops,
    xid: m.xid,
    messageType: m.messageType,
    secs: m.secs,
    flags: m.flags,
    broadcast: m.broadcast,
    ciaddr: m.ciaddr,
    yiaddr: m.yiaddr,
    siaddr: m.siaddr,
    giaddr: m.giaddr,
    chaddr: m.chaddr,
    sname: m.sname,
    file: m.file,
    options: m.options.map((o) => ({
      code: o.code,
      name: o.name,
      value: optionValueToJson(o.value),
      ...(o.source !== 'options' ? { source: o.source } : {}),
    })),
    notes: [...m.notes],
  };
}

export function tftpToJson(t: TftpPacket): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = { opcode: t.opcode };
  if (t.filename !== undefined) out.filename = t.filename;
  if (t.mode !== undefined) out.mode = t.mode;
  if (t.options !== undefined) out.options = { ...t.options };
  if (t.block !== undefined) out.block = t.block;
  if (t.dataLength !== undefined) out.dataLength = t.dataLength;
  if (t.errorCode !== undefined) out.errorCode = t.errorCode;
  if (t.errorMessage !== undefined) out.errorMessage = t.errorMessage;
  out.notes = [...t.notes];
  return out;
}
