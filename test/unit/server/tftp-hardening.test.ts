/**
 * The TFTP server under hostile and unusual clients, over real UDP on 127.0.0.1: path traversal on the
 * wire, malformed datagrams from a fuzz corpus built from the real TFTP packets of the lab captures, and
 * the protocol corner cases (ignored options, ERROR 8 after an OACK, a duplicate request, stale ACKs, a
 * block-number wrap, a tsize probe then the real read, a file that changes size, a directory).
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodeCapture } from '../../../src/protocol/decode-stream.js';
import {
  decodeTftp,
  encodeTftp,
  tftpError,
  tftpRrq,
  type TftpPacket,
} from '../../../src/protocol/tftp/index.js';
import { tftpGet } from '../../../src/net/tftp-client.js';
import { createTftpServer, type TftpServer, type TftpServerEvents } from '../../../src/server/tftp/server.js';
import { projectRoot } from '../../support/fixtures.js';

const HOST = '127.0.0.1';
let base = '';
let root = '';
let server: TftpServer;
let port = 0;
const errors: TftpServerEvents['error'][] = [];
const requests: TftpServerEvents['request'][] = [];
const good = randomBytes(100_000);

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'pxe-doctor-tftp-hardening-'));
  root = join(base, 'root');
  mkdirSync(join(root, 'boot'), { recursive: true });
  writeFileSync(join(root, 'good.bin'), good, { mode: 0o644 });
  writeFileSync(join(root, 'boot', 'x.bin'), 'x', { mode: 0o644 });
  writeFileSync(join(base, 'secret.txt'), 'SECRET', { mode: 0o644 });
  symlinkSync('../secret.txt', join(root, 'link-out'));
  symlinkSync('/etc', join(root, 'etc-link'));
  // Every test client is on 127.0.0.1: the per-client limit would count them as one host.
  server = await createTftpServer({
    root,
    address: HOST,
    port: 0,
    timeoutMs: 150,
    retries: 2,
    maxTransfersPerClient: 1000,
  });
  port = server.address().port;
  server.on('error', (e) => errors.push(e));
  server.on('request', (e) => requests.push(e));
});

after(async () => {
  await server.close();
  rmSync(base, { recursive: true, force: true });
});

/** A client socket on loopback that collects every reply, with a way to wait for the next one. */
class Peer {
  readonly socket: Socket = createSocket('udp4');
  readonly replies: { packet: TftpPacket; port: number }[] = [];
  private waiters: (() => void)[] = [];

  async open(): Promise<this> {
    this.socket.on('message', (msg, rinfo) => {
      this.replies.push({ packet: decodeTftp(msg), port: rinfo.port });
      for (const w of this.waiters.splice(0)) w();
    });
    await new Promise<void>((resolve) => this.socket.bind(0, HOST, resolve));
    return this;
  }

  send(bytes: Uint8Array, to = port): void {
    this.socket.send(bytes, to, HOST);
  }

