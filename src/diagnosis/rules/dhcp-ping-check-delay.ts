import type { ArpQuery, BootSession, DhcpEvent } from '../../analysis/types.js';
import { isClientEvent, isServerEvent, kindOf } from '../facts.js';
import { clientLabel, framesText, plural, seconds, sessionFinding } from '../format.js';
import { serverHint } from '../hints.js';
import { sessionEvents } from '../rounds.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

/** Worth telling when the client repeated itself meanwhile, or when the wait alone is this long. */
const LONG_DELAY = 2;

const doc: RuleDoc = {
  id: 'dhcp.ping-check-delay',
  severity: 'info',
  group: 'dhcp',
  title: "Offer held back by the server's ping check",
  detects:
    'The server sent an ICMP echo request to the address it then offered or ACKed (its ping check: dnsmasq ' +
    "waits about 3 s, ISC dhcpd ping-check 1 s, Kea's ping_check hook) and answered only after the check: this " +
    'explains a late OFFER/ACK and the DISCOVERs or REQUESTs the client repeated meanwhile. Through a relay the ' +
    "echo may only appear after the reply, where the check protects nothing; an echo the server's kernel held " +
    'while its ARP requests for the address went unanswered (sent once the client announces the address) is ' +
    'still a check that ran before the offer, and so are unanswered ARP requests from the server for the ' +
    'address before its OFFER with no echo at all (the kernel dropped the echo when ARP failed).',
  ignores:
    `Checks under ${LONG_DELAY} s that the client sat out without repeating itself, replies with neither a ` +
    'preceding echo nor unanswered ARP requests from the server for their address, and an echo ' +
    'that was answered (the server then offers another address: see dhcp.duplicate-address).',
  clientMessages: [],
  fix:
    'Nothing is broken. If the delay hurts (firmware with short timeouts, many clients booting at once): ' +
    'dnsmasq no-ping, ISC dhcpd ping-check false (or a shorter ping-timeout), Kea "enable-ping-check": false in ' +
    'the ping_check hook.',
};

/** The client message the reply answers: the first of the same transaction's DISCOVERs (or REQUESTs for an ACK). */
function askedAt(events: readonly DhcpEvent[], reply: DhcpEvent, want: string): DhcpEvent[] {
  return events.filter((e) => isClientEvent(e) && kindOf(e) === want && e.t <= reply.t);
}

/** The capture's ARP queries by target address, made once per analysis (read for every session's reply). */
const arpIndex = new WeakMap<readonly ArpQuery[], { length: number; byTarget: Map<string, ArpQuery[]> }>();

function arpsFor(all: readonly ArpQuery[], targetIp: string): ArpQuery[] {
  let index = arpIndex.get(all);
  if (index === undefined || index.length !== all.length) {
    const byTarget = new Map<string, ArpQuery[]>();
    for (const q of all) {
      const list = byTarget.get(q.targetIp);
      if (list === undefined) byTarget.set(q.targetIp, [q]);
      else list.push(q);
    }
    index = { length: all.length, byTarget };
    arpIndex.set(all, index);
  }
  return index.byTarget.get(targetIp) ?? [];
}

/** The server's ARP requests for the address between two times that were not answered by the second. */
function unansweredArps(ctx: RuleContext, ip: string, server: string, from: number, to: number): number[] {
  return arpsFor(ctx.analysis.arp, ip)
    .filter((q) => q.askedBy === server && (q.answered?.t ?? Infinity) > to)
    .flatMap((q) => q.requests.filter((r) => r.t >= from && r.t <= to).map((r) => r.frame));
}

