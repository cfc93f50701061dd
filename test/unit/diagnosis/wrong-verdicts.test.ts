/**
 * Failure classes that used to be reported wrongly, each as packets a capture would hold (decoded records fed
 * to the analyzer, then the rules). Expected findings are written from the exchange, not from the output.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { verdictOf } from '../../../src/diagnosis/verdict.js';
import { bootLine } from '../../../src/report/format.js';
import { analyze, CLIENT_IP, dhcp, opt, TftpScript } from '../analysis/support/records.js';

const CHOSEN = '10.77.0.1';
const AUTHORITATIVE = '10.77.0.2';
const PXE = [opt.u16(93, 0), opt.text(60, 'PXEClient:Arch:00000:UNDI:002001')];

function ids(findings: Finding[]): string[] {
  return findings.map((f) => f.ruleId);
}

describe('a NAK from a server the client did not choose', () => {
  // Two servers offer; the client REQUESTs 10.77.0.1's offer (option 54); the authoritative 10.77.0.2 sees the
  // broadcast REQUEST and NAKs it ("wrong server-ID"); 10.77.0.1 ACKs and the client downloads its file.
  const xid = 0x5151;
  const reply = (
    server: string,
    ip: string,
  ): { src: string; yiaddr: string; siaddr: string; file: string } => ({
    src: server,
    yiaddr: ip,
    siaddr: server,
    file: 'pxelinux.0',
  });
  const tftp = new TftpScript(CLIENT_IP, CHOSEN, { frame: 10, t: 2 });
  tftp.read(2070, 50000, 'pxelinux.0', 3000, 1432, { blksize: '1432' });
  const packets = [
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: PXE }),
    dhcp({
      frame: 2,
      t: 0.01,
      type: 'OFFER',
      xid,
      ...reply(CHOSEN, CLIENT_IP),
      options: [opt.ip(54, CHOSEN)],
    }),
    dhcp({
      frame: 3,
      t: 0.02,
      type: 'OFFER',
      xid,
      ...reply(AUTHORITATIVE, '10.77.0.200'),
      options: [opt.ip(54, AUTHORITATIVE)],
    }),
    dhcp({
      frame: 4,
      t: 1,
      type: 'REQUEST',
      xid,
      options: [...PXE, opt.ip(54, CHOSEN), opt.ip(50, CLIENT_IP)],
    }),
    dhcp({ frame: 5, t: 1.01, type: 'ACK', xid, ...reply(CHOSEN, CLIENT_IP), options: [opt.ip(54, CHOSEN)] }),
    dhcp({
      frame: 6,
      t: 1.02,
      type: 'NAK',
      xid,
      src: AUTHORITATIVE,
      dst: '255.255.255.255',
      options: [opt.ip(54, AUTHORITATIVE), opt.text(56, 'wrong server-ID')],
    }),
    ...tftp.packets,
  ];
  const analysis = analyze(packets);
  const findings = diagnose(analysis);

  it('is no failure: the transaction is bound and the boot taken', () => {
    const [session] = analysis.sessions;
    assert.equal(session.transactions[0].outcome, 'bound');
    assert.equal(session.boots[0].accepted, true);
    assert.ok(!ids(findings).includes('dhcp.nak'), ids(findings).join(', '));
    assert.ok(!findings.some((f) => f.severity === 'error'), ids(findings).join(', '));
  });

  it('is reported under dhcp.multiple-servers with the NAK as evidence and no "authoritative" advice', () => {
    const multi = findings.find((f) => f.ruleId === 'dhcp.multiple-servers');
    assert.ok(multi, ids(findings).join(', '));
    assert.ok(multi.frames.includes(6), `frames ${multi.frames.join(',')}`);
    assert.match(multi.message, /NAK/);
    assert.match(multi.message, /ACKed by it \(frame 5\)/);
    assert.doesNotMatch(multi.hint ?? '', /authoritative/i);
  });

  it('stays a failure when the NAK comes from the server the client chose', () => {
    const own = packets.filter((p) => p.frame !== 5 && p.frame !== 6 && p.frame < 10);
    own.push(
      dhcp({
        frame: 6,
        t: 1.02,
        type: 'NAK',
        xid,
        src: CHOSEN,
        options: [opt.ip(54, CHOSEN), opt.text(56, 'address not available')],
      }),
    );
    const f = diagnose(analyze(own));
    assert.ok(ids(f).includes('dhcp.nak'), ids(f).join(', '));
  });
});

describe('offers the client has not REQUESTed yet', () => {
  // dnsmasq ping-checks the address for ~3 s before it offers: its OFFER lands 5 ms after the client's
  // retransmitted DISCOVER, 3 s after the first. The client re-DISCOVERs at 7 s.
  const xid = 0x6161;
  const round = [
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: PXE }),
    dhcp({ frame: 2, t: 2.995, type: 'DISCOVER', xid, secs: 3, options: PXE }),
    dhcp({
      frame: 3,
      t: 3,
      type: 'OFFER',
      xid,
      src: CHOSEN,
      yiaddr: CLIENT_IP,
      options: [opt.ip(54, CHOSEN)],
    }),
    dhcp({ frame: 4, t: 7, type: 'DISCOVER', xid, secs: 7, options: PXE }),
  ];

  it('is "incomplete at the end of the capture" (info) when the capture ends before the REQUEST is due', () => {
    const f = diagnose(analyze(round, {}, 8)).filter((x) => x.ruleId === 'dhcp.no-request-after-offer');
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'info');
    assert.match(f[0].message, /incomplete at the end of the capture/);
    assert.equal(f[0].pxeError, null);
  });

  it('is a warning once the capture goes on long after it, without the "too fast" theory for a ping-checked offer', () => {
    const f = diagnose(analyze(round, {}, 60)).filter((x) => x.ruleId === 'dhcp.no-request-after-offer');
    assert.equal(f.length, 1);
    assert.equal(f[0].severity, 'warn');
    assert.doesNotMatch(f[0].message, /fast/);
  });

  it('keeps the "too fast" theory for a server that answers the first DISCOVER within milliseconds', () => {
    const fast = [
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: PXE }),
      dhcp({
        frame: 2,
        t: 0.002,
        type: 'OFFER',
        xid,
        src: CHOSEN,
        yiaddr: CLIENT_IP,
        options: [opt.ip(54, CHOSEN)],
      }),
      dhcp({ frame: 3, t: 4, type: 'DISCOVER', xid, secs: 4, options: PXE }),
    ];
    const f = diagnose(analyze(fast, {}, 60)).filter((x) => x.ruleId === 'dhcp.no-request-after-offer');
    assert.match(f[0]?.message ?? '', /answered within 2(\.0)? ms of the first DISCOVER/);
  });
});

describe('an http:// boot file', () => {
  const xid = 0x7171;
  const url = 'http://10.77.0.1/boot.ipxe';
  const answer = { src: CHOSEN, yiaddr: CLIENT_IP, siaddr: CHOSEN, file: url, options: [opt.ip(54, CHOSEN)] };
  const analysis = analyze([
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: PXE }),
    dhcp({ frame: 2, t: 0.01, type: 'OFFER', xid, ...answer }),
    dhcp({ frame: 3, t: 1, type: 'REQUEST', xid, options: [...PXE, opt.ip(54, CHOSEN)] }),
    dhcp({ frame: 4, t: 1.01, type: 'ACK', xid, ...answer }),
  ]);

  it('is never shown as fetched from a TFTP server, and its outcome is unknown, not OK', () => {
    const [session] = analysis.sessions;
    const line = bootLine(session.boots[0]);
    assert.doesNotMatch(line, /TFTP/);
    assert.match(line, /fetched by HTTP/);
    const v = verdictOf(session, diagnose(analysis), analysis);
    assert.equal(v.status, 'unknown');
    assert.match(v.reason, /HTTP/);
  });
});