  /** The next reply after the `seen` first ones. */
  async next(seen: number, ms = 3000): Promise<{ packet: TftpPacket; port: number }> {
    const end = Date.now() + ms;
    while (this.replies.length <= seen) {
      if (Date.now() > end) throw new Error(`no reply ${seen + 1} in ${ms} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.replies[seen];
  }

  close(): void {
    this.socket.close();
  }
}

function rrqBytes(name: string | Uint8Array, options: Uint8Array = new Uint8Array(0)): Uint8Array {
  const file = typeof name === 'string' ? Buffer.from(name, 'utf8') : name;
  return Buffer.concat([Buffer.from([0, 1]), file, opts('', 'octet'), options]);
}

/** Option name/value strings, each NUL-terminated, as they follow the mode in a request. */
function opts(...strings: string[]): Uint8Array {
  return Buffer.concat(strings.map((t) => Buffer.from(`${t}\0`, 'utf8')));
}

function ackBytes(block: number): Uint8Array {
  return Uint8Array.of(0, 4, (block >> 8) & 0xff, block & 0xff);
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
}

/** Names a client may send to climb out of the root, as raw bytes on the wire. */
const TRAVERSALS: (string | Uint8Array)[] = [
  '..',
  '../secret.txt',
  '../../../../../../etc/passwd',
  '/../secret.txt',
  '//../secret.txt',
  'boot/../../secret.txt',
  'boot/./../../secret.txt',
  './../secret.txt',
  '..\\secret.txt',
  '\\..\\secret.txt',
  'boot\\..\\..\\secret.txt',
  '..\\..\\..\\windows\\win.ini',
  '../root/good.bin',
  '/etc/passwd',
  '/etc/shadow',
  '//etc/passwd',
  '/proc/self/environ',
  '/proc/self/cmdline',
  '/dev/zero',
  '/dev/urandom',
  'C:\\Windows\\win.ini',
  'c:/windows/win.ini',
  'file:///etc/passwd',
  '%2e%2e/secret.txt',
  '%2e%2e%2fsecret.txt',
  '..%2fsecret.txt',
  '..%5csecret.txt',
  '%252e%252e%252fsecret.txt',
  '..%c0%afsecret.txt',
  '%c0%ae%c0%ae/secret.txt',
  '....//secret.txt',
  '.../secret.txt',
  '~/.ssh/id_rsa',
  '~root/.profile',
  '$HOME/.profile',
  '`id`',
  'link-out',
  'etc-link/passwd',
  'etc-link/hostname',
  'boot',
  'boot/',
  '/',
  '.',
  '',
  Uint8Array.from([...Buffer.from('good.bin'), 0x00, ...Buffer.from('../secret.txt')]),
  Uint8Array.from([0x2e, 0x2e, 0x2f, 0xff, 0xfe]),
  Uint8Array.from([0xc0, 0xae, 0xc0, 0xae, 0x2f, 0x73]),
  Uint8Array.from([0xe0, 0x80, 0xae, 0x2e, 0x2f]),
  'good.bin\n',
  'good.bin\r',
  '\u0001good.bin',
  'boot\u007f',
  '\u2024\u2024/secret.txt',
  '\uff0e\uff0e/secret.txt',
  '\u2025/secret.txt',
  '\uff0f..\uff0fsecret.txt',
  '..\u2215secret.txt',
  '..\u29f5secret.txt',
  'a'.repeat(2000),
  `${'d/'.repeat(700)}good.bin`,
  '../'.repeat(300) + 'etc/passwd',
  'GOOD.BIN',
];

describe('TFTP server: path traversal on the wire', () => {
  test(`${TRAVERSALS.length} hostile names get an ERROR with a fixed text, never DATA`, async () => {
    assert.ok(TRAVERSALS.length >= 60);
    const peer = await new Peer().open();
    try {
      for (const [i, name] of TRAVERSALS.entries()) {
        // The RRQ names are sent one at a time: each reply belongs to one request.
        const before = peer.replies.length;
        peer.send(rrqBytes(name));
        const { packet } = await peer.next(before);
        const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : `bytes #${i}`;
        assert.equal(packet.opcode, 'ERROR', shown);
        // A NUL ends the name: what follows is read as the mode, and refused as such (code 4).
        assert.ok([1, 2, 4].includes(packet.errorCode ?? -1), `${shown}: code ${packet.errorCode}`);
        assert.ok(
          ['File not found', 'Access violation', 'Unsupported mode'].includes(packet.errorMessage ?? ''),
          `${shown}: ${packet.errorMessage}`,
        );
        assert.ok(!(packet.errorMessage ?? '').includes(base), 'no server path');
      }
    } finally {
      peer.close();
    }
  });
});

/** Every TFTP packet of the lab captures, as bytes (the codec gives back exactly what was on the wire). */
async function captureCorpus(): Promise<Uint8Array[]> {
  const seen = new Set<string>();
  const corpus: Uint8Array[] = [];
  for (const group of ['lab', 'lab-failures']) {
    const dir = join(projectRoot(), 'fixtures', 'captures', group);
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.md')) continue;
      await decodeCapture(join(dir, name, 'capture.pcapng'), {
        packet(p) {
          if (p.protocol !== 'tftp') return;
          const bytes = encodeTftp(p.tftp);
          // DATA blocks differ only in content: a few of each size are enough.
          const key = p.tftp.opcode === 'DATA' ? `DATA ${bytes.length}` : Buffer.from(bytes).toString('hex');
          if (seen.has(key)) return;
          seen.add(key);
          corpus.push(bytes);
        },
      });
    }
  }
  return corpus;
}

