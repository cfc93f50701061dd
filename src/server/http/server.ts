/**
 * Static HTTP for the iPXE stage: the TFTP root served read-only over HTTP (iPXE fetches kernels and
 * initrds far faster this way). Names are confined exactly as for TFTP (openTftpFile). GET and HEAD,
 * Content-Length, one byte range per request; no directory listings. Error bodies are fixed texts that
 * never name a server path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { TFTP_ERR_FILE_NOT_FOUND } from '../../protocol/tftp/index.js';
import { openTftpFile, realRoot } from '../tftp/files.js';
import { parseRange, requestPath } from './request-path.js';

export interface HttpServerOptions {
  /** Directory served (the TFTP root). */
  root: string;
  /** Address to listen on. Default 0.0.0.0. */
  host?: string;
  /** Port; 0 lets the OS choose. Default 80. */
  port?: number;
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

export interface HttpFileServer {
  address(): { address: string; port: number; family: string };
  on(event: 'request', listener: (event: HttpRequestEvent) => void): HttpFileServer;
  off(event: 'request', listener: (event: HttpRequestEvent) => void): HttpFileServer;
  /** Stops listening and ends the connections still open. */
  close(): Promise<void>;
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' } as const;

class FileServer implements HttpFileServer {
  private readonly listeners = new Set<(event: HttpRequestEvent) => void>();

  constructor(
    private readonly server: Server,
    private readonly root: string,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
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

  on(_event: 'request', listener: (event: HttpRequestEvent) => void): HttpFileServer {
    this.listeners.add(listener);
    return this;
  }

  off(_event: 'request', listener: (event: HttpRequestEvent) => void): HttpFileServer {
    this.listeners.delete(listener);
    return this;
  }

  close(): Promise<void> {
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
    const opened = await openTftpFile(this.root, path.name);
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
    stream.on('data', (chunk) => {
      sent += chunk.length;
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
    for (const listener of this.listeners) listener(event);
  }
}

/** Starts the HTTP file server; resolves once it listens. */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpFileServer> {
  const root = await realRoot(options.root);
  const server = createServer({ keepAliveTimeout: 5000 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 80, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new FileServer(server, root);
}
