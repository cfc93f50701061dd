import { archFamily, bootFile, tftpServer, type BootFileSource } from '../protocol/dhcp/index.js';
import { isIpxeEvent } from './dhcp-facts.js';
import type { DhcpEvent, DhcpTransaction, EffectiveBoot, ValueSource } from './types.js';

const ZERO = '0.0.0.0';

interface Sourced {
  value: string;
  source: ValueSource;
  frame: number;
}

/**
 * The boot file a reply names, in the order the client reads it (protocol/dhcp bootFile): the `file` field
 * first for legacy PXE ROMs and iPXE, option 67 first for EDK2 (UEFI firmware that is not iPXE).
 */
function bootFileOf(e: DhcpEvent, order: FileOrder, source?: ValueSource): Sourced | null {
  const f = bootFile(e, order);
  return f === null
    ? null
    : { value: f.value, source: source ?? (f.source satisfies BootFileSource), frame: e.frame };
}

/** next-server: siaddr, else option 66 (a name stays a name), else option 150, else the sname field. */
function tftpServerOf(e: DhcpEvent, source?: ValueSource): Sourced | null {
  const s = tftpServer(e);
  return s === null ? null : { value: s.server, source: source ?? s.source, frame: e.frame };
}

type FileOrder = 'file-first' | 'option-67-first';

/** EDK2 reads option 67 before the file field; iPXE (even on UEFI) and BIOS ROMs the other way round. */
function fileOrderOf(clientEvents: DhcpEvent[]): FileOrder {
  if (clientEvents.some(isIpxeEvent)) return 'file-first';
  const arch = clientEvents.map((e) => e.arch[0]).find((a) => a !== undefined);
  if (arch === undefined) return 'file-first';
  const family = archFamily(arch);
  return family === 'uefi' || family === 'uefi-http' ? 'option-67-first' : 'file-first';
}

function firstValue<T>(events: DhcpEvent[], read: (e: DhcpEvent) => T | null): T | null {
  for (const e of events) {
    const v = read(e);
    if (v !== null) return v;
  }
  return null;
}

/**
 * One EffectiveBoot per DHCP round of a session (a port 67 transaction that got any offer or ACK): what the
 * client was told to boot and by whom. When the address server gives no boot file, the proxyDHCP answer
 * supplies it: the port 4011 ACK first (the client asked for it, so it is what was used), else the proxy
 * OFFER. `proxyExchanges` are the session's port 4011 transactions.
 */
export function effectiveBoots(
  rounds: DhcpTransaction[],
  proxyExchanges: DhcpTransaction[],
): EffectiveBoot[] {
  const withReplies = rounds.filter((r) => r.offers.length > 0 || r.acks.length > 0);
  return withReplies.map((round, i) => {
    const next = withReplies[i + 1]?.start ?? Infinity;
    const ack4011 = proxyExchanges
      .filter((x) => x.start >= round.start && x.start < next)
      .flatMap((x) => x.acks)
      .at(0);
    return effectiveBoot(round, ack4011 ?? null);
  });
}

/** An ACK may omit the siaddr its server's OFFER carried; clients keep the OFFER's value. */
function sameServerOffer(round: DhcpTransaction, reply: DhcpEvent | null): Sourced | null {
  if (reply === null) return null;
  for (const o of round.offers) {
    if (o === reply || o.proxy || o.serverId !== reply.serverId) continue;
    const s = tftpServerOf(o);
    if (s !== null) return s;
  }
  return null;
}

/**
 * Whether the client took this round's offer: it REQUESTed and was ACKed (a BOOTP reply counts as taken).
 * A round with offers only (the client ignored them: a UEFI firmware's HTTP-boot DISCOVERs while it boots by
 * PXE, a round cut off by the end of the capture) or that ended in a NAK was seen, not taken.
 */
function acceptedRound(round: DhcpTransaction): boolean {
  return round.outcome === 'bound' || (round.outcome === 'informed' && round.acks.length > 0);
}

function effectiveBoot(round: DhcpTransaction, ack4011: DhcpEvent | null): EffectiveBoot {
  const addressAck = round.acks.filter((e) => !e.proxy).at(-1);
  const addressOffers = round.offers.filter((e) => !e.proxy);
  const reply =
    addressAck ??
    addressOffers.find((o) => round.chosenServer !== null && o.serverId === round.chosenServer) ??
    addressOffers[0] ??
    null;
  const proxyOffer = round.offers.find((e) => e.proxy) ?? null;

  const clientEvents = round.events.filter((e) => e.op === 1);
  const order = fileOrderOf(clientEvents);
  const fromReply = reply === null ? null : bootFileOf(reply, order);
  const proxyFile =
    (ack4011 === null ? null : bootFileOf(ack4011, order, 'proxy-4011')) ??
    (proxyOffer === null ? null : bootFileOf(proxyOffer, order, 'proxy'));
  const bootFile = fromReply ?? proxyFile;
  const fileMessage =
    [reply, ack4011, proxyOffer].find((e) => e !== null && e.frame === bootFile?.frame) ?? null;

  const replyServer = reply === null ? null : tftpServerOf(reply);
  const proxyServer4011 = ack4011 === null ? null : tftpServerOf(ack4011, 'proxy-4011');
  const proxyServerOffer = proxyOffer === null ? null : tftpServerOf(proxyOffer, 'proxy');
  let tftpServer: Sourced | null;
  if (bootFile !== null && bootFile.source !== 'file' && bootFile.source !== 'option-67') {
    // The file came from the proxy: so does the server (the address server's siaddr is often itself).
    const sameMessage = fileMessage === null ? null : tftpServerOf(fileMessage, bootFile.source);
    tftpServer = sameMessage ?? proxyServer4011 ?? proxyServerOffer ?? replyServer;
  } else {
    tftpServer = replyServer ?? sameServerOffer(round, reply) ?? proxyServerOffer ?? proxyServer4011;
  }

  const clientIp =
    reply === null
      ? null
      : reply.yiaddr !== ZERO
        ? reply.yiaddr
        : reply.ciaddr !== ZERO
          ? reply.ciaddr
          : null;
  const frames = [reply?.frame, bootFile?.frame, tftpServer?.frame]
    .filter((f): f is number => f !== undefined)
    .sort((a, b) => a - b);

  return {
    transaction: round.id,
    start: round.start,
    accepted: acceptedRound(round),
    offerFrom: reply?.serverId ?? round.chosenServer,
    clientIp,
    tftpServer: tftpServer?.value ?? null,
    tftpServerSource: tftpServer?.source ?? 'none',
    bootFile: bootFile?.value ?? null,
    bootFileSource: bootFile?.source ?? 'none',
    proxyServer: proxyOffer?.serverId ?? ack4011?.serverId ?? null,
    fileField: fileMessage !== null && fileMessage.file !== '' ? fileMessage.file : null,
    option67: fileMessage?.bootfileOption ?? null,
    vendorClass: firstValue(clientEvents, (e) => e.vendorClass),
    userClass: firstValue(clientEvents, (e) => e.userClass),
    arch: firstValue(clientEvents, (e) => (e.arch.length > 0 ? e.arch : null)) ?? [],
    isIpxe: clientEvents.some(isIpxeEvent),
    frames: [...new Set(frames)],
  };
}
