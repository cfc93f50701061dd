/**
 * `pxe-doctor serve` as a library: probes for another DHCP server, then runs the TFTP server, the DHCP
 * engine behind the layer-2 edge, and turns everything that happens into ServeEvents for the event log.
 * The CLI parses flags and prints; nothing here writes to stdout.
 */
import { constants, realpathSync, statSync } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import type { ProbeAnswerInfo, ServeEvent, ServePlan } from './events.js';
import { bootConfigWarnings } from './config/boot-check.js';
import type { ServeConfig } from './config/types.js';
import { openDhcpEngine, type PxeDhcpEngine } from './dhcp/engine.js';
import { LeaseGate } from './dhcp/lease-gate.js';
import { osReason } from './dhcp/lease-file.js';
import type { DhcpInbound, DhcpOutbound } from './dhcp/types.js';
import { startDhcpEdge, type DhcpEdge } from './net/edge.js';
import { OtherDhcpServerError, bindError } from './net/errors.js';
import { lockInterface, type InstanceLock } from './net/instance-lock.js';
import type { InterfaceFacts } from './net/interface.js';
import { probeDhcpServers } from './net/probe.js';
import { createHttpServer, type HttpFileServer, type HttpLimits } from './http/index.js';
import { createTftpServer, tftpEngineFor, type TftpEngineChoice, type TftpServer } from './tftp/index.js';
import { attachHttpEvents, attachTftpEvents, dhcpEventToServe, edgeProblemMessage } from './serve-events.js';

export { dhcpEventToServe } from './serve-events.js';
export { httpLimitsOf, serveConfigInput, type ServeRequest } from './serve-request.js';

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
  /** HTTP timeouts and per-client connection cap (defaults: DEFAULT_HTTP_LIMITS). */
  httpLimits?: Partial<HttpLimits>;
  /** Refuse files hard-linked from outside the root, over TFTP and HTTP (--no-hardlinks). */
  noHardlinks?: boolean;
  /** Start a full DHCP server even when another one answers the probe. */
  force: boolean;
  /** How long the probe waits for OFFERs, ms (default PROBE_WAIT_MS). */
  probeWaitMs?: number;
  /** Start with no leases whatever the lease file holds (--leases-reset). */
  resetLeases?: boolean;
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

/** The root must be a folder the server can list and read: found now, not as every RRQ refused later. */
async function checkRoot(root: string): Promise<void> {
  try {
    await access(root, constants.R_OK | constants.X_OK);
    await readdir(root);
  } catch (e) {
    throw new InputError(`--root ${root}: cannot be read: ${osReason(e)}`);
  }
}

