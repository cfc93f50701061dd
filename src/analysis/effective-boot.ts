import { isIpxeEvent } from './dhcp-facts.js';
import type { DhcpEvent, DhcpTransaction, EffectiveBoot, ValueSource } from './types.js';

const ZERO = '0.0.0.0';

interface Sourced {
  value: string;
  source: ValueSource;
  frame: number;
}

/**
 * The boot file a reply names. Legacy PXE ROMs and iPXE (dhcppkt_fetch returns a populated `file` field
 * before option 67) read the BOOTP `file` field first, so when both are present `file` wins; option 67
 * serves when `file` is empty. EDK2 does the opposite (option 67 first): both raw values stay in the
 * EffectiveBoot so a rule can flag a disagreement.
 */
function bootFileOf(e: DhcpEvent, source?: ValueSource): Sourced | null {
  if (e.file !== '') return { value: e.file, source: source ?? 'file', frame: e.frame };
  if (e.bootfileOption !== null && e.bootfileOption !== '') {
    return { value: e.bootfileOption, source: source ?? 'option-67', frame: e.frame };
  }
  return null;
}

/** next-server: siaddr, else option 66 (a name stays a name), else option 150, else the sname field. */
function tftpServerOf(e: DhcpEvent, source?: ValueSource): Sourced | null {
  const at = (value: string, own: ValueSource): Sourced => ({ value, source: source ?? own, frame: e.frame });
  if (e.siaddr !== ZERO) return at(e.siaddr, 'siaddr');
  if (e.tftpServerName !== null && e.tftpServerName !== '') return at(e.tftpServerName, 'option-66');
  if (e.tftpServerAddresses.length > 0) return at(e.tftpServerAddresses[0], 'option-150');
  if (e.sname !== '') return at(e.sname, 'sname');
  return null;
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

function effectiveBoot(round: DhcpTransaction, ack4011: DhcpEvent | null): EffectiveBoot {
  const addressAck = round.acks.filter((e) => !e.proxy).at(-1);
  const addressOffers = round.offers.filter((e) => !e.proxy);
  const reply =
    addressAck ??
    addressOffers.find((o) => round.chosenServer !== null && o.serverId === round.chosenServer) ??
    addressOffers[0] ??
    null;
  const proxyOffer = round.offers.find((e) => e.proxy) ?? null;

  const fromReply = reply === null ? null : bootFileOf(reply);
  const proxyFile =
    (ack4011 === null ? null : bootFileOf(ack4011, 'proxy-4011')) ??
    (proxyOffer === null ? null : bootFileOf(proxyOffer, 'proxy'));
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
    tftpServer = replyServer ?? proxyServerOffer ?? proxyServer4011;
  }

  const clientEvents = round.events.filter((e) => e.op === 1);
  const clientIp =
    reply === null
      ? null
      : reply.yiaddr !== ZERO
        ? reply.yiaddr
        : reply.ciaddr !== ZERO
          ? reply.ciaddr
          : null;
  const frames = [reply, proxyOffer, ack4011]
    .filter((e): e is DhcpEvent => e !== null)
    .filter((e) => e === reply || e.frame === bootFile?.frame || e.frame === tftpServer?.frame)
    .map((e) => e.frame)
    .sort((a, b) => a - b);

  return {
    transaction: round.id,
    start: round.start,
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
