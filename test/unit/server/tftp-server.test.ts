/**
 * The TFTP server on 127.0.0.1 (port chosen by the OS), read with the project's own codec client: every
 * download must hash like the file.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodeTftp, encodeTftp, tftpAck, tftpRrq, tftpWrq } from '../../../src/protocol/tftp/index.js';
import { TftpClientError, tftpGet } from '../../../src/net/tftp-client.js';
import { createTftpServer, type TftpServer, type TftpServerEvents } from '../../../src/server/tftp/server.js';

const HOST = '127.0.0.1';
let dir = '';
let server: TftpServer;
let port = 0;
const files = new Map<string, Buffer>();
const completes: TftpServerEvents['complete'][] = [];
const errors: TftpServerEvents['error'][] = [];
const oacks: TftpServerEvents['oack'][] = [];

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-tftp-server-'));
  mkdirSync(join(dir, 'boot'));
  const put = (name: string, data: Buffer): void => {
    files.set(name, data);
    writeFileSync(join(dir, name), data, { mode: 0o644 });
  };
  put('big.bin', randomBytes(1_000_000 + 123));
  put('exact.bin', randomBytes(512 * 8));
  put('empty.bin', Buffer.alloc(0));
  put('boot/ipxe.efi', randomBytes(70_000));
  put('menu.cfg', Buffer.from('default linux\nlabel x\rend\r\n'));
  // Every test client is on 127.0.0.1: the per-client limit would count them as one host.
  server = await createTftpServer({
    maxTransfersPerClient: 1000,
    root: dir,
    address: HOST,
    port: 0,
    maxBlksize: 8192,
    timeoutMs: 200,
    retries: 3,
  });
  port = server.address().port;
  server.on('complete', (e) => completes.push(e));
  server.on('error', (e) => errors.push(e));
  server.on('oack', (e) => oacks.push(e));
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('TFTP server on loopback', () => {
  for (const blksize of [512, 1468, 8192]) {
    for (const windowsize of [1, 16]) {
      test(`blksize ${blksize}, windowsize ${windowsize}`, async () => {
        const r = await tftpGet({ host: HOST, port, filename: 'big.bin', blksize, windowsize, tsize: true });
        assert.equal(r.bytes, files.get('big.bin')?.length);
        assert.equal(r.sha256, sha256(files.get('big.bin') ?? Buffer.alloc(1)));
        assert.deepEqual(r.oack, {
          blksize: String(blksize),
          windowsize: String(windowsize),
          tsize: '1000123',
        });
        assert.notEqual(r.serverPort, port, 'a new TID per transfer');
      });
    }
  }

  test('no options (plain RFC 1350), exact multiple of 512, empty file, a file in a directory', async () => {
    for (const name of ['exact.bin', 'empty.bin', 'boot/ipxe.efi', '/boot/ipxe.efi', 'boot\\ipxe.efi']) {
      const r = await tftpGet({ host: HOST, port, filename: name });
      assert.equal(r.oack, null);
      const want = files.get(name.replace(/^\//, '').replace('\\', '/'));
      assert.ok(want !== undefined);
      assert.equal(r.sha256, sha256(want), name);
    }
  });

  test('blksize above the configured maximum is capped', async () => {
    const r = await tftpGet({ host: HOST, port, filename: 'boot/ipxe.efi', blksize: 65464 });
    assert.equal(r.oack?.blksize, '8192');
    assert.equal(r.sha256, sha256(files.get('boot/ipxe.efi') ?? Buffer.alloc(1)));
  });

  test('the MTU caps blksize to MTU - 32 (a 1500-byte link: 1468)', async () => {
    const capped = await createTftpServer({ root: dir, address: HOST, port: 0, mtu: 1500 });
    try {
      const at = capped.address().port;
      const r = await tftpGet({
        host: HOST,
        port: at,
        filename: 'boot/ipxe.efi',
        blksize: 8192,
        tsize: true,
      });
      assert.deepEqual(r.oack, { blksize: '1468', tsize: '70000' });
      assert.equal(r.sha256, sha256(files.get('boot/ipxe.efi') ?? Buffer.alloc(1)));
    } finally {
      await capped.close();
    }
  });

  test('netascii: LF goes out as CR LF, CR as CR NUL; tsize is the converted size', async () => {
    const r = await tftpGet({ host: HOST, port, filename: 'menu.cfg', mode: 'netascii', tsize: true });
    const want = Buffer.from('default linux\r\nlabel x\r\0end\r\0\r\n');
    assert.deepEqual(r.data, want);
    assert.equal(r.tsize, want.length);
  });

  test('tsize probe, then the real read', async () => {
    const probe = await tftpGet({ host: HOST, port, filename: 'boot/ipxe.efi', blksize: 1468, probe: true });
    assert.equal(probe.tsize, 70_000);
    assert.equal(probe.bytes, 0);
    const r = await tftpGet({ host: HOST, port, filename: 'boot/ipxe.efi', blksize: 1468 });
    assert.equal(r.bytes, 70_000);
    await waitFor(() => errors.some((e) => e.end === 'client-error' && e.errorCode === 8));
  });

  test('eight transfers at once', async () => {
    const runs = Array.from({ length: 8 }, (_, i) =>
      tftpGet({
        host: HOST,
        port,
        filename: 'big.bin',
        blksize: [512, 1468, 8192][i % 3],
        windowsize: 1 + (i % 4) * 4,
      }),
    );
    const results = await Promise.all(runs);
    const want = sha256(files.get('big.bin') ?? Buffer.alloc(1));
    for (const r of results) assert.equal(r.sha256, want);
    assert.equal(new Set(results.map((r) => r.serverPort)).size, 8);
  });

  test('missing file, traversal and write requests get an ERROR that names no server path', async () => {
    const cases: [string, number, string][] = [
      ['nope.bin', 1, 'File not found'],
      ['../etc/passwd', 2, 'Access violation'],
    ];
    for (const [name, code, message] of cases) {
      await assert.rejects(
        tftpGet({ host: HOST, port, filename: name }),
        (err: unknown) =>
          err instanceof TftpClientError && err.code === code && err.message.endsWith(message),
      );
    }
    const reply = await exchange(encodeTftp(tftpWrq('upload.bin')));
    assert.equal(reply.errorCode, 2);
    assert.match(reply.errorMessage ?? '', /write not supported/i);
    await waitFor(() => errors.some((e) => e.end === 'refused' && e.filename === 'nope.bin'));
    const refused = errors.find((e) => e.filename === 'nope.bin');
    assert.ok(refused?.reason !== undefined, 'the log says why');
  });

  test('a stranger on a transfer port gets ERROR 5; the transfer still completes', async () => {
    const client = createSocket('udp4');
    const stranger = createSocket('udp4');
    try {
      await new Promise<void>((resolve) => client.bind(0, HOST, resolve));
      await new Promise<void>((resolve) => stranger.bind(0, HOST, resolve));
      const data = files.get('exact.bin') ?? Buffer.alloc(0);
      const got: Buffer[] = [];
      const done = new Promise<void>((resolve, reject) => {
        client.on('message', (msg, rinfo) => {
          const pkt = decodeTftp(msg);
          if (pkt.opcode !== 'DATA' || pkt.data === undefined || pkt.block === undefined)
            return reject(new Error(pkt.opcode));
          got.push(Buffer.from(pkt.data));
          if (pkt.block === 1) {
            // Another endpoint pokes the transfer's port.
            stranger.send(encodeTftp(tftpAck(1)), rinfo.port, HOST);
          }
          client.send(encodeTftp(tftpAck(pkt.block)), rinfo.port, HOST);
          if (pkt.data.length < 512) resolve();
        });
      });
      const strangerReply = new Promise<number | undefined>((resolve) =>
        stranger.once('message', (msg) => resolve(decodeTftp(msg).errorCode)),
      );
      client.send(encodeTftp(tftpRrq('exact.bin')), port, HOST);
      await withTimeout(done, 5000);
      assert.equal(await withTimeout(strangerReply, 5000), 5);
      assert.equal(sha256(Buffer.concat(got)), sha256(data));
    } finally {
      client.close();
      stranger.close();
    }
  });

  test('a client that stops acknowledging is given up after the retries', async () => {
    const before = errors.length;
    const reply = await exchange(encodeTftp(tftpRrq('big.bin')));
    assert.equal(reply.opcode, 'DATA');
    // timeoutMs 200, 3 retries: 200 + 400 + 800 + 1600 ms.
    await waitFor(() => errors.slice(before).some((e) => e.end === 'timeout'), 6000);
    assert.equal(server.transfers(), 0);
  });

  test('events: request, oack, complete with bytes and seconds', () => {
    assert.ok(oacks.some((e) => e.options.tsize === '1000123'));
    const c = completes.find((e) => e.filename === 'big.bin' && e.blksize === 8192 && e.windowsize === 16);
    assert.ok(c !== undefined);
    assert.equal(c.bytes, 1_000_123);
    assert.ok(c.seconds >= 0);
  });
});

/** Sends one datagram to the server's port from a fresh socket and returns the first reply. */
async function exchange(bytes: Uint8Array): Promise<ReturnType<typeof decodeTftp>> {
  const socket = createSocket('udp4');
  try {
    const reply = new Promise<Buffer>((resolve) => socket.once('message', (msg) => resolve(msg)));
    await new Promise<void>((resolve) => socket.bind(0, HOST, resolve));
    socket.send(bytes, port, HOST);
    return decodeTftp(await withTimeout(reply, 5000));
  } finally {
    socket.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
