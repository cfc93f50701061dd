import { stat } from 'node:fs/promises';
import type { CommandModule } from 'yargs';
import { EXIT, UsageError } from '../../errors.js';
import { LEASE_TIME_MAX, LEASE_TIME_MIN } from '../../server/config/limits.js';
import type { ServeRequest } from '../../server/serve.js';
import { exitCodesLine } from '../exit-codes-doc.js';
import { useColor } from '../io.js';

interface ServeArgs {
  interface?: string;
  root?: string;
  proxy: boolean;
  range?: string;
  netmask?: string;
  router?: string;
  dns?: string;
  'lease-time'?: number;
  leases?: string;
  'leases-reset': boolean;
  'boot-bios'?: string;
  'boot-uefi'?: string;
  'boot-arm64'?: string;
  'boot-http'?: string;
  'ipxe-script'?: string;
  host?: string[];
  config?: string;
  http?: number;
  'http-idle-timeout'?: number;
  'http-send-timeout'?: number;
  'http-max-per-client'?: number;
  hardlinks: boolean;
  dhcp: boolean;
  tftp: boolean;
  'tftp-engine': 'auto' | 'js' | 'native';
  json: boolean;
  force: boolean;
  color?: boolean;
}

/** The banner line of each TFTP engine. */
const TFTP_ENGINE_TEXT: Record<string, string> = {
  native: 'native engine: data transfers run in the C pump, a thread each',
  js: 'TypeScript engine',
};

/** --range START-END */
function parseRange(text: string): { start: string; end: string } {
  const m = /^\s*([\d.]+)\s*-\s*([\d.]+)\s*$/.exec(text);
  if (m === null) throw new UsageError(`--range ${text}: expected START-END, e.g. 10.0.0.100-10.0.0.199`);
  return { start: m[1], end: m[2] };
}

/** --host MAC=IP[,FILE] */
function parseHost(text: string): { mac: string; ip: string; boot?: string } {
  const m = /^([0-9A-Fa-f:.-]+)=([\d.]+)(?:,(.+))?$/.exec(text.trim());
  if (m === null)
    throw new UsageError(`--host ${text}: expected MAC=IP[,FILE], e.g. 52:54:00:12:34:56=10.0.0.50`);
  return m[3] !== undefined ? { mac: m[1], ip: m[2], boot: m[3] } : { mac: m[1], ip: m[2] };
}

