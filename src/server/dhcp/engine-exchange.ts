/**
 * The reference engine as a simulated client's transport (net/dhcp-client.ts' DhcpExchange), in process:
 * no sockets, no root. Used by tests and by anything that wants the engine's answers to a client.
 */
import { decodeDhcp, encodeDhcp } from '../../protocol/dhcp/index.js';
import type { DhcpExchange } from '../../net/dhcp-client.js';
import type { DhcpEngine } from './types.js';

/**
 * An exchange straight into an engine, through the codecs both ways (encode → decode → handle → encode), as
 * packets from an unconfigured client (broadcast unless the packet names its addresses). `now` is the engine's
 * clock.
 */
export function engineExchange(engine: DhcpEngine, now: () => number = Date.now): DhcpExchange {
  return (packet) => {
    const result = engine.handle({
      message: decodeDhcp(packet.bytes),
      port: packet.dstPort,
      srcMac: packet.srcMac,
      srcIp: packet.srcIp ?? '0.0.0.0',
      srcPort: 68,
      dstIp: packet.dstIp ?? '255.255.255.255',
      now: now(),
    });
    return result.replies.map((r) => encodeDhcp(r.message));
  };
}
