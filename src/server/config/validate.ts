/**
 * Checks a config (parsed from a file, or assembled from flags) and turns it into a ServeConfig. Every problem
 * is reported, not only the first, each naming the path of the bad key: `boot.uefi: expected a string`.
 */
import { ipNumberToString, normalizeMac, parseIp } from '../../protocol/addr.js';
import { LEASE_TIME_MAX, LEASE_TIME_MIN } from './limits.js';
import type {
  BootConfig,
  PoolConfig,
  ProxyConfig,
  ServeConfig,
  ServeMode,
  StaticHostConfig,
} from './types.js';

export interface ConfigIssue {
  /** Dotted path of the key ("dhcp.hosts[2].mac"); "" for the whole document. */
  path: string;
  message: string;
}

export class ServeConfigError extends Error {
  constructor(
    readonly issues: readonly ConfigIssue[],
    readonly source: string | null = null,
  ) {
    const where = source === null ? 'config' : source;
    const lines = issues.map((i) => `  ${i.path === '' ? '(top level)' : i.path}: ${i.message}`);
    super(
      `${where}: ${issues.length === 1 ? 'a problem' : `${issues.length} problems`}\n${lines.join('\n')}`,
    );
    this.name = 'ServeConfigError';
  }
}

const TOP_KEYS = ['mode', 'interface', 'serverIp', 'leaseFile', 'tftpRoot', 'dhcp', 'boot', 'proxy'];
const DHCP_KEYS = ['range', 'subnetMask', 'router', 'dns', 'domain', 'leaseTime', 'hosts'];
const RANGE_KEYS = ['start', 'end'];
const HOST_KEYS = ['mac', 'ip', 'boot', 'ipxe', 'hostname'];
const BOOT_KEYS = ['bios', 'uefi', 'ia32', 'arm64', 'http', 'httpArm64', 'ipxe', 'nextServer'];
const PROXY_KEYS = ['menu', 'prompt', 'timeout'];

/** Defaults shared with the CLI's help text. */
export const DEFAULT_LEASE_TIME = 3600;
export const DEFAULT_PROXY_MENU = 'pxe-doctor network boot';
export const DEFAULT_PROXY_PROMPT = 'pxe-doctor';

/** Longest text an option (or PXE sub-option) can carry. */
const MAX_OPTION_TEXT = 255;

/** Collects issues while reading a tree of unknown values. */
class Checker {
  readonly issues: ConfigIssue[] = [];

  fail(path: string, message: string): null {
    this.issues.push({ path, message });
    return null;
  }

  /** An object with only the known keys; null (and an issue) otherwise. Absent (undefined) stays undefined. */
  object(value: unknown, path: string, known: readonly string[]): Record<string, unknown> | null | undefined {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return this.fail(path, `expected a mapping (keys ${known.join(', ')}), got ${describe(value)}`);
    const rec = value as Record<string, unknown>;
    for (const key of Object.keys(rec)) {
      if (!known.includes(key)) this.fail(join(path, key), `unknown key (known: ${known.join(', ')})`);
    }
    return rec;
  }

