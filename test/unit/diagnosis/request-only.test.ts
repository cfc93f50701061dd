/**
 * A DHCP renewal (unicast REQUEST from ciaddr) or an INIT-REBOOT (broadcast REQUEST with option 50) answered
 * by an ACK never had a DISCOVER: it is not "no offer", in the rules, the transaction or the timeline.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { verdictOf } from '../../../src/diagnosis/verdict.js';
import { analyze, CLIENT_IP, dhcp, opt, SERVER } from '../analysis/support/records.js';

function run(packets: ReturnType<typeof dhcp>[], end = 60): ReturnType<typeof analyze> {
  return analyze(packets, {}, end);
}

describe('a REQUEST without DISCOVER', () => {
  const renewal = [
    dhcp({ frame: 1, t: 1, type: 'REQUEST', xid: 7, src: CLIENT_IP, dst: SERVER, ciaddr: CLIENT_IP }),
    dhcp({ frame: 2, t: 1.01, type: 'ACK', xid: 7, yiaddr: CLIENT_IP, options: [opt.ip(54, SERVER)] }),
  ];
  const initReboot = [
    dhcp({ frame: 1, t: 1, type: 'REQUEST', xid: 8, options: [opt.ip(50, CLIENT_IP)] }),
    dhcp({ frame: 2, t: 1.01, type: 'ACK', xid: 8, yiaddr: CLIENT_IP, options: [opt.ip(54, SERVER)] }),
  ];
  for (const [name, packets] of [
    ['renewal', renewal],
    ['INIT-REBOOT', initReboot],
  ] as const) {
    it(`${name} → ACK: bound, no dhcp finding, no "no offer" in the timeline, verdict not failed`, () => {
      const a = run([...packets]);
      const [s] = a.sessions;
      assert.ok(s);
      assert.equal(s.transactions[0]?.outcome, 'bound');
      const findings = diagnose(a);
      assert.deepEqual(
        findings.filter((f) => f.ruleId.startsWith('dhcp.')).map((f) => f.ruleId),
        [],
      );
      assert.ok(
        !s.phases.some((p) => p.label.includes('no offer')),
        s.phases.map((p) => p.label).join(' | '),
      );
      assert.match(s.phases[0]?.label ?? '', /REQUEST without DISCOVER .* ACK/);
      assert.notEqual(verdictOf(s, findings, a).status, 'fail');
    });
  }
  it('unanswered: the transaction is "no-reply", not "no-offer", and no dhcp.no-offer', () => {
    const a = run([initReboot[0]]);
    const [s] = a.sessions;
    assert.equal(s?.transactions[0]?.outcome, 'no-reply');
    assert.ok(!diagnose(a).some((f) => f.ruleId === 'dhcp.no-offer'));
  });
  it('unanswered: the verdict is unknown (its answer is not in the capture), not "ok, no problem seen"', () => {
    const a = run([initReboot[0]]);
    const [s] = a.sessions;
    assert.ok(s);
    const v = verdictOf(s, diagnose(a), a);
    assert.equal(v.status, 'unknown');
    assert.match(v.reason, /REQUEST has no answer/);
  });
  it('answered by an ACK, nothing else to load: ok', () => {
    const a = run([...renewal]);
    const [s] = a.sessions;
    assert.ok(s);
    assert.equal(verdictOf(s, diagnose(a), a).status, 'ok');
  });
  it('a lone RELEASE tells nothing of how the client fared: unknown', () => {
    const a = run([
      dhcp({ frame: 1, t: 1, type: 'RELEASE', xid: 9, src: CLIENT_IP, dst: SERVER, ciaddr: CLIENT_IP }),
    ]);
    const [s] = a.sessions;
    assert.ok(s);
    assert.equal(verdictOf(s, diagnose(a), a).status, 'unknown');
  });
});