/** Whether a TFTP file name is a file inside the root (after symlinks), as the TFTP server will find it. */
function fileUnderRoot(root: string, file: string): boolean {
  try {
    const realRoot = realpathSync(root);
    const path = realpathSync(resolve(realRoot, file.replace(/^\/+/, '')));
    return path.startsWith(realRoot + sep) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Closes whatever was opened, last first; one failure does not keep the rest open. */
async function closeAll(parts: readonly ({ close(): Promise<void> } | null)[]): Promise<void> {
  for (const p of parts) await p?.close().catch(() => undefined);
}

/**
 * Checks and binds everything that can fail on this machine (the interface lock, the lease file, the root,
 * the TFTP and HTTP ports), then probes (full DHCP mode only), then starts the DHCP edge: a busy port or a
 * damaged lease file is reported at once, not after the probe. Rejects with OtherDhcpServerError when
 * another server (or another `serve` on the interface) answered and `force` is off, InterfaceError when the
 * interface or a port cannot be used, LeaseFileError / InputError for the lease file and the root.
 * `onProbe` sees the probe's answers before DHCP starts.
 */
export async function startServe(
  options: ServeOptions,
  onProbe: (answers: ProbeAnswerInfo[], forced: boolean) => void = () => undefined,
): Promise<RunningServe> {
  const { facts, config, emit } = options;
  const plan = servePlan(options);
  let lock: InstanceLock | null = null;
  let tftp: TftpServer | null = null;
  let http: HttpFileServer | null = null;
  let engine: PxeDhcpEngine | null = null;
  let gate: LeaseGate | null = null;
  let edge: DhcpEdge | null = null;
  let otherServers: ProbeAnswerInfo[] = [];
  try {
    lock = await lockInterface(facts.name);
    if (plan.dhcp && config !== null) {
      engine = await openDhcpEngine(config, {
        resetLeases: options.resetLeases ?? false,
        onLeaseWriteError: (e) => gate?.writeFailed(e),
      });
    }
    if (options.tftp || options.http !== null) await checkRoot(options.root);
    if (options.tftp) {
      tftp = await createTftpServer({
        root: options.root,
        address: facts.address,
        port: 69,
        maxBlksize: facts.mtu - TFTP_HEADERS,
        engine: options.tftpEngine ?? 'auto',
        noHardlinks: options.noHardlinks ?? false,
      }).catch((e: unknown) => {
        throw isBindFailure(e) ? bindError('TFTP (UDP)', 69, facts.address, e) : e;
      });
      attachTftpEvents(tftp, emit);
    }
    if (options.http !== null) {
      const port = options.http;
      http = await createHttpServer({
        root: options.root,
        host: facts.address,
        port,
        limits: options.httpLimits,
        noHardlinks: options.noHardlinks ?? false,
      }).catch((e: unknown) => {
        throw isBindFailure(e) ? bindError('HTTP (TCP)', port, facts.address, e) : e;
      });
      attachHttpEvents(http, emit);
    }
    if (plan.dhcp && config !== null && config.mode === 'dhcp') {
      otherServers = await probeDhcpServers(facts, options.probeWaitMs ?? PROBE_WAIT_MS);
      onProbe(otherServers, options.force);
      if (otherServers.length > 0 && !options.force) {
        const who = otherServers
          .map((a) => `${a.serverId ?? a.srcIp} (MAC ${a.srcMac}, offered ${a.offered})`)
          .join(', ');
        const ours = otherServers.some((a) => a.srcMac === facts.mac)
          ? ' (from this host: another DHCP server on this interface)'
          : '';
        throw new OtherDhcpServerError(
          `another DHCP server answers on ${facts.name}: ${who}${ours}. Run with --proxy to serve boot ` +
            `files beside it, or --force to start a second DHCP server anyway`,
        );
      }
    }
    if (engine !== null) {
      const eng = engine;
      const leases = new LeaseGate(eng, {
        onFailure: (e) =>
          emit({
            event: 'error',
            message:
              `cannot write the lease file: ${osReason(e)}; no new addresses are granted until it ` +
              'can be written (renewals go on)',
          }),
        onRecovered: () => emit({ event: 'notice', message: 'the lease file can be written again' }),
      });
      gate = leases;
      edge = await startDhcpEdge({
        facts,
        handle: (inbound: DhcpInbound): readonly DhcpOutbound[] | Promise<readonly DhcpOutbound[]> => {
          const result = eng.handle(inbound);
          for (const e of result.events) emit(dhcpEventToServe(e));
          return leases.replies(result);
        },
        onProblem: (p) => {
          const message = edgeProblemMessage(p);
          if (message !== null) emit({ event: 'warning', message });
        },
      });
    }
  } catch (e) {
    gate?.close();
    await closeAll([edge, engine, http, tftp, lock]);
    throw e;
  }

  emit({ event: 'ready', ...plan, otherServers });
  // Traps in the boot configuration, right after `ready` (the first event of the log).
  if (plan.dhcp && config !== null)
    for (const message of bootConfigWarnings({
      boot: config.boot,
      mode: config.mode,
      root: options.root,
      underRoot: (file) => fileUnderRoot(options.root, file),
    }))
      emit({ event: 'warning', message });
  let closed = false;
  return {
    plan,
    async close(signal: string): Promise<void> {
      if (closed) return;
      closed = true;
      const counters = edge?.counters() ?? { received: 0, sent: 0, dropped: 0, sendFailed: 0 };
      await edge?.close();
      gate?.close();
      await engine
        ?.close()
        .catch((e: unknown) =>
          emit({ event: 'error', message: `the leases could not be saved: ${osReason(e)}` }),
        );
      await http?.close();
      await tftp?.close();
      await lock?.close();
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

/** A socket error from bind(2): the port or address cannot be had. */
function isBindFailure(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'EPERM';
}
