/**
 * Plays one client's script against a target, as that client would: each request goes out again with a new
 * xid; a REQUEST names the server and address of the new OFFER; the 4011 request goes to the new boot server;
 * the TFTP reads go to the new TFTP server and ask for the new boot file. Each answer is compared with the
 * captured one as it comes (report/replay-model.ts).
 */
import { randomInt } from 'node:crypto';
import { getRule } from '../diagnosis/registry.js';
import type { Finding } from '../diagnosis/types.js';
import { pxeVendorOptions } from '../protocol/dhcp/facts.js';
import { serverId, type DhcpMessage } from '../protocol/dhcp/index.js';
import {
  clientReplay,
  compareDhcpAnswer,
  compareTftpAnswer,
  effectiveBootFile,
  effectiveTftpServer,
  exchangeStatus,
  type ClientReplay,
  type ExchangeDiff,
  type FieldDiff,
} from '../report/replay-model.js';
import { patchRequest } from './patch.js';
import type { CapturedDhcp, ClientScript, DhcpStep, TftpStep } from './script.js';
import type { ReplayTarget } from './target.js';

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

/** What one answer says, whether captured or new: enough to pair answers and to follow them. */
interface Answer {
  message: DhcpMessage;
  server: string;
  frame: number | null;
}

function serverOf(msg: DhcpMessage, src: string): string {
  return serverId(msg) ?? src;
}

/**
 * An address offer (yiaddr set) or a proxyDHCP / boot-service answer (none): pairs are made within a role.
 * Whatever answers on port 4011 is the boot service, also when it echoes the client's address in yiaddr
 * (dnsmasq does, other boot servers leave it empty).
 */
function role(msg: DhcpMessage, port: 67 | 4011 = 67): 'address' | 'boot' {
  return port === 4011 || msg.yiaddr === ZERO ? 'boot' : 'address';
}

export interface PlayContext {
  target: ReplayTarget;
  findings: readonly Finding[];
  /** Stop after the offers: no REQUEST, no 4011, no TFTP. */
  discoverOnly?: boolean;
  /** New xids; default random. */
  newXid?: () => number;
}

/** The client's state as the new answers shape it. */
class Follow {
  readonly xids = new Map<number, number>();
  /** Captured server address → the new server playing its part. */
  readonly servers = new Map<string, string>();
  /** Captured boot file → the one the new answers name. */
  readonly bootFiles = new Map<string, string | null>();
  /** New OFFERs by captured xid. */
  readonly offers = new Map<number, Answer[]>();
  leased: string | null = null;
  /** The new answers named no boot file where the captured ones did: the client stops loading. */
  noBootFile = false;
  /**
   * TFTP servers that did not answer a read at all → that read's file: later reads there would only wait
   * out the same timeouts (a client whose boot file never came would not ask for more).
   */
  readonly silentTftp = new Map<string, string>();

  server(captured: string): string {
    return this.servers.get(captured) ?? captured;
  }
}

export async function playClient(script: ClientScript, ctx: PlayContext): Promise<ClientReplay> {
  const follow = new Follow();
  const newXid = ctx.newXid ?? ((): number => randomInt(1, 0xffffffff));
  const exchanges: ExchangeDiff[] = [];
  for (const step of script.steps) {
    if (step.kind === 'dhcp') {
      if (ctx.target.playsDhcp === false) continue;
      const type = step.request.message.messageType;
      if (ctx.discoverOnly === true && (type !== 'DISCOVER' || step.port === 4011)) continue;
      exchanges.push(...(await playDhcp(step, follow, ctx, newXid)));
    } else {
      if (ctx.discoverOnly === true) continue;
      exchanges.push(await playTftp(step, follow, ctx));
    }
  }
  for (const e of exchanges) if (e.status === 'differs') e.explains = explained(e, script.mac, ctx.findings);
  return clientReplay(script.mac, exchanges);
}

function skipped(label: string, step: DhcpStep, note: string): ExchangeDiff {
  return {
    label,
    clientFrame: step.request.frame,
    capturedFrames: step.answers.map((a) => a.frame),
    status: 'skipped',
    fields: [],
    note,
    explains: [],
  };
}

