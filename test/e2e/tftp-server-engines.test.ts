/**
 * The TFTP server's data phase under a scripted client on 127.0.0.1, once per engine (TypeScript, and the
 * native data pump when it is built): lost ACKs and the back-off of the retransmissions, giving up, a
 * partial-window ACK, duplicate ACKs, the client's ERROR mid-transfer, a packet from a foreign TID, a
 * file that shrinks, many transfers at once, the cap on native transfers, and closing the server in the
 * middle of a transfer. Both engines must behave the same; each case checks which engine ran it.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodeTftp, encodeTftp, tftpError, type TftpPacket } from '../../src/protocol/tftp/index.js';
import { tftpGet } from '../../src/net/tftp-client.js';
import {
  createTftpServer,
  type TftpEngine,
  type TftpServer,
  type TftpServerEvents,
  type TftpServerOptions,
} from '../../src/server/tftp/server.js';
import { tftpEngines } from './support/tftp-engines.js';

const HOST = '127.0.0.1';
/** The server's retransmission timer in these tests: short, so back-off and give-up take well under a second. */
const TIMEOUT_MS = 80;
const RETRIES = 3;
const FILE_SIZE = 200_000;
let dir = '';
let file: Buffer;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`);
    await sleep(5);
  }
}

interface Reply {
  packet: TftpPacket;
  port: number;
  at: number;
}

/** A client socket that records every datagram it gets, with its arrival time. */
class Peer {
  readonly socket: Socket = createSocket('udp4');
  readonly replies: Reply[] = [];

  get port(): number {
    return this.socket.address().port;
  }

  async open(): Promise<this> {
    this.socket.on('message', (msg, rinfo) =>
      this.replies.push({ packet: decodeTftp(msg), port: rinfo.port, at: performance.now() }),
    );
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, resolve));
    return this;
  }

  private sending = 0;

  send(bytes: Uint8Array, port: number): void {
    this.sending++;
    this.socket.send(bytes, port, HOST, () => this.sending--);
  }

  /** Waits for reply number `index` (from 0). */
  async reply(index: number, ms = 3000): Promise<Reply> {
    await waitFor(`reply ${index + 1}`, () => this.replies.length > index, ms);
    return this.replies[index];
  }

  data(): Reply[] {
    return this.replies.filter((r) => r.packet.opcode === 'DATA');
  }

  /** Closes once every datagram sent has left (a final ERROR must reach the server). */
  async close(): Promise<void> {
    await waitFor('the last send', () => this.sending === 0);
    this.socket.close();
  }
}

function rrq(name: string, ...options: string[]): Uint8Array {
  return Buffer.from([0, 1, ...Buffer.from(`${[name, 'octet', ...options].join('\0')}\0`)]);
}

function ack(block: number): Uint8Array {
  return Uint8Array.of(0, 4, (block >> 8) & 0xff, block & 0xff);
}

/** Names of this process's threads that are native transfer threads. */
function pumpThreads(): number {
  let n = 0;
  for (const task of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, 'utf8').trim() === 'tftp-pump') n++;
    } catch {
      // The thread ended while we looked.
    }
  }
  return n;
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-tftp-engines-'));
  file = randomBytes(FILE_SIZE);
  writeFileSync(join(dir, 'file.bin'), file, { mode: 0o644 });
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const { engine, skip } of tftpEngines())
  describe(`TFTP data phase, ${engine} engine`, { skip }, () => {
    let server: TftpServer;
    let port = 0;
    const requests: TftpServerEvents['request'][] = [];
    const completed: TftpServerEvents['complete'][] = [];
    const errors: TftpServerEvents['error'][] = [];

    async function start(extra: Partial<TftpServerOptions> = {}): Promise<TftpServer> {
      const s = await createTftpServer({
        root: dir,
        address: HOST,
        port: 0,
        engine,
        timeoutMs: TIMEOUT_MS,
        retries: RETRIES,
        maxBlksize: 65464,
        // Every test client is on one address: the per-client limit would count them as one host.
        maxTransfersPerClient: 1000,
        ...extra,
      });
      s.on('request', (e) => requests.push(e));
      s.on('complete', (e) => completed.push(e));
      s.on('error', (e) => errors.push(e));
      return s;
    }

    // Transfer ids count per server and these tests run several: a transfer is known by its client port.
    const ofPeer = <E extends { peer: { port: number } }>(events: E[], peer: Peer): E[] =>
      events.filter((e) => e.peer.port === peer.port);
    const ended = (peer: Peer): boolean => ofPeer(completed, peer).length + ofPeer(errors, peer).length > 0;
    const completion = async (peer: Peer): Promise<TftpServerEvents['complete']> => {
      await waitFor('the end of the transfer', () => ended(peer));
      const event = ofPeer(completed, peer)[0];
      assert.ok(event !== undefined, `completed, not ${JSON.stringify(ofPeer(errors, peer)[0])}`);
      assert.equal(event.engine, engine);
      return event;
    };
    const failure = async (peer: Peer): Promise<TftpServerEvents['error']> => {
      await waitFor('the end of the transfer', () => ended(peer));
      const event = ofPeer(errors, peer)[0];
      assert.ok(event !== undefined, 'the transfer failed');
      assert.equal(event.engine, engine);
      return event;
    };
    const blocksOf = (blksize: number): number => Math.floor(FILE_SIZE / blksize) + 1;

    before(async () => {
      server = await start();
      port = server.address().port;
      assert.equal(server.engine, engine);
    });

    after(async () => {
      await server.close();
    });

    test('no ACK: the block is resent after 1, 2, 4 timer lengths, then the transfer is given up', async () => {
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin'), port);
        await peer.reply(0);
        const event = await failure(peer);
        assert.equal(event.end, 'timeout');
        const sent = peer.data();
        assert.deepEqual(
          sent.map((r) => r.packet.block),
          [1, 1, 1, 1],
          'DATA 1 and one resend per retry',
        );
        const gaps = sent.slice(1).map((r, i) => r.at - sent[i].at);
        const wanted = [TIMEOUT_MS, 2 * TIMEOUT_MS, 4 * TIMEOUT_MS];
        gaps.forEach((gap, i) => {
          assert.ok(
            gap >= wanted[i] - 5,
            `resend ${i + 1} after ${gap.toFixed(0)} ms, not before ${wanted[i]}`,
          );
          assert.ok(gap < wanted[i] + 60, `resend ${i + 1} after ${gap.toFixed(0)} ms, about ${wanted[i]}`);
        });
        assert.ok(gaps[2] / gaps[0] > 3, `the timer doubles each time: ${gaps.map((g) => g.toFixed(0))}`);
        assert.equal(sent.length, RETRIES + 1);
      } finally {
        await peer.close();
      }
    });

    test('one lost ACK: the block comes again after the timeout, then the transfer completes', async () => {
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin', 'blksize', '1400'), port);
        const oack = await peer.reply(0);
        assert.equal(oack.packet.opcode, 'OACK');
        peer.send(ack(0), oack.port);
        const blocks = blocksOf(1400);
        const received: Buffer[] = [];
        let dropped = false;
        let seen = 1;
        for (let block = 1; block <= blocks; block++) {
          const r = await peer.reply(seen++);
          assert.equal(r.packet.block, block & 0xffff);
          if (block === 5 && !dropped) {
            // This ACK is "lost": the same block must come back after the timer.
            dropped = true;
            const again = await peer.reply(seen++);
            assert.equal(again.packet.block, 5);
            assert.ok(again.at - r.at >= TIMEOUT_MS - 5, `resent after ${(again.at - r.at).toFixed(0)} ms`);
          }
          received.push(Buffer.from(r.packet.data ?? new Uint8Array(0)));
          peer.send(ack(block), oack.port);
        }
        assert.equal(sha256(Buffer.concat(received)), sha256(file));
        const event = await completion(peer);
        assert.equal(event.retransmits, 1);
        assert.equal(event.bytes, FILE_SIZE);
      } finally {
        await peer.close();
      }
    });

    test('windowsize 4: an ACK inside the window resends from the block after it (RFC 7440)', async () => {
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin', 'blksize', '512', 'windowsize', '4'), port);
        const oack = await peer.reply(0);
        peer.send(ack(0), oack.port);
        await peer.reply(4);
        assert.deepEqual(
          peer.replies.slice(1, 5).map((r) => r.packet.block),
          [1, 2, 3, 4],
        );
        const t = performance.now();
        peer.send(ack(2), oack.port);
        await peer.reply(8);
        assert.deepEqual(
          peer.replies.slice(5, 9).map((r) => r.packet.block),
          [3, 4, 5, 6],
          'the window from block 3',
        );
        assert.ok(peer.replies[5].at - t < TIMEOUT_MS / 2, 'at once, not on the timer');
        peer.send(encodeTftp(tftpError(0, 'enough')), oack.port);
      } finally {
        await peer.close();
      }
    });

    test('duplicate and stale ACKs are never answered (Sorcerer’s Apprentice)', async () => {
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin'), port);
        const first = await peer.reply(0);
        peer.send(ack(1), first.port);
        assert.equal((await peer.reply(1)).packet.block, 2);
        for (let i = 0; i < 5; i++) {
          peer.send(ack(1), first.port);
          peer.send(ack(0), first.port);
          peer.send(ack(40000), first.port);
        }
        await sleep(TIMEOUT_MS / 2);
        assert.equal(peer.replies.length, 2, 'nothing for old or future ACKs before the timer');
        await peer.reply(2);
        assert.equal(peer.replies[2].packet.block, 2, 'only the timer resends');
        peer.send(encodeTftp(tftpError(0, 'enough')), first.port);
      } finally {
        await peer.close();
      }
    });

    test('the client’s ERROR mid-transfer ends it: no more DATA, a client-error event', async () => {
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin', 'blksize', '1024'), port);
        const oack = await peer.reply(0);
        peer.send(ack(0), oack.port);
        for (let block = 1; block <= 10; block++) {
          await peer.reply(block);
          peer.send(ack(block), oack.port);
        }
        await peer.reply(11);
        peer.send(encodeTftp(tftpError(3, 'Disk full or allocation exceeded')), oack.port);
        const event = await failure(peer);
        assert.equal(event.end, 'client-error');
        assert.equal(event.errorCode, 3);
        assert.equal(event.message, 'Disk full or allocation exceeded');
        assert.equal(event.bytes, 10 * 1024);
        const count = peer.replies.length;
        await sleep(3 * TIMEOUT_MS);
        assert.equal(peer.replies.length, count, 'nothing after the ERROR, not even on the timer');
      } finally {
        await peer.close();
      }
    });

    test('a packet from a foreign TID gets ERROR 5; the transfer goes on undisturbed', async () => {
      const peer = await new Peer().open();
      const stranger = await new Peer().open();
      try {
        peer.send(rrq('file.bin', 'blksize', '8192'), port);
        const oack = await peer.reply(0);
        assert.equal(oack.packet.options?.blksize, '8192');
        peer.send(ack(0), oack.port);
        const blocks = blocksOf(8192);
        const received: Buffer[] = [];
        for (let block = 1; block <= blocks; block++) {
          const r = await peer.reply(block);
          received.push(Buffer.from(r.packet.data ?? new Uint8Array(0)));
          if (block === 3) {
            stranger.send(ack(3), oack.port);
            const answer = await stranger.reply(0);
            assert.equal(answer.port, oack.port, 'from the transfer port');
            assert.equal(answer.packet.opcode, 'ERROR');
            assert.equal(answer.packet.errorCode, 5);
            assert.equal(answer.packet.errorMessage, 'Unknown transfer ID');
          }
          peer.send(ack(block), oack.port);
        }
        assert.equal(sha256(Buffer.concat(received)), sha256(file));
        await completion(peer);
        assert.equal(stranger.replies.length, 1, 'the stranger got nothing else');
      } finally {
        await peer.close();
        await stranger.close();
      }
    });

    test('a file that shrinks while served: ERROR 0 "File changed during transfer"', async () => {
      writeFileSync(join(dir, 'shrinks.bin'), file, { mode: 0o644 });
      // The client is this test's event loop: on a loaded machine it can stall for longer than the
      // shared server's short retry schedule, which would end the transfer as a timeout instead of the
      // ERROR under test. A server of its own with a patient schedule (1 s, doubling, 6 tries).
      const patient = await start({ timeoutMs: 1000, retries: 5 });
      const peer = await new Peer().open();
      try {
        peer.send(rrq('shrinks.bin', 'blksize', '1024'), patient.address().port);
        const oack = await peer.reply(0);
        truncateSync(join(dir, 'shrinks.bin'), 3000);
        peer.send(ack(0), oack.port);
        let end: TftpPacket | null = null;
        for (let i = 1; end === null && i < 400; i++) {
          const r = await peer.reply(i);
          if (r.packet.opcode === 'ERROR') end = r.packet;
          else peer.send(ack(r.packet.block ?? 0), oack.port);
        }
        assert.equal(end?.errorCode, 0);
        assert.equal(end?.errorMessage, 'File changed during transfer');
        const event = await failure(peer);
        assert.equal(event.end, 'aborted');
        assert.equal(event.errorCode, 0);
      } finally {
        await peer.close();
        await patient.close();
        rmSync(join(dir, 'shrinks.bin'), { force: true });
      }
    });

    test('24 transfers at once, lockstep and windowed, all intact, all on this engine', async () => {
      const before = requests.length;
      const runs = Array.from({ length: 24 }, (_, i) =>
        tftpGet({
          host: HOST,
          port,
          filename: 'file.bin',
          blksize: [512, 1468, 8192][i % 3],
          windowsize: i % 2 === 0 ? 1 : 8,
          keep: false,
        }),
      );
      const results = await Promise.all(runs);
      for (const r of results) assert.equal(r.sha256, sha256(file));
      assert.equal(new Set(results.map((r) => r.serverPort)).size, 24, 'a TID each');
      const clients = new Set(requests.slice(before).map((e) => e.peer.port));
      assert.equal(clients.size, 24);
      const mine = (): TftpServerEvents['complete'][] => completed.filter((e) => clients.has(e.peer.port));
      await waitFor('24 complete events', () => mine().length === 24);
      assert.deepEqual(new Set(mine().map((e) => e.engine)), new Set([engine]));
    });

    test('closing the server mid-transfer stops it at once; nothing is sent afterwards', async () => {
      await waitFor('the earlier transfers to end', () => server.transfers() === 0);
      // The one transfer fills the native cap: stopping it must not depend on room under the cap.
      const own = await start({ maxNativeTransfers: 1 });
      const peer = await new Peer().open();
      try {
        peer.send(rrq('file.bin', 'blksize', '512'), own.address().port);
        const first = await peer.reply(0);
        peer.send(ack(1), first.port);
        await peer.reply(1);
        // The client keeps quiet: the server waits on its timer, blocked in a receive when native.
        if (engine === 'native') assert.ok(pumpThreads() >= 1, 'a transfer thread runs');
        const t = performance.now();
        await own.close();
        const took = performance.now() - t;
        assert.ok(took < TIMEOUT_MS, `close took ${took.toFixed(0)} ms`);
        assert.equal(pumpThreads(), 0, 'no transfer thread is left');
        const count = peer.replies.length;
        peer.send(ack(2), first.port);
        await sleep(3 * TIMEOUT_MS);
        assert.equal(peer.replies.length, count, 'no DATA, no resend after close');
      } finally {
        await peer.close();
      }
    });

    if (engine === 'native')
      test('past maxNativeTransfers, transfers run in TypeScript', async () => {
        const capped = await start({ maxNativeTransfers: 2 });
        const peers = await Promise.all(Array.from({ length: 5 }, () => new Peer().open()));
        try {
          // Five transfers held open at once (no ACK yet), then all driven to the end.
          peers.forEach((p) => p.send(rrq('file.bin', 'blksize', '8192'), capped.address().port));
          const oacks = await Promise.all(peers.map((p) => p.reply(0)));
          const byEngine = (e: TftpEngine): number =>
            peers.filter((p) => ofPeer(completed, p).some((c) => c.engine === e)).length;
          await Promise.all(
            peers.map(async (p, i) => {
              p.send(ack(0), oacks[i].port);
              const blocks = blocksOf(8192);
              for (let block = 1; block <= blocks; block++) {
                await p.reply(block);
                p.send(ack(block), oacks[i].port);
              }
            }),
          );
          await waitFor('5 complete events', () => byEngine('native') + byEngine('js') === 5);
          assert.equal(byEngine('native'), 2);
          assert.equal(byEngine('js'), 3);
        } finally {
          for (const p of peers) await p.close();
          await capped.close();
        }
      });
  });
