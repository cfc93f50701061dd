/**
 * Rules users asked for from public reports: each with a case that must fire and normal cases that must stay
 * quiet, built as the packets a capture would hold. Expected findings are written from the exchange.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import { analyzeSource } from '../../../src/analysis/analyze-source.js';
import type { AnalysisResult } from '../../../src/analysis/types.js';
import { diagnose } from '../../../src/diagnosis/engine.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { verdictOf } from '../../../src/diagnosis/verdict.js';
import { pxeMenuProblems } from '../../../src/protocol/dhcp/index.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import { findCapture } from '../../support/fixtures.js';
import { none, one } from './support/expect.js';
import { analyze, CLIENT_IP, dhcp, opt, SERVER, TftpScript, ts } from '../analysis/support/records.js';

function of(findings: Finding[], id: string): Finding[] {
  return findings.filter((f) => f.ruleId === id);
}

const BIOS_PXE = [opt.u16(93, 0), opt.text(60, 'PXEClient:Arch:00000:UNDI:002001')];

describe('tftp.slow-transfer', () => {
  const boot = (size: number, blksize: number, options?: Record<string, string>): DecodedPacket[] => {
    const tftp = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 2 });
    tftp.read(2070, 50000, 'grubx64.efi', size, blksize, options);
    return [
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: BIOS_PXE }),
      dhcp({ frame: 2, t: 0.01, type: 'OFFER', yiaddr: CLIENT_IP, siaddr: SERVER, file: 'grubx64.efi' }),
      dhcp({ frame: 3, t: 1, type: 'REQUEST', options: BIOS_PXE }),
      dhcp({ frame: 4, t: 1.01, type: 'ACK', yiaddr: CLIENT_IP, siaddr: SERVER, file: 'grubx64.efi' }),
      ...tftp.packets,
    ];
  };

  it('fires for 4 MiB in 512-byte lock-step blocks, with the estimate at 1468', () => {
    // 8193 blocks, 2 ms each (DATA + ACK 1 ms apart): about 16.4 s; 2858 blocks of 1468 would take about 5.7 s.
    const f = one(analyze(boot(4 * 1024 * 1024, 512)), 'tftp.slow-transfer');
    assert.equal(f.severity, 'info');
    assert.match(f.message, /"grubx64\.efi" \(4\.0 MiB\) took 16\.4 s in 8193 blocks of 512 bytes/);
    assert.match(f.message, /about 5\.72 s, 10\.7 s less/);
    assert.match(f.message, /did not ask for a bigger blksize/);
  });

  it('names the server when the client asked for more and got 512', () => {
    const f = one(analyze(boot(4 * 1024 * 1024, 512, { blksize: '512', tsize: '0' })), 'tftp.slow-transfer');
    // The client asked for 512 here: not a refusal.
    assert.match(f.message, /did not ask/);
  });

  it('stays quiet for big blocks, small files and clients on a smaller MTU', () => {
    none(analyze(boot(4 * 1024 * 1024, 1432, { blksize: '1432' })), 'tftp.slow-transfer');
    none(analyze(boot(300 * 1024, 512)), 'tftp.slow-transfer');
    const smallMtu = boot(4 * 1024 * 1024, 512).map((p, i) =>
      i === 0 ? dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: [...BIOS_PXE, opt.u16(26, 1400)] }) : p,
    );
    none(analyze(smallMtu), 'tftp.slow-transfer');
  });
});

describe('dhcp.duplicate-address', () => {
  const A = '52:54:00:00:00:0a';
  const B = '52:54:00:00:00:0b';
  const OTHER = '10.77.0.2';
  const dora = (
    mac: string,
    xid: number,
    t: number,
    frame: number,
    server: string,
    ip: string,
  ): DecodedPacket[] => [
    dhcp({ frame, t, type: 'DISCOVER', xid, mac }),
    dhcp({
      frame: frame + 1,
      t: t + 0.01,
      type: 'OFFER',
      xid,
      mac,
      src: server,
      yiaddr: ip,
      options: [opt.ip(54, server), opt.u32(51, 3600)],
    }),
    dhcp({
      frame: frame + 2,
      t: t + 0.5,
      type: 'REQUEST',
      xid,
      mac,
      options: [opt.ip(54, server), opt.ip(50, ip)],
    }),
    dhcp({
      frame: frame + 3,
      t: t + 0.51,
      type: 'ACK',
      xid,
      mac,
      src: server,
      yiaddr: ip,
      options: [opt.ip(54, server), opt.u32(51, 3600)],
    }),
  ];

  it('fires when two servers ACK one address to two clients', () => {
    const f = one(
      analyze([...dora(A, 1, 0, 1, SERVER, '10.77.0.50'), ...dora(B, 2, 5, 11, OTHER, '10.77.0.50')]),
      'dhcp.duplicate-address',
    );
    assert.equal(f.severity, 'error');
    assert.equal(f.client, B);
    assert.match(f.message, /10\.77\.0\.50 was ACKed to 52:54:00:00:00:0a by 10\.77\.0\.1 \(frame 4\)/);
    assert.match(f.message, /Two servers \(10\.77\.0\.1 and 10\.77\.0\.2\)/);
    assert.deepEqual(f.frames, [4, 14]);
    assert.match(f.message, /ACKed to 52:54:00:00:00:0b by 10\.77\.0\.2 \(frame 14\)/);
  });

  it('tells the offer race that ended in a NAK', () => {
    const packets = [
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 1, mac: A }),
      dhcp({ frame: 2, t: 0.1, type: 'DISCOVER', xid: 2, mac: B }),
      dhcp({
        frame: 3,
        t: 0.2,
        type: 'OFFER',
        xid: 1,
        mac: A,
        yiaddr: '10.77.0.60',
        options: [opt.ip(54, SERVER)],
      }),
      dhcp({
        frame: 4,
        t: 0.3,
        type: 'OFFER',
        xid: 2,
        mac: B,
        yiaddr: '10.77.0.60',
        options: [opt.ip(54, SERVER)],
      }),
      dhcp({
        frame: 5,
        t: 0.4,
        type: 'REQUEST',
        xid: 1,
        mac: A,
        options: [opt.ip(54, SERVER), opt.ip(50, '10.77.0.60')],
      }),
      dhcp({
        frame: 6,
        t: 0.5,
        type: 'ACK',
        xid: 1,
        mac: A,
        yiaddr: '10.77.0.60',
        options: [opt.ip(54, SERVER)],
      }),
      dhcp({
        frame: 7,
        t: 0.6,
        type: 'REQUEST',
        xid: 2,
        mac: B,
        options: [opt.ip(54, SERVER), opt.ip(50, '10.77.0.60')],
      }),
      dhcp({
        frame: 8,
        t: 0.7,
        type: 'NAK',
        xid: 2,
        mac: B,
        options: [opt.ip(54, SERVER), opt.text(56, 'address in use')],
      }),
    ];
    const f = one(analyze(packets), 'dhcp.duplicate-address');
    assert.equal(f.client, B);
    assert.match(f.message, /NAK \(address in use\)/);
    assert.ok(f.frames.includes(8));
  });

  it('stays quiet when the first client released the address, and for one client renewing', () => {
    const released = [
      ...dora(A, 1, 0, 1, SERVER, '10.77.0.50'),
      dhcp({
        frame: 5,
        t: 2,
        type: 'RELEASE',
        xid: 3,
        mac: A,
        ciaddr: '10.77.0.50',
        options: [opt.ip(54, SERVER)],
      }),
      ...dora(B, 2, 5, 11, SERVER, '10.77.0.50'),
    ];
    none(analyze(released), 'dhcp.duplicate-address');
    const twice = [...dora(A, 1, 0, 1, SERVER, '10.77.0.50'), ...dora(A, 2, 60, 11, SERVER, '10.77.0.50')];
    none(analyze(twice), 'dhcp.duplicate-address');
    const distinct = [...dora(A, 1, 0, 1, SERVER, '10.77.0.50'), ...dora(B, 2, 5, 11, OTHER, '10.77.0.51')];
    none(analyze(distinct), 'dhcp.duplicate-address');
  });

  it('tells a DECLINE: the address is in use by a host the server does not know', () => {
    const packets = [
      ...dora(A, 1, 0, 1, SERVER, '10.77.0.70'),
      dhcp({
        frame: 5,
        t: 1.5,
        type: 'DECLINE',
        xid: 1,
        mac: A,
        options: [opt.ip(54, SERVER), opt.ip(50, '10.77.0.70')],
      }),
    ];
    const f = one(analyze(packets), 'dhcp.duplicate-address');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /DECLINEd 10\.77\.0\.70/);
    assert.match(f.message, /did not get another address/);
  });
});

describe('dhcp.discover-flood', () => {
  const flood = (macs: number, answered: number): DecodedPacket[] => {
    const out: DecodedPacket[] = [];
    for (let i = 0; i < macs; i++) {
      const mac = `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
      out.push(dhcp({ frame: out.length + 1, t: i * 0.01, type: 'DISCOVER', xid: 0x1000 + i, mac }));
      if (i < answered)
        out.push(
          dhcp({
            frame: out.length + 1,
            t: i * 0.01 + 0.001,
            type: 'OFFER',
            xid: 0x1000 + i,
            mac,
            yiaddr: `10.77.${i >> 8}.${i & 0xff}`,
          }),
        );
    }
    return out;
  };

  it('reports 1000 MACs in 10 s with the numbers, an error when most got no offer', () => {
    const f = one(analyze(flood(1000, 150)), 'dhcp.discover-flood');
    assert.equal(f.severity, 'error');
    assert.match(
      f.message,
      /^1000 client MACs sent DHCPDISCOVERs over 9\.99 s, up to 1000 new MACs in 10 s \(100\.0\/s/,
    );
    assert.match(f.message, /150 got an offer, 850 did not/);
  });

  it('stays quiet for a rack of 40 clients booting at once', () => {
    none(analyze(flood(40, 40)), 'dhcp.discover-flood');
  });
});

describe('proxy.bad-menu', () => {
  const proxyOffer = (option43: number[]): DecodedPacket[] => [
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: BIOS_PXE }),
    dhcp({ frame: 2, t: 0.01, type: 'OFFER', yiaddr: CLIENT_IP, options: [opt.ip(54, SERVER)] }),
    dhcp({
      frame: 3,
      t: 0.02,
      type: 'OFFER',
      src: '10.77.0.9',
      options: [opt.ip(54, '10.77.0.9'), opt.text(60, 'PXEClient'), opt.bytes(43, ...option43)],
    }),
  ];
  const menu = [9, 13, 0x80, 0x00, 10, ...Buffer.from('Boot Linux'), 10, 5, 0, ...Buffer.from('Boot')];

  it('fires with PXE-E74 for a proxy 43 without menu or prompt', () => {
    const f = one(analyze(proxyOffer([6, 1, 0, 255])), 'proxy.bad-menu');
    assert.equal(f.pxeError, 'PXE-E74: Bad or missing PXE menu and/or prompt information');
    assert.match(f.message, /proxyDHCP offer from 10\.77\.0\.9/);
    assert.match(f.message, /no boot menu \(sub-option 9\) and no menu prompt \(sub-option 10\)/);
    assert.deepEqual(f.frames, [3]);
  });

  it('fires for a sub-option that runs past the option', () => {
    const f = one(analyze(proxyOffer([6, 1, 8, 9, 40, 0x80, 0])), 'proxy.bad-menu');
    assert.match(f.message, /does not decode/);
  });

  it('stays quiet for "use the boot file" (6 = 8) and for a complete menu', () => {
    none(analyze(proxyOffer([6, 1, 8, 255])), 'proxy.bad-menu');
    const full = [6, 1, 3, 8, 7, 0x80, 0x00, 1, 10, 77, 0, 9, ...menu, 255];
    assert.deepEqual(pxeMenuProblems(Uint8Array.from(full)), []);
    none(analyze(proxyOffer(full)), 'proxy.bad-menu');
  });

  it('names a menu type with no boot server when discovery is limited to the list', () => {
    const list = [6, 1, 7, 8, 7, 0x81, 0x00, 1, 10, 77, 0, 9, ...menu, 255];
    assert.deepEqual(pxeMenuProblems(Uint8Array.from(list)), [
      'menu item type(s) 32768 have no boot server in sub-option 8',
    ]);
  });
});

describe('capture.kernel-drops', () => {
  const unanswered = [
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: BIOS_PXE, secs: 0 }),
    dhcp({ frame: 2, t: 4, type: 'DISCOVER', options: BIOS_PXE, secs: 4 }),
    dhcp({ frame: 3, t: 12, type: 'DISCOVER', options: BIOS_PXE, secs: 12 }),
    dhcp({ frame: 4, t: 28, type: 'DISCOVER', options: BIOS_PXE, secs: 28 }),
  ];
  const run = (dropped: number | undefined): AnalysisResult => {
    const a = new Analyzer({ origin: ts(0) });
    for (const p of unanswered) a.addPacket(p);
    return a.finish({
      file: 'x.pcapng',
      format: 'pcapng',
      frames: 4,
      firstTs: ts(0),
      lastTs: ts(60),
      stats:
        dropped === undefined
          ? undefined
          : {
              dropped,
              ifDropped: dropped,
              received: 5000,
              perInterface: [{ id: 0, section: 0, name: 'veth0', ifDropped: dropped }],
            },
    });
  };

  it('reports the loss, adds the caveat to the no-offer finding and makes the verdict unknown', () => {
    const analysis = run(1234);
    const findings = diagnose(analysis);
    const drops = one(analysis, 'capture.kernel-drops');
    assert.match(
      drops.message,
      /the capture counted 1234 packets lost and 5000 received on veth0: 1234 by the interface\/buffer/,
    );
    const [noOffer] = of(findings, 'dhcp.no-offer');
    assert.ok(noOffer, findings.map((f) => f.ruleId).join());
    assert.match(noOffer.message, /may be a capture loss/);
    const v = verdictOf(analysis.sessions[0], findings, analysis);
    assert.equal(v.status, 'unknown');
    assert.match(v.reason, /capture counted 1234 packets lost/);
  });

  it('says nothing when no drop was counted, and the verdict stays a failure', () => {
    for (const dropped of [undefined, 0]) {
      const analysis = run(dropped);
      const findings = diagnose(analysis);
      assert.equal(of(findings, 'capture.kernel-drops').length, 0);
      assert.doesNotMatch(of(findings, 'dhcp.no-offer')[0]?.message ?? '', /capture loss/);
      assert.equal(verdictOf(analysis.sessions[0], findings, analysis).status, 'fail');
    }
  });

  it('reads the ISB counters of a pcapng file (pcapng-test-generator test202: 11 ifdrop + 42 osdrop of 100)', async (t) => {
    const c = findCapture('public/pcapng-test-generator/output_le/difficult/test202.pcapng');
    if (c === null) return t.skip('capture not present');
    const { result } = await analyzeSource(c.path);
    assert.equal(result.capture.captureLoss?.dropped, 53);
    const f = one(result, 'capture.kernel-drops');
    assert.match(f.message, /counted 53 packets lost and 100 received/);
    assert.match(f.message, /11 by the interface\/buffer \(isb_ifdrop\) and 42 by the OS \(isb_osdrop\)/);
  });
});

describe('dhcp.boot-file-encoding', () => {
  const session = (option67: number[], rrqName: string, found: boolean): DecodedPacket[] => {
    const reply = {
      yiaddr: CLIENT_IP,
      siaddr: SERVER,
      options: [opt.ip(54, SERVER), opt.bytes(67, ...option67)],
    };
    const tftp = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 2 });
    tftp.rrq(2070, rrqName);
    if (found) {
      tftp.data(50000, 2070, 1, 100);
      tftp.ack(2070, 50000, 1);
    } else tftp.error('server', 2070, 50000, 1, 'File not found');
    return [
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: BIOS_PXE }),
      dhcp({ frame: 2, t: 0.01, type: 'OFFER', ...reply }),
      dhcp({ frame: 3, t: 1, type: 'REQUEST', options: [...BIOS_PXE, opt.ip(54, SERVER)] }),
      dhcp({ frame: 4, t: 1.01, type: 'ACK', ...reply }),
      ...tftp.packets,
    ];
  };
  const name = [...Buffer.from('pxelinux.0')];

  it('links 0xFF appended to an unterminated option 67 to the file-not-found', () => {
    const f = one(analyze(session(name, 'pxelinux.0\\xff', false)), 'dhcp.boot-file-encoding');
    assert.equal(f.severity, 'error');
    assert.match(f.message, /told to boot "pxelinux\.0" and asked TFTP 10\.77\.0\.1 for "pxelinux\.0\\xff"/);
    assert.match(f.message, /Option 67 has no terminating NUL/);
    assert.match(f.message, /file not found/);
    assert.equal(f.pxeError, 'PXE-E3B: TFTP Error - File not found');
    assert.ok(f.frames.includes(4) && f.frames.includes(10) && f.frames.includes(11), f.frames.join());
    assert.match(f.hint, /dhcp-boot=pxelinux\.0/);
  });

  it('tells a trailing space the server itself sends', () => {
    const f = one(analyze(session([...name, 0x20], 'pxelinux.0 ', false)), 'dhcp.boot-file-encoding');
    assert.match(f.message, /at the end of the name/);
    assert.match(f.message, /server sends the name with them \(option 67\)/);
  });

  it('is a warning when the server trimmed the name and delivered the file', () => {
    assert.equal(
      one(analyze(session(name, 'pxelinux.0\\xff', true)), 'dhcp.boot-file-encoding').severity,
      'warn',
    );
  });

  it('stays quiet for the exact name, with or without the NUL, and for other files', () => {
    none(analyze(session(name, 'pxelinux.0', true)), 'dhcp.boot-file-encoding');
    none(analyze(session([...name, 0], 'pxelinux.0', true)), 'dhcp.boot-file-encoding');
    none(analyze(session(name, 'pxelinux.0.cfg', false)), 'dhcp.boot-file-encoding');
  });
});