/** `pxe-doctor serve`: a standards-exact PXE server on one interface (see docs/serve.md). */
export function serveCommand(setExit: (code: number) => void): CommandModule<object, ServeArgs> {
  return {
    command: 'serve',
    describe: 'Run a PXE server (DHCP or proxyDHCP, TFTP) on one interface',
    builder: (y) =>
      y
        .option('interface', {
          type: 'string',
          description:
            'required (here or in --config): the one interface to answer on (its first IPv4 address is the server)',
        })
        .option('root', {
          type: 'string',
          description: 'required (here or in --config): folder served by TFTP (and HTTP)',
        })
        .option('proxy', {
          type: 'boolean',
          default: false,
          description: 'proxyDHCP (67 + boot service 4011) beside another DHCP server',
        })
        .option('range', { type: 'string', description: 'addresses to lease, START-END' })
        .option('netmask', {
          type: 'string',
          description: "subnet mask handed out (default: the interface's)",
        })
        .option('router', { type: 'string', description: 'default gateway handed out' })
        .option('dns', { type: 'string', description: 'DNS servers handed out, IP,IP…' })
        .option('lease-time', { type: 'number', description: 'lease time in seconds (default 3600)' })
        .option('leases', { type: 'string', description: 'lease file kept across restarts' })
        .option('leases-reset', {
          type: 'boolean',
          default: false,
          description: 'start with no leases, overwriting a damaged --leases file',
        })
        .option('boot-bios', {
          type: 'string',
          description: 'boot file for BIOS clients, e.g. undionly.kpxe',
        })
        .option('boot-uefi', {
          type: 'string',
          description: 'boot file for x86-64 UEFI clients, e.g. ipxe.efi',
        })
        .option('boot-arm64', { type: 'string', description: 'boot file for ARM64 UEFI clients' })
        .option('boot-http', { type: 'string', description: 'URL for UEFI HTTP boot clients' })
        .option('ipxe-script', {
          type: 'string',
          description: 'what a client already running iPXE gets (file or URL)',
        })
        .option('host', {
          type: 'string',
          array: true,
          description: 'static host MAC=IP[,FILE] (repeatable)',
        })
        .option('config', { type: 'string', description: 'JSON or YAML config file (flags override it)' })
        .option('http', { type: 'number', description: 'serve the root over HTTP on this port too' })
        .option('http-idle-timeout', {
          type: 'number',
          description: 'seconds an HTTP connection may go without a request (default 10)',
        })
        .option('http-send-timeout', {
          type: 'number',
          description: 'seconds an HTTP response may go without the client reading it (default 30)',
        })
        .option('http-max-per-client', {
          type: 'number',
          description: 'HTTP connections at once from one client address (default 8)',
        })
        .option('hardlinks', {
          type: 'boolean',
          default: true,
          description: 'serve files hard-linked from outside the root (--no-hardlinks: refuse them)',
        })
        .option('dhcp', { type: 'boolean', default: true, description: 'answer DHCP (--no-dhcp: TFTP only)' })
        .option('tftp', { type: 'boolean', default: true, description: 'serve TFTP (--no-tftp: DHCP only)' })
        .option('tftp-engine', {
          choices: ['auto', 'js', 'native'] as const,
          default: 'auto' as const,
          description:
            'what runs TFTP data transfers: the native C pump, TypeScript, or auto (native when built)',
        })
        .option('json', { type: 'boolean', default: false, description: 'NDJSON event log on stdout' })
        .option('force', {
          type: 'boolean',
          default: false,
          description: 'start a full DHCP server even when another one answers the probe',
        })
        .example(
          '$0 serve --interface eth1 --root /srv/tftp --range 10.0.0.100-10.0.0.199 --boot-bios undionly.kpxe --boot-uefi ipxe.efi --ipxe-script boot.ipxe',
          'full DHCP server (iPXE then gets boot.ipxe, not the iPXE image again)',
        )
        .example(
          '$0 serve --interface eth1 --root /srv/tftp --proxy --boot-bios undionly.kpxe --boot-uefi ipxe.efi --ipxe-script boot.ipxe',
          'beside another DHCP server, which keeps handing out the addresses',
        )
        .epilog(
          'Needs root, or CAP_NET_RAW + CAP_NET_BIND_SERVICE (libpcap capture on the interface, ports 67, 69, ' +
            `4011), and libpcap with the optional npm package cap (docs/serve.md).\n\n${exitCodesLine('serve')}`,
        ),
    handler: async (args) => {
      setExit(await runServe(toRequest(args), { json: args.json, color: useColor(args.color) }));
    },
  };
}

function toRequest(args: ServeArgs): ServeRequest {
  if (args.http !== undefined && (!Number.isInteger(args.http) || args.http < 1 || args.http > 65535))
    throw new UsageError(`--http ${args.http}: a port number 1-65535`);
  const lease = args['lease-time'];
  if (lease !== undefined && !(Number.isInteger(lease) && lease >= LEASE_TIME_MIN && lease <= LEASE_TIME_MAX))
    throw new UsageError(`--lease-time ${lease}: whole seconds, ${LEASE_TIME_MIN}-${LEASE_TIME_MAX}`);
  for (const flag of ['http-idle-timeout', 'http-send-timeout'] as const) {
    const v = args[flag];
    if (v !== undefined && !(Number.isFinite(v) && v > 0 && v <= 86400))
      throw new UsageError(`--${flag} ${v}: seconds, more than 0 and at most 86400`);
  }
  const perClient = args['http-max-per-client'];
  if (perClient !== undefined && !(Number.isInteger(perClient) && perClient >= 1 && perClient <= 65535))
    throw new UsageError(`--http-max-per-client ${perClient}: a whole number 1-65535`);
  if (!args.dhcp && !args.tftp && args.http === undefined)
    throw new UsageError('--no-dhcp and --no-tftp: nothing left to serve');
  return {
    interface: args.interface ?? null,
    root: args.root ?? null,
    proxy: args.proxy,
    range: args.range !== undefined ? parseRange(args.range) : null,
    netmask: args.netmask ?? null,
    router: args.router ?? null,
    dns:
      args.dns !== undefined
        ? args.dns
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '')
        : null,
    leaseTime: args['lease-time'] ?? null,
    leases: args.leases ?? null,
    leasesReset: args['leases-reset'],
    bootBios: args['boot-bios'] ?? null,
    bootUefi: args['boot-uefi'] ?? null,
    bootArm64: args['boot-arm64'] ?? null,
    bootHttp: args['boot-http'] ?? null,
    ipxeScript: args['ipxe-script'] ?? null,
    hosts: (args.host ?? []).map(parseHost),
    config: args.config ?? null,
    http: args.http ?? null,
    httpIdleTimeout: args['http-idle-timeout'] ?? null,
    httpSendTimeout: args['http-send-timeout'] ?? null,
    httpMaxPerClient: perClient ?? null,
    noHardlinks: !args.hardlinks,
    dhcp: args.dhcp,
    tftp: args.tftp,
    tftpEngine: args['tftp-engine'],
    force: args.force,
  };
}

