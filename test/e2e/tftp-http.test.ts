/**
 * The HTTP file server of the iPXE stage against curl on 127.0.0.1: whole files, HEAD, byte ranges, and
 * hostile paths sent exactly as typed (--path-as-is). Skipped when curl is missing (apt-get install curl).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createHttpServer, type HttpFileServer } from '../../src/server/http/server.js';
import { tempDir } from './support/cleanup.js';
import { which } from './support/require.js';

const HOST = '127.0.0.1';
const kernel = randomBytes(5_000_000 + 11);
let dir: { path: string; remove: () => void };
let server: HttpFileServer;
let base = '';
const curlSkip = which('curl') === null ? 'needs curl: apt-get install curl' : false;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** curl's exit status, its stdout, and what -w printed last (the status code). */
function curl(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', ...args], { timeout: 60_000, encoding: 'utf8' }, (err, stdout) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout });
    });
  });
}

before(async () => {
  dir = tempDir('pxe-doctor-http-e2e-');
  const root = join(dir.path, 'root');
  mkdirSync(join(root, 'boot'), { recursive: true });
  writeFileSync(join(root, 'boot', 'vmlinuz'), kernel, { mode: 0o644 });
  writeFileSync(join(dir.path, 'secret.txt'), 'SECRET', { mode: 0o644 });
  server = await createHttpServer({ root, host: HOST, port: 0 });
  base = `http://${HOST}:${server.address().port}`;
});

after(async () => {
  await server.close();
  dir.remove();
});

describe('HTTP file server with curl', () => {
  test('GET: the file, byte for byte', { skip: curlSkip }, async () => {
    const file = join(dir.path, 'out.bin');
    const r = await curl(['-f', '-o', file, `${base}/boot/vmlinuz`]);
    assert.equal(r.code, 0);
    assert.equal(sha256(readFileSync(file)), sha256(kernel));
  });

  test('HEAD: Content-Length and Accept-Ranges', { skip: curlSkip }, async () => {
    const r = await curl(['-I', `${base}/boot/vmlinuz`]);
    assert.match(r.stdout, /^HTTP\/1\.1 200/);
    assert.match(r.stdout, new RegExp(`content-length: ${kernel.length}\\r`, 'i'));
    assert.match(r.stdout, /accept-ranges: bytes/i);
  });

  test('a byte range, and a resumed download (-C)', { skip: curlSkip }, async () => {
    const part = join(dir.path, 'part.bin');
    const r = await curl(['-f', '-r', '1000-1999', '-o', part, `${base}/boot/vmlinuz`]);
    assert.equal(r.code, 0);
    assert.ok(readFileSync(part).equals(kernel.subarray(1000, 2000)));
    const resumed = join(dir.path, 'resumed.bin');
    writeFileSync(resumed, kernel.subarray(0, 123_456));
    assert.equal((await curl(['-f', '-C', '-', '-o', resumed, `${base}/boot/vmlinuz`])).code, 0);
    assert.equal(sha256(readFileSync(resumed)), sha256(kernel));
  });

  test('paths out of the root, sent as typed, are refused', { skip: curlSkip }, async () => {
    for (const path of [
      '/../secret.txt',
      '/boot/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
    ]) {
      const r = await curl(['--path-as-is', '-o', '-', '-w', '\n%{http_code}', `${base}${path}`]);
      const status = r.stdout.trim().split('\n').pop();
      assert.ok(status === '403' || status === '404', `${path}: ${status}`);
      assert.ok(!r.stdout.includes('SECRET'), path);
    }
    const missing = await curl(['-o', '-', '-w', '\n%{http_code}', `${base}/nope.bin`]);
    assert.equal(missing.stdout, 'Not found\n\n404');
  });
});