async function playDhcp(
  step: DhcpStep,
  follow: Follow,
  ctx: PlayContext,
  newXid: () => number,
): Promise<ExchangeDiff[]> {
  const msg = step.request.message;
  const type = msg.messageType ?? 'BOOTREQUEST';
  const label = step.port === 4011 ? `4011 ${type}` : `DHCP ${type}`;
  let xid = follow.xids.get(msg.xid);
  if (xid === undefined) follow.xids.set(msg.xid, (xid = newXid()));

  let newServerId: string | undefined;
  let requestedIp: string | undefined;
  const capturedServer = serverId(msg);
  if (step.port === 67 && type === 'REQUEST' && capturedServer !== null) {
    // SELECTING: the client takes the new offer of the server it chose in the capture.
    const offers = (follow.offers.get(msg.xid) ?? []).filter((o) => role(o.message) === 'address');
    const mapped = follow.servers.get(capturedServer);
    const chosen = offers.find((o) => o.server === mapped) ?? (offers.length === 1 ? offers[0] : undefined);
    if (chosen === undefined)
      return [skipped(label, step, 'not sent: no new OFFER of an address to request')];
    newServerId = chosen.server;
    requestedIp = chosen.message.yiaddr;
  }
  const ciaddr = msg.ciaddr !== ZERO ? (follow.leased ?? msg.ciaddr) : undefined;
  const dst = step.request.dst === BROADCAST ? BROADCAST : follow.server(step.request.dst);
  const bytes = patchRequest(step.request.bytes, { xid, ciaddr, serverId: newServerId, requestedIp });
  const received = await ctx.target.dhcp({ bytes, port: step.port, dst, src: ciaddr ?? ZERO });
  const fresh = received
    .filter((r) => r.message.xid === xid && r.message.op === 2)
    .map((r): Answer => ({ message: r.message, server: serverOf(r.message, r.src), frame: null }));
  const captured = step.answers.map((a: CapturedDhcp): Answer => ({
    message: a.message,
    server: serverOf(a.message, a.src),
    frame: a.frame,
  }));
  if (type === 'DISCOVER') follow.offers.set(msg.xid, fresh);
  return pairAnswers(label, step, captured, fresh, follow);
}

/**
 * Pairs captured and new answers: by the server that plays the captured server's part when known, else the
 * first unpaired answer of the same role (address or boot). Each pair is one exchange; an answer without a
 * partner is one too (the other side: none).
 */
function pairAnswers(
  label: string,
  step: DhcpStep,
  captured: Answer[],
  fresh: Answer[],
  follow: Follow,
): ExchangeDiff[] {
  const unused = [...fresh];
  const out: ExchangeDiff[] = [];
  const pick = (i: number): Answer | null => (i < 0 ? null : unused.splice(i, 1)[0]);
  const roleOf = (a: Answer): 'address' | 'boot' => role(a.message, step.port);
  // First the answers from the server that plays the captured one's part (or has its address) …
  const partners = captured.map((c) => {
    const who = follow.servers.get(c.server) ?? c.server;
    return pick(unused.findIndex((r) => roleOf(r) === roleOf(c) && r.server === who));
  });
  // … then, for servers not met yet, any answer of the same role.
  captured.forEach((c, k) => {
    if (partners[k] === null && !follow.servers.has(c.server))
      partners[k] = pick(unused.findIndex((r) => roleOf(r) === roleOf(c)));
  });
  captured.forEach((c, k) => {
    const r = partners[k];
    if (r !== null) learn(c, r, follow, step.port);
    else unanswered(c, follow);
    out.push(exchange(`${label} → ${answerName(c)}`, step, c, r));
  });
  for (const r of unused) out.push(exchange(`${label} → ${answerName(r)}`, step, null, r));
  if (out.length === 0) out.push(exchange(`${label} → no answer`, step, null, null));
  return out;
}

function answerName(a: Answer): string {
  return `${a.message.messageType ?? 'BOOTREPLY'} from ${a.server}`;
}

/**
 * What a pair teaches about the new server: who plays whom, the client's address, the boot file and server.
 * A proxyDHCP offer names the boot servers (option 43, sub-option 8) the client then asks on port 4011:
 * the captured list's servers are played by the new list's, in order (the last stands for any extra).
 */
