/**
 * The live event log of `pxe-doctor sniff`: one line per boot event as it is seen on the wire, or one JSON
 * object per line (NDJSON, `--json`). The schema is defined here, where output is formatted (docs/sniff.md
 * documents it); src/sniff fills it in. Findings are the same objects as in `analyze --json`.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import type { Finding, Severity } from '../diagnosis/types.js';
import { formatBytes, formatRate, formatSeconds } from './format.js';

export type VerdictStatus = 'ok' | 'fail' | 'warn' | 'unknown' | 'incomplete';

export type SniffEvent =
  | {
      event: 'capture';
      interface: string;
      backend: string;
      filter: string;
      /** Files written (-w), none when not writing. */
      files: string[];
      /** Packets stamped on arrival in pxe-doctor (the cap backend), not by the kernel. */
      arrivalTimestamps: boolean;
    }
  | {
      event: 'client';
      mac: string;
      xid: number;
      /** DISCOVER (port 67) or REQUEST on port 4011 (PXE boot server discovery). */
      type: string;
      port4011: boolean;
      arch: number[];
      archName: string | null;
      vendorClass: string | null;
      userClass: string | null;
      /** iPXE's DHCP (user class iPXE or its option 175): a chain-loaded iPXE continues the client's boot. */
      ipxe: boolean;
      /** This message begins a new boot session (the analysis' sessions: no activity for the idle timeout). */
      boot: boolean;
    }
  | {
      event: 'offer' | 'ack';
      mac: string;
      xid: number;
      server: string;
      /** Address offered or acknowledged; null for proxyDHCP and port 4011 answers (no address). */
      address: string | null;
      bootFile: string | null;
      tftpServer: string | null;
      proxy: boolean;
      port4011: boolean;
    }
  | { event: 'nak'; mac: string; xid: number; server: string; message: string | null }
  | {
      event: 'tftp-start';
      client: string;
      mac: string | null;
      server: string;
      file: string;
      options: Record<string, string>;
    }
  | {
      event: 'tftp-end';
      client: string;
      mac: string | null;
      server: string;
      file: string;
      /** As in `analyze --json` transfers: complete, error, tsize-probe, abandoned, unknown, in-progress. */
      outcome: string;
      bytes: number;
      seconds: number;
      /** Bytes per second, null when no data moved. */
      rate: number | null;
      blksize: number;
      error: { code: number; message: string } | null;
      /** Why an error or probe is expected ("tsize probe", "pxelinux config search"), else null. */
      normal: string | null;
    }
  | { event: 'finding'; finding: Finding }
  | {
      event: 'verdict';
      mac: string;
      /** The boot session judged (as in `analyze --json`): a later verdict for the same id supersedes. */
      session: string;
      status: VerdictStatus;
      reason: string;
      findings: Finding[];
    }
  | { event: 'drops'; dropped: number; received: number | null }
  | {
      event: 'stopped';
      reason: string;
      packets: number;
      /** Packets the backend reports dropped; null when it cannot tell (cap backend, tcpdump killed). */
      dropped: number | null;
      received: number | null;
      files: string[];
    };

/** One NDJSON line: the event with the (capture) time first. */
export function sniffEventJson(e: SniffEvent, time: Date): string {
  return `${JSON.stringify({ time: time.toISOString(), ...e })}\n`;
}

const SEVERITY_COLOR: Record<Severity, (c: ChalkInstance) => ChalkInstance> = {
  error: (c) => c.red.bold,
  warn: (c) => c.yellow.bold,
  info: (c) => c.blue,
};

function statusText(status: VerdictStatus, c: ChalkInstance): string {
  switch (status) {
    case 'ok':
      return c.green.bold('OK');
    case 'fail':
      return c.red.bold('FAIL');
    case 'warn':
      return c.yellow.bold('WARN');
    case 'unknown':
      return c.dim('UNKNOWN');
    case 'incomplete':
      return c.yellow('INCOMPLETE');
  }
}

function bootTarget(e: { bootFile: string | null; tftpServer: string | null }): string {
  if (e.bootFile === null) return '';
  return ` file ${e.bootFile}${e.tftpServer !== null ? ` from ${e.tftpServer}` : ''}`;
}

