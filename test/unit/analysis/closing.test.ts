/**
 * Finished exchanges close soon after they end on the wire (an answered DHCP transaction after a short grace,
 * a TFTP transfer once its last block is acknowledged or an ERROR sent), instead of staying open for the idle
 * timeout: on a busy segment they would fill the open limits and force evictions.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpEvent } from '../../../src/analysis/dhcp-facts.js';
import { ANSWERED_GRACE, TransactionTracker } from '../../../src/analysis/transactions.js';
import { TransferTracker } from '../../../src/analysis/transfers.js';
import type { DhcpTransaction, TftpTransfer } from '../../../src/analysis/types.js';
import type { DhcpPacketRecord } from '../../../src/protocol/packet.js';
import type { Timestamp } from '../../../src/capture/timestamp.js';
import type { TftpRecordView } from '../../../src/analysis/transfer-state.js';
import { analyze, CLIENT_IP, dhcp, EPOCH, opt, SERVER, TftpScript } from './support/records.js';

const MAC_A = '52:54:00:00:00:0a';
const MAC_B = '52:54:00:00:00:0b';

const at = (ts: Timestamp): number => ts.seconds - EPOCH + ts.fraction / 10 ** ts.digits;

function feed(tracker: TransactionTracker, p: DhcpPacketRecord): void {
  tracker.add(dhcpEvent(p, at(p.ts)), p.dhcp.xid, p.dhcp.chaddr);
}

function feedTftp(tracker: TransferTracker, script: TftpScript): void {
  for (const p of script.packets) tracker.add(p as TftpRecordView, at(p.ts));
}

/** A DORA of `mac` on `xid` from t0 (ACK at t0 + 0.003). */
function dora(mac: string, xid: number, t0: number, frame: number): DhcpPacketRecord[] {
  const reply = { xid, mac, yiaddr: CLIENT_IP, options: [opt.ip(54, SERVER)] };
  return [
    dhcp({ frame, t: t0, type: 'DISCOVER', xid, mac }),
    dhcp({ frame: frame + 1, t: t0 + 0.001, type: 'OFFER', ...reply }),
    dhcp({ frame: frame + 2, t: t0 + 0.002, type: 'REQUEST', xid, mac, options: [opt.ip(54, SERVER)] }),
    dhcp({ frame: frame + 3, t: t0 + 0.003, type: 'ACK', ...reply }),
  ];
}

/** At most one open transfer, 300 s idle timeout, 10 s stall timeout. */
function oneOpenTransfer(onDone?: (tr: TftpTransfer) => void): TransferTracker {
  return new TransferTracker({
    idleTimeout: 300,
    maxTransfers: 1,
    maxRetained: 100,
    maxFrames: 100,
    stallTimeout: 10,
    onDone,
  });
}

describe('closing finished exchanges', () => {
  it('closes an answered transaction after the grace, not after the idle timeout', () => {
    const done: DhcpTransaction[] = [];
    const tracker = new TransactionTracker(300, 10, 100, (tx) => done.push(tx));
    for (const p of dora(MAC_A, 1, 0, 1)) feed(tracker, p);
    tracker.expire(ANSWERED_GRACE - 1);
    assert.equal(done.length, 0, 'still open within the grace');
    tracker.expire(ANSWERED_GRACE + 0.1);
    assert.equal(done.length, 1);
    assert.equal(done[0].outcome, 'bound');
  });

  it('keeps an unanswered transaction open until the idle timeout', () => {
    const done: DhcpTransaction[] = [];
    const tracker = new TransactionTracker(300, 10, 100, (tx) => done.push(tx));
    feed(tracker, dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 7, mac: MAC_A }));
    tracker.expire(299);
    assert.equal(done.length, 0);
    tracker.expire(301);
    assert.deepEqual(
      done.map((tx) => tx.outcome),
      ['no-offer'],
    );
  });

  it('a DECLINE within the grace still joins the transaction it answers', () => {
    const r = analyze([
      ...dora(MAC_A, 5, 0, 1),
      dhcp({ frame: 9, t: 8, type: 'DECLINE', xid: 5, mac: MAC_A, options: [opt.ip(54, SERVER)] }),
    ]);
    const txs = r.sessions[0].transactions;
    assert.equal(txs.length, 1);
    assert.equal(txs[0].outcome, 'other');
    assert.match(txs[0].notes.join(' '), /DECLINEd/);
  });

  it('closed transactions free the open limit: no eviction at one open transaction', () => {
    const tracker = new TransactionTracker(300, 1, 100);
    for (const p of dora(MAC_A, 1, 0, 1)) feed(tracker, p);
    tracker.expire(ANSWERED_GRACE + 1);
    for (const p of dora(MAC_B, 2, ANSWERED_GRACE + 1, 10)) feed(tracker, p);
    assert.equal(tracker.evicted, 0);
    assert.equal(tracker.current().length, 2);
  });

  it('closes a transfer once its last block is acknowledged, after the stall timeout of silence', () => {
    const told: TftpTransfer[] = [];
    const tracker = oneOpenTransfer((tr) => told.push(tr));
    const a = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 });
    a.rrq(2000, 'pxelinux.0');
    a.data(3000, 2000, 1, 100);
    a.ack(2000, 3000, 1);
    // The duplicate final ACK (the server retransmitted the last block) within the grace joins the transfer.
    a.t += 5;
    a.ack(2000, 3000, 1);
    feedTftp(tracker, a);
    tracker.expire(a.t + 5);
    assert.equal(tracker.current(a.t + 5).length, 1, 'still one transfer: the duplicate ACK joined it');
    tracker.expire(a.t + 11);
    const b = new TftpScript('10.77.0.112', SERVER, { frame: 50, t: a.t + 12 });
    b.rrq(2001, 'pxelinux.0');
    feedTftp(tracker, b);
    assert.equal(tracker.evicted, 0, 'the finished transfer had closed: the new one evicted nothing');
    const all = tracker.finishAll(b.t);
    assert.deepEqual(
      all.map((t) => [t.clientIp, t.outcome]),
      [
        [CLIENT_IP, 'complete'],
        ['10.77.0.112', 'in-progress'],
      ],
    );
    assert.equal(told.filter((t) => t.clientIp === CLIENT_IP).length, 1, 'told once');
  });

  it('an unfinished transfer stays open until the idle timeout', () => {
    const tracker = oneOpenTransfer();
    const a = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 });
    a.rrq(2000, 'big.img');
    a.data(3000, 2000, 1, 512);
    a.ack(2000, 3000, 1);
    feedTftp(tracker, a);
    tracker.expire(60);
    const b = new TftpScript('10.77.0.112', SERVER, { frame: 50, t: 61 });
    b.rrq(2001, 'pxelinux.0');
    feedTftp(tracker, b);
    assert.equal(tracker.evicted, 1, 'the unfinished transfer was still open and had to be evicted');
  });
});