function check(s: BootSession, ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const tx of s.transactions) {
    const events = sessionEvents(s).filter((e) => tx.events.includes(e));
    const checked = events.filter(
      (e) => isServerEvent(e) && e.pingCheck !== undefined && e.pingCheck.reply === null,
    );
    const marked = checked[0];
    const ping = marked?.pingCheck;
    if (marked === undefined || ping === undefined) {
      const arpOnly = arpOnlyCheck(s, events, ctx);
      if (arpOnly !== null) out.push(arpOnly);
      continue;
    }
    const server = ping.from;
    // An echo seen after the reply may still be a check that ran before it: the server's kernel holds the
    // echo while its ARP for the address goes unanswered and sends it once the client announces the address.
    // Its unanswered ARP requests before its first OFFER of that address show the check ran first.
    let reply = marked;
    let held = false;
    if (ping.afterReply) {
      const offer = events.find(
        (e) => isServerEvent(e) && kindOf(e) === 'OFFER' && e.yiaddr === marked.yiaddr && e.src === server,
      );
      const discover = events.find((e) => isClientEvent(e) && kindOf(e) === 'DISCOVER');
      if (
        offer !== undefined &&
        discover !== undefined &&
        unansweredArps(ctx, offer.yiaddr, server, discover.t, offer.t).length > 0
      ) {
        reply = offer;
        held = true;
      }
    }
    const kind = kindOf(reply);
    const asked = askedAt(events, reply, kind === 'OFFER' ? 'DISCOVER' : 'REQUEST');
    const first = asked[0];
    if (first === undefined) continue;
    const delay = reply.t - first.t;
    const repeats = asked.slice(1);
    const late = ping.afterReply && !held;
    if (!late && repeats.length === 0 && delay < LONG_DELAY) continue;
    // The echo to an address nobody holds waits for the server's ARP for it to time out (Linux: 3 tries, 1 s apart).
    const arps = unansweredArps(ctx, reply.yiaddr, server, first.t, reply.t);
    const arpText =
      arps.length > 0 ? `its ARP requests for it (${framesText(arps)}) went unanswered, then ` : '';
    const echoText = held
      ? `its ARP requests for it (${framesText(arps)}) went unanswered, so its ICMP echo waited in its kernel and ` +
        `left only at frame ${ping.request.frame}, once the client had the address; it `
      : `${arpText}its ICMP echo (frame ${ping.request.frame}) got no reply; it `;
    const message = late
      ? `${server} pinged ${reply.yiaddr} (frame ${ping.request.frame}) only after its ${kind} to ${clientLabel(s)} ` +
        `(frame ${reply.frame}): a ping check that runs after the answer (typical through a relay) protects nothing.`
      : `${server} checked ${reply.yiaddr} before offering it: ${echoText}` +
        `sent its ${kind} ${seconds(delay)} after the client's first ${first.messageType ?? 'request'} ` +
        `(frame ${first.frame} → ${reply.frame}): the delay is its ping check` +
        (repeats.length > 0
          ? `; the client repeated its ${first.messageType ?? 'request'} meanwhile (${plural(repeats.length, 'time')}, ${framesText(repeats.map((e) => e.frame))}).`
          : '.');
    out.push(delayFinding(s, message, [first, reply, ...repeats], [...arps, ping.request.frame], first.t));
  }
  return out;
}

/**
 * A ping check with no echo on the wire: the server's ARP requests for the address it then offers went
 * unanswered, so its kernel dropped the queued echo (Linux sends a packet to an on-link address only once
 * ARP resolves it) — seen with ISC dhcpd (ping-check, 1 s) and dnsmasq alike. A server that does not ping
 * has no reason to ARP for an address before offering it: it sends the OFFER to the client's MAC directly.
 */
function arpOnlyCheck(s: BootSession, events: readonly DhcpEvent[], ctx: RuleContext): Finding | null {
  const offer = events.find(
    (e) =>
      isServerEvent(e) &&
      kindOf(e) === 'OFFER' &&
      !e.port4011 &&
      e.yiaddr !== '0.0.0.0' &&
      e.pingCheck === undefined,
  );
  if (offer === undefined) return null;
  const asked = askedAt(events, offer, 'DISCOVER');
  const first = asked[0];
  if (first === undefined) return null;
  const arps = unansweredArps(ctx, offer.yiaddr, offer.src, first.t, offer.t);
  const delay = offer.t - first.t;
  const repeats = asked.slice(1);
  if (arps.length === 0 || (repeats.length === 0 && delay < LONG_DELAY)) return null;
  const message =
    `${offer.src} checked ${offer.yiaddr} before offering it: its ARP requests for it (${framesText(arps)}) went ` +
    'unanswered, so the ICMP echo of its ping check never left its kernel (an echo to an on-link address waits ' +
    `for the ARP answer); it sent its OFFER ${seconds(delay)} after the client's first DISCOVER ` +
    `(frame ${first.frame} → ${offer.frame}): the delay is its ping check` +
    (repeats.length > 0
      ? `; the client repeated its DISCOVER meanwhile (${plural(repeats.length, 'time')}, ${framesText(repeats.map((e) => e.frame))}).`
      : '.');
  return delayFinding(s, message, [first, offer, ...repeats], arps, first.t);
}

function delayFinding(
  s: BootSession,
  message: string,
  events: readonly DhcpEvent[],
  otherFrames: readonly number[],
  t: number,
): Finding {
  return sessionFinding(doc, s, {
    message,
    frames: [...events.map((e) => e.frame), ...otherFrames].sort((a, b) => a - b),
    pxeError: null,
    hint: serverHint('Only if the delay matters (short firmware timeouts, mass boots), turn the check off:', {
      dnsmasq: ['no-ping'],
      isc: ['ping-check false;   # or ping-timeout 1;'],
      kea: ['"enable-ping-check": false   # parameters of libdhcp_ping_check.so'],
    }),
    t,
  });
}

export const dhcpPingCheckDelay: Rule = { ...doc, checkSession: check };
