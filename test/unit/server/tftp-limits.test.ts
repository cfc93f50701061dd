/**
 * One host must not hold the TFTP server: over real UDP on 127.0.0.1, with each engine, a client that
 * asks timeout=255 and never acknowledges is dropped at the server's ceiling (maxWaitMs), a client's
 * requests beyond its per-client limit get "Server busy" with the reason logged, and a second request from
 * a port that already has a transfer ends the first with an event.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeTftp, encodeTftp, tftpRrq } from '../../../src/protocol/tftp/index.js';
import { loadTftpPump } from '../../../src/server/tftp/native.js';
import {
  createTftpServer,
  type TftpEngineChoice,
  type TftpServerEvents,
} from '../../../src/server/tftp/server.js';

const HOST = '127.0.0.1';
const root = mkdtempSync(join(tmpdir(), 'pxd-tftp-limits-'));
writeFileSync(join(root, 'big.bin'), Buffer.alloc(200_000, 7));
after(() => rmSync(root, { recursive: true, force: true }));

async function udp(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  return s;
}

function rrq(file: string, options: Record<string, string> = {}): Uint8Array {
  return encodeTftp(tftpRrq(file, 'octet', options));
}

const engines: TftpEngineChoice[] = loadTftpPump() !== null ? ['js', 'native'] : ['js'];

for (const engine of engines) {
  describe(`TFTP limits, ${engine} engine`, () => {
    test('timeout=255 and no ACK: the transfer ends at the server ceiling', async () => {
      const server = await createTftpServer({ root, address: HOST, port: 0, engine, maxWaitMs: 400 });
      const ended = new Promise<TftpServerEvents['error']>((r) => server.on('error', r));
      const client = await udp();
      const t0 = Date.now();
      client.send(rrq('big.bin', { timeout: '255', blksize: '1024' }), server.address().port, HOST);
      const e = await ended;
      const ms = Date.now() - t0;
      assert.equal(e.end, 'timeout');
      assert.equal(e.engine, engine);
      assert.ok(ms >= 350 && ms < 3000, `ended after ${ms} ms, not near the 400 ms ceiling`);
      client.close();
      await server.close();
    });

    test('a client past its per-client limit gets Server busy; others still get served', async () => {
      const server = await createTftpServer({
        root,
        address: HOST,
        port: 0,
        engine,
        maxTransfersPerClient: 3,
        maxWaitMs: 2000,
      });
      const errors: TftpServerEvents['error'][] = [];
      server.on('error', (e) => errors.push(e));
      const sockets = await Promise.all([udp(), udp(), udp(), udp()]);
      const answers = sockets.map((s) => new Promise<Buffer>((r) => s.once('message', (m: Buffer) => r(m))));
      for (const s of sockets) s.send(rrq('big.bin'), server.address().port, HOST);
      const first = await Promise.all(answers);
      const busy = first.map((m) => decodeTftp(m)).filter((p) => p.opcode === 'ERROR');
      assert.equal(busy.length, 1, 'one of four refused');
      assert.equal(busy[0].errorMessage, 'Server busy');
      const refused = errors.find((e) => e.end === 'refused');
      assert.match(refused?.reason ?? '', /already has 3 transfers \(the per-client limit\)/);
      assert.equal(server.transfers(), 3);
      for (const s of sockets) s.close();
      await server.close();
    });

    test('a second request from the same port ends the first with an event', async () => {
      const server = await createTftpServer({ root, address: HOST, port: 0, engine, maxWaitMs: 2000 });
      const errors: TftpServerEvents['error'][] = [];
      server.on('error', (e) => errors.push(e));
      const client = await udp();
      const got = new Promise<void>((r) => client.once('message', () => r()));
      client.send(rrq('big.bin', { tsize: '0' }), server.address().port, HOST);
      await got;
      client.send(rrq('big.bin', { blksize: '1024' }), server.address().port, HOST);
      for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(errors[0]?.end, 'superseded');
      assert.equal(errors[0]?.message, 'ended by a new request from the same port');
      client.close();
      await server.close();
    });
  });
}
