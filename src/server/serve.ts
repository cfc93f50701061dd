/**
 * `pxe-doctor serve` as a library: probes for another DHCP server, then runs the TFTP server, the DHCP
 * engine behind the layer-2 edge, and turns everything that happens into ServeEvents for the event log.
 * The CLI parses flags and prints; nothing here writes to stdout.
 */
import type { ProbeAnswerInfo, ServeEvent, ServePlan } from './events.js';
import { mergeServeConfigInput } from './config/load.js';
import type { ServeConfig, ServeConfigInput } from './config/types.js';
import { openDhcpEngine, type PxeDhcpEngine } from './dhcp/engine.js';
import type { DhcpInbound, DhcpOutbound, DhcpServerEvent } from './dhcp/types.js';
import { startDhcpEdge, type DhcpEdge, type EdgeProblem } from './net/edge.js';
import { OtherDhcpServerError } from './net/errors.js';
import type { InterfaceFacts } from './net/interface.js';
import { probeDhcpServers } from './net/probe.js';
import { createHttpServer, type HttpFileServer } from './http/index.js';
import { createTftpServer, tftpEngineFor, type TftpEngineChoice, type TftpServer } from './tftp/index.js';

/**
 * How long the probe waits for OFFERs. dnsmasq pings an address for up to 3 s before offering it (its
 * PING_WAIT), so a shorter wait misses the most common DHCP server on small networks.
 */
export const PROBE_WAIT_MS = 4000;

/** IP (20) + UDP (8) + TFTP (4) headers: the largest block that fits one frame (dnsmasq uses the same). */
export const TFTP_HEADERS = 32;

export interface ServeOptions {
  facts: InterfaceFacts;
  /** Validated configuration; null when DHCP is off (--no-dhcp). */
  config: ServeConfig | null;
  /** Folder TFTP serves. */
  root: string;
  dhcp: boolean;
  tftp: boolean;
  /** Which engine runs TFTP data phases (default 'auto': the native pump when built). */
  tftpEngine?: TftpEngineChoice;
  /** HTTP port over the same root, null for none. */
  http: number | null;
  /** Start a full DHCP server even when another one answers the probe. */
  force: boolean;
  /** How long the probe waits for OFFERs, ms (default PROBE_WAIT_MS). */
  probeWaitMs?: number;
  /** Every event, in order; the first after start-up is `ready`. */
  emit: (event: ServeEvent) => void;
}

export interface RunningServe {
  plan: ServePlan;
  /** Flushes leases, closes sockets and handles; emits `stopped`. */
  close(signal: string): Promise<void>;
}

/** What the server is about to do, from the options alone (printed before probing). */
export function servePlan(o: Omit<ServeOptions, 'emit' | 'force'>): ServePlan {
  const cfg = o.config;
  const boot: Record<string, string> = {};
  if (cfg !== null) {
    const b = cfg.boot;
    const entries: [string, string | null][] = [
      ['bios', b.bios],
      ['uefi', b.uefi],
      ['ia32', b.ia32],
      ['arm64', b.arm64],
      ['http', b.http],
      ['ipxe', b.ipxe],
    ];
    for (const [k, v] of entries) if (v !== null) boot[k] = v;
  }
  const pool = cfg?.dhcp ?? null;
  return {
    interface: o.facts.name,
    address: o.facts.address,
    mac: o.facts.mac,
    mtu: o.facts.mtu,
    mode: cfg?.mode ?? 'dhcp',
    dhcp: o.dhcp && cfg !== null,
    tftp: o.tftp,
    http: o.http,
    range: o.dhcp && pool !== null ? `${pool.rangeStart}-${pool.rangeEnd}` : null,
    root: o.root,
    boot,
    leaseFile: o.dhcp ? (cfg?.leaseFile ?? null) : null,
    tftpMaxBlksize: o.facts.mtu - TFTP_HEADERS,
    tftpEngine: o.tftp ? tftpEngineFor(o.tftpEngine ?? 'auto') : null,
  };
}

/** The engine's events as event-log entries. */
export function dhcpEventToServe(e: DhcpServerEvent): ServeEvent {
  switch (e.kind) {
    case 'received':
      return {
        event: 'dhcp-received',
        mac: e.mac,
        xid: e.xid,
        type: e.messageType,
        port: e.port,
        arch: e.arch,
        userClass: e.userClass,
      };
    case 'replied':
      return {
        event: 'dhcp-replied',
        mac: e.mac,
        xid: e.xid,
        type: e.messageType,
        yiaddr: e.yiaddr,
        file: e.file,
        nextServer: e.nextServer,
        toIp: e.to.ip,
        toPort: e.to.port,
        broadcast: e.to.broadcast,
      };
    case 'ignored':
      return { event: 'dhcp-ignored', mac: e.mac, xid: e.xid, reason: e.reason, detail: e.detail };
    case 'lease':
      return {
        event: 'lease',
        mac: e.mac,
        ip: e.ip,
        expires: new Date(e.expires).toISOString(),
        action: e.action,
      };
    case 'boot':
      return { event: 'boot', mac: e.mac, xid: e.xid, file: e.file, reason: e.reason };
  }
}

