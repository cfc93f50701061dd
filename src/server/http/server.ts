/**
 * Static HTTP for the iPXE stage: the TFTP root served read-only over HTTP (iPXE fetches kernels and
 * initrds far faster this way). Names are confined exactly as for TFTP (openTftpFile). GET and HEAD,
 * Content-Length, one byte range per request; no directory listings. Error bodies are fixed texts that
 * never name a server path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { TFTP_ERR_FILE_NOT_FOUND } from '../../protocol/tftp/index.js';
import { openTftpFile, realRoot } from '../tftp/files.js';
import { HardLinkGuard } from '../tftp/hard-links.js';
import { ConnectionGuard, DEFAULT_HTTP_LIMITS, type HttpLimitEvent, type HttpLimits } from './connections.js';
import { parseRange, requestPath } from './request-path.js';

export interface HttpServerOptions {
  /** Directory served (the TFTP root). */
  root: string;
  /** Address to listen on. Default 0.0.0.0. */
  host?: string;
  /** Port; 0 lets the OS choose. Default 80. */
  port?: number;
  /** Idle and send timeouts, per-client connection cap (connections.ts); DEFAULT_HTTP_LIMITS for the rest. */
  limits?: Partial<HttpLimits>;
  /** Refuse files that have a hard link outside the root (--no-hardlinks). Default false. */
  noHardlinks?: boolean;
}

/** One answered request, for the server's log. */
export interface HttpRequestEvent {
  method: string;
  /** The request-target as sent (may carry hostile bytes: show it escaped). */
  target: string;
  remote: { address: string; port: number };
  status: number;
  /** Body bytes sent. */
  bytes: number;
  /** Milliseconds from the request to the end of the response. */
  ms: number;
  /** Why a file was refused or a response cut short; for the log only, never sent. */
  reason?: string;
}

export interface HttpFileServerEvents {
  request: HttpRequestEvent;
  /** A connection cut by a timeout or refused by the per-client cap. */
  limit: HttpLimitEvent;
}

export interface HttpFileServer {
  address(): { address: string; port: number; family: string };
  /** Connections open now. */
  connections(): number;
  on<K extends keyof HttpFileServerEvents>(
    event: K,
    listener: (event: HttpFileServerEvents[K]) => void,
  ): HttpFileServer;
  off<K extends keyof HttpFileServerEvents>(
    event: K,
    listener: (event: HttpFileServerEvents[K]) => void,
  ): HttpFileServer;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' } as const;

type Listeners = { [K in keyof HttpFileServerEvents]: Set<(event: HttpFileServerEvents[K]) => void> };

class FileServer implements HttpFileServer {
  private readonly listeners: Listeners = { request: new Set(), limit: new Set() };
  private readonly guard: ConnectionGuard;

