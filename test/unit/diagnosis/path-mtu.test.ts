/**
 * A path that carries small packets and drops full-size ones (a hop with a smaller MTU than the client's,
 * no ICMP): OACK and ACK 0 pass, full-size DATA never does. Seen from either end, lock-step or windowed,
 * whoever gives up and however. Expected findings written from the exchange each test scripts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { analyze, TftpScript } from '../analysis/support/records.js';

const C = 2070;
const S = 50000;

function ids(findings: Finding[]): string[] {
  return findings.map((f) => f.ruleId);
}

function only(findings: Finding[], rule: string): Finding {
  const found = findings.filter((f) => f.ruleId === rule);
  assert.equal(found.length, 1, ids(findings).join(', '));
  return found[0];
}

/** RRQ + OACK + ACK 0, as every variant starts. */
function opening(s: TftpScript, options: Record<string, string>, size = 42430): void {
  s.rrq(C, 'pxelinux.0', { ...options, tsize: '0' });
  s.oack(S, C, { ...options, tsize: String(size) });
  s.ack(C, S, 0);
}

describe('full-size DATA lost on the path while small packets pass', () => {
  it('seen at the server: DATA 1 resent, ACK 0 repeated, client silent → blksize-exceeds-path, not a read timeout', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 0.5);
    opening(s, { blksize: '1432' });
    for (let i = 0; i < 4; i++) {
      s.data(S, C, 1, 1432);
      s.ack(C, S, 0);
    }
    s.data(S, C, 1, 1432);
    const findings = diagnose(analyze(s.packets, {}, 60));
    const f = only(findings, 'tftp.blksize-exceeds-path');
    assert.ok(!ids(findings).includes('tftp.read-timeout'), ids(findings).join(', '));
    assert.match(f.message, /no DATA block got through/);
    assert.match(f.message, /acknowledged the OACK \(ACK 0, frame 24\)/);
    assert.match(f.message, /DATA 1 went out 5 times \(first at frame 25\)/);
    assert.match(f.message, /re-sent ACK 0 4 times/);
    assert.ok(f.frames.includes(24) && f.frames.includes(25), f.frames.join(','));
  });

  it('seen at the client: no DATA arrives at all after the OACK, the client re-ACKs 0 and sends an ERROR', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 1);
    opening(s, { blksize: '1432' });
    for (let i = 0; i < 4; i++) s.ack(C, S, 0);
    s.error('client', C, S, 0, 'timeout');
    const findings = diagnose(analyze(s.packets, {}, 40));
    const f = only(findings, 'tftp.blksize-exceeds-path');
    assert.match(f.message, /no DATA of blksize 1432 \(1464-byte IP packets\) ever reached it/);
    assert.match(f.message, /client gave up \(ERROR 0/);
    assert.ok(!ids(findings).includes('tftp.error'), ids(findings).join(', '));
  });

  it('windowed (windowsize 4): the whole window is resent and never acknowledged', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 0.2);
    opening(s, { blksize: '1408', windowsize: '4' });
    for (let round = 0; round < 3; round++) {
      for (let b = 1; b <= 4; b++) s.data(S, C, b, 1408);
      s.ack(C, S, 0);
    }
    const findings = diagnose(analyze(s.packets, {}, 60));
    const f = only(findings, 'tftp.blksize-exceeds-path');
    assert.match(f.message, /DATA up to block 4 went out/);
    assert.ok(!ids(findings).includes('tftp.read-timeout'));
  });

  it('the server gives up with an ERROR after its resends: still the path, not a server error', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 1);
    opening(s, { blksize: '1432' });
    for (let i = 0; i < 3; i++) s.data(S, C, 1, 1432);
    s.error('server', C, S, 0, 'Too many retries');
    const findings = diagnose(analyze(s.packets, {}, 40));
    const f = only(findings, 'tftp.blksize-exceeds-path');
    assert.match(f.message, /server gave up \(ERROR 0/);
  });

  it('is not claimed for a transfer that moved full-size blocks and then stalled', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 0.01);
    opening(s, { blksize: '1432' });
    for (let b = 1; b <= 10; b++) {
      s.data(S, C, b, 1432);
      s.ack(C, S, b);
    }
    s.t += 1;
    for (let i = 0; i < 3; i++) {
      s.data(S, C, 11, 1432);
      s.ack(C, S, 10);
      s.t += 1;
    }
    const findings = diagnose(analyze(s.packets, {}, 60));
    assert.ok(!ids(findings).includes('tftp.blksize-exceeds-path'), ids(findings).join(', '));
    only(findings, 'tftp.read-timeout');
  });

  it('is not claimed for a small file whose only (short) block was acknowledged', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 0.01);
    opening(s, { blksize: '1432' }, 300);
    s.data(S, C, 1, 300);
    s.ack(C, S, 1);
    const findings = diagnose(analyze(s.packets, {}, 60));
    assert.deepEqual(
      ids(findings).filter((id) => id.startsWith('tftp.')),
      [],
    );
  });

  it('needs the OACK acknowledged: DATA resent with no ACK at all proves nothing about size', () => {
    const s = new TftpScript(undefined, undefined, { frame: 22, t: 16 }, 1);
    s.rrq(C, 'pxelinux.0');
    for (let i = 0; i < 4; i++) s.data(S, C, 1, 512);
    const findings = diagnose(analyze(s.packets, {}, 60));
    assert.ok(!ids(findings).includes('tftp.blksize-exceeds-path'), ids(findings).join(', '));
  });
});
