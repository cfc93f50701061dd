/**
 * A PXE boot-server REQUEST on udp/4011 is answered only when its ACK is in the capture: an unanswered one
 * is not "a server answered the client", and when it is the client's last DHCP exchange the outcome is unknown.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { verdictOf } from '../../../src/diagnosis/verdict.js';
import { findCapture } from '../../support/fixtures.js';
import { analyze, CLIENT_IP, dhcp, labPort4011Exchange, opt, SERVER } from '../analysis/support/records.js';

const PXE = [opt.u16(93, 0), opt.text(60, 'PXEClient:Arch:00000:UNDI:002001')];

describe('a boot-server REQUEST on 4011', () => {
  it('left unanswered in the lab (proxy-silent-4011) is no answer: without findings the verdict is unknown', async () => {
    const capture = findCapture('lab-failures/proxy-silent-4011/capture.pcapng');
    assert.ok(capture);
    const { result, findings } = await analyzeCapture(capture.path);
    const [session] = result.sessions;
    const last = session.transactions.at(-1);
    assert.equal(last?.port4011, true);
    assert.equal(last?.acks.length, 0);
    // With its findings: the rule tells the failure.
    assert.equal(verdictOf(session, findings, result).status, 'fail');
    // Without them (the rule switched off, or not firing): unknown, never "ok".
    const bare = verdictOf(session, [], result);
    assert.equal(bare.status, 'unknown');
    assert.match(bare.reason, /4011/);
  });

  it('alone and unanswered does not count as a DHCP answer', () => {
    const [request] = labPort4011Exchange(PXE);
    const analysis = analyze([request]);
    const [session] = analysis.sessions;
    assert.equal(session.transactions.length, 1);
    assert.equal(session.transactions[0].outcome, 'proxy');
    assert.equal(verdictOf(session, [], analysis).status, 'unknown');
  });

  it('answered by its ACK after a bound DHCP exchange is no reason for doubt', () => {
    const xid = 0x4011;
    const answer = { src: SERVER, yiaddr: CLIENT_IP, options: [opt.ip(54, SERVER)] };
    const analysis = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: PXE }),
      dhcp({ frame: 2, t: 0.01, type: 'OFFER', xid, ...answer }),
      dhcp({ frame: 3, t: 1, type: 'REQUEST', xid, options: [...PXE, opt.ip(54, SERVER)] }),
      dhcp({ frame: 4, t: 1.01, type: 'ACK', xid, ...answer }),
      ...labPort4011Exchange(PXE),
    ]);
    const [session] = analysis.sessions;
    assert.equal(session.transactions.at(-1)?.acks.length, 1);
    assert.equal(verdictOf(session, [], analysis).status, 'ok');
  });
});
