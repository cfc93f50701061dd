/**
 * A transfer that stops mid-way is told as it happened: where the client's ACKs stopped, the last new DATA,
 * what followed, the rate before, and the server log pointed at the stall. And nothing stalls after the
 * capture ends. Expected findings written from the exchange each test scripts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { analyze, CLIENT_IP, icmpUnreachable, SERVER, TftpScript } from '../analysis/support/records.js';

const C = 2070;
const S = 50000;

function only(findings: Finding[], rule: string): Finding {
  const found = findings.filter((f) => f.ruleId === rule);
  assert.equal(found.length, 1, findings.map((f) => f.ruleId).join(', '));
  return found[0];
}

/** RRQ, OACK, ACK 0, DATA/ACK 1..10, then DATA 11 that is never acknowledged. */
function stopAfterBlock10(s: TftpScript): void {
  s.rrq(C, 'vmlinuz', { blksize: '1432', tsize: '0' });
  s.oack(S, C, { blksize: '1432', tsize: '1000000' });
  s.ack(C, S, 0);
  for (let b = 1; b <= 10; b++) {
    s.data(S, C, b, 1432);
    s.ack(C, S, b);
  }
  s.data(S, C, 11, 1432);
}

describe('a transfer that stops mid-way', () => {
  // RRQ 100 at t=10, OACK 101, ACK 0 102, then DATA/ACK 1..10 every 10 ms (frames 103-122), DATA 11 at frame 123
  // (t=10.23) never acknowledged; the client re-ACKs block 10 three times (1 s apart) and the server, which
  // has closed the transfer, answers each with ICMP port unreachable.
  const s = new TftpScript(CLIENT_IP, SERVER, { frame: 100, t: 10 }, 0.01);
  stopAfterBlock10(s);
  const icmp = [];
  for (let i = 0; i < 3; i++) {
    s.t += 1;
    s.ack(C, S, 10);
    icmp.push(
      icmpUnreachable(s.frame++, s.t + 0.0001, SERVER, {
        src: CLIENT_IP,
        srcPort: C,
        dst: SERVER,
        dstPort: S,
      }),
    );
  }
  const findings = diagnose(analyze({ packets: s.packets, icmp }, {}, 60));
  const f = only(findings, 'tftp.read-timeout');

  it("says the block and byte where it stopped, from the client's ACKs", () => {
    assert.match(f.message, /stopped at block 11, byte 14320 of 976\.6 KiB/);
    assert.match(f.message, /last new ACK was block 10 \(frame 122/);
  });
  it('names the last new DATA and what followed: re-ACKs and the ICMP errors of a closed server port', () => {
    assert.match(f.message, /last new DATA was block 11 \(frame 123/);
    assert.match(f.message, /re-sent ACK 10 3 times/);
    assert.match(
      f.message,
      /10\.77\.0\.1 answered 10\.77\.0\.111's packets with ICMP destination unreachable 3 times/,
    );
    assert.match(f.message, /server had closed the transfer/);
  });
  it('gives the rate before the stall and points the server log at the stall, not at the capture end', () => {
    assert.match(f.message, /Before the stall it moved [\d.]+ (kB|MB)\/s/);
    assert.match(f.hint, /t=10\.2 s/);
    assert.ok(f.t !== null && f.t < 10.3, String(f.t));
    assert.match(f.message, /the capture runs on [\d.]+ s after it/);
  });
});

describe('nothing stalls after the capture ends', () => {
  it('a pause the transfer got over, then the capture ends mid-transfer: no read timeout', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 100, t: 10 }, 0.01);
    s.rrq(C, 'vmlinuz', { blksize: '1432' });
    s.oack(S, C, { blksize: '1432' });
    s.ack(C, S, 0);
    for (let b = 1; b <= 5; b++) {
      s.data(S, C, b, 1432);
      s.ack(C, S, b);
    }
    s.t += 6; // a 6 s pause, then it moves again
    for (let b = 6; b <= 8; b++) {
      s.data(S, C, b, 1432);
      s.ack(C, S, b);
    }
    const a = analyze(s.packets, {}, s.t + 1);
    const findings = diagnose(a);
    assert.ok(
      !findings.some((x) => x.ruleId === 'tftp.read-timeout'),
      findings.map((x) => x.message).join('\n'),
    );
    assert.equal(a.orphanTransfers[0]?.outcome, 'in-progress');
  });

  // The first story's transfer without the ICMP errors: DATA 11 (t=10.23) never acknowledged, the client
  // re-ACKs block 10 at 11.23, 12.23 and 13.23 s. A client gives up some seconds after the last step forward.
  function stopped(end: number): Finding[] {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 100, t: 10 }, 0.01);
    stopAfterBlock10(s);
    for (let i = 0; i < 3; i++) {
      s.t += 1;
      s.ack(C, S, 10);
    }
    return diagnose(analyze(s.packets, {}, end));
  }

  it('a transfer being retried when the capture ends, before a client gives up: incomplete (info)', () => {
    const f = only(stopped(13.3), 'tftp.read-timeout');
    assert.equal(f.severity, 'info');
    assert.equal(f.incomplete, true);
    assert.match(f.message, /^Incomplete at the end of the capture: the transfer of "vmlinuz"/);
    assert.match(f.message, /stopped moving after 14\.0 KiB/);
    assert.equal(f.pxeError, null);
  });

  it('the same transfer with the capture running on past the deadline: the stall', () => {
    const f = only(stopped(16), 'tftp.read-timeout');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /stopped at block 11/);
  });
});
