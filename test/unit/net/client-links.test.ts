/**
 * The client code of src/net runs on the links it is written against: simulated DHCP clients over an
 * in-memory Ethernet segment get their leases from the reference engine answering frames on the same
 * segment (the path a libpcap link takes, without root), and the TFTP client reads a file through a
 * DatagramLink it is given.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseUdpFrame, udpFrames } from '../../../src/net/frames.js';
import type { DatagramEndpoint, DatagramLink, DatagramListener } from '../../../src/net/link.js';
import { receiptTime } from '../../../src/net/link.js';
import { runDhcpLoad, simulatedClients } from '../../../src/net/load-generator.js';
import { createMemorySegment } from '../../../src/net/memory-link.js';
import { tftpGet } from '../../../src/net/tftp-client.js';
import { linkExchange } from '../../../src/net/wire-exchange.js';
import { decodeTftp, encodeTftp, tftpData } from '../../../src/protocol/tftp/index.js';
import { openDhcpEngine } from '../../../src/server/dhcp/engine.js';
import { attachDhcpEngine } from '../../../src/server/net/edge.js';
import { SERVER_IP, fullConfig } from '../server/dhcp-support.js';

const SERVER_MAC = '02:00:00:00:00:01';

describe('in-memory Ethernet segment', () => {
  test('50 simulated clients get distinct leases from the engine answering frames', async () => {
    const segment = createMemorySegment();
    const serverLink = segment.attach('server');
    const clientLink = segment.attach('clients');
    const engine = await openDhcpEngine(fullConfig());
    const attached = attachDhcpEngine(serverLink, {
      server: { mac: SERVER_MAC, address: SERVER_IP, mtu: 1500 },
      handle: (inbound) => engine.handle(inbound).replies,
    });
    const wire = linkExchange(clientLink, { timeoutMs: 2000, attempts: 1 });
    try {
      const result = await runDhcpLoad(simulatedClients(50), wire.exchange, { concurrency: 10 });
      assert.deepEqual(result.problems, []);
      assert.equal(result.leases.length, 50);
      assert.equal(new Set(result.leases.map((l) => l.ip)).size, 50, 'distinct addresses');
      assert.ok(result.leases.every((l) => l.serverId === SERVER_IP && l.file === 'pxelinux.0'));
      assert.equal(wire.retransmits(), 0);
      const c = attached.counters();
      assert.equal(c.received, 100, 'a DISCOVER and a REQUEST per client reached the server');
      assert.equal(c.sent, 100, 'an OFFER and an ACK per client');
    } finally {
      wire.close();
      attached.detach();
      await engine.close();
    }
  });

  test('a station does not hear itself; frames arrive copied, stamped and in order', async () => {
    const segment = createMemorySegment();
    const a = segment.attach('a');
    const b = segment.attach('b');
    const heardByA: number[] = [];
    const heardByB: number[] = [];
    a.listen((f) => heardByA.push(f.data[0]));
    const before = receiptTime();
    const stamps: number[] = [];
    b.listen((f) => {
      heardByB.push(f.data[0]);
      stamps.push(f.timestamp.seconds + f.timestamp.fraction / 1e9);
      assert.equal(f.truncated, false);
      assert.equal(f.timestamp.digits, 9);
    });
    const frame = Uint8Array.of(1, 0, 0);
    a.send(frame);
    frame[0] = 2; // the sender reuses its buffer
    a.send(frame);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(heardByB, [1, 2]);
    assert.deepEqual(heardByA, []);
    assert.ok(stamps[0] >= before.seconds + before.fraction / 1e9 && stamps[1] >= stamps[0]);
    assert.ok(Math.abs(stamps[0] - Date.now() / 1000) < 5, 'wall clock');
    b.close();
    a.send(frame);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(heardByB, [1, 2], 'a closed station hears nothing');
  });

  test('frames built for a datagram parse back to it', () => {
    const [frame] = udpFrames({
      srcMac: '02:00:00:00:00:02',
      dstMac: 'ff:ff:ff:ff:ff:ff',
      srcIp: '0.0.0.0',
      dstIp: '255.255.255.255',
      srcPort: 68,
      dstPort: 4011,
      payload: Uint8Array.of(9, 8, 7),
      ipId: 1,
      mtu: 1500,
    });
    const parsed = parseUdpFrame(frame);
    assert.ok(parsed.ok);
    assert.equal(parsed.datagram.dstPort, 4011);
    assert.deepEqual([...parsed.datagram.payload], [9, 8, 7]);
  });
});

/** A one-file TFTP server (lockstep, no options) behind a DatagramLink, answering from its own TID. */
function fileServerLink(file: Uint8Array): DatagramLink & { closed(): boolean } {
  let listener: DatagramListener = () => undefined;
  let closed = false;
  const server: DatagramEndpoint = { address: '10.99.0.1', port: 40000 };
  const block = (n: number): Uint8Array =>
    encodeTftp(tftpData(n, file.subarray((n - 1) * 512, Math.min(file.length, n * 512))));
  return {
    port: 50000,
    send(payload, to, sent) {
      const pkt = decodeTftp(payload);
      setImmediate(() => {
        sent?.();
        if (pkt.opcode === 'RRQ') {
          assert.equal(to.port, 69);
          listener(block(1), server);
        } else if (pkt.opcode === 'ACK' && pkt.block !== undefined && pkt.block * 512 <= file.length)
          listener(block(pkt.block + 1), server);
      });
    },
    listen(l) {
      listener = l;
    },
    onError() {},
    close() {
      closed = true;
    },
    closed: () => closed,
  };
}

describe('TFTP client over a given DatagramLink', () => {
  test('reads a file of 3.5 blocks and closes the link', async () => {
    const file = Uint8Array.from({ length: 1800 }, (_, i) => (i * 7) & 0xff);
    const link = fileServerLink(file);
    const got = await tftpGet({ host: '10.99.0.1', port: 69, filename: 'f', link, timeoutMs: 500 });
    assert.equal(got.bytes, 1800);
    assert.equal(got.sha256, createHash('sha256').update(file).digest('hex'));
    assert.equal(got.serverPort, 40000);
    await new Promise((resolve) => setImmediate(resolve));
    assert.ok(link.closed());
  });
});
