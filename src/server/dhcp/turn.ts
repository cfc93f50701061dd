/**
 * One received DHCP message's work in the engine (engine.ts, proxy-service.ts): the replies and events it
 * produced, and the two steps every answer shares: choosing the boot file and queueing a reply.
 */
import type { DhcpMessage } from '../../protocol/dhcp/index.js';
import type { ServeConfig } from '../config/types.js';
import { chooseBoot, type BootDecision } from './boot-choice.js';
import { classifyClient } from './client.js';
import type { AddressPool } from './pool.js';
import { replyDestination } from './reply.js';
import type {
  DhcpHandleResult,
  DhcpIgnoreReason,
  DhcpInbound,
  DhcpServerEvent,
  DhcpServicePort,
} from './types.js';

export const ZERO = '0.0.0.0';

/** One message's work: the replies and events it produced so far. */
export class Turn {
  readonly result: DhcpHandleResult = { replies: [], events: [] };
  constructor(readonly inbound: DhcpInbound) {}
  get msg(): DhcpMessage {
    return this.inbound.message;
  }
  event(e: DhcpServerEvent): void {
    this.result.events.push(e);
  }
  ignore(reason: DhcpIgnoreReason, detail: string): void {
    this.event({ kind: 'ignored', mac: this.msg.chaddr, xid: this.msg.xid, reason, detail });
  }
}

/** The boot file for the turn's client (a static host's own, else by architecture), told as an event. */
export function chooseBootFor(turn: Turn, config: ServeConfig, pool: AddressPool | null): BootDecision {
  const client = classifyClient(turn.msg);
  const decision = chooseBoot(client, config.boot, pool?.host(client.mac) ?? null, config.serverIp);
  turn.event({
    kind: 'boot',
    mac: client.mac,
    xid: turn.msg.xid,
    file: decision.choice?.file ?? null,
    reason: decision.reason,
  });
  return decision;
}

/** Queues a reply from `srcPort` to where RFC 2131 4.1 says it goes, told as an event. */
export function sendReply(turn: Turn, reply: DhcpMessage, srcPort: DhcpServicePort): void {
  const to = replyDestination(turn.inbound, reply);
  turn.result.replies.push({ message: reply, srcPort, to });
  turn.event({
    kind: 'replied',
    mac: reply.chaddr,
    xid: reply.xid,
    messageType: reply.messageType ?? 'BOOTREPLY',
    yiaddr: reply.yiaddr,
    file: reply.file,
    nextServer: reply.siaddr,
    to,
  });
}
