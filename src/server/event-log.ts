/**
 * The event log of `pxe-doctor serve`: the plan printed before starting, then one line per client event
 * (DHCP, TFTP, HTTP) as text, or one JSON object per line (NDJSON, `--json`). The schema is events.ts.
 * Colour only through chalk.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { formatBytes, formatRate, formatSeconds } from '../report/format.js';
import type { ServeEvent, ServePlan } from './events.js';

/** One NDJSON line: the event with the time first. */
export function serveEventJson(e: ServeEvent, time: Date): string {
  return `${JSON.stringify({ time: time.toISOString(), ...e })}\n`;
}

/** The plan, as printed before the server starts. */
export function servePlanText(plan: ServePlan, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const parts = [plan.dhcp ? (plan.mode === 'proxy' ? 'proxyDHCP (67, 4011)' : 'DHCP (67)') : null];
  if (plan.tftp) parts.push(`TFTP (69, blksize ≤ ${plan.tftpMaxBlksize})`);
  if (plan.http !== null) parts.push(`HTTP (${plan.http})`);
  const lines = [
    `${c.bold('interface')} ${plan.interface} ${plan.mac} mtu ${plan.mtu}`,
    `${c.bold('address')}   ${plan.address}`,
    `${c.bold('mode')}      ${plan.mode === 'proxy' ? 'proxyDHCP beside another DHCP server' : 'full DHCP server'}`,
    `${c.bold('serving')}   ${parts.filter((p) => p !== null).join(', ')}`,
  ];
  if (plan.range !== null) lines.push(`${c.bold('range')}     ${plan.range}`);
  if (plan.leaseFile !== null) lines.push(`${c.bold('leases')}    ${plan.leaseFile}`);
  lines.push(`${c.bold('root')}      ${plan.root}`);
  const boot = Object.entries(plan.boot);
  if (boot.length > 0)
    lines.push(`${c.bold('boot')}      ${boot.map(([kind, file]) => `${kind}: ${file}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

function clock(time: Date): string {
  return time.toISOString().slice(11, 23);
}

function eventText(e: ServeEvent, c: ChalkInstance): string {
  switch (e.event) {
    case 'ready': {
      const others = e.otherServers.map((o) => o.serverId ?? o.srcIp).join(', ');
      return `${c.green('ready')}: serving on ${e.interface} (${e.address})${others !== '' ? ` beside ${others}` : ''}`;
    }
    case 'probe':
      if (e.answered.length === 0) return `probe: no other DHCP server answered on ${e.interface}`;
      return e.answered
        .map(
          (a) =>
            `${c.yellow('probe')}: DHCP server ${a.serverId ?? a.srcIp} (${a.srcMac}, from ${a.srcIp}) ` +
            `offered ${a.offered}${e.forced ? ' (--force: starting anyway)' : ''}`,
        )
        .join('\n');
    case 'dhcp-received': {
      const arch = e.arch !== null ? ` arch ${e.arch}` : '';
      const uc = e.userClass !== null ? ` user-class ${e.userClass}` : '';
      return `${c.cyan(e.type ?? 'BOOTP')} from ${e.mac}${arch}${uc} xid 0x${hex(e.xid)}${e.port === 4011 ? ' on 4011' : ''}`;
    }
    case 'dhcp-replied': {
      const to = e.broadcast ? 'broadcast' : `${e.toIp}:${e.toPort}`;
      const ip = e.yiaddr !== '0.0.0.0' ? ` ${e.yiaddr}` : '';
      const file = e.file !== '' ? ` file ${e.file} next-server ${e.nextServer}` : '';
      return `${c.green(e.type)}${ip}${file} to ${e.mac} (${to})`;
    }
    case 'dhcp-ignored':
      return `${c.dim('ignored')} ${e.mac} xid 0x${hex(e.xid)}: ${e.reason}${e.detail !== '' ? ` (${e.detail})` : ''}`;
    case 'boot':
      return `boot ${e.file ?? c.yellow('(no file)')} for ${e.mac}: ${e.reason}`;
    case 'lease':
      return `lease ${e.ip} ${e.action} ${e.mac}${e.action === 'bound' || e.action === 'offered' ? ` until ${e.expires}` : ''}`;
    case 'tftp-start': {
      const opts = Object.entries(e.options).map(([k, v]) => `${k}=${v}`);
      return `${c.cyan('TFTP')} ${e.client} read ${e.file}${opts.length > 0 ? ` (${opts.join(' ')})` : ''}`;
    }
    case 'tftp-end':
      return (
        `${c.green('TFTP done')} ${e.client} ${e.file} ${formatBytes(e.bytes)} in ${formatSeconds(e.seconds)} ` +
        `(${formatRate(e.seconds > 0 ? e.bytes / e.seconds : null)}, blksize ${e.blksize}, window ${e.windowsize}` +
        `${e.retransmits > 0 ? `, ${e.retransmits} retransmits` : ''})`
      );
    case 'tftp-error':
      return `${c.red('TFTP failed')} ${e.client} ${e.file}: ${e.message}${e.reason !== null ? ` (${e.reason})` : ''} after ${formatBytes(e.bytes)}`;
    case 'http':
      return `${c.cyan('HTTP')} ${e.client} ${e.method} ${e.path} ${e.status} ${formatBytes(e.bytes)}`;
    case 'http-limit':
      return `${c.yellow('HTTP')} ${e.client} ${e.limit}: ${e.detail}`;
    case 'warning':
      return `${c.yellow('warning')}: ${e.message}`;
    case 'error':
      return `${c.red('error')}: ${e.message}`;
    case 'notice':
      return `${c.green('notice')}: ${e.message}`;
    case 'stopped':
      return `stopped (${e.signal}): ${e.received} frames received, ${e.sent} sent, ${e.dropped} dropped`;
  }
}

function hex(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** One text line per event, with the time of day (UTC, milliseconds). */
export function serveEventText(e: ServeEvent, time: Date, opts: { color: boolean }): string {
  const c = new Chalk({ level: opts.color ? 1 : 0 });
  const text = eventText(e, c);
  if (e.event === 'ready') return `${text}\n`;
  return `${c.dim(clock(time))} ${text.split('\n').join(`\n${' '.repeat(13)}`)}\n`;
}
