/**
 * What `pxe-doctor serve` was asked for on the command line, and the configuration input it stands for
 * (flags laid over the config file).
 */
import { mergeServeConfigInput } from './config/load.js';
import type { ServeConfigInput } from './config/types.js';
import type { InterfaceFacts } from './net/interface.js';
import type { HttpLimits } from './http/index.js';
import type { TftpEngineChoice } from './tftp/index.js';

/** What the command line asked for (flags parsed, nothing validated against the machine yet). */
export interface ServeRequest {
  interface: string | null;
  root: string | null;
  proxy: boolean;
  range: { start: string; end: string } | null;
  netmask: string | null;
  router: string | null;
  dns: string[] | null;
  leaseTime: number | null;
  leases: string | null;
  /** --leases-reset: start with no leases whatever the file holds. */
  leasesReset: boolean;
  bootBios: string | null;
  bootUefi: string | null;
  bootArm64: string | null;
  bootHttp: string | null;
  ipxeScript: string | null;
  hosts: { mac: string; ip: string; boot?: string }[];
  /** Config file (JSON or YAML); flags override it. */
  config: string | null;
  http: number | null;
  /** --http-idle-timeout, --http-send-timeout (seconds), --http-max-per-client; null: the default. */
  httpIdleTimeout: number | null;
  httpSendTimeout: number | null;
  httpMaxPerClient: number | null;
  /** --no-hardlinks */
  noHardlinks: boolean;
  dhcp: boolean;
  tftp: boolean;
  /** --tftp-engine */
  tftpEngine: TftpEngineChoice;
  force: boolean;
}

/** Only the keys given: undefined leaves the config file's value (mergeServeConfigInput skips it). */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

/**
 * The configuration input the flags stand for, laid over the config file: defaults (the interface's
 * netmask) ← file ← flags. The server address is always the interface's first IPv4 address.
 */
export function serveConfigInput(req: ServeRequest, facts: InterfaceFacts, file: unknown): ServeConfigInput {
  const flags: ServeConfigInput = defined({
    mode: req.proxy ? 'proxy' : undefined,
    interface: facts.name,
    serverIp: facts.address,
    leaseFile: req.leases ?? undefined,
    tftpRoot: req.root ?? undefined,
  });
  const dhcp = defined({
    range: req.range ?? undefined,
    subnetMask: req.netmask ?? undefined,
    router: req.router ?? undefined,
    dns: req.dns ?? undefined,
    leaseTime: req.leaseTime ?? undefined,
    hosts: req.hosts.length > 0 ? req.hosts : undefined,
  });
  if (Object.keys(dhcp).length > 0) flags.dhcp = dhcp;
  const boot = defined({
    bios: req.bootBios ?? undefined,
    uefi: req.bootUefi ?? undefined,
    arm64: req.bootArm64 ?? undefined,
    http: req.bootHttp ?? undefined,
    ipxe: req.ipxeScript ?? undefined,
  });
  if (Object.keys(boot).length > 0) flags.boot = boot;
  const defaults: ServeConfigInput = { dhcp: { subnetMask: facts.netmask } };
  const withFile = mergeServeConfigInput(defaults, (file ?? {}) as ServeConfigInput);
  return mergeServeConfigInput(withFile, flags) as ServeConfigInput;
}

/** The HTTP limits the flags set (the rest keep their defaults). */
export function httpLimitsOf(req: ServeRequest): Partial<HttpLimits> {
  const limits: Partial<HttpLimits> = {};
  if (req.httpIdleTimeout !== null) limits.idleTimeoutMs = req.httpIdleTimeout * 1000;
  if (req.httpSendTimeout !== null) limits.sendTimeoutMs = req.httpSendTimeout * 1000;
  if (req.httpMaxPerClient !== null) limits.maxConnectionsPerClient = req.httpMaxPerClient;
  return limits;
}
