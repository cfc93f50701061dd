/**
 * A reference setup inferred from a capture when no config is given: the servers the clients chose, each with
 * the boot file every kind of client was given, its pool settings as its answers state them, and TFTP roots
 * holding the files the clients read, at their captured sizes (with their captured bytes when the capture
 * holds every block). Every inference is said in one line, so the user can tell a finding from a guess.
 */
import { archClassOf, fileArch } from '../diagnosis/boot-files.js';
import { archName, leaseTime, serverId, type DhcpMessage } from '../protocol/dhcp/index.js';
import type { ServeConfig, ServeConfigInput } from '../server/config/types.js';
import { parseServeConfig } from '../server/config/validate.js';
import { classifyClient } from '../server/dhcp/client.js';
import { checkTftpName } from '../server/tftp/files.js';
import { effectiveBootFile, effectiveTftpServer } from '../report/replay-model.js';
import { MemoryFiles, type ReferenceSetup, type TftpFiles } from './reference-target.js';
import {
  serverIdOf,
  type CaptureScripts,
  type CapturedDhcp,
  type DhcpStep,
  type TftpStep,
} from './script.js';

/** What a proxy offers when the capture never shows its boot file (it never answered on port 4011). */
export const PLACEHOLDER_BOOT_FILE = 'boot-file-not-in-capture';

export interface Inference {
  setup: ReferenceSetup;
  lines: string[];
}

const ZERO = '0.0.0.0';
type BootSlot = 'bios' | 'uefi' | 'ia32' | 'arm64' | 'http' | 'httpArm64';

function slotOf(archCode: number | null): BootSlot | null {
  switch (archCode) {
    case null:
    case 0:
      return 'bios';
    case 6:
      return 'ia32';
    case 7:
    case 9:
      return 'uefi';
    case 11:
      return 'arm64';
    case 15:
    case 16:
      return 'http';
    case 19:
      return 'httpArm64';
    default:
      return null;
  }
}

/** Why a boot file does not suit the client it was given to (a BIOS program to UEFI, no URL to HTTP boot), or null. */
function wrongKind(file: string, slot: BootSlot, archCode: number): string | null {
  const kind = fileArch(file);
  if (slot === 'http' || slot === 'httpArm64')
    return kind === 'url'
      ? null
      : `UEFI HTTP boot clients (arch ${archCode}) were given "${file}", not a URL`;
  const expected = archClassOf(archCode);
  if (expected === null || kind === 'unknown' || kind === 'url') return null;
  if (kind === expected || (kind === 'efi' && expected.startsWith('efi'))) return null;
  return `${archName(archCode)} clients were given "${file}", a ${kind} program (boot.arch-mismatch)`;
}

function isProxyAnswer(a: CapturedDhcp): boolean {
  return a.srcPort === 4011 || (a.message.yiaddr === ZERO && a.message.messageType === 'OFFER');
}

interface ServerFacts {
  ip: string;
  address: CapturedDhcp[];
  boot: { request: DhcpMessage; answer: CapturedDhcp }[];
  proxy: boolean;
  fourOhElevenAsked: boolean;
}

export function inferSetup(scripts: CaptureScripts): Inference {
  const facts = new Map<string, ServerFacts>();
  const factsOf = (ip: string): ServerFacts => {
    let f = facts.get(ip);
    if (f === undefined)
      facts.set(ip, (f = { ip, address: [], boot: [], proxy: false, fourOhElevenAsked: false }));
    return f;
  };
  const chosen = new Set<string>();
  const dhcpSteps: DhcpStep[] = [];
  const tftpSteps: TftpStep[] = [];
  for (const c of scripts.clients)
    for (const s of c.steps) (s.kind === 'dhcp' ? dhcpSteps : tftpSteps).push(s as DhcpStep & TftpStep);
  for (const step of dhcpSteps) {
    const m = step.request.message;
    const named = serverId(m);
    if (step.port === 67 && m.messageType === 'REQUEST' && named !== null) chosen.add(named);
    if (step.port === 4011) factsOf(step.request.dst).fourOhElevenAsked = true;
    for (const a of step.answers) {
      const f = factsOf(serverIdOf(a));
      if (isProxyAnswer(a)) f.proxy = true;
      else f.address.push(a);
      f.boot.push({ request: m, answer: a });
    }
  }
  const lines: string[] = [];
  const offering = [...facts.values()].filter((f) => f.address.length > 0);
  const addressServers = offering.filter((f) => chosen.size === 0 || chosen.has(f.ip));
  for (const f of offering)
    if (!addressServers.includes(f))
      lines.push(`${f.ip}: offered addresses but no client chose it: left out of the reference`);
  const servers: ServeConfig[] = [];
  for (const f of facts.values()) {
    const isAddress = addressServers.includes(f);
    if (!isAddress && !f.proxy && !f.fourOhElevenAsked) continue;
    const input = serverInput(f, isAddress ? 'dhcp' : 'proxy', lines);
    servers.push(parseServeConfig(input, `inferred config for ${f.ip}`));
  }
  const tftp = inferRoots(tftpSteps, lines);
  return { setup: { servers, tftp }, lines };
}

