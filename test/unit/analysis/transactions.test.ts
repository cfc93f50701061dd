import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DhcpPacketRecord } from '../../../src/protocol/packet.js';
import { analyze, CLIENT_IP, CLIENT_MAC, dhcp, labPort4011Exchange, opt, SERVER } from './support/records.js';

const XID = 0x9bbf0c70;
const PXE_DISCOVER = [opt.u16(93, 0), opt.text(60, 'PXEClient:Arch:00000:UNDI:002001')];

/** dnsmasq's OFFER or ACK in the lab happy-bios-pxelinux boot: the lease and pxelinux.0 in option 67. */
function labReply(frame: number, t: number, type: 'OFFER' | 'ACK'): DhcpPacketRecord {
  return dhcp({
    frame,
    t,
    type,
    xid: XID,
    yiaddr: CLIENT_IP,
    siaddr: SERVER,
    options: [opt.ip(54, SERVER), opt.text(67, 'pxelinux.0')],
  });
}

describe('DHCP transactions', () => {
  it('joins DISCOVER retransmissions, duplicate OFFERs, REQUEST and ACK (lab happy-bios-pxelinux shape)', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: XID, secs: 4, options: PXE_DISCOVER }),
      dhcp({ frame: 6, t: 1.018, type: 'DISCOVER', xid: XID, secs: 8, options: PXE_DISCOVER }),
      labReply(11, 3.005, 'OFFER'),
      labReply(12, 3.0057, 'OFFER'),
      dhcp({
        frame: 13,
        t: 3.0075,
        type: 'REQUEST',
        xid: XID,
        secs: 12,
        options: [opt.ip(54, SERVER), opt.ip(50, CLIENT_IP)],
      }),
      labReply(14, 3.0087, 'ACK'),
    ]);
    assert.equal(r.sessions.length, 1);
    const [tx] = r.sessions[0].transactions;
    assert.equal(r.sessions[0].transactions.length, 1);
    assert.equal(tx.xid, XID);
    assert.equal(tx.clientMac, CLIENT_MAC);
    assert.equal(tx.discovers, 2);
    assert.equal(tx.requests, 1);
    assert.deepEqual(
      tx.offers.map((o) => o.frame),
      [11, 12],
    );
    assert.deepEqual(
      tx.acks.map((o) => o.frame),
      [14],
    );
    assert.equal(tx.outcome, 'bound');
    assert.equal(tx.chosenServer, SERVER);
    assert.equal(tx.start, 0);
    assert.equal(tx.end, 3.0087);
    assert.deepEqual(
      tx.events.map((e) => e.secs),
      [4, 8, 0, 0, 12, 0],
    );
  });

  it('keeps every OFFER with its server id: address server and proxyDHCP in one transaction', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: XID }),
      dhcp({
        frame: 2,
        t: 0.0003,
        type: 'OFFER',
        xid: XID,
        dst: '255.255.255.255',
        options: [opt.ip(54, '10.77.0.1'), opt.text(60, 'PXEClient')],
      }),
      dhcp({
        frame: 13,
        t: 3.005,
        type: 'OFFER',
        xid: XID,
        src: '10.77.0.2',
        yiaddr: CLIENT_IP,
        siaddr: '10.77.0.2',
      }),
      dhcp({ frame: 15, t: 3.006, type: 'REQUEST', xid: XID, options: [opt.ip(54, '10.77.0.2')] }),
      dhcp({
        frame: 16,
        t: 3.0068,
        type: 'ACK',
        xid: XID,
        src: '10.77.0.2',
        yiaddr: CLIENT_IP,
        siaddr: '10.77.0.2',
        options: [opt.ip(54, '10.77.0.2')],
      }),
    ]);
    const [tx] = r.sessions[0].transactions;
    assert.deepEqual(
      tx.offers.map((o) => [o.frame, o.serverId, o.proxy]),
      [
        [2, '10.77.0.1', true],
        [13, '10.77.0.2', false],
      ],
    );
    assert.equal(tx.chosenServer, '10.77.0.2');
  });

  it('keeps a port 4011 exchange with xid 0 apart, in the same session (lab proxydhcp frames 24/25)', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: XID }),
      dhcp({
        frame: 16,
        t: 3,
        type: 'ACK',
        xid: XID,
        src: '10.77.0.2',
        yiaddr: CLIENT_IP,
        options: [opt.ip(54, '10.77.0.2')],
      }),
      ...labPort4011Exchange(),
    ]);
    assert.equal(r.sessions.length, 1);
    const [dora, proxy] = r.sessions[0].transactions;
    assert.equal(dora.outcome, 'bound');
    assert.equal(proxy.port4011, true);
    assert.equal(proxy.xid, 0);
    assert.equal(proxy.outcome, 'proxy');
    assert.deepEqual(
      proxy.acks.map((e) => e.frame),
      [25],
    );
  });

  it('matches replies by chaddr, not by IP: two clients with interleaved exchanges on the same xid', () => {
    const other = '52:54:00:aa:bb:cc';
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 7 }),
      dhcp({ frame: 2, t: 0.1, type: 'DISCOVER', xid: 7, mac: other }),
      dhcp({
        frame: 3,
        t: 0.2,
        type: 'OFFER',
        xid: 7,
        mac: other,
        yiaddr: '10.77.0.112',
        dst: '255.255.255.255',
      }),
      dhcp({ frame: 4, t: 0.3, type: 'OFFER', xid: 7, yiaddr: CLIENT_IP, dst: '255.255.255.255' }),
    ]);
    assert.deepEqual(
      r.sessions.map((s) => [s.clientMac, s.transactions[0].offers.map((o) => o.yiaddr)]),
      [
        [CLIENT_MAC, [CLIENT_IP]],
        [other, ['10.77.0.112']],
      ],
    );
  });

  it('reports NAK with its message, INFORM, and no-offer', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'REQUEST', xid: 1, options: [opt.ip(50, '192.168.1.9')] }),
      dhcp({
        frame: 2,
        t: 0.01,
        type: 'NAK',
        xid: 1,
        options: [opt.ip(54, SERVER), opt.text(56, 'wrong network')],
      }),
      dhcp({ frame: 3, t: 0.5, type: 'DISCOVER', xid: 2 }),
      dhcp({ frame: 4, t: 1.5, type: 'DISCOVER', xid: 2, secs: 1 }),
      dhcp({ frame: 5, t: 5, type: 'INFORM', xid: 3, ciaddr: CLIENT_IP, src: CLIENT_IP }),
      dhcp({ frame: 6, t: 5.01, type: 'ACK', xid: 3, dst: CLIENT_IP, options: [opt.ip(54, SERVER)] }),
    ]);
    const txs = r.sessions[0].transactions;
    assert.deepEqual(
      txs.map((tx) => tx.outcome),
      ['nak', 'no-offer', 'informed'],
    );
    assert.equal(txs[0].naks[0].message, 'wrong network');
    assert.equal(txs[1].discovers, 2);
  });

  it('starts a new transaction when the client DISCOVERs again on an answered xid', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'REQUEST', xid: 5 }),
      dhcp({ frame: 2, t: 0.01, type: 'NAK', xid: 5 }),
      dhcp({ frame: 3, t: 0.02, type: 'DISCOVER', xid: 5 }),
      dhcp({ frame: 4, t: 0.03, type: 'OFFER', xid: 5, yiaddr: CLIENT_IP }),
    ]);
    assert.deepEqual(
      r.sessions[0].transactions.map((tx) => [tx.outcome, tx.events.map((e) => e.frame)]),
      [
        ['nak', [1, 2]],
        ['offered', [3, 4]],
      ],
    );
  });

  it('does not call an address the client DECLINEd bound, and notes a RELEASE', () => {
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'REQUEST', xid: 4 }),
      dhcp({ frame: 2, t: 0.01, type: 'ACK', xid: 4, yiaddr: CLIENT_IP }),
      dhcp({ frame: 3, t: 0.5, type: 'DECLINE', xid: 4, options: [opt.ip(50, CLIENT_IP)] }),
      dhcp({ frame: 4, t: 10, type: 'REQUEST', xid: 6, ciaddr: CLIENT_IP }),
      dhcp({ frame: 5, t: 10.01, type: 'ACK', xid: 6, yiaddr: CLIENT_IP }),
      dhcp({ frame: 6, t: 11, type: 'RELEASE', xid: 6, ciaddr: CLIENT_IP }),
    ]);
    const [declined, released] = r.sessions[0].transactions;
    assert.equal(declined.outcome, 'other');
    assert.match(declined.notes.join(), /DECLINE/);
    assert.equal(released.outcome, 'bound');
    assert.match(released.notes.join(), /RELEASE/);
  });

  it('notes the relay view and counts a message seen on both sides of a relay once', () => {
    const relay = '10.1.0.1';
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 9 }),
      dhcp({
        frame: 2,
        t: 0.001,
        type: 'DISCOVER',
        xid: 9,
        giaddr: relay,
        src: relay,
        srcPort: 67,
        dst: SERVER,
      }),
      dhcp({
        frame: 3,
        t: 0.01,
        type: 'OFFER',
        xid: 9,
        giaddr: relay,
        dst: relay,
        dstPort: 67,
        yiaddr: '10.1.0.50',
      }),
      dhcp({
        frame: 4,
        t: 0.011,
        type: 'OFFER',
        xid: 9,
        giaddr: relay,
        src: relay,
        dst: '255.255.255.255',
        yiaddr: '10.1.0.50',
      }),
    ]);
    const [tx] = r.sessions[0].transactions;
    assert.equal(tx.discovers, 1);
    assert.deepEqual(
      tx.offers.map((o) => o.frame),
      [3],
    );
    assert.deepEqual(tx.relays, [relay]);
    assert.deepEqual(
      tx.events.map((e) => e.role),
      ['client', 'relay', 'server', 'relay'],
    );
    assert.match(tx.events[2].notes.join(), /relay agent 10\.1\.0\.1/);
  });

  it('stays bounded: finalises idle transactions and evicts (and counts) beyond the cap', () => {
    const packets = [];
    for (let i = 0; i < 50; i++)
      packets.push(
        dhcp({
          frame: i + 1,
          t: i * 0.01,
          type: 'DISCOVER',
          xid: i,
          mac: `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`,
        }),
      );
    const r = analyze(packets, { maxTransactions: 10 });
    assert.equal(r.stats.transactions, 50);
    assert.equal(r.stats.evicted, 40);
    assert.equal(r.sessions.length, 50);

    const idle = analyze(
      [
        dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 1 }),
        dhcp({ frame: 2, t: 400, type: 'DISCOVER', xid: 2, mac: '02:00:00:00:00:99' }),
      ],
      { maxTransactions: 1 },
    );
    assert.equal(idle.stats.evicted, 0, 'the first was idle for 400 s and had been finalised already');

    const retained = analyze(packets, { maxRetained: 20 });
    assert.ok(retained.stats.transactions <= 20);
    assert.equal(retained.stats.transactions + retained.stats.evicted, 50);
    assert.equal(retained.sessions.at(-1)?.transactions[0].xid, 49, 'the newest are kept');
  });
});
