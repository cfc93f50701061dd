/** DHCP and ARP lines of a session diagram: one line per message, retransmissions folded into ×N. */
import type { AnalysisResult, BootSession, DhcpEvent, DhcpTransaction } from '../analysis/types.js';
import { archName } from '../protocol/dhcp/index.js';
import { BROADCAST, CLIENT, Participants, shorten, type Message, type Who } from './mermaid-model.js';

export function dhcpSteps(tx: DhcpTransaction, parts: Participants, folded: { n: number }): Message[] {
  const out: Message[] = [];
  const answered = tx.events.some((e) => e.op === 2);
  let segment = new Map<string, Message>();
  let lastClientType: string | null = null;
  let first = true;
  for (const ev of tx.events) {
    const fromClient = ev.op === 1;
    const type = ev.messageType ?? (fromClient ? 'BOOTREQUEST' : 'BOOTREPLY');
    if (fromClient && type !== lastClientType) {
      // A new client message type starts a new segment: repeats fold only within one.
      segment = new Map();
      lastClientType = type;
    }
    const proxyish = tx.port4011 || ev.port4011 || ev.proxy;
    let from: Who;
    let to: Who;
    if (ev.role === 'relay' && fromClient) {
      from = parts.add(ev.src, 'relay');
      to = parts.add(ev.dst, proxyish ? 'proxyDHCP' : 'DHCP');
    } else if (ev.role === 'relay') {
      from = parts.add(ev.src, 'relay');
      to = CLIENT;
    } else if (fromClient) {
      from = CLIENT;
      to = isBroadcast(ev.dst) ? BROADCAST : parts.add(ev.dst, proxyish ? 'proxyDHCP' : 'DHCP');
    } else if (toRelay(ev)) {
      // RFC 2131 4.1: a server answers a relayed request to giaddr, port 67; the relay hands it on.
      from = parts.add(ev.serverId ?? ev.src, proxyish ? 'proxyDHCP' : 'DHCP');
      to = parts.add(ev.dst, 'relay');
    } else {
      from = parts.add(ev.serverId ?? ev.src, proxyish ? 'proxyDHCP' : 'DHCP');
      to = CLIENT;
    }
    const body = dhcpText(ev, type);
    const text = first && !tx.port4011 ? insertXid(body, tx.xid) : body;
    const key = `${from}|${to}|${body}`;
    const prev = segment.get(key);
    if (prev !== undefined) {
      prev.count++;
      prev.until = ev.t;
      folded.n++;
      continue;
    }
    const msg: Message = {
      kind: 'msg',
      t: ev.t,
      frame: ev.frame,
      from,
      to,
      arrow: fromClient ? (answered ? '->>' : '-x') : '-->>',
      text,
      count: 1,
      until: ev.t,
      shape: `${from}|${to}|${body}`,
      what: 'dhcp',
      roundStart: first && !tx.port4011 ? true : undefined,
    };
    segment.set(key, msg);
    out.push(msg);
    first = false;
  }
  return out;
}

/** A server's reply sent to the relay agent (giaddr, server port 67), not to the client. */
function toRelay(ev: DhcpEvent): boolean {
  return ev.giaddr !== '0.0.0.0' && (ev.dst === ev.giaddr || ev.dstPort === 67) && !isBroadcast(ev.dst);
}

function isBroadcast(ip: string): boolean {
  return ip === '255.255.255.255' || ip === '0.0.0.0';
}

function insertXid(text: string, xid: number): string {
  const sp = text.indexOf(' ');
  const xs = `xid 0x${xid.toString(16).padStart(8, '0')}`;
  return sp < 0 ? `${text} ${xs}` : `${text.slice(0, sp)} ${xs}${text.slice(sp)}`;
}

function dhcpText(ev: DhcpEvent, type: string): string {
  const parts: string[] = [type];
  if (ev.port4011) parts.push('(port 4011)');
  if (ev.op === 1) {
    if (type === 'REQUEST' && ev.requestedIp !== null) parts.push(ev.requestedIp);
    if (type === 'REQUEST' && ev.serverId !== null && !ev.port4011) parts.push(`server ${ev.serverId}`);
    // Who the client says it is: on its first message of a round (and on port 4011), not on every REQUEST.
    if (type !== 'REQUEST' || ev.port4011) {
      if (ev.arch.length > 0) parts.push(`arch ${ev.arch.map(archName).join('/')}`);
      if (ev.userClass !== null) parts.push(`user-class ${shorten(ev.userClass, 24)}`);
    }
    if (ev.giaddr !== '0.0.0.0') parts.push(`via relay ${ev.giaddr}`);
    return parts.join(' ');
  }
  if (type === 'NAK') {
    if (ev.message !== null) parts.push(shorten(ev.message, 60));
    return parts.join(' ');
  }
  if (ev.yiaddr !== '0.0.0.0' && !ev.port4011) parts.push(ev.yiaddr);
  if (ev.proxy) parts.push('proxyDHCP');
  else if (ev.vendorClass === 'PXEClient') parts.push('PXEClient');
  const file = ev.file !== '' ? ev.file : ev.bootfileOption;
  if (file !== null) parts.push(`file ${shorten(file, 60)}`);
  if (ev.file !== '' && ev.bootfileOption !== null && ev.bootfileOption !== ev.file)
    parts.push(`option 67 ${shorten(ev.bootfileOption, 40)}`);
  if (file === null && (type === 'OFFER' || type === 'ACK') && !ev.proxy) parts.push('no boot file');
  if (ev.siaddr !== '0.0.0.0') parts.push(`next-server ${ev.siaddr}`);
  if (ev.tftpServerName !== null) parts.push(`option 66 ${shorten(ev.tftpServerName, 40)}`);
  if (ev.pxeBootServers.length > 0) parts.push(`boot servers ${ev.pxeBootServers.slice(0, 3).join(', ')}`);
  if (ev.pxeMenu.length > 0) parts.push(`menu "${shorten(ev.pxeMenu.join('", "'), 40)}"`);
  return parts.join(' ');
}

// ----------------------------------------------------------------------------------------------- ARP

/** ARP requests of the client that nobody answered (a server address nobody has): one line per address. */
export function arpSteps(
  arp: AnalysisResult['arp'],
  s: BootSession,
  parts: Participants,
  folded: { n: number },
): Message[] {
  const out: Message[] = [];
  const ips = new Set([s.clientIp, ...s.boots.map((b) => b.clientIp)].filter((x) => x !== null));
  const tftpServers = new Set(s.boots.map((b) => b.tftpServer));
  for (const q of arp) {
    if (q.answered !== null || q.requests.length === 0 || !ips.has(q.askedBy)) continue;
    const first = q.requests[0];
    if (first.t < s.start - 1 || first.t > s.end + 60) continue;
    const target = parts.add(q.targetIp, tftpServers.has(q.targetIp) ? 'TFTP' : 'host');
    folded.n += q.requests.length - 1;
    out.push({
      kind: 'msg',
      t: first.t,
      frame: first.frame,
      from: CLIENT,
      to: target,
      arrow: '-x',
      text: `ARP who-has ${q.targetIp} (no reply)`,
      count: q.requests.length,
      until: q.requests[q.requests.length - 1].t,
      shape: `arp ${q.targetIp}`,
      what: 'other',
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- TFTP