function serverInput(f: ServerFacts, mode: 'dhcp' | 'proxy', lines: string[]): ServeConfigInput {
  const boot: Record<string, string> = {};
  const byIpxe = new Map<BootSlot, string>();
  let nextServer: string | null = null;
  const misfits = new Map<string, string>();
  // ACKs last, so the file of the answer the client acted on wins over the offer's.
  const ordered = [...f.boot].sort((a, b) => rank(a.answer) - rank(b.answer));
  for (const { request, answer } of ordered) {
    const file = effectiveBootFile(answer.message);
    const tftpServer = effectiveTftpServer(answer.message);
    if (tftpServer !== null && tftpServer !== f.ip && /^\d+\.\d+\.\d+\.\d+$/.test(tftpServer))
      nextServer = tftpServer;
    if (file === null) continue;
    const client = classifyClient(request);
    const slot = slotOf(client.archCode);
    if (slot === null) continue;
    const wrong = wrongKind(file, slot, client.archCode ?? 0);
    if (wrong !== null) {
      misfits.set(`${slot}|${file}`, `${f.ip}: ${wrong}: the reference does not copy it`);
      continue;
    }
    if (client.ipxe) byIpxe.set(slot, file);
    else boot[slot] = file;
  }
  for (const line of misfits.values()) lines.push(line);
  // An iPXE client given what the firmware of its kind was given is no iPXE rule: it is that kind's file.
  for (const [slot, file] of byIpxe) {
    if (boot[slot] === undefined) boot[slot] = file;
    else if (boot[slot] !== file) boot.ipxe = file;
  }
  // A kind of client whose captured file was wrong gets a stand-in, so the diff shows the file change.
  for (const key of misfits.keys()) {
    const slot = key.split('|')[0] as BootSlot;
    if (boot[slot] === undefined && slot !== 'http' && slot !== 'httpArm64')
      boot[slot] = PLACEHOLDER_BOOT_FILE;
  }
  const noFile = Object.keys(boot).length === 0;
  if (mode === 'proxy' && noFile) {
    const arch = f.boot.map((b) => classifyClient(b.request).archCode).find((c) => c !== undefined) ?? 0;
    boot[slotOf(arch) ?? 'bios'] = PLACEHOLDER_BOOT_FILE;
    lines.push(
      `${f.ip}: the capture never shows its boot file (no answer on port 4011): the reference offers "${PLACEHOLDER_BOOT_FILE}"`,
    );
  }
  if (nextServer !== null) boot.nextServer = nextServer;
  const input: ServeConfigInput = { mode, serverIp: f.ip, boot, proxy: proxyMenu(f) };
  const bootText =
    Object.entries(boot)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'no boot file';
  if (mode === 'dhcp') {
    input.dhcp = poolInput(f);
    const d = input.dhcp;
    lines.push(
      `${f.ip}: DHCP server, pool ${d.range?.start}-${d.range?.end} mask ${d.subnetMask}` +
        `${d.router ? ` router ${d.router}` : ''}, lease ${d.leaseTime} s; boot: ${bootText}`,
    );
  } else lines.push(`${f.ip}: proxyDHCP server; boot: ${bootText}`);
  return input;
}

function rank(a: CapturedDhcp): number {
  return a.message.messageType === 'ACK' ? 1 : 0;
}

function optionOf(msg: DhcpMessage, code: number): DhcpMessage['options'][number] | undefined {
  return msg.options.find((o) => o.code === code);
}