/** Deterministic pseudo-random numbers, so a failure reproduces. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function mutate(packet: Uint8Array, random: () => number): Uint8Array {
  const pick = (n: number): number => Math.floor(random() * n);
  const out = Uint8Array.from(packet);
  switch (pick(6)) {
    case 0: // bit flips
      for (let i = 0, n = 1 + pick(8); i < n && out.length > 0; i++) out[pick(out.length)] ^= 1 << pick(8);
      return out;
    case 1: // truncation
      return out.subarray(0, pick(out.length + 1));
    case 2: // garbage appended
      return Buffer.concat([out, randomBytes(1 + pick(600))]);
    case 3: // another opcode, same body
      out[0] = pick(2) === 0 ? 0 : pick(256);
      if (out.length > 1) out[1] = pick(12);
      return out;
    case 4: // NULs removed or added
      return Uint8Array.from(pick(2) === 0 ? out.filter((b) => b !== 0) : [...out, 0, 0, 0]);
    default: {
      // extreme lengths: empty to the largest UDP payload
      const sizes = [0, 1, 2, 3, 4, 5, 516, 1472, 65464 + 4, 65507];
      const size = sizes[pick(sizes.length)];
      const filler = [0x00, 0xff, 0x2f, 0x2e][pick(4)];
      const big = Buffer.alloc(size, filler);
      if (size >= 2) big.set(out.subarray(0, Math.min(2, out.length)));
      return big;
    }
  }
}

describe('TFTP server: malformed datagrams', () => {
  test('a fuzz corpus from the lab captures never stops the server; a good read works afterwards', async () => {
    const corpus = await captureCorpus();
    assert.ok(corpus.length >= 20, `corpus of ${corpus.length} packets`);
    const opcodes = new Set<string>(corpus.map((b) => decodeTftp(b).opcode));
    for (const op of ['RRQ', 'OACK', 'DATA', 'ACK', 'ERROR']) assert.ok(opcodes.has(op), `corpus has ${op}`);
    const random = prng(0x5eed);
    const fuzzer = await new Peer().open();
    // A transfer in progress too: malformed datagrams are also sent to its port.
    const victim = await new Peer().open();
    try {
      victim.send(rrqBytes('good.bin'));
      const first = await victim.next(0);
      assert.equal(first.packet.opcode, 'DATA');
      let sent = 0;
      for (let round = 0; round < 6; round++) {
        for (const packet of corpus) {
          const bytes = mutate(packet, random);
          fuzzer.send(bytes);
          fuzzer.send(bytes, first.port);
          sent += 2;
        }
        await sleep(20);
      }
      assert.ok(sent >= 200);
      // The victim's transfer goes on: it is lockstep, so ACK its blocks in order.
      let block = 1;
      let last = first.packet;
      const got: Buffer[] = [Buffer.from(last.data ?? new Uint8Array(0))];
      while ((last.data?.length ?? 0) === 512) {
        const before = victim.replies.length;
        victim.send(ackBytes(block), first.port);
        const reply = await victim.next(before);
        if (reply.packet.opcode !== 'DATA' || reply.packet.block !== ((block + 1) & 0xffff)) continue;
        last = reply.packet;
        got.push(Buffer.from(last.data ?? new Uint8Array(0)));
        block++;
      }
      victim.send(ackBytes(block), first.port);
      assert.equal(sha256(Buffer.concat(got)), sha256(good), 'the transfer under fire completed intact');
      const r = await tftpGet({ host: HOST, port, filename: 'good.bin', blksize: 1468, windowsize: 8 });
      assert.equal(r.sha256, sha256(good));
      assert.ok(!errors.some((e) => e.end === 'socket'), 'no transfer died of an exception');
    } finally {
      fuzzer.close();
      victim.close();
    }
  });
});

/** A file truncated after the OACK ends with ERROR 0; one that grows is sent at its size when opened. */
async function shrinkingAndGrowing(
  tftp: TftpServer,
  tftpPort: number,
  ended: TftpServerEvents['error'][],
): Promise<void> {
  const size = 2_000_000;
  const original = randomBytes(size);
  writeFileSync(join(root, 'changing.bin'), original, { mode: 0o644 });
  const peer = await new Peer().open();
  try {
    peer.send(rrqBytes('changing.bin', opts('blksize', '1468', 'windowsize', '8')), tftpPort);
    const oack = await peer.next(0, 10_000);
    truncateSync(join(root, 'changing.bin'), 1000);
    let acked = 0;
    let end: TftpPacket | null = null;
    for (let i = 1; end === null && i < 5000; i++) {
      const before = peer.replies.length;
      peer.send(ackBytes(acked & 0xffff), oack.port);
      for (let j = 0; j < 8 && end === null; j++) {
        const { packet } = await peer.next(before + j, 10_000);
        if (packet.opcode === 'ERROR') end = packet;
        else if (packet.block === ((acked + 1) & 0xffff)) acked++;
      }
    }
    assert.equal(end?.errorCode, 0);
    assert.equal(end?.errorMessage, 'File changed during transfer');
    await waitFor(() => ended.some((e) => e.end === 'aborted' && e.filename === 'changing.bin'));
  } finally {
    peer.close();
  }
  writeFileSync(join(root, 'growing.bin'), original, { mode: 0o644 });
  let announced = false;
  tftp.on('oack', (e) => {
    if (e.filename === 'growing.bin') announced = true;
  });
  const growing = tftpGet({
    host: HOST,
    port: tftpPort,
    filename: 'growing.bin',
    blksize: 1468,
    tsize: true,
  });
  // Once the size is announced (not after a fixed delay, which a loaded machine overruns).
  await waitFor(() => announced);
  appendFileSync(join(root, 'growing.bin'), randomBytes(5000));
  const r = await growing;
  assert.equal(r.tsize, size);
  assert.equal(r.bytes, size);
  assert.equal(r.sha256, sha256(original));
}