  constructor(
    private readonly server: Server,
    private readonly root: string,
    limits: HttpLimits,
    private readonly hardLinks: HardLinkGuard | null,
  ) {
    this.guard = new ConnectionGuard(limits, (e) => {
      for (const listener of this.listeners.limit) listener(e);
    });
    server.on('connection', (socket: Socket) => this.guard.admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      // A connection refused by the cap has had its 503; what it sends after is not answered.
      if (!this.guard.admitted(socket)) {
        socket.destroy();
        return;
      }
      this.guard.busy(socket);
      res.once('finish', () => this.guard.idle(socket));
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.plain(res, 500, 'Internal server error');
        else res.destroy();
        this.log(req, res, Date.now(), 0, err instanceof Error ? err.message : String(err));
      });
    });
    // A client that sends garbage gets 400 from Node and must never stop the server.
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  address(): { address: string; port: number; family: string } {
    const a = this.server.address() as AddressInfo;
    return { address: a.address, port: a.port, family: a.family };
  }

  connections(): number {
    return this.guard.connections();
  }

  on<K extends keyof HttpFileServerEvents>(
    event: K,
    listener: (event: HttpFileServerEvents[K]) => void,
  ): HttpFileServer {
    (this.listeners[event] as Set<(event: HttpFileServerEvents[K]) => void>).add(listener);
    return this;
  }

  off<K extends keyof HttpFileServerEvents>(
    event: K,
    listener: (event: HttpFileServerEvents[K]) => void,
  ): HttpFileServer {
    (this.listeners[event] as Set<(event: HttpFileServerEvents[K]) => void>).delete(listener);
    return this;
  }

  close(): Promise<void> {
    this.guard.stop();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = req.method ?? '';
    if (method !== 'GET' && method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      this.plain(res, 405, 'Method not allowed');
      this.log(req, res, started, 0);
      return;
    }
    const path = requestPath(req.url ?? '');
    if (!path.ok) {
      this.plain(res, 400, 'Bad request');
      this.log(req, res, started, 0, path.reason);
      return;
    }
    if (path.name.every((b) => b === 0x2f)) {
      // No directory listings: the root is "not found", like any directory.
      this.plain(res, 404, 'Not found');
      this.log(req, res, started, 0, 'the root (no index)');
      return;
    }
    const opened = await openTftpFile(this.root, path.name, this.hardLinks);
    if (!opened.ok) {
      if (opened.code === TFTP_ERR_FILE_NOT_FOUND) this.plain(res, 404, 'Not found');
      else this.plain(res, 403, 'Forbidden');
      this.log(req, res, started, 0, opened.reason);
      return;
    }
    const { handle, size } = opened;
    const range = parseRange(req.headers.range, size);
    res.setHeader('Accept-Ranges', 'bytes');
    if (range === 'unsatisfiable') {
      await handle.close();
      res.setHeader('Content-Range', `bytes */${size}`);
      this.plain(res, 416, 'Range not satisfiable');
      this.log(req, res, started, 0);
      return;
    }
    const start = range?.start ?? 0;
    const end = range?.end ?? size - 1;
    const length = end - start + 1;
    res.statusCode = range === null ? 200 : 206;
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', length);
    if (range !== null) res.setHeader('Content-Range', `bytes ${start}-${end}/${size}`);
    if (method === 'HEAD' || length === 0) {
      await handle.close();
      res.end();
      this.log(req, res, started, 0);
      return;
    }
    // The file's size was taken when it was opened: a file that grows is cut there, one that shrinks ends
    // the response early (the client sees fewer bytes than Content-Length).
    const stream = handle.createReadStream({ start, end, autoClose: true });
    let sent = 0;
    const socket = req.socket;
    stream.on('data', (chunk) => {
      sent += chunk.length;
      // The stream is paused while the socket is full: a chunk read is a chunk the client took.
      this.guard.progress(socket);
    });
    stream.pipe(res);
    await new Promise<void>((resolve) => {
      res.once('close', () => {
        stream.destroy();
        resolve();
      });
    });
    const reason = sent < length ? 'response cut short' : undefined;
    this.log(req, res, started, sent, reason);
  }

  private plain(res: ServerResponse, status: number, text: string): void {
    const body = `${text}\n`;
    res.writeHead(status, { ...TEXT, 'Content-Length': Buffer.byteLength(body) });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private log(req: IncomingMessage, res: ServerResponse, started: number, bytes: number, reason?: string) {
    const event: HttpRequestEvent = {
      method: req.method ?? '',
      target: req.url ?? '',
      remote: { address: req.socket.remoteAddress ?? '', port: req.socket.remotePort ?? 0 },
      status: res.statusCode,
      bytes,
      ms: Date.now() - started,
    };
    if (reason !== undefined) event.reason = reason;
    for (const listener of this.listeners.request) listener(event);
  }
}

/** Starts the HTTP file server; resolves once it listens. */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpFileServer> {
  const root = await realRoot(options.root);
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS, ...options.limits };
  // Keep-alive connections between requests are closed quietly before the idle timeout would cut them.
  const server = createServer({ keepAliveTimeout: Math.min(5000, limits.idleTimeoutMs / 2) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 80, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new FileServer(server, root, limits, options.noHardlinks === true ? new HardLinkGuard(root) : null);
}