function findingLine(f: Finding, c: ChalkInstance): string {
  return `${SEVERITY_COLOR[f.severity](c)(f.severity.toUpperCase())} ${c.bold(f.ruleId)} ${f.message}`;
}

function eventText(e: SniffEvent, c: ChalkInstance): string {
  switch (e.event) {
    case 'capture': {
      const file = e.files.length > 0 ? `, writing ${e.files.join(', ')}` : '';
      const stamp = e.arrivalTimestamps
        ? '\n  note: libpcap in-process (cap) gives no packet timestamps: times are when packets reached ' +
          'pxe-doctor, and no drop counts exist'
        : '';
      return `capturing on ${e.interface} with ${e.backend}${file}${stamp}`;
    }
    case 'client': {
      const parts = [e.archName ?? (e.arch.length > 0 ? `arch ${e.arch.join(',')}` : null)];
      if (e.vendorClass !== null) parts.push(e.vendorClass);
      if (e.userClass !== null) parts.push(`user class ${e.userClass}`);
      const what = parts.filter((p) => p !== null).join(', ');
      const kind = e.port4011 ? 'boot server request (4011)' : e.type;
      return `${c.cyan('client')} ${e.mac} ${kind}${what !== '' ? ` (${what})` : ''} xid 0x${hex(e.xid)}`;
    }
    case 'offer':
    case 'ack': {
      const name = e.event === 'offer' ? 'OFFER' : 'ACK';
      const kind = e.port4011 ? `${name} (4011)` : e.proxy ? `${name} (proxyDHCP)` : name;
      const address = e.address !== null ? ` ${e.address}` : '';
      return `${c.green(kind)} from ${e.server} to ${e.mac}${address}${bootTarget(e)}`;
    }
    case 'nak':
      return `${c.red('NAK')} from ${e.server} to ${e.mac}${e.message !== null ? `: ${e.message}` : ''}`;
    case 'tftp-start': {
      const opts = Object.entries(e.options).map(([k, v]) => `${k}=${v}`);
      return `${c.cyan('TFTP')} ${e.client} → ${e.server} read ${e.file}${opts.length > 0 ? ` (${opts.join(' ')})` : ''}`;
    }
    case 'tftp-end':
      return tftpEndText(e, c);
    case 'finding':
      return findingLine(e.finding, c);
    case 'verdict': {
      const head = `${c.bold('verdict')} ${e.mac}: ${statusText(e.status, c)} ${e.reason}`;
      return [head, ...e.findings.map((f) => `  ${findingLine(f, c)}`)].join('\n');
    }
    case 'drops':
      return `${c.yellow('capture dropped')} ${e.dropped} packets${e.received !== null ? ` of ${e.received}` : ''}: the analysis misses them`;
    case 'stopped': {
      const dropped = e.dropped === null ? 'drops unknown' : `${e.dropped} dropped`;
      const files = e.files.length > 0 ? `; written to ${e.files.join(', ')}` : '';
      return `stopped (${e.reason}): ${e.packets} packets captured, ${dropped}${files}`;
    }
  }
}

function tftpEndText(e: Extract<SniffEvent, { event: 'tftp-end' }>, c: ChalkInstance): string {
  const what = `${e.client} ${e.file}`;
  const normal = e.normal !== null ? c.dim(` (normal: ${e.normal})`) : '';
  if (e.outcome === 'complete')
    return `${c.green('TFTP done')} ${what} ${formatBytes(e.bytes)} in ${formatSeconds(e.seconds)} (${formatRate(e.rate)}, blksize ${e.blksize})`;
  if (e.outcome === 'tsize-probe') return `${c.dim('TFTP size probe')} ${what}${normal}`;
  if (e.error !== null) {
    const colour = e.normal !== null ? c.dim : c.red;
    return `${colour('TFTP error')} ${what}: ${e.error.code} ${e.error.message}${normal}`;
  }
  return `${c.yellow(`TFTP ${e.outcome}`)} ${what} after ${formatBytes(e.bytes)}${normal}`;
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** One text line (or a verdict's block) per event, with the capture time of day (UTC, milliseconds). */
export function sniffEventText(e: SniffEvent, time: Date, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const text = eventText(e, c);
  return `${c.dim(time.toISOString().slice(11, 23))} ${text.split('\n').join(`\n${' '.repeat(13)}`)}\n`;
}
