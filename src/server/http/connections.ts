/**
 * Limits on the HTTP server's connections, so that one host cannot hold the server's sockets and file
 * descriptors (docs/serve.md, "HTTP limits"):
 *
 * - idle timeout: a connection with no response in progress (it has not finished sending a request yet, or
 *   sits between two requests) is closed this long after it opened or its last response ended. A client
 *   dribbling header bytes does not reset it. A connection that never completed a request is reported;
 *   one that has had a response is an ordinary keep-alive connection coming to its end, closed quietly
 *   (Node's own keepAliveTimeout usually closes it first).
 * - send timeout: a response that makes no progress for this long (the client stopped reading, or reads so
 *   slowly that not one read chunk of the file — 64 KiB — is taken in that time) is cut.
 * - per-client cap: connections open at once from one address; one more is answered 503 and closed.
 *
 * Sockets are destroyed on every limit (their file handles close with them) and each cut is reported.
 * The clock is one sweep timer, running only while connections are open.
 */
import type { Socket } from 'node:net';

export interface HttpLimits {
  /** ms; default DEFAULT_HTTP_LIMITS.idleTimeoutMs. */
  idleTimeoutMs: number;
  /** ms; default DEFAULT_HTTP_LIMITS.sendTimeoutMs. */
  sendTimeoutMs: number;
  /** Connections at once from one client address. */
  maxConnectionsPerClient: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  idleTimeoutMs: 10_000,
  sendTimeoutMs: 30_000,
  maxConnectionsPerClient: 8,
};

export type HttpLimitKind = 'idle-timeout' | 'send-timeout' | 'connection-cap';

/** A connection cut by a limit. */
export interface HttpLimitEvent {
  limit: HttpLimitKind;
  remote: { address: string; port: number };
  /** What happened, for the log. */
  detail: string;
}

interface Connection {
  address: string;
  port: number;
  /** A response is in progress. */
  busy: boolean;
  /** Responses finished on this connection. */
  served: number;
  /** When the idle clock (not busy) or the send clock (busy) started. */
  since: number;
}

const BUSY_BODY = 'Too many connections\n';
/** The answer to a connection over the per-client cap; the server closes it right after. */
const BUSY_RESPONSE =
  'HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 5\r\n' +
  `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${BUSY_BODY.length}\r\n\r\n${BUSY_BODY}`;

/** How long a refused connection may take to receive its 503 before it is destroyed, ms. */
const REFUSED_LINGER_MS = 1000;

export class ConnectionGuard {
  private readonly open = new Map<Socket, Connection>();
  private readonly perClient = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly sweepMs: number;

  constructor(
    readonly limits: HttpLimits,
    private readonly onLimit: (e: HttpLimitEvent) => void,
    private readonly now: () => number = Date.now,
  ) {
    // Cuts land within a quarter of the shorter timeout (never more often than every 20 ms).
    this.sweepMs = Math.min(1000, Math.max(20, Math.min(limits.idleTimeoutMs, limits.sendTimeoutMs) / 4));
  }

  /** A new connection. Over the per-client cap it is answered 503, closed, reported, and false returned. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? '';
    const port = socket.remotePort ?? 0;
    const count = this.perClient.get(address) ?? 0;
    if (count >= this.limits.maxConnectionsPerClient) {
      socket.end(BUSY_RESPONSE);
      setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
      this.onLimit({
        limit: 'connection-cap',
        remote: { address, port },
        detail: `${address} already has ${count} connections (the per-client limit): 503`,
      });
      return false;
    }
    this.perClient.set(address, count + 1);
    this.open.set(socket, { address, port, busy: false, served: 0, since: this.now() });
    socket.once('close', () => this.forget(socket));
    this.timer ??= setInterval(() => this.sweep(), this.sweepMs).unref();
    return true;
  }

  /** Whether the connection was admitted and is still open. */
  admitted(socket: Socket): boolean {
    return this.open.has(socket);
  }

  /** A request has arrived: its response is now under the send timeout. */
  busy(socket: Socket): void {
    const c = this.open.get(socket);
    if (c === undefined) return;
    c.busy = true;
    c.since = this.now();
  }

  /** The client took more of the response. */
  progress(socket: Socket): void {
    const c = this.open.get(socket);
    if (c !== undefined) c.since = this.now();
  }

  /** The response is over: the connection is idle until its next request. */
  idle(socket: Socket): void {
    const c = this.open.get(socket);
    if (c === undefined || !c.busy) return;
    c.busy = false;
    c.served++;
    c.since = this.now();
  }

  /** Connections open (admitted and not yet closed). */
  connections(): number {
    return this.open.size;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private forget(socket: Socket): void {
    const c = this.open.get(socket);
    if (c === undefined) return;
    this.open.delete(socket);
    const left = (this.perClient.get(c.address) ?? 1) - 1;
    if (left > 0) this.perClient.set(c.address, left);
    else this.perClient.delete(c.address);
    if (this.open.size === 0) this.stop();
  }

  private sweep(): void {
    const now = this.now();
    for (const [socket, c] of this.open) {
      const limit = c.busy ? this.limits.sendTimeoutMs : this.limits.idleTimeoutMs;
      if (now - c.since < limit) continue;
      this.forget(socket);
      socket.destroy();
      if (!c.busy && c.served > 0) continue;
      const seconds = (limit / 1000).toString();
      this.onLimit({
        limit: c.busy ? 'send-timeout' : 'idle-timeout',
        remote: { address: c.address, port: c.port },
        detail: c.busy
          ? `the client took nothing of the response for ${seconds} s: connection closed`
          : `no request for ${seconds} s: connection closed`,
      });
    }
  }
}