function stringKey(doc: unknown, key: string): string | null {
  if (typeof doc !== 'object' || doc === null) return null;
  const v = (doc as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : null;
}

/** Waits for SIGINT or SIGTERM; resolves with its name. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/** Checks what the request names on this machine, starts the server, runs until a stop signal. */
async function runServe(req: ServeRequest, out: { json: boolean; color: boolean }): Promise<number> {
  const { serveEventJson, serveEventText, servePlanText } = await import('../../server/event-log.js');
  const { readServeConfigDocument, parseServeConfig, ServeConfigError } =
    await import('../../server/config/index.js');
  const { readInterfaceFacts } = await import('../../server/net/interface.js');
  const { loadCap } = await import('../../net/pcap.js');
  const { PROBE_WAIT_MS, httpLimitsOf, serveConfigInput, servePlan, startServe } =
    await import('../../server/serve.js');
  const { tftpEngineFor, TftpEngineError } = await import('../../server/tftp/server.js');
  const { tftpPumpProblem } = await import('../../server/tftp/native.js');
  const configProblem = (e: unknown): never => {
    if (e instanceof ServeConfigError) {
      const hint = /dhcp\.range/.test(e.message)
        ? '\n(a full DHCP server needs --range START-END, or use --proxy)'
        : '';
      throw new UsageError(`${e.message}${hint}`);
    }
    throw e;
  };

  const doc = req.config !== null ? await readServeConfigDocument(req.config).catch(configProblem) : {};
  const iface = req.interface ?? stringKey(doc, 'interface');
  if (iface === null) throw new UsageError('serve needs --interface IFACE (the one interface to answer on)');
  const root = req.root ?? stringKey(doc, 'tftpRoot');
  if (root === null) throw new UsageError('serve needs --root DIR (the folder served by TFTP)');
  const rootStat = await stat(root).catch(() => null);
  if (rootStat === null || !rootStat.isDirectory()) throw new UsageError(`--root ${root}: not a folder`);

  const facts = readInterfaceFacts(iface);
  let config = null;
  if (req.dhcp) {
    try {
      config = parseServeConfig(serveConfigInput(req, facts, doc), req.config);
    } catch (e) {
      configProblem(e);
    }
    loadCap();
  }

  const write = (text: string): void => {
    process.stdout.write(text);
  };
  const emit = out.json
    ? (e: Parameters<typeof serveEventJson>[0]): void => write(serveEventJson(e, new Date()))
    : (e: Parameters<typeof serveEventJson>[0]): void =>
        write(serveEventText(e, new Date(), { color: out.color }));
  const options = {
    facts,
    config,
    root,
    dhcp: req.dhcp,
    tftp: req.tftp,
    tftpEngine: req.tftpEngine,
    http: req.http,
    httpLimits: httpLimitsOf(req),
    noHardlinks: req.noHardlinks,
    force: req.force,
    resetLeases: req.leasesReset,
    emit,
  };
  let engine: string;
  try {
    engine = tftpEngineFor(req.tftpEngine);
  } catch (e) {
    if (e instanceof TftpEngineError) throw new UsageError(`--tftp-engine ${req.tftpEngine}: ${e.message}`);
    throw e;
  }
  if (!out.json) {
    write(servePlanText(servePlan(options), { color: out.color }));
    if (req.tftp) {
      // auto without the pump says why, so a slower TFTP is never a surprise.
      const why = engine === 'js' && req.tftpEngine === 'auto' ? ` (native pump ${tftpPumpProblem()})` : '';
      const { Chalk } = await import('chalk');
      write(
        `${new Chalk({ level: out.color ? 1 : 0 }).bold('tftp')}      ${TFTP_ENGINE_TEXT[engine]}${why}\n`,
      );
    }
    if (config !== null && config.mode === 'dhcp')
      write(`probing for another DHCP server on ${facts.name} (${PROBE_WAIT_MS / 1000} s) …\n`);
  }
  const stop = stopSignal();
  const running = await startServe(options, (answered, forced) => {
    if (!out.json) emit({ event: 'probe', interface: facts.name, answered, forced });
  });
  const signal = await stop;
  await running.close(signal);
  return EXIT.ok;
}