  string(value: unknown, path: string): string | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') return this.fail(path, `expected a string, got ${describe(value)}`);
    if (value === '') return this.fail(path, 'expected a non-empty string');
    if (Buffer.byteLength(value, 'utf8') > MAX_OPTION_TEXT)
      return this.fail(path, `longer than ${MAX_OPTION_TEXT} bytes (a DHCP option holds at most that)`);
    return value;
  }

  ip(value: unknown, path: string): string | null {
    const s = this.string(value, path);
    if (s === null) return null;
    const n = parseIp(s);
    if (n === null) return this.fail(path, `expected an IPv4 address like 10.99.0.1, got "${s}"`);
    return ipNumberToString(n);
  }

  mac(value: unknown, path: string): string | null {
    const s = this.string(value, path);
    if (s === null) return null;
    const mac = normalizeMac(s);
    if (mac === null) return this.fail(path, `expected a MAC address like 52:54:00:12:34:56, got "${s}"`);
    return mac;
  }

  integer(value: unknown, path: string, min: number, max: number): number | null {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'number' || !Number.isInteger(value))
      return this.fail(path, `expected a whole number, got ${describe(value)}`);
    if (value < min || value > max) return this.fail(path, `expected ${min} to ${max}, got ${value}`);
    return value;
  }

  list(value: unknown, path: string): unknown[] | null {
    if (value === undefined || value === null) return null;
    if (!Array.isArray(value)) return this.fail(path, `expected a list, got ${describe(value)}`);
    return value;
  }
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the string "${value}"`;
  return `${typeof value} ${String(value)}`;
}

/** Validates a parsed config document; throws ServeConfigError listing every problem. */
export function parseServeConfig(raw: unknown, source: string | null = null): ServeConfig {
  const c = new Checker();
  const top = c.object(raw ?? {}, '', TOP_KEYS) ?? {};

  let mode: ServeMode = 'dhcp';
  const modeText = c.string(top['mode'], 'mode');
  if (modeText === 'proxy' || modeText === 'dhcp') mode = modeText;
  else if (modeText !== null) c.fail('mode', `expected "dhcp" or "proxy", got "${modeText}"`);

  const serverIp = c.ip(top['serverIp'], 'serverIp');
  if (serverIp === null && top['serverIp'] === undefined)
    c.fail('serverIp', "required: the server's own address on the served interface");

  const boot = readBoot(c, top['boot']);
  const proxy = readProxy(c, top['proxy']);
  const dhcp = mode === 'dhcp' ? readPool(c, top['dhcp'], serverIp) : null;
  if (
    mode === 'proxy' &&
    [boot.bios, boot.uefi, boot.ia32, boot.arm64, boot.http, boot.httpArm64].every((f) => f === null)
  )
    c.fail('boot', 'proxy mode has nothing to offer without a boot file: set boot.bios, boot.uefi …');

  const config: ServeConfig = {
    mode,
    interface: c.string(top['interface'], 'interface'),
    serverIp: serverIp ?? '0.0.0.0',
    leaseFile: c.string(top['leaseFile'], 'leaseFile'),
    tftpRoot: c.string(top['tftpRoot'], 'tftpRoot'),
    dhcp,
    boot,
    proxy,
  };
  if (c.issues.length > 0) throw new ServeConfigError(c.issues, source);
  return config;
}

function readBoot(c: Checker, raw: unknown): BootConfig {
  const b = c.object(raw, 'boot', BOOT_KEYS) ?? {};
  return {
    bios: c.string(b['bios'], 'boot.bios'),
    uefi: c.string(b['uefi'], 'boot.uefi'),
    ia32: c.string(b['ia32'], 'boot.ia32'),
    arm64: c.string(b['arm64'], 'boot.arm64'),
    http: url(c, b['http'], 'boot.http'),
    httpArm64: url(c, b['httpArm64'], 'boot.httpArm64'),
    ipxe: c.string(b['ipxe'], 'boot.ipxe'),
    nextServer: c.ip(b['nextServer'], 'boot.nextServer'),
  };
}

/** HTTP boot firmware takes only a URL. */
function url(c: Checker, raw: unknown, path: string): string | null {
  const s = c.string(raw, path);
  if (s !== null && !/^https?:\/\/\S+$/.test(s))
    return c.fail(path, `expected an http:// or https:// URL (UEFI HTTP boot fetches it), got "${s}"`);
  return s;
}

function readProxy(c: Checker, raw: unknown): ProxyConfig {
  const p = c.object(raw, 'proxy', PROXY_KEYS) ?? {};
  return {
    menu: c.string(p['menu'], 'proxy.menu') ?? DEFAULT_PROXY_MENU,
    prompt: c.string(p['prompt'], 'proxy.prompt') ?? DEFAULT_PROXY_PROMPT,
    timeout: c.integer(p['timeout'], 'proxy.timeout', 0, 255) ?? 0,
  };
}

