/**
 * BOOTP/DHCP message bytes (RFC 2131/2132) with the PXE options (RFC 4578, PXE 2.1) for generated captures.
 */
import { ipv4, mac, type Bytes } from './packets.js';

export const DHCPDISCOVER = 1;
export const DHCPOFFER = 2;
export const DHCPREQUEST = 3;
export const DHCPDECLINE = 4;
export const DHCPACK = 5;
export const DHCPNAK = 6;
export const DHCPRELEASE = 7;
export const DHCPINFORM = 8;

export const BOOTREQUEST = 1;
export const BOOTREPLY = 2;

export const DHCP_MAGIC_COOKIE = 0x63825363;

/** One option as code + value bytes; codes 0 (pad) and 255 (end) are written bare. */
export type DhcpOption = readonly [code: number, value: Bytes];

export interface DhcpMessageOptions {
  op: number;
  xid: number;
  chaddr: Bytes;
  htype?: number;
  hlen?: number;
  hops?: number;
  secs?: number;
  /** 0x8000 = broadcast. */
  flags?: number;
  ciaddr?: Bytes;
  yiaddr?: Bytes;
  siaddr?: Bytes;
  giaddr?: Bytes;
  sname?: string | Bytes;
  file?: string | Bytes;
  options: readonly DhcpOption[];
  /** Append option 255 (default true). */
  end?: boolean;
  /** Pad the message with zeros up to this length (BOOTP minimum 300, the default). */
  minLength?: number;
  /** Replaces the magic cookie (to build broken messages). */
  cookie?: number;
}

const ZERO_IP = new Uint8Array(4);

function fixedField(value: string | Bytes | undefined, size: number): Buffer {
  const out = Buffer.alloc(size);
  if (value === undefined) return out;
  const bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : value;
  out.set(bytes.subarray(0, size));
  return out;
}

export function dhcpMessage(o: DhcpMessageOptions): Buffer {
  const head = Buffer.alloc(240);
  head[0] = o.op;
  head[1] = o.htype ?? 1;
  head[2] = o.hlen ?? 6;
  head[3] = o.hops ?? 0;
  head.writeUInt32BE(o.xid >>> 0, 4);
  head.writeUInt16BE(o.secs ?? 0, 8);
  head.writeUInt16BE(o.flags ?? 0, 10);
  head.set(o.ciaddr ?? ZERO_IP, 12);
  head.set(o.yiaddr ?? ZERO_IP, 16);
  head.set(o.siaddr ?? ZERO_IP, 20);
  head.set(o.giaddr ?? ZERO_IP, 24);
  head.set(o.chaddr.subarray(0, 16), 28);
  head.set(fixedField(o.sname, 64), 44);
  head.set(fixedField(o.file, 128), 108);
  head.writeUInt32BE((o.cookie ?? DHCP_MAGIC_COOKIE) >>> 0, 236);
  const parts: Bytes[] = [head];
  for (const [code, value] of o.options) {
    if (code === 0 || code === 255) {
      parts.push(Uint8Array.of(code));
      continue;
    }
    if (value.length > 255) throw new Error(`DHCP option ${code} longer than 255 bytes`);
    parts.push(Uint8Array.of(code, value.length), value);
  }
  if (o.end ?? true) parts.push(Uint8Array.of(255));
  const body = Buffer.concat(parts);
  const min = o.minLength ?? 300;
  return body.length >= min ? body : Buffer.concat([body, Buffer.alloc(min - body.length)]);
}

