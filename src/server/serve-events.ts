/**
 * How the server's parts report to the event log: the DHCP engine's events, the layer-2 edge's problems,
 * the TFTP and HTTP servers' events, each turned into the ServeEvent it is logged as (events.ts).
 */
import type { ServeEvent } from './events.js';
import type { DhcpServerEvent } from './dhcp/types.js';
import type { EdgeProblem } from './net/edge.js';
import type { HttpFileServer } from './http/index.js';
import type { TftpServer } from './tftp/index.js';

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

export function edgeProblemMessage(p: EdgeProblem): string | null {
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

export function attachTftpEvents(tftp: TftpServer, emit: (e: ServeEvent) => void): void {
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

export function attachHttpEvents(http: HttpFileServer, emit: (e: ServeEvent) => void): void {
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
  http.on('limit', (e) =>
    emit({
      event: 'http-limit',
      client: `${e.remote.address}:${e.remote.port}`,
      limit: e.limit,
      detail: e.detail,
    }),
  );
}
