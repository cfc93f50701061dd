/**
 * The PXE server a firmware boot test runs against, either dnsmasq (the reference peer) or
 * `pxe-doctor serve`, configured from one description of what to serve (`BootPlan`). Both run inside the
 * test's server namespace on its bridge and log to the test, never to the system.
 */
import { join } from 'node:path';
import { projectRoot } from '../../support/fixtures.js';
import { inNamespace } from './netns.js';
import { which } from './require.js';
import { PXE_DOCTOR, pxeDoctor, pxeDoctorEnv, start, type Background } from './run.js';

export type BootServerKind = 'dnsmasq' | 'pxe-doctor';

/** What the server hands out; file names are relative to the TFTP root. */
export interface BootPlan {
  /** full: addresses and boot files; proxy: boot files only, beside another DHCP server. */
  mode: 'full' | 'proxy';
  /** For BIOS clients (option 93 = 0, or none). */
  bootBios: string;
  /** For x86-64 UEFI clients (option 93 = 7 or 9). */
  bootUefi?: string;
  /** For clients that are iPXE already (user class "iPXE"), whatever their architecture. */
  ipxeScript?: string;
}

/** Where the server runs: its namespace, interface, address and the segment's address range. */
export interface ServerSite {
  namespace: string;
  iface: string;
  address: string;
  netmask: string;
  network: string;
  range: readonly [string, string];
  /** TFTP root. */
  root: string;
  /** Folder for the server's own files (configuration, leases). */
  dir: string;
}

/** How long a server may take to say it is ready. */
const READY_MS = 30_000;

const COMMON_DNSMASQ = (site: ServerSite, name: string): string[] => [
  `# ${name}: inside namespace ${site.namespace} only`,
  'port=0',
  `interface=${site.iface}`,
  'bind-interfaces',
  'no-hosts',
  'no-resolv',
  'user=nobody',
  'group=nogroup',
  `pid-file=${join(site.dir, `${name}.pid`)}`,
  `dhcp-leasefile=${join(site.dir, `${name}.leases`)}`,
  'log-dhcp',
  'log-facility=-',
];

/** dnsmasq as the PXE server: DHCP (or proxyDHCP) and TFTP, with the same choices `serve` makes. */
export function dnsmasqPxeConfig(plan: BootPlan, site: ServerSite): string {
  const lines = [...COMMON_DNSMASQ(site, 'dnsmasq-pxe'), 'enable-tftp', `tftp-root=${site.root}`];
  if (plan.mode === 'proxy') {
    if (plan.bootUefi !== undefined || plan.ipxeScript !== undefined || !plan.bootBios.endsWith('.0'))
      throw new Error('the dnsmasq proxy configuration here serves one BIOS boot file named *.0');
    lines.push(
      `dhcp-range=${site.network},proxy,${site.netmask}`,
      // A one-second prompt, then PXE boot-server discovery on port 4011 (dnsmasq adds the ".0" itself).
      'pxe-prompt="pxe-doctor e2e proxyDHCP",1',
      `pxe-service=x86PC,"pxelinux via proxyDHCP",${plan.bootBios.slice(0, -2)}`,
    );
  } else {
    // no-ping: offer at once instead of after a 3 s ping check of the candidate address.
    lines.push(`dhcp-range=${site.range[0]},${site.range[1]},${site.netmask},1h`, 'no-ping');
    lines.push('dhcp-match=set:efi64,option:client-arch,7', 'dhcp-match=set:efi64,option:client-arch,9');
    if (plan.ipxeScript !== undefined) {
      lines.push('dhcp-userclass=set:ipxe,iPXE', `dhcp-boot=tag:ipxe,${plan.ipxeScript}`);
    }
    if (plan.bootUefi !== undefined) lines.push(`dhcp-boot=tag:efi64,tag:!ipxe,${plan.bootUefi}`);
    lines.push(`dhcp-boot=tag:!efi64,tag:!ipxe,${plan.bootBios}`);
  }
  return [...lines, ''].join('\n');
}

/** dnsmasq as a plain DHCP server: addresses only, no boot information (the proxy test's other server). */
export function dnsmasqPlainConfig(site: ServerSite): string {
  return [
    ...COMMON_DNSMASQ(site, 'dnsmasq-plain'),
    `dhcp-range=${site.range[0]},${site.range[1]},${site.netmask},1h`,
    'no-ping',
    '',
  ].join('\n');
}

/** `pxe-doctor serve` arguments for the plan (the command line agreed for `serve`). */
export function serveArgs(plan: BootPlan, site: ServerSite): string[] {
  const args = ['serve', '--interface', site.iface, '--root', site.root, '--json'];
  if (plan.mode === 'proxy') args.push('--proxy');
  else {
    args.push('--range', `${site.range[0]}-${site.range[1]}`, '--netmask', site.netmask);
    args.push('--lease-time', '3600', '--leases', join(site.dir, 'pxe-doctor.leases'));
  }
  args.push('--boot-bios', plan.bootBios);
  if (plan.bootUefi !== undefined) args.push('--boot-uefi', plan.bootUefi);
  if (plan.ipxeScript !== undefined) args.push('--ipxe-script', plan.ipxeScript);
  return args;
}

/** Starts dnsmasq in the site's namespace with `config` (written to the site's folder by the caller). */
export async function startDnsmasq(
  site: ServerSite,
  confPath: string,
  timeoutMs: number,
): Promise<Background> {
  const dnsmasq = start(
    ...inNamespace(site.namespace, which('dnsmasq') ?? 'dnsmasq', [
      '--keep-in-foreground',
      `--conf-file=${confPath}`,
    ]),
    { timeoutMs },
  );
  // "DHCP, IP range …" / "DHCP, proxy on subnet …" is logged once the sockets are open.
  await dnsmasq.waitFor(/DHCP, (IP range|proxy on subnet)/, READY_MS, 'stderr');
  return dnsmasq;
}

/** Starts `pxe-doctor serve` in the site's namespace and waits for its `ready` event. */
export async function startServe(plan: BootPlan, site: ServerSite, timeoutMs: number): Promise<Background> {
  const serve = start(
    ...inNamespace(site.namespace, process.execPath, [PXE_DOCTOR, ...serveArgs(plan, site)]),
    {
      timeoutMs,
      env: pxeDoctorEnv(),
      cwd: projectRoot(),
    },
  );
  await serve.waitFor(/"event"\s*:\s*"ready"/, READY_MS, 'stdout');
  return serve;
}

let serveProbe: Promise<string | null> | undefined;

/**
 * Why `pxe-doctor serve` cannot be used (null when it can): the built CLI must know the command and the
 * options these tests pass. Checked once.
 */
export function serveUnavailable(): Promise<string | null> {
  serveProbe ??= pxeDoctor(['serve', '--help'], { timeoutMs: 30_000 }).then((r) => {
    const help = r.stdout.toString('utf8');
    const wanted = [
      '--interface',
      '--root',
      '--proxy',
      '--boot-bios',
      '--boot-uefi',
      '--ipxe-script',
      '--json',
    ];
    if (r.code !== 0 || !/\bserve\b/.test(help)) return 'pxe-doctor serve is not available yet';
    const missing = wanted.filter((o) => !help.includes(o));
    if (missing.length > 0) return `pxe-doctor serve is not available yet (no ${missing.join(', ')})`;
    return null;
  });
  return serveProbe;
}
