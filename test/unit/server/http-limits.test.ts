/**
 * The HTTP server's connection limits on 127.0.0.1 with short timeouts: a client that stops reading is cut
 * at the send timeout, one that sends no (complete) request at the idle timeout, one over the per-client
 * cap gets 503; each cut is reported and its socket closed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import type { HttpLimitEvent } from '../../../src/server/http/connections.js';
import {
  createHttpServer,
  type HttpFileServer,
  type HttpRequestEvent,
} from '../../../src/server/http/server.js';

const HOST = '127.0.0.1';
let root = '';
let server: HttpFileServer;
let port = 0;
const limits: HttpLimitEvent[] = [];
const requests: HttpRequestEvent[] = [];

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'pxe-doctor-http-limits-'));
  // Far more than the socket buffers hold, so a client that does not read stalls the response.
  writeFileSync(join(root, 'big.bin'), randomBytes(48 << 20), { mode: 0o644 });
  writeFileSync(join(root, 'small.txt'), 'small\n', { mode: 0o644 });
  server = await createHttpServer({
    root,
    host: HOST,
    port: 0,
    limits: { idleTimeoutMs: 600, sendTimeoutMs: 600, maxConnectionsPerClient: 3 },
  });
  port = server.address().port;
  server.on('limit', (e) => limits.push(e));
  server.on('request', (e) => requests.push(e));
});

after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

/** A connection and its local port (a closed socket no longer tells it). */
function open(): Promise<Socket & { port: number }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, HOST, () => resolve(Object.assign(s, { port: s.localPort ?? 0 })));
    s.on('error', reject);
  });
}

function closed(s: Socket): Promise<number> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    if (s.destroyed) resolve(0);
    s.once('close', () => resolve(Date.now() - t0));
    // Consume whatever arrives so 'close' follows the server's FIN.
    s.resume();
  });
}

async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('HTTP limits', () => {
  test('a client that stops reading is cut at the send timeout; its connection is closed', async () => {
    const s = await open();
    s.write(`GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n`);
    // Read the first bytes only, then stop.
    await new Promise<void>((r) => s.once('data', () => r()));
    s.pause();
    const t0 = Date.now();
    await waitFor(() => limits.some((e) => e.limit === 'send-timeout' && e.remote.port === s.port));
    const ms = Date.now() - t0;
    assert.ok(ms >= 500 && ms < 3000, `cut after ${ms} ms`);
    await waitFor(() => requests.some((e) => e.remote.port === s.port));
    const logged = requests.find((e) => e.remote.port === s.port);
    assert.equal(logged?.status, 200);
    assert.equal(logged?.reason, 'response cut short');
    assert.ok((logged?.bytes ?? 0) < 48 << 20);
    s.destroy();
    await waitFor(() => server.connections() === 0);
  });

  test('a connection that sends no request is cut at the idle timeout', async () => {
    const s = await open();
    const ms = await closed(s);
    assert.ok(ms >= 500 && ms < 3000, `closed after ${ms} ms`);
    const cut = limits.find((e) => e.limit === 'idle-timeout' && e.remote.port === s.port);
    assert.match(cut?.detail ?? '', /no request for 0.6 s/);
  });

  test('header bytes dribbled one at a time do not keep a connection open', async () => {
    const s = await open();
    const text = 'GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200);
    let i = 0;
    const drip = setInterval(() => {
      if (!s.destroyed) s.write(text[i++ % text.length]);
    }, 50);
    try {
      const ms = await closed(s);
      assert.ok(ms >= 500 && ms < 3000, `closed after ${ms} ms`);
      assert.ok(limits.some((e) => e.limit === 'idle-timeout' && e.remote.port === s.port));
    } finally {
      clearInterval(drip);
    }
  });

  test('one connection over the per-client cap gets 503 and is closed; a freed slot is usable', async () => {
    const held = [await open(), await open(), await open()];
    const extra = await open();
    const chunks: Buffer[] = [];
    extra.on('data', (c: Buffer) => chunks.push(c));
    await closed(extra);
    assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 503 /);
    const refused = limits.find((e) => e.limit === 'connection-cap' && e.remote.port === extra.port);
    assert.match(refused?.detail ?? '', /already has 3 connections/);
    held[0].destroy();
    await waitFor(() => server.connections() === 2);
    const res = await fetch(`http://${HOST}:${port}/small.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'small\n');
    for (const s of held) s.destroy();
  });

  test('a keep-alive connection between requests is closed quietly, not reported', async () => {
    await waitFor(() => server.connections() === 0);
    const before = limits.length;
    const s = await open();
    s.write(`GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n`);
    const ms = await closed(s);
    assert.ok(ms < 3000, `keep-alive closed after ${ms} ms`);
    assert.equal(limits.slice(before).filter((e) => e.remote.port === s.port).length, 0);
  });
});
