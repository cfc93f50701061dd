/**
 * The reference server's configuration, validated: what `pxe-doctor serve` runs with, whether it came from a
 * config file (JSON or YAML, docs/serve-config.md), from command-line flags, or both. Every address is a
 * dotted quad, every MAC lower-case with colons; absent settings are null, never undefined.
 */

/** Full DHCP server with an address pool, or proxyDHCP beside an existing DHCP server. */
export type ServeMode = 'dhcp' | 'proxy';

/** A client known by MAC: a fixed address and/or its own boot files. */
export interface StaticHostConfig {
  mac: string;
  ip: string | null;
  /** Boot file (or URL) for this client's firmware, instead of the one chosen by architecture. */
  boot: string | null;
  /** iPXE script (file or URL) for this client once iPXE runs, instead of boot.ipxe. */
  ipxe: string | null;
  /** Sent as option 12. */
  hostname: string | null;
}

/** The full server's address pool and the network settings it hands out. */
export interface PoolConfig {
  rangeStart: string;
  rangeEnd: string;
  subnetMask: string;
  router: string | null;
  dns: string[];
  domain: string | null;
  /** Seconds. */
  leaseTime: number;
  hosts: StaticHostConfig[];
}

/** Boot files by client kind (TFTP file names, or URLs for HTTP boot and iPXE). Null: none configured. */
export interface BootConfig {
  /** Option 93 = 0 (or no option 93): e.g. undionly.kpxe, pxelinux.0. */
  bios: string | null;
  /** x64 UEFI (7, 9) and any other UEFI architecture without a file of its own: e.g. ipxe.efi. */
  uefi: string | null;
  /** 32-bit x86 UEFI (6). */
  ia32: string | null;
  /** ARM64 UEFI (11). */
  arm64: string | null;
  /** UEFI HTTP boot (15, 16 …): a URL, sent with option 60 "HTTPClient". */
  http: string | null;
  /** ARM64 UEFI HTTP boot (19): a URL. */
  httpArm64: string | null;
  /** What a client already running iPXE gets (option 77 "iPXE" or option 175): its script, to end the chain. */
  ipxe: string | null;
  /** TFTP server address (siaddr, option 66); default: the server's own address. */
  nextServer: string | null;
}

/** proxyDHCP boot menu (PXE option 43), as dnsmasq's pxe-service / pxe-prompt. */
export interface ProxyConfig {
  /** The one menu item's text. */
  menu: string;
  /** Text shown before booting. */
  prompt: string;
  /** Seconds the prompt waits before booting the menu item (0: at once; 255: wait for a key). */
  timeout: number;
}

export interface ServeConfig {
  mode: ServeMode;
  /** Network interface to serve on (the edge's business; carried through). */
  interface: string | null;
  /** The server's own address on that interface: server identifier (54), default next server. */
  serverIp: string;
  /** Where leases are kept across restarts; null keeps them in memory only. */
  leaseFile: string | null;
  /** Folder the TFTP server serves (carried through for the serve command). */
  tftpRoot: string | null;
  /** The pool; null in proxy mode. */
  dhcp: PoolConfig | null;
  boot: BootConfig;
  proxy: ProxyConfig;
}

/**
 * The config as written in a file (or assembled from flags): every key optional, nothing checked yet.
 * `parseServeConfig` turns it into a ServeConfig or says exactly what is wrong.
 */
export interface ServeConfigInput {
  mode?: string;
  interface?: string;
  serverIp?: string;
  leaseFile?: string;
  tftpRoot?: string;
  dhcp?: {
    range?: { start?: string; end?: string };
    subnetMask?: string;
    router?: string;
    dns?: string[];
    domain?: string;
    leaseTime?: number;
    hosts?: { mac?: string; ip?: string; boot?: string; ipxe?: string; hostname?: string }[];
  };
  boot?: {
    bios?: string;
    uefi?: string;
    ia32?: string;
    arm64?: string;
    http?: string;
    httpArm64?: string;
    ipxe?: string;
    nextServer?: string;
  };
  proxy?: { menu?: string; prompt?: string; timeout?: number };
}