function readPool(c: Checker, raw: unknown, serverIp: string | null): PoolConfig | null {
  if (raw === undefined)
    return c.fail('dhcp', 'required in dhcp mode: the address pool (range, subnetMask …)');
  const d = c.object(raw, 'dhcp', DHCP_KEYS);
  if (d === null || d === undefined) return null;
  const range = c.object(d['range'], 'dhcp.range', RANGE_KEYS);
  if (range === undefined) c.fail('dhcp.range', 'required: {start, end}');
  const start = range ? c.ip(range['start'], 'dhcp.range.start') : null;
  const end = range ? c.ip(range['end'], 'dhcp.range.end') : null;
  if (range && range['start'] === undefined) c.fail('dhcp.range.start', 'required');
  if (range && range['end'] === undefined) c.fail('dhcp.range.end', 'required');
  const mask =
    c.ip(d['subnetMask'], 'dhcp.subnetMask') ?? (d['subnetMask'] === undefined ? '255.255.255.0' : null);
  const maskNumber = mask === null ? null : parseIp(mask);
  if (maskNumber !== null && !isContiguousMask(maskNumber))
    c.fail('dhcp.subnetMask', `"${mask}" is not a contiguous netmask`);
  const router = c.ip(d['router'], 'dhcp.router');
  const dnsList = c.list(d['dns'], 'dhcp.dns') ?? [];
  const dns = dnsList.map((x, i) => c.ip(x, `dhcp.dns[${i}]`)).filter((x): x is string => x !== null);
  const domain = c.string(d['domain'], 'dhcp.domain');
  const leaseTime =
    c.integer(d['leaseTime'], 'dhcp.leaseTime', LEASE_TIME_MIN, LEASE_TIME_MAX) ?? DEFAULT_LEASE_TIME;

  const sameNet = (ip: string | null, path: string): void => {
    if (ip === null || maskNumber === null || serverIp === null) return;
    const net = ((parseIp(serverIp) ?? 0) & maskNumber) >>> 0;
    if (((parseIp(ip) ?? 0) & maskNumber) >>> 0 !== net)
      c.fail(path, `${ip} is not in the server's subnet ${ipNumberToString(net)}/${mask}`);
  };
  sameNet(start, 'dhcp.range.start');
  sameNet(end, 'dhcp.range.end');
  sameNet(router, 'dhcp.router');
  if (start !== null && end !== null && (parseIp(start) ?? 0) > (parseIp(end) ?? 0))
    c.fail('dhcp.range', `start ${start} is after end ${end}`);

  const hosts: StaticHostConfig[] = [];
  const macs = new Map<string, number>();
  const ips = new Map<string, number>();
  (c.list(d['hosts'], 'dhcp.hosts') ?? []).forEach((h, i) => {
    const path = `dhcp.hosts[${i}]`;
    const o = c.object(h, path, HOST_KEYS);
    if (o === null || o === undefined) return;
    if (o['mac'] === undefined) c.fail(`${path}.mac`, 'required');
    const host: StaticHostConfig = {
      mac: c.mac(o['mac'], `${path}.mac`) ?? '',
      ip: c.ip(o['ip'], `${path}.ip`),
      boot: c.string(o['boot'], `${path}.boot`),
      ipxe: c.string(o['ipxe'], `${path}.ipxe`),
      hostname: c.string(o['hostname'], `${path}.hostname`),
    };
    sameNet(host.ip, `${path}.ip`);
    if (host.mac !== '') {
      const seen = macs.get(host.mac);
      if (seen !== undefined) c.fail(`${path}.mac`, `${host.mac} is already dhcp.hosts[${seen}]`);
      macs.set(host.mac, i);
    }
    if (host.ip !== null) {
      const seen = ips.get(host.ip);
      if (seen !== undefined) c.fail(`${path}.ip`, `${host.ip} is already given to dhcp.hosts[${seen}]`);
      if (host.ip === serverIp) c.fail(`${path}.ip`, `${host.ip} is the server's own address`);
      ips.set(host.ip, i);
    }
    hosts.push(host);
  });

  if (start === null || end === null || mask === null) return null;
  return { rangeStart: start, rangeEnd: end, subnetMask: mask, router, dns, domain, leaseTime, hosts };
}

function isContiguousMask(mask: number): boolean {
  const inverted = ~mask >>> 0;
  return (inverted & (inverted + 1)) === 0;
}