function learn(c: Answer, r: Answer, follow: Follow, port: 67 | 4011): void {
  follow.servers.set(c.server, r.server);
  const capturedBootServers = pxeVendorOptions(c.message)?.bootServers ?? [];
  const newBootServers = pxeVendorOptions(r.message)?.bootServers ?? [];
  if (newBootServers.length > 0)
    capturedBootServers.forEach((ip, i) =>
      follow.servers.set(ip, newBootServers[Math.min(i, newBootServers.length - 1)]),
    );
  const type = r.message.messageType;
  if (type === 'ACK' && role(r.message, port) === 'address') follow.leased = r.message.yiaddr;
  if (type !== 'ACK') return;
  const capturedTftp = effectiveTftpServer(c.message);
  const newTftp = effectiveTftpServer(r.message);
  if (capturedTftp !== null && newTftp !== null) follow.servers.set(capturedTftp, newTftp);
  const capturedFile = effectiveBootFile(c.message);
  const newFile = effectiveBootFile(r.message);
  if (capturedFile !== null) {
    follow.bootFiles.set(capturedFile, newFile);
    follow.noBootFile = newFile === null;
  } else if (newFile !== null) follow.noBootFile = false;
}

/**
 * A captured ACK that named the boot file has no new counterpart (a boot service silent on 4011, a server
 * gone): the client never learns a boot file, so its reads are not played.
 */
function unanswered(c: Answer, follow: Follow): void {
  if (c.message.messageType === 'ACK' && effectiveBootFile(c.message) !== null) follow.noBootFile = true;
}

function exchange(label: string, step: DhcpStep, c: Answer | null, r: Answer | null): ExchangeDiff {
  const sameServer = c === null || r === null || c.server === r.server;
  const moved = c !== null && r !== null && !sameServer ? { from: c.server, to: r.server } : null;
  const fields = compareDhcpAnswer(c?.message ?? null, r?.message ?? null, sameServer, moved);
  return {
    label,
    clientFrame: step.request.frame,
    capturedFrames: c?.frame != null ? [c.frame] : [],
    status: exchangeStatus(fields),
    fields,
    note: step.sends > 1 ? `the client sent it ${step.sends} times in the capture` : null,
    explains: [],
  };
}

async function playTftp(step: TftpStep, follow: Follow, ctx: PlayContext): Promise<ExchangeDiff> {
  const label = `TFTP RRQ ${step.filename}${step.probe ? ' (size probe)' : ''}`;
  const base = { label, clientFrame: step.frame, capturedFrames: step.frames.slice(1, 2), explains: [] };
  const mapped = follow.bootFiles.get(step.filename);
  if (follow.noBootFile || mapped === null)
    return { ...base, status: 'skipped', fields: [], note: 'not sent: the new answers name no boot file' };
  const filename = mapped ?? step.filename;
  const server = follow.server(step.server);
  const silent = follow.silentTftp.get(server);
  if (silent !== undefined)
    return {
      ...base,
      status: 'skipped',
      fields: [],
      note: `not sent: ${server} did not answer the read of ${silent}`,
    };
  const answer = await ctx.target.tftp({
    server,
    filename,
    mode: step.mode,
    options: step.options,
    probe: step.probe,
    client: follow.leased ?? ZERO,
  });
  if (answer.answered === false) follow.silentTftp.set(server, filename);
  const fields: FieldDiff[] = compareTftpAnswer(step.answer, answer);
  const notes: string[] = [];
  if (filename !== step.filename) notes.push(`asked for ${filename}, the boot file the new answers name`);
  if (server !== step.server) notes.push(`sent to ${server}, the TFTP server the new answers name`);
  return {
    ...base,
    status: exchangeStatus(fields),
    fields,
    note: notes.length > 0 ? notes.join('; ') : null,
  };
}

/**
 * The findings whose evidence includes the exchange's frames (the client's request or the captured answer).
 * Only rules about problems explain a difference: an info-only rule (a server's ping check, say) tells what is
 * normal (a problem rule's finding lowered to info, e.g. cut off by the end of the capture, still counts).
 */
function explained(e: ExchangeDiff, mac: string, findings: readonly Finding[]): string[] {
  const frames = new Set([e.clientFrame, ...e.capturedFrames]);
  const ids = findings
    .filter((f) => getRule(f.ruleId)?.severity !== 'info')
    .filter((f) => (f.client === null || f.client === mac) && f.frames.some((n) => frames.has(n)))
    .map((f) => f.ruleId);
  return [...new Set(ids)];
}