/** Option value helpers. */
export const opt = {
  u8: (code: number, v: number): DhcpOption => [code, Uint8Array.of(v)],
  u16: (code: number, v: number): DhcpOption => [code, Uint8Array.of(v >> 8, v & 0xff)],
  u32: (code: number, v: number): DhcpOption => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v >>> 0);
    return [code, b];
  },
  ip: (code: number, ...addrs: string[]): DhcpOption => [code, Buffer.concat(addrs.map((a) => ipv4(a)))],
  str: (code: number, v: string): DhcpOption => [code, Buffer.from(v, 'latin1')],
  bytes: (code: number, v: readonly number[] | Bytes): DhcpOption => [code, Uint8Array.from(v)],
  messageType: (type: number): DhcpOption => [53, Uint8Array.of(type)],
  /** Option 61: hardware type 1 + MAC. */
  clientIdMac: (macText: string): DhcpOption => [61, Buffer.concat([Uint8Array.of(1), mac(macText)])],
  /** Option 97: type 0 + 16-byte UUID/GUID as the firmware stores it (first three fields little-endian). */
  clientUuid: (uuid: string): DhcpOption => [97, Buffer.concat([Uint8Array.of(0), uuidToGuidBytes(uuid)])],
  /** Option 93: client system architecture (0 BIOS, 7 EFI x64, 9 EFI x64 alt, 6 EFI IA32, 11 ARM64). */
  arch: (arch: number): DhcpOption => [93, Uint8Array.of(arch >> 8, arch & 0xff)],
  /** Option 94: network interface identifier (UNDI major.minor). */
  ndi: (major: number, minor: number): DhcpOption => [94, Uint8Array.of(1, major, minor)],
};

/** Parses a textual UUID into the 16 bytes a PXE client sends in option 97 (time fields little-endian). */
export function uuidToGuidBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`bad UUID: ${uuid}`);
  const b = Buffer.from(hex, 'hex');
  return Buffer.concat([
    Buffer.from(b.subarray(0, 4)).reverse(),
    Buffer.from(b.subarray(4, 6)).reverse(),
    Buffer.from(b.subarray(6, 8)).reverse(),
    b.subarray(8),
  ]);
}

/** PXE vendor options (option 43 sub-options) as a proxyDHCP server sends them. */
export function pxeVendorOptions(o: {
  discoveryControl?: number;
  bootServers?: readonly { type: number; ips: readonly string[] }[];
  menu?: readonly { type: number; text: string }[];
  prompt?: { timeout: number; text: string };
}): Buffer {
  const parts: Bytes[] = [];
  const sub = (code: number, value: Bytes): void => {
    parts.push(Uint8Array.of(code, value.length), value);
  };
  if (o.discoveryControl !== undefined) sub(6, Uint8Array.of(o.discoveryControl));
  if (o.bootServers) {
    const items = o.bootServers.map((s) =>
      Buffer.concat([
        Uint8Array.of(s.type >> 8, s.type & 0xff, s.ips.length),
        ...s.ips.map((ip) => ipv4(ip)),
      ]),
    );
    sub(8, Buffer.concat(items));
  }
  if (o.menu) {
    const items = o.menu.map((m) => {
      const text = Buffer.from(m.text, 'latin1');
      return Buffer.concat([Uint8Array.of(m.type >> 8, m.type & 0xff, text.length), text]);
    });
    sub(9, Buffer.concat(items));
  }
  if (o.prompt)
    sub(10, Buffer.concat([Uint8Array.of(o.prompt.timeout), Buffer.from(o.prompt.text, 'latin1')]));
  parts.push(Uint8Array.of(255));
  return Buffer.concat(parts);
}

/** Option 43 sub-option 71 (boot item) as a client sends it to a boot server on port 4011. */
export function pxeBootItem(type: number, layer: number): Buffer {
  return Buffer.from([71, 4, type >> 8, type & 0xff, layer >> 8, layer & 0xff, 255]);
}

/** The vendor class a PXE ROM sends in option 60: "PXEClient:Arch:xxxxx:UNDI:yyyzzz". */
export function pxeClientClass(arch: number, undiMajor = 2, undiMinor = 1): string {
  return `PXEClient:Arch:${String(arch).padStart(5, '0')}:UNDI:${String(undiMajor).padStart(3, '0')}${String(
    undiMinor,
  ).padStart(3, '0')}`;
}
