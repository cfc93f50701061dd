import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TftpTransfer } from '../../../src/analysis/types.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import {
  analyze,
  CLIENT_IP,
  fragmentLoss,
  icmpUnreachable,
  SERVER,
  TftpScript,
  type Feed,
} from './support/records.js';

/** Transfers of a capture without DHCP: all of them are orphans. */
function transfersOf(feed: Feed | DecodedPacket[], lastT?: number): TftpTransfer[] {
  const r = analyze(feed, {}, lastT);
  assert.equal(r.sessions.length, 0);
  return r.orphanTransfers;
}

describe('TFTP transfers', () => {
  it('follows a negotiated read to completion (pxelinux.0, 42430 bytes, blksize 1432)', () => {
    const s = new TftpScript();
    s.read(2070, 50000, 'pxelinux.0', 42430, 1432, { blksize: '1432', tsize: '0' });
    const [t] = transfersOf(s.packets);
    assert.equal(t.filename, 'pxelinux.0');
    assert.equal(t.clientIp, CLIENT_IP);
    assert.equal(t.serverIp, SERVER);
    assert.equal(t.serverPort, 50000);
    assert.deepEqual(t.requested, { blksize: '1432', tsize: '0' });
    assert.deepEqual(t.negotiated, { blksize: '1432', tsize: '42430' });
    assert.equal(t.blksize, 1432);
    assert.equal(t.tsize, 42430);
    assert.equal(t.blocks, 30);
    assert.equal(t.bytes, 42430);
    assert.equal(t.dataPackets, 30);
    assert.equal(t.ackPackets, 31);
    assert.equal(t.lastBlockSeen, true);
    assert.equal(t.lastBlockAcked, true);
    assert.equal(t.outcome, 'complete');
    assert.equal(t.outcomeFrame?.frame, t.lastPacket.frame);
    assert.equal(t.frames.length, 63);
    assert.equal(t.duplicateData + t.duplicateAcks + t.gaps + t.unackedRetransmits, 0);
    assert.ok(t.throughput !== null && t.throughput > 0);
    assert.equal(t.apprenticeFrom, null);
  });

  it('recognises the EDK2 tsize probe, then the real transfer from the next port (lab uefi-edk2-happy)', () => {
    const s = new TftpScript();
    s.rrq(1332, 'snponly.efi', { tsize: '0', blksize: '1468', windowsize: '4' });
    s.oack(40001, 1332, { blksize: '1468', tsize: '173792' });
    s.error('client', 1332, 40001, 8, 'User aborted the transfer');
    s.read(1333, 40002, 'snponly.efi', 173792, 1468, { blksize: '1468', windowsize: '4' });
    const [probe, real] = transfersOf(s.packets);
    assert.equal(probe.outcome, 'tsize-probe');
    assert.deepEqual(probe.error, {
      code: 8,
      message: 'User aborted the transfer',
      from: 'client',
      frame: probe.outcomeFrame,
    });
    assert.equal(probe.tsize, 173792);
    assert.equal(real.clientPort, 1333);
    assert.equal(real.outcome, 'complete');
    assert.equal(real.bytes, 173792);
    assert.equal(real.windowsize, 4, 'the script acknowledged windowsize');
  });

  it('takes the negotiated values, not the requested ones, when the OACK leaves an option out', () => {
    const s = new TftpScript();
    s.rrq(1333, 'snponly.efi', { blksize: '1468', windowsize: '4' });
    s.oack(40002, 1333, { blksize: '1468' });
    const [t] = transfersOf(s.packets);
    assert.equal(t.windowsize, 1);
    assert.equal(t.blksize, 1468);
  });

  it('also calls it a tsize probe when the client hangs up right after DATA 1 with code 0', () => {
    const s = new TftpScript();
    s.rrq(2000, 'boot.efi', { tsize: '0' });
    s.oack(3000, 2000, { tsize: '9000' });
    s.ack(2000, 3000, 0);
    s.data(3000, 2000, 1, 512);
    s.error('client', 2000, 3000, 0, '');
    assert.equal(transfersOf(s.packets)[0].outcome, 'tsize-probe');
  });

  it('does not call a late client abort or an abort without tsize a probe', () => {
    const late = new TftpScript();
    late.rrq(2000, 'boot.efi', { tsize: '0' });
    late.oack(3000, 2000, { tsize: '9000' });
    late.ack(2000, 3000, 0);
    for (let b = 1; b <= 3; b++) {
      late.data(3000, 2000, b, 512);
      late.ack(2000, 3000, b);
    }
    late.error('client', 2000, 3000, 8, 'cancelled');
    assert.equal(transfersOf(late.packets)[0].outcome, 'error');

    const noTsize = new TftpScript();
    noTsize.rrq(2000, 'boot.efi', { blksize: '1024' });
    noTsize.oack(3000, 2000, { blksize: '1024' });
    noTsize.error('client', 2000, 3000, 8, '');
    assert.equal(transfersOf(noTsize.packets)[0].outcome, 'error');
  });

  it('keeps the pxelinux config search as separate transfers: misses are server errors, default completes', () => {
    const s = new TftpScript();
    const misses = [
      'pxelinux.cfg/1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab',
      'pxelinux.cfg/01-52-54-00-12-34-56',
      'pxelinux.cfg/0A4D006F',
    ];
    let port = 49154;
    let serverPort = 60000;
    for (const name of misses) {
      s.rrq(port, name, { tsize: '0', blksize: '1408' });
      s.error('server', port++, serverPort++, 1, `file ${name} not found for ${CLIENT_IP}`);
    }
    s.read(port, serverPort, 'pxelinux.cfg/default', 407, 1408, { tsize: '0', blksize: '1408' });
    const transfers = transfersOf(s.packets);
    assert.deepEqual(
      transfers.map((t) => [t.filename, t.outcome, t.error?.code ?? null, t.error?.from ?? null]),
      [
        [misses[0], 'error', 1, 'server'],
        [misses[1], 'error', 1, 'server'],
        [misses[2], 'error', 1, 'server'],
        ['pxelinux.cfg/default', 'complete', null, null],
      ],
    );
    assert.equal(transfers[0].serverPort, 60000, 'the ERROR came from the server TID');
  });

  it('counts RRQ repeats from the same port before any answer as retries of one transfer', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 1);
    s.rrq(2070, 'undionly.kpxe');
    s.rrq(2070, 'undionly.kpxe');
    s.rrq(2070, 'undionly.kpxe');
    s.data(51000, 2070, 1, 100);
    s.ack(2070, 51000, 1);
    const transfers = transfersOf(s.packets);
    assert.equal(transfers.length, 1);
    assert.deepEqual(
      transfers[0].requestRetries.map((r) => r.frame),
      [2, 3],
    );
    assert.equal(transfers[0].outcome, 'complete');
    assert.equal(transfers[0].blksize, 512);
    assert.equal(transfers[0].maxGap, 1);
  });

  it('leaves an unanswered RRQ "unknown" when the capture filter dropped every data port', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 4);
    s.rrq(2070, 'pxelinux.0', { tsize: '0' });
    s.rrq(2070, 'pxelinux.0', { tsize: '0' });
    s.rrq(2071, 'ldlinux.c32', { tsize: '0' });
    const r = analyze(s.packets, {}, 60);
    assert.equal(r.capture.tftpDataSeen, false);
    assert.deepEqual(
      r.orphanTransfers.map((t) => [t.outcome, t.requestRetries.length]),
      [
        ['unknown', 1],
        ['unknown', 0],
      ],
    );
    assert.match(r.orphanTransfers[0].notes.join(), /filtered/);
  });

  it('calls an unanswered RRQ abandoned when data ports are visible elsewhere', () => {
    const s = new TftpScript(CLIENT_IP, '10.77.0.9', { frame: 1, t: 0 }, 2);
    s.rrq(2070, 'pxelinux.0');
    s.rrq(2070, 'pxelinux.0');
    const other = new TftpScript('10.77.0.112', SERVER, { frame: 10, t: 1 });
    other.read(3000, 50000, 'pxelinux.0', 100);
    const transfers = transfersOf(
      [...s.packets, ...other.packets].sort((a, b) => a.frame - b.frame),
      60,
    );
    const dead = transfers.find((t) => t.serverIp === '10.77.0.9');
    assert.equal(dead?.outcome, 'abandoned');
    assert.equal(dead?.serverPort, null);
    assert.match(dead?.notes.join() ?? '', /no answer/);
  });

  it('attaches an ICMP port unreachable to the RRQ it quotes: refused, not a filtered capture', () => {
    const s = new TftpScript(CLIENT_IP, '10.77.0.2', { frame: 13, t: 3.859 });
    s.rrq(1324, 'bootx64.efi', { tsize: '0', blksize: '1468', windowsize: '4' });
    const refusal = icmpUnreachable(14, 3.8593, '10.77.0.2', {
      src: CLIENT_IP,
      srcPort: 1324,
      dst: '10.77.0.2',
      dstPort: 69,
    });
    const r = analyze({ packets: s.packets, icmp: [refusal] }, {}, 80);
    const [t] = r.orphanTransfers;
    assert.equal(r.capture.tftpDataSeen, false);
    assert.deepEqual(t.icmpErrors, [{ frame: 14, t: 3.8593 }]);
    assert.equal(t.outcome, 'abandoned');
    assert.match(t.notes.join(), /ICMP/);
    assert.equal(r.icmpUnreachable.length, 1);
  });

  it('accepts a single-port server answering from port 69', () => {
    const s = new TftpScript();
    s.read(2070, 69, 'ipxe.efi', 3000, 512);
    const [t] = transfersOf(s.packets);
    assert.equal(t.serverPort, 69);
    assert.equal(t.outcome, 'complete');
    assert.equal(t.strayPackets.length, 0);
  });

  it('puts a second server TID for the same client port aside as strays (unknown transfer ID)', () => {
    const s = new TftpScript();
    s.rrq(2070, 'pxelinux.0');
    s.rrq(2070, 'pxelinux.0');
    s.data(50001, 2070, 1, 512);
    const stray = s.data(50002, 2070, 1, 512);
    s.ack(2070, 50001, 1);
    const rejection = s.error('client', 2070, 50002, 5, 'Unknown transfer ID');
    s.data(50001, 2070, 2, 10);
    s.ack(2070, 50001, 2);
    const [t] = transfersOf(s.packets);
    assert.equal(t.serverPort, 50001);
    assert.deepEqual(
      t.strayPackets.map((p) => p.frame),
      [stray.frame, rejection.frame],
    );
    assert.equal(t.error, null);
    assert.equal(t.outcome, 'complete');
    assert.equal(t.bytes, 522);
    assert.equal(t.duplicateData, 0);
  });

  it('collects unacknowledged DATA resends, fragmented DATA and lost fragments (MTU black hole)', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 0.01);
    s.rrq(2070, 'vmlinuz', { blksize: '8192' });
    s.oack(50000, 2070, { blksize: '8192' });
    s.ack(2070, 50000, 0);
    s.data(50000, 2070, 1, 8192, { fragmentFrames: [4, 5, 6, 7, 8, 9] });
    s.ack(2070, 50000, 1);
    const first = s.data(50000, 2070, 2, 8192, { fragmentFrames: [11, 12, 13, 14, 15, 16] });
    s.t += 1;
    const resent = [s.data(50000, 2070, 2, 8192, { fragmentFrames: [17, 18, 19, 20, 21, 22] })];
    s.ack(2070, 50000, 1);
    s.t += 1;
    resent.push(s.data(50000, 2070, 2, 8192, { fragmentFrames: [24, 25, 26, 27, 28, 29] }));
    s.t += 1;
    resent.push(s.data(50000, 2070, 2, 8192, { fragmentFrames: [31, 32, 33, 34, 35, 36] }));
    const losses = [
      fragmentLoss(1.5, SERVER, CLIENT_IP, [40, 41]),
      fragmentLoss(2.5, SERVER, CLIENT_IP, [42]),
    ];
    const [t] = transfersOf({ packets: s.packets, losses }, 120);
    assert.equal(t.unackedRetransmits, 3);
    // The re-sends only: the first send of block 2 is not one of them.
    assert.deepEqual(
      t.retransmitFrames,
      resent.map((p) => p.frame),
    );
    assert.ok(!t.retransmitFrames.includes(first.frame));
    assert.equal(t.duplicateData, 3);
    assert.equal(t.duplicateAcks, 1);
    assert.equal(t.fragmentedData, true);
    assert.equal(t.lostFragments, 2);
    assert.equal(t.outcome, 'abandoned', 'nothing for 117 s before the capture ended');
  });

  it('tells one duplicate DATA after a lost ACK from an unacknowledged resend', () => {
    const s = new TftpScript();
    s.rrq(2070, 'f');
    s.data(50000, 2070, 1, 512);
    s.ack(2070, 50000, 1);
    s.data(50000, 2070, 1, 512);
    s.ack(2070, 50000, 1);
    s.data(50000, 2070, 2, 5);
    s.ack(2070, 50000, 2);
    const [t] = transfersOf(s.packets);
    assert.equal(t.duplicateData, 1);
    assert.equal(t.duplicateAcks, 1);
    assert.equal(t.unackedRetransmits, 0);
    assert.equal(t.outcome, 'complete');
  });

  it('detects the sorcerer’s apprentice: every DATA and ACK doubled from some block on, to the end', () => {
    const s = new TftpScript();
    s.rrq(2070, 'big');
    for (let b = 1; b <= 9; b++) {
      s.data(50000, 2070, b, 512);
      s.ack(2070, 50000, b);
    }
    for (let b = 10; b <= 30; b++) {
      const size = b === 30 ? 100 : 512;
      s.data(50000, 2070, b, size);
      s.data(50000, 2070, b, size);
      s.ack(2070, 50000, b);
      s.ack(2070, 50000, b);
    }
    const [t] = transfersOf(s.packets);
    assert.equal(t.apprenticeFrom, 10);
    assert.equal(t.outcome, 'complete');
    assert.equal(t.duplicateData, 21);
  });

  it('does not call a short burst of doubles that recovers the apprentice bug', () => {
    const s = new TftpScript();
    s.rrq(2070, 'big');
    for (let b = 1; b <= 40; b++) {
      const doubled = b >= 10 && b < 25;
      const size = b === 40 ? 1 : 512;
      s.data(50000, 2070, b, size);
      if (doubled) s.data(50000, 2070, b, size);
      s.ack(2070, 50000, b);
      if (doubled) s.ack(2070, 50000, b);
    }
    assert.equal(transfersOf(s.packets)[0].apprenticeFrom, null);
  });

  for (const wrapsTo of [0, 1]) {
    it(`unwraps block numbers past 65535 (server wraps to ${wrapsTo}) and caps the frame list`, () => {
      const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 0.00001);
      s.rrq(2070, 'initrd.img');
      const total = 70000;
      for (let b = 1; b <= total; b++) {
        const raw = b <= 65535 ? b : wrapsTo === 0 ? b - 65536 : b - 65535;
        const size = b === total ? 0 : 512;
        s.data(50000, 2070, raw, size);
        s.ack(2070, 50000, raw);
      }
      const [t] = transfersOf(s.packets);
      assert.equal(t.blocks, total);
      assert.equal(t.bytes, (total - 1) * 512);
      assert.equal(t.gaps, 0);
      assert.equal(t.duplicateData, 0);
      assert.equal(t.duplicateAcks, 0);
      assert.equal(t.outcome, 'complete');
      assert.equal(t.frames.length, 5000);
      assert.equal(t.framesTruncated, true);
    });
  }

  it('counts missing blocks as gaps and fills them when a reordered block arrives', () => {
    const lossy = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 0.1);
    lossy.rrq(2070, 'f', {}, 69);
    lossy.data(50000, 2070, 1, 512);
    lossy.t += 5;
    lossy.data(50000, 2070, 3, 512);
    lossy.data(50000, 2070, 4, 5);
    const [t] = transfersOf(lossy.packets);
    assert.equal(t.gaps, 1);
    assert.equal(t.blocks, 4);
    assert.equal(t.bytes, 1029);
    assert.ok(Math.abs(t.maxGap - 5.1) < 1e-6);

    const reordered = new TftpScript();
    reordered.rrq(2070, 'f');
    for (const b of [1, 2, 4, 3]) reordered.data(50000, 2070, b, 512);
    reordered.data(50000, 2070, 5, 0);
    const [r] = transfersOf(reordered.packets);
    assert.equal(r.gaps, 0);
    assert.equal(r.duplicateData, 0);
    assert.equal(r.bytes, 2048);
  });

  it('says in-progress when the capture stops during a transfer, abandoned when the client moved on', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 0.01);
    s.rrq(2070, 'vmlinuz');
    s.data(50000, 2070, 1, 512);
    s.ack(2070, 50000, 1);
    const [running] = transfersOf(s.packets, 1);
    assert.equal(running.outcome, 'in-progress');

    s.rrq(2071, 'other');
    const [left] = transfersOf(s.packets, 1);
    assert.equal(left.outcome, 'abandoned');
  });

  it('follows a transfer whose request is not in the capture', () => {
    const s = new TftpScript();
    s.data(50000, 2070, 7, 1432);
    s.ack(2070, 50000, 7);
    s.data(50000, 2070, 8, 3);
    s.ack(2070, 50000, 8);
    const [t] = transfersOf(s.packets);
    assert.equal(t.gaps, 0);
    assert.equal(t.blksize, 1432);
    assert.equal(t.bytes, 1435);
    assert.equal(t.clientPort, 2070);
    assert.equal(t.serverPort, 50000);
    assert.equal(t.filename, '');
    assert.equal(t.outcome, 'complete');
    assert.match(t.notes.join(), /request not in the capture/);
  });

  it('finalises idle transfers and caps open ones, counting evictions', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 1, t: 0 }, 0.001);
    for (let port = 3000; port < 3020; port++) s.rrq(port, `file${port}`);
    const r = analyze(s.packets, { maxTransfers: 5 }, 0.02);
    assert.equal(r.stats.transfers, 20);
    assert.equal(r.stats.evicted, 15);
  });
});
