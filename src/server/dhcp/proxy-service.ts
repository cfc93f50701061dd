/**
 * proxyDHCP and the PXE boot service (engine.ts dispatches here): like dnsmasq's dhcp-range=…,proxy, answers
 * only PXE (and HTTP boot) clients, never with an address: a port-67 OFFER with option 60 "PXEClient" and the
 * option 43 boot menu, then the port-4011 ACK with the boot file.
 */
import {
  buildDhcpReply,
  requestedBootItem,
  serverId as serverIdOf,
  type DhcpOptionInput,
} from '../../protocol/dhcp/index.js';
import type { ServeConfig } from '../config/types.js';
import { classifyClient } from './client.js';
import type { AddressPool } from './pool.js';
import {
  PXE_BOOT_SERVER_TYPE,
  bootFields,
  bootItemVendorOptions,
  proxyOfferVendorOptions,
  uuidEcho,
} from './reply.js';
import { chooseBootFor, sendReply, ZERO, type Turn } from './turn.js';

export function proxyOffer(turn: Turn, config: ServeConfig): void {
  const { msg } = turn;
  const client = classifyClient(msg);
  if (!client.pxeClient && !client.httpClient)
    return turn.ignore('not-pxe-client', 'proxy mode answers only option 60 PXEClient / HTTPClient');
  if (msg.messageType === 'REQUEST') {
    const serverId = serverIdOf(msg);
    if (serverId !== null && serverId !== config.serverIp)
      return turn.ignore(
        'other-server-selected',
        `address from ${serverId}; the boot file comes from port 4011`,
      );
    return turn.ignore('not-for-us', 'proxy mode gives no addresses: REQUESTs are for the DHCP server');
  }
  if (msg.messageType !== 'DISCOVER')
    return turn.ignore('not-for-us', `proxy mode ignores ${msg.messageType}`);
  const decision = chooseBootFor(turn, config, null);
  if (decision.choice === null) return turn.ignore('not-for-us', `no boot file: ${decision.reason}`);

  let options: DhcpOptionInput[];
  let siaddr = ZERO;
  let file = '';
  if (client.httpClient) {
    // UEFI HTTP boot takes the URL straight from the proxy offer; it has no boot server discovery.
    const boot = bootFields(decision.choice);
    options = [...boot.options, ...uuidEcho(msg)];
    siaddr = boot.siaddr;
    file = boot.file;
  } else {
    options = [
      { code: 60, value: { kind: 'text', text: 'PXEClient' } },
      ...uuidEcho(msg),
      proxyOfferVendorOptions(config.serverIp, config.proxy),
    ];
  }
  const reply = buildDhcpReply(msg, {
    messageType: 'OFFER',
    serverId: config.serverIp,
    siaddr,
    file,
    options,
  });
  // dnsmasq sets the broadcast bit on proxy offers: the client has no address to receive a unicast on.
  reply.flags |= 0x8000;
  reply.broadcast = true;
  sendReply(turn, reply, 67);
}

/** Port 4011: boot server discovery (PXE 2.1 2.2.6): a REQUEST for our boot item gets the boot file. */
export function bootServiceAck(turn: Turn, config: ServeConfig, pool: AddressPool | null): void {
  const { msg } = turn;
  const client = classifyClient(msg);
  if (msg.messageType !== 'REQUEST' && msg.messageType !== 'INFORM')
    return turn.ignore('not-for-us', `boot service ignores ${msg.messageType}`);
  if (!client.pxeClient)
    return turn.ignore('not-pxe-client', 'the boot service answers PXEClient requests only');
  const item = requestedBootItem(msg) ?? { type: PXE_BOOT_SERVER_TYPE, layer: 0 };
  if (item.type !== PXE_BOOT_SERVER_TYPE && item.type !== 0)
    return turn.ignore('not-for-us', `boot server type ${item.type} is not ours (${PXE_BOOT_SERVER_TYPE})`);
  const decision = chooseBootFor(turn, config, pool);
  if (decision.choice === null) return turn.ignore('not-for-us', `no boot file: ${decision.reason}`);
  const boot = bootFields(decision.choice);
  const reply = buildDhcpReply(msg, {
    messageType: 'ACK',
    serverId: config.serverIp,
    yiaddr: msg.ciaddr,
    siaddr: boot.siaddr,
    file: boot.file,
    options: [
      { code: 60, value: { kind: 'text', text: 'PXEClient' } },
      ...uuidEcho(msg),
      bootItemVendorOptions(item.type, item.layer),
      ...boot.options,
    ],
  });
  // As dnsmasq: the client's address goes in yiaddr, ciaddr stays empty.
  reply.ciaddr = ZERO;
  sendReply(turn, reply, 4011);
}
