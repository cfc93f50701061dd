/**
 * The event schema of `pxe-doctor serve`: what the server reports (the plan, then one record per DHCP, TFTP
 * or HTTP event). Defined with its producer; event-log.ts formats it as text or NDJSON (docs/serve.md).
 */

/** Another DHCP server that answered the start-up probe. */
export interface ProbeAnswerInfo {
  /** Option 54, null when the reply had none. */
  serverId: string | null;
  srcIp: string;
  srcMac: string;
  /** Address it offered. */
  offered: string;
}

/** What the server is about to do (text mode prints it before probing; `ready` repeats it). */
export interface ServePlan {
  interface: string;
  address: string;
  mac: string;
  mtu: number;
  mode: 'dhcp' | 'proxy';
  dhcp: boolean;
  tftp: boolean;
  /** HTTP port, null when not served. */
  http: number | null;
  /** "START-END", null in proxy mode or without DHCP. */
  range: string | null;
  root: string;
  /** Configured boot files by client kind (bios, uefi, arm64, http, ipxe). */
  boot: Record<string, string>;
  leaseFile: string | null;
  /** Largest TFTP block size granted (interface MTU − 32). */
  tftpMaxBlksize: number;
  /** What runs TFTP data transfers: the native pump or the TypeScript engine; null without TFTP. */
  tftpEngine: 'native' | 'js' | null;
}

export type ServeEvent =
  | ({ event: 'ready'; otherServers: ProbeAnswerInfo[] } & ServePlan)
  | { event: 'probe'; interface: string; answered: ProbeAnswerInfo[]; forced: boolean }
  | {
      event: 'dhcp-received';
      mac: string;
      xid: number;
      type: string | null;
      port: number;
      arch: string | null;
      userClass: string | null;
    }
  | {
      event: 'dhcp-replied';
      mac: string;
      xid: number;
      type: string;
      yiaddr: string;
      file: string;
      nextServer: string;
      toIp: string;
      toPort: number;
      broadcast: boolean;
    }
  | { event: 'dhcp-ignored'; mac: string; xid: number; reason: string; detail: string }
  | { event: 'boot'; mac: string; xid: number; file: string | null; reason: string }
  | { event: 'lease'; mac: string; ip: string; expires: string; action: string }
  | { event: 'tftp-start'; client: string; file: string; options: Record<string, string> }
  | {
      event: 'tftp-end';
      client: string;
      file: string;
      bytes: number;
      seconds: number;
      blksize: number;
      windowsize: number;
      retransmits: number;
      engine: 'native' | 'js';
    }
  | {
      event: 'tftp-error';
      client: string;
      file: string;
      message: string;
      bytes: number;
      reason: string | null;
      engine: 'native' | 'js';
    }
  | { event: 'http'; client: string; method: string; path: string; status: number; bytes: number }
  /** A connection cut by the HTTP idle or send timeout, or refused over the per-client cap. */
  | {
      event: 'http-limit';
      client: string;
      limit: 'idle-timeout' | 'send-timeout' | 'connection-cap';
      detail: string;
    }
  | { event: 'warning'; message: string }
  /** Something the server cannot do until it is fixed (the lease file cannot be written). */
  | { event: 'error'; message: string }
  /** A problem reported by an `error` event is over. */
  | { event: 'notice'; message: string }
  | { event: 'stopped'; signal: string; received: number; sent: number; dropped: number };
