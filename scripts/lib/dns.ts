/**
 * Minimal DNS query/response bytes (RFC 1035) for background traffic in generated captures.
 */
import type { Bytes } from './packets.js';

export const DNS_A = 1;
export const DNS_AAAA = 28;

function encodeName(name: string): Buffer {
  const labels = name.split('.').filter((l) => l.length > 0);
  return Buffer.concat([
    ...labels.map((l) => Buffer.concat([Uint8Array.of(l.length), Buffer.from(l, 'ascii')])),
    Uint8Array.of(0),
  ]);
}

export function dnsQuery(id: number, name: string, type: number): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id & 0xffff, 0);
  head.writeUInt16BE(0x0100, 2); // RD
  head.writeUInt16BE(1, 4);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  return Buffer.concat([head, encodeName(name), q]);
}

/** A response to `dnsQuery(id, name, type)` with one record per address (4 or 16 bytes each). */
export function dnsResponse(
  id: number,
  name: string,
  type: number,
  addresses: readonly Bytes[],
  ttl = 300,
): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt16BE(id & 0xffff, 0);
  head.writeUInt16BE(0x8180, 2); // QR, RD, RA
  head.writeUInt16BE(1, 4);
  head.writeUInt16BE(addresses.length, 6);
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(1, 2);
  const answers = addresses.map((addr) => {
    const rr = Buffer.alloc(12);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question name
    rr.writeUInt16BE(type, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(addr.length, 10);
    return Buffer.concat([rr, addr]);
  });
  return Buffer.concat([head, encodeName(name), q, ...answers]);
}