function ipsOf(msg: DhcpMessage, code: number): string[] {
  const o = optionOf(msg, code);
  const out: string[] = [];
  if (o === undefined) return out;
  for (let i = 0; i + 4 <= o.raw.length; i += 4) out.push(Array.from(o.raw.subarray(i, i + 4)).join('.'));
  return out;
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

function ipText(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** The pool as the server's answers state it: the offered addresses (widened to 50), mask, router, DNS, lease. */
function poolInput(f: ServerFacts): NonNullable<ServeConfigInput['dhcp']> {
  const answers = [...f.address].sort((a, b) => rank(b) - rank(a));
  const first = answers.find((a) => a.message.messageType !== 'NAK')?.message;
  const mask = first === undefined ? '255.255.255.0' : (ipsOf(first, 1)[0] ?? '255.255.255.0');
  const offered = f.address
    .map((a) => a.message.yiaddr)
    .filter((ip) => ip !== ZERO)
    .map(ipNumber);
  const maskN = ipNumber(mask);
  const server = ipNumber(f.ip);
  const network = (server & maskN) >>> 0;
  const broadcast = (network | (~maskN >>> 0)) >>> 0;
  const start = offered.length > 0 ? Math.min(...offered) : network + 100;
  const end = Math.min(Math.max(...offered, start + 49), broadcast - 1);
  const out: NonNullable<ServeConfigInput['dhcp']> = {
    range: { start: ipText(start), end: ipText(end) },
    subnetMask: mask,
  };
  if (first !== undefined) {
    const router = ipsOf(first, 3)[0];
    if (router !== undefined) out.router = router;
    const dns = ipsOf(first, 6);
    if (dns.length > 0) out.dns = dns;
    const domain = optionOf(first, 15);
    if (domain !== undefined) out.domain = Buffer.from(domain.raw).toString('latin1').replace(/\0+$/, '');
    const lease = leaseTime(first);
    if (lease !== null) out.leaseTime = lease;
  }
  out.leaseTime ??= 3600;
  return out;
}

/** The proxy's menu text, prompt and timeout from its captured option 43, so they compare equal. */
function proxyMenu(f: ServerFacts): NonNullable<ServeConfigInput['proxy']> {
  const out: NonNullable<ServeConfigInput['proxy']> = {};
  for (const { answer } of f.boot) {
    const o = optionOf(answer.message, 43);
    if (o === undefined || o.value.kind !== 'pxe') continue;
    for (const sub of o.value.suboptions) {
      if (sub.value.kind === 'bootMenu' && sub.value.items.length > 0)
        out.menu = sub.value.items[0].description;
      if (sub.value.kind === 'menuPrompt') {
        out.prompt = sub.value.prompt;
        out.timeout = sub.value.timeout;
      }
    }
    if (out.menu !== undefined) break;
  }
  return out;
}

/** TFTP roots by server address: the files read, at their captured sizes; refused or unseen ones absent. */
function inferRoots(steps: readonly TftpStep[], lines: string[]): Map<string, TftpFiles> {
  const byServer = new Map<string, Map<string, Uint8Array>>();
  const withBytes = new Set<string>();
  const unknown = new Map<string, number>();
  for (const s of steps) {
    let files = byServer.get(s.server);
    if (files === undefined) byServer.set(s.server, (files = new Map()));
    const a = s.answer;
    const check = checkTftpName(s.filename);
    const key = `${s.server}|${check.ok ? check.relative : ''}`;
    // A read that got the whole file (its bytes in the capture) beats a size probe of the same file.
    const better = s.data !== null && !withBytes.has(key);
    if (!check.ok || (files.has(check.relative) && !better) || a.error !== null || a.answered !== true) {
      if (a.answered === null) unknown.set(s.server, (unknown.get(s.server) ?? 0) + 1);
      continue;
    }
    const tsize = a.oack?.tsize !== undefined ? Number(a.oack.tsize) : NaN;
    const size = a.size ?? (Number.isSafeInteger(tsize) ? tsize : 0);
    if (s.data !== null) withBytes.add(key);
    files.set(check.relative, s.data ?? new Uint8Array(size));
  }
  const out = new Map<string, TftpFiles>();
  for (const [server, files] of byServer) {
    if (!steps.some((s) => s.server === server && s.answer.answered !== false)) {
      lines.push(
        `${server}: named as TFTP server but never answered in the capture (tftp.no-server): none there either`,
      );
      continue;
    }
    out.set(server, new MemoryFiles(files));
    const held = [...withBytes].filter((k) => k.startsWith(`${server}|`)).length;
    const gone = unknown.get(server) ?? 0;
    lines.push(
      `${server}: TFTP root of ${files.size} file${files.size === 1 ? '' : 's'} at their captured sizes` +
        ` (${held} with the captured bytes)${gone > 0 ? `; ${gone} read${gone === 1 ? '' : 's'} whose answer the capture does not show, left out` : ''}`,
    );
  }
  return out;
}