function edgeProblemMessage(p: EdgeProblem): string | null {
  switch (p.kind) {
    // Frames the filter let through but that are no use (fragments, garbage) are counted, not logged.
    case 'dropped':
      return null;
    case 'send-failed':
      return `sending a DHCP reply failed: ${p.message}`;
    case 'guard-socket':
      return `UDP port ${p.port} is taken by another program (${p.message}); unicast DHCP still works`;
    case 'handler-failed':
      return `a DHCP message could not be handled: ${p.message}`;
  }
}

function attachTftpEvents(tftp: TftpServer, emit: (e: ServeEvent) => void): void {
  const client = (peer: { address: string; port: number }): string => `${peer.address}:${peer.port}`;
  tftp.on('request', (e) =>
    emit({ event: 'tftp-start', client: client(e.peer), file: e.filename, options: e.options }),
  );
  tftp.on('complete', (e) =>
    emit({
      event: 'tftp-end',
      client: client(e.peer),
      file: e.filename,
      bytes: e.bytes,
      seconds: e.seconds,
      blksize: e.blksize,
      windowsize: e.windowsize,
      retransmits: e.retransmits,
      engine: e.engine,
    }),
  );
  tftp.on('error', (e) =>
    emit({
      event: 'tftp-error',
      client: client(e.peer),
      file: e.filename,
      message: e.message,
      bytes: e.bytes,
      reason: e.reason ?? null,
      engine: e.engine,
    }),
  );
}

/**
 * Probes (full DHCP mode only), then starts TFTP, the engine and the edge. Rejects with
 * OtherDhcpServerError when another server answered and `force` is off, InterfaceError when the interface
 * cannot be used. `onProbe` sees the probe's answers before anything starts.
 */
export async function startServe(
  options: ServeOptions,
  onProbe: (answers: ProbeAnswerInfo[], forced: boolean) => void = () => undefined,
): Promise<RunningServe> {
  const { facts, config, emit } = options;
  const plan = servePlan(options);
  let otherServers: ProbeAnswerInfo[] = [];
  if (plan.dhcp && config !== null && config.mode === 'dhcp') {
    otherServers = await probeDhcpServers(facts, options.probeWaitMs ?? PROBE_WAIT_MS);
    onProbe(otherServers, options.force);
    if (otherServers.length > 0 && !options.force) {
      const who = otherServers
        .map((a) => `${a.serverId ?? a.srcIp} (MAC ${a.srcMac}, offered ${a.offered})`)
        .join(', ');
      throw new OtherDhcpServerError(
        `another DHCP server answers on ${facts.name}: ${who}. Run with --proxy to serve boot files ` +
          `beside it, or --force to start a second DHCP server anyway`,
      );
    }
  }

  let tftp: TftpServer | null = null;
  let http: HttpFileServer | null = null;
  let engine: PxeDhcpEngine | null = null;
  let edge: DhcpEdge | null = null;
  try {
    if (options.tftp) {
      tftp = await createTftpServer({
        root: options.root,
        address: facts.address,
        port: 69,
        maxBlksize: facts.mtu - TFTP_HEADERS,
        engine: options.tftpEngine ?? 'auto',
      });
      attachTftpEvents(tftp, emit);
    }
    if (options.http !== null) {
      http = await createHttpServer({ root: options.root, host: facts.address, port: options.http });
      http.on('request', (e) =>
        emit({
          event: 'http',
          client: `${e.remote.address}:${e.remote.port}`,
          method: e.method,
          path: JSON.stringify(e.target).slice(1, -1),
          status: e.status,
          bytes: e.bytes,
        }),
      );
    }
    if (plan.dhcp && config !== null) {
      const eng = await openDhcpEngine(config);
      engine = eng;
      edge = await startDhcpEdge({
        facts,
        handle: (inbound: DhcpInbound): readonly DhcpOutbound[] => {
          const result = eng.handle(inbound);
          for (const e of result.events) emit(dhcpEventToServe(e));
          return result.replies;
        },
        onProblem: (p) => {
          const message = edgeProblemMessage(p);
          if (message !== null) emit({ event: 'warning', message });
        },
      });
    }
  } catch (e) {
    await edge?.close();
    await engine?.close();
    await http?.close();
    await tftp?.close();
    throw e;
  }

  emit({ event: 'ready', ...plan, otherServers });
  let closed = false;
  return {
    plan,
    async close(signal: string): Promise<void> {
      if (closed) return;
      closed = true;
      const counters = edge?.counters() ?? { received: 0, sent: 0, dropped: 0, sendFailed: 0 };
      await edge?.close();
      await engine?.close();
      await http?.close();
      await tftp?.close();
      emit({
        event: 'stopped',
        signal,
        received: counters.received,
        sent: counters.sent,
        dropped: counters.dropped,
      });
    },
  };
}

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
  bootBios: string | null;
  bootUefi: string | null;
  bootArm64: string | null;
  bootHttp: string | null;
  ipxeScript: string | null;
  hosts: { mac: string; ip: string; boot?: string }[];
  /** Config file (JSON or YAML); flags override it. */
  config: string | null;
  http: number | null;
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