describe('TFTP server: protocol corner cases', () => {
  test('options the server does not know are ignored: plain DATA, no OACK', async () => {
    const peer = await new Peer().open();
    try {
      peer.send(rrqBytes('good.bin', opts('rollover', '1', 'multicast', '', 'x-vendor', 'yes')));
      const { packet } = await peer.next(0);
      assert.equal(packet.opcode, 'DATA');
      assert.equal(packet.block, 1);
      assert.equal(packet.data?.length, 512);
    } finally {
      peer.close();
    }
  });

  test('ERROR 8 in answer to the OACK ends the transfer quietly', async () => {
    const peer = await new Peer().open();
    try {
      peer.send(rrqBytes('good.bin', opts('blksize', '1024')));
      const oack = await peer.next(0);
      assert.equal(oack.packet.opcode, 'OACK');
      peer.send(encodeTftp(tftpError(8, 'blksize refused')), oack.port);
      await waitFor(() => errors.some((e) => e.peer.port === localPort(peer) && e.errorCode === 8));
      const event = errors.find((e) => e.peer.port === localPort(peer));
      assert.equal(event?.end, 'client-error');
      await sleep(400);
      assert.equal(peer.replies.length, 1, 'nothing after the ERROR, not even a retransmitted OACK');
    } finally {
      peer.close();
    }
  });

  test('the same RRQ again (same TID) while the transfer runs starts nothing new', async () => {
    const peer = await new Peer().open();
    try {
      const rrq = rrqBytes('good.bin', opts('blksize', '1024'));
      const before = requests.length;
      peer.send(rrq);
      const oack = await peer.next(0);
      peer.send(rrq);
      peer.send(rrq);
      await sleep(100);
      assert.equal(requests.length - before, 1, 'one transfer');
      assert.equal(new Set(peer.replies.map((r) => r.port)).size, 1, 'one server TID');
      assert.equal(peer.replies.filter((r) => r.packet.opcode === 'OACK').length, 1, 'no extra OACK');
      peer.send(encodeTftp(tftpError(0, 'done')), oack.port);
    } finally {
      peer.close();
    }
  });

  test('stale and duplicate ACKs are not answered (no Sorcerer’s Apprentice)', async () => {
    const peer = await new Peer().open();
    try {
      peer.send(rrqBytes('good.bin'));
      const first = await peer.next(0);
      peer.send(ackBytes(1), first.port);
      const second = await peer.next(1);
      assert.equal(second.packet.block, 2);
      for (let i = 0; i < 5; i++) {
        peer.send(ackBytes(1), first.port);
        peer.send(ackBytes(0), first.port);
        peer.send(ackBytes(65535), first.port);
      }
      await sleep(100);
      assert.equal(peer.replies.length, 2, 'no DATA for old ACKs (the retransmission timer is 150 ms)');
      peer.send(ackBytes(2), first.port);
      assert.equal((await peer.next(2)).packet.block, 3);
      peer.send(encodeTftp(tftpError(0, 'done')), first.port);
    } finally {
      peer.close();
    }
  });

  test('a tsize probe, then the real read from the same port (as pxelinux does)', async () => {
    const peer = await new Peer().open();
    try {
      peer.send(rrqBytes('good.bin', opts('tsize', '0', 'blksize', '1408')));
      const probe = await peer.next(0);
      assert.deepEqual(probe.packet.options, { tsize: String(good.length), blksize: '1408' });
      peer.send(encodeTftp(tftpError(8, 'tsize only')), probe.port);
      await sleep(50);
      peer.send(rrqBytes('good.bin', opts('blksize', '1408')));
      const oack = await peer.next(1);
      assert.equal(oack.packet.opcode, 'OACK');
      assert.notEqual(oack.port, probe.port, 'a new transfer, a new TID');
      // Firmware that skips the ERROR and just asks again from the same port gets a fresh transfer too.
      peer.send(rrqBytes('good.bin', opts('blksize', '512')));
      const again = await peer.next(2);
      assert.deepEqual(again.packet.options, { blksize: '512' });
      peer.send(ackBytes(0), again.port);
      const data = await peer.next(3);
      assert.equal(data.packet.opcode, 'DATA');
      assert.equal(data.packet.data?.length, 512);
      peer.send(encodeTftp(tftpError(0, 'done')), again.port);
    } finally {
      peer.close();
    }
  });

  test('block numbers wrap past 65535: a 33 MB file at blksize 512 arrives intact', async () => {
    const big = randomBytes(65536 * 512 + 1000);
    writeFileSync(join(root, 'wrap.bin'), big, { mode: 0o644 });
    try {
      const r = await tftpGet({ host: HOST, port, filename: 'wrap.bin', blksize: 512, windowsize: 16 });
      assert.equal(r.bytes, big.length);
      assert.equal(r.sha256, sha256(big));
    } finally {
      rmSync(join(root, 'wrap.bin'));
    }
  });

  test('a file that shrinks while served: ERROR 0, no stale bytes; one that grows: the size announced', async () => {
    // This client is the test's own event loop, which the server shares: on a loaded machine it can stall
    // for longer than the shared server's 150 ms × 2 retries, and the transfer would end as a timeout
    // instead of the ERROR under test. A server with a patient schedule (1 s, doubling, 6 tries) here.
    const patient = await createTftpServer({ root, address: HOST, port: 0, timeoutMs: 1000, retries: 5 });
    const patientPort = patient.address().port;
    const ended: TftpServerEvents['error'][] = [];
    patient.on('error', (e) => ended.push(e));
    try {
      await shrinkingAndGrowing(patient, patientPort, ended);
    } finally {
      await patient.close();
    }
  });

  test('forty transfers at once, each on its own port, all intact', async () => {
    const runs = Array.from({ length: 40 }, (_, i) =>
      tftpGet({
        host: HOST,
        port,
        filename: 'good.bin',
        blksize: [512, 1468][i % 2],
        windowsize: 1 + (i % 8),
      }),
    );
    const results = await Promise.all(runs);
    for (const r of results) assert.equal(r.sha256, sha256(good));
    assert.equal(new Set(results.map((r) => r.serverPort)).size, 40);
  });

  test('a directory is not a file: ERROR 1', async () => {
    const peer = await new Peer().open();
    try {
      for (const name of ['boot', 'boot/', '/boot']) {
        const before = peer.replies.length;
        peer.send(rrqBytes(name));
        const { packet } = await peer.next(before);
        assert.equal(packet.errorCode, 1, name);
        assert.equal(packet.errorMessage, 'File not found');
      }
    } finally {
      peer.close();
    }
  });

  test('a write request is refused with ERROR 2 "Write not supported"', async () => {
    const peer = await new Peer().open();
    try {
      peer.send(encodeTftp({ ...tftpRrq('upload.bin'), opcode: 'WRQ' }));
      const { packet } = await peer.next(0);
      assert.equal(packet.errorCode, 2);
      assert.equal(packet.errorMessage, 'Write not supported');
    } finally {
      peer.close();
    }
  });
});

function localPort(peer: Peer): number {
  return peer.socket.address().port;
}

async function waitFor(condition: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}
