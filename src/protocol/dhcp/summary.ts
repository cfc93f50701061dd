import { wiresharkMessageTypeName } from './options/message-type.js';
import type { DhcpMessage } from './types.js';

/**
 * One line like tshark's Info column: "DHCP Discover - Transaction ID 0x9bbf0c70" (type name padded to 8 as
 * Wireshark does), "Boot Request from aa:bb:..:ff" / "Boot Reply" for plain BOOTP. Port-4011 (proxyDHCP)
 * labelling is the caller's: it knows the ports.
 */
export function summarizeDhcp(msg: DhcpMessage): string {
  const type53 = msg.options.find((o) => o.code === 53);
  if (type53 !== undefined && type53.raw.length > 0) {
    const code = type53.raw[0];
    const name = wiresharkMessageTypeName(code) ?? `Unknown Message Type (0x${code.toString(16)})`;
    return `DHCP ${name.padEnd(8)} - Transaction ID 0x${(msg.xid >>> 0).toString(16)}`;
  }
  if (msg.op === 1) return msg.chaddr === '' ? 'Boot Request' : `Boot Request from ${msg.chaddr}`;
  if (msg.op === 2) return 'Boot Reply';
  return `Unknown BOOTP message type (${msg.op})`;
}
