/**
 * The static HTTP server for the iPXE stage, on 127.0.0.1 with a port chosen by the OS: Node's fetch for
 * ordinary requests, a raw TCP socket for hostile request-targets (fetch would normalise them first).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  createHttpServer,
  type HttpFileServer,
  type HttpRequestEvent,
} from '../../../src/server/http/server.js';
import { parseRange, percentDecode, requestPath } from '../../../src/server/http/request-path.js';

const HOST = '127.0.0.1';
let base = '';
let server: HttpFileServer;
let url = '';
let port = 0;
const events: HttpRequestEvent[] = [];
const kernel = randomBytes(300_000);

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'pxe-doctor-http-'));
  const root = join(base, 'root');
  mkdirSync(join(root, 'boot'), { recursive: true });
  writeFileSync(join(root, 'boot', 'vmlinuz'), kernel, { mode: 0o644 });
  writeFileSync(join(root, 'boot.ipxe'), '#!ipxe\nchain boot/vmlinuz\n', { mode: 0o644 });
  writeFileSync(join(root, 'empty.bin'), '', { mode: 0o644 });
  writeFileSync(join(root, 'a b.txt'), 'space', { mode: 0o644 });
  writeFileSync(join(root, '%2e%2e'), 'literal', { mode: 0o644 });
  writeFileSync(join(base, 'secret.txt'), 'SECRET', { mode: 0o644 });
  symlinkSync('../secret.txt', join(root, 'link-out'));
  symlinkSync('/etc', join(root, 'etc-link'));
  server = await createHttpServer({ root, host: HOST, port: 0 });
  port = server.address().port;
  url = `http://${HOST}:${port}`;
  server.on('request', (e) => events.push(e));
});

after(async () => {
  await server.close();
  rmSync(base, { recursive: true, force: true });
});

/** Sends one request with the target exactly as given and returns the status and body. */
function rawRequest(target: string, method = 'GET'): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, HOST);
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`no answer for ${target}`)));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    socket.write(
      Buffer.concat([
        Buffer.from(`${method} `),
        Buffer.from(target, 'latin1'),
        Buffer.from(` HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      ]),
    );
  });
}

describe('HTTP server: files', () => {
  test('GET a file: 200, Content-Length, the exact bytes', async () => {
    const res = await fetch(`${url}/boot/vmlinuz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(kernel.length));
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(sha256(new Uint8Array(await res.arrayBuffer())), sha256(kernel));
    const script = await fetch(`${url}/boot.ipxe?mac=52:54:00:12:34:56`);
    assert.equal(
      await script.text(),
      '#!ipxe\nchain boot/vmlinuz\n',
      'the query string is not part of the name',
    );
    const spaced = await fetch(`${url}/a%20b.txt`);
    assert.equal(await spaced.text(), 'space');
    const empty = await fetch(`${url}/empty.bin`);
    assert.equal(empty.status, 200);
    assert.equal(empty.headers.get('content-length'), '0');
  });

  test('HEAD: the headers of GET, no body', async () => {
    const res = await fetch(`${url}/boot/vmlinuz`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), String(kernel.length));
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('Range: first bytes, an open end, a suffix; 416 past the end', async () => {
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=1000-', 1000, kernel.length - 1],
      ['bytes=-500', kernel.length - 500, kernel.length - 1],
      ['bytes=299990-400000', 299_990, kernel.length - 1],
    ];
    for (const [range, start, end] of cases) {
      const res = await fetch(`${url}/boot/vmlinuz`, { headers: { Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/${kernel.length}`);
      const body = Buffer.from(await res.arrayBuffer());
      assert.ok(body.equals(kernel.subarray(start, end + 1)), range);
    }
    const past = await fetch(`${url}/boot/vmlinuz`, { headers: { Range: 'bytes=400000-' } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${kernel.length}`);
    const several = await fetch(`${url}/boot/vmlinuz`, { headers: { Range: 'bytes=0-1,5-6' } });
    assert.equal(several.status, 200, 'several ranges: the whole file');
    await several.arrayBuffer();
  });

  test('404 for a missing file or a directory, 405 for other methods; no server path in any body', async () => {
    for (const path of ['/missing.bin', '/boot', '/boot/', '/']) {
      const res = await fetch(`${url}${path}`);
      assert.equal(res.status, 404, path);
      const text = await res.text();
      assert.equal(text, 'Not found\n');
    }
    const post = await fetch(`${url}/boot.ipxe`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const put = await rawRequest('/boot.ipxe', 'PUT');
    assert.equal(put.status, 405);
  });

  test('events for the log: method, target, status, bytes, duration', async () => {
    const before = events.length;
    await (await fetch(`${url}/boot/vmlinuz`)).arrayBuffer();
    await (await fetch(`${url}/nope`)).text();
    await waitFor(() => events.length >= before + 2);
    const [ok, missing] = events.slice(before);
    assert.equal(ok.method, 'GET');
    assert.equal(ok.target, '/boot/vmlinuz');
    assert.equal(ok.status, 200);
    assert.equal(ok.bytes, kernel.length);
    assert.ok(ok.ms >= 0);
    assert.equal(ok.remote.address, HOST);
    assert.equal(missing.status, 404);
    assert.ok(missing.reason !== undefined, 'the log says why');
  });
});

/** Request-targets that try to leave the root, as sent on the wire. */
const TRAVERSALS: string[] = [
  '/../secret.txt',
  '/../../../../etc/passwd',
  '/boot/../../secret.txt',
  '/./../secret.txt',
  '/%2e%2e/secret.txt',
  '/%2E%2E/secret.txt',
  '/%2e%2e%2fsecret.txt',
  '/..%2fsecret.txt',
  '/..%2Fsecret.txt',
  '/%2e%2e%5csecret.txt',
  '/..%5csecret.txt',
  '/..\\secret.txt',
  '/boot\\..\\..\\secret.txt',
  '/.%2e/secret.txt',
  '/%2e./secret.txt',
  '/boot/%2e%2e/%2e%2e/secret.txt',
  '//../secret.txt',
  '/%2f..%2fsecret.txt',
  '/%5c..%5csecret.txt',
  '/etc/passwd',
  '//etc/passwd',
  '/%2fetc%2fpasswd',
  '/proc/self/environ',
  '/dev/zero',
  'http://x/../secret.txt',
  'http://x/%2e%2e/secret.txt',
  '/link-out',
  '/etc-link/passwd',
  '/etc-link/hostname',
  '/boot.ipxe%00.png',
  '/%00',
  '/..%00/secret.txt',
  '/boot.ipxe%0a',
  '/boot.ipxe%0d%0aX-Injected:%201',
  '/%01boot.ipxe',
  '/%7f',
  '/..%c0%afsecret.txt',
  '/%c0%ae%c0%ae/secret.txt',
  '/%e0%80%ae%e0%80%ae/secret.txt',
  '/%c0%2e%c0%2e/secret.txt',
  '/%ff%fe/secret.txt',
  '/%uff0e%uff0e/secret.txt',
  '/%ef%bc%8e%ef%bc%8e/secret.txt',
  '/%e2%80%a4%e2%80%a4/secret.txt',
  '/..%e2%88%95secret.txt',
  '/%ef%bc%8f..%ef%bc%8fsecret.txt',
  '/%252e%252e/secret.txt',
  '/%25%32%65%25%32%65/secret.txt',
  '/%',
  '/%2',
  '/%zz',
  `/${'a'.repeat(2000)}`,
  `/${'d/'.repeat(700)}boot.ipxe`,
  `/${'../'.repeat(300)}etc/passwd`,
  `/${'%2e%2e/'.repeat(100)}etc/passwd`,
  '/~root/.profile',
  '/BOOT.IPXE',
  '*',
  'secret.txt',
  '../secret.txt',
];

describe('HTTP server: path confinement', () => {
  test(`${TRAVERSALS.length} hostile request-targets are refused without naming a path`, async () => {
    assert.ok(TRAVERSALS.length >= 55);
    for (const target of TRAVERSALS) {
      const { status, text } = await rawRequest(target);
      assert.ok([400, 403, 404].includes(status), `${target.slice(0, 80)}: ${status}`);
      assert.ok(!text.includes('SECRET'), target);
      assert.ok(!text.includes('root:'), target);
      assert.ok(!text.includes(base), `${target}: no server path`);
      assert.ok(!/X-Injected/i.test(text.split('\r\n\r\n')[0]), 'no header injection');
    }
    // "%2e%2e" is decoded once: "%252e%252e" would be the literal file "%2e%2e", which exists here.
    const literal = await rawRequest('/%252e%252e');
    assert.equal(literal.status, 200);
    assert.match(literal.text, /literal$/);
  });

  test('the server still answers after all of that', async () => {
    const res = await fetch(`${url}/boot.ipxe`);
    assert.equal(res.status, 200);
    await res.text();
  });
});

describe('HTTP request parsing', () => {
  test('percentDecode decodes once and rejects broken escapes', () => {
    assert.deepEqual([...(percentDecode('/a%2fb%00') ?? [])], [...Buffer.from('/a/b\0')]);
    assert.equal(Buffer.from(percentDecode('%252e') ?? []).toString(), '%2e');
    assert.equal(percentDecode('%'), null);
    assert.equal(percentDecode('%g1'), null);
  });

  test('requestPath keeps dot segments for the confinement to refuse', () => {
    const p = requestPath('/a/../b?x=1');
    assert.ok(p.ok);
    assert.equal(Buffer.from(p.name).toString(), '/a/../b');
    const abs = requestPath('http://host:8080/x');
    assert.ok(abs.ok && Buffer.from(abs.name).toString() === '/x');
    assert.equal(requestPath('*').ok, false);
  });

  test('parseRange', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-200', 100), { start: 0, end: 99 });
    assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable');
    assert.equal(parseRange('bytes=9-1', 100), null);
    assert.equal(parseRange('items=0-1', 100), null);
    assert.equal(parseRange('bytes=0-1,3-4', 100), null);
    assert.equal(parseRange(undefined, 100), null);
  });
});

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
