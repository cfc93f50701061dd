import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { verdictOf } from '../../../src/diagnosis/verdict.js';
import { BIOS, IPXE, UEFI } from '../../../src/diagnosis/pxe-errors.js';
import { BIOS_IPXE_ROM, BIOS_ROM, CaptureBuilder, EDK2, EFI_IPXE, LAB } from './support/builder.js';
import { hintMentions, mentions, none, one, run } from './support/expect.js';
import {
  dnsmasqDora,
  happyBiosPxelinux,
  missingBootfile,
  noDhcpServer,
  proxyDhcp,
  uefiHappy,
} from './support/lab.js';

const frames = (events: { frame: number }[]): number[] => events.map((e) => e.frame);

describe('dhcp.no-offer', () => {
  test('DISCOVERs nobody answers: count, duration, relay note, client message per family', () => {
    const a = noDhcpServer();
    const f = one(a, 'dhcp.no-offer');
    assert.equal(f.severity, 'error');
    assert.equal(f.client, LAB.mac);
    assert.deepEqual(f.frames, frames(a.sessions[0]?.transactions[0]?.events ?? []));
    assert.equal(f.frames.length, 4);
    mentions(f, LAB.mac, '4 DHCPDISCOVERs', '7 s', 'relay');
    assert.equal(f.pxeError, IPXE.noConfiguration);
    assert.equal(f.t, 0);
  });

  test('a high secs in the first DISCOVER seen says earlier ones were missed', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_ROM }).dhcp({ discovers: 2, firstSecs: 24 });
    b.advanceTo(10);
    const f = one(b.build(), 'dhcp.no-offer');
    mentions(f, 'secs=24', 'before the capture started');
    assert.equal(f.pxeError, BIOS.noOffers);
  });

  test('names the relay (giaddr) and other clients that were served (pool exhausted)', () => {
    const b = new CaptureBuilder();
    const served = b.session({ mac: '52:54:00:00:00:01', ...BIOS_IPXE_ROM });
    dnsmasqDora(served, 'pxelinux.0');
    b.session({ mac: LAB.mac, ...EDK2 }).dhcp({ discovers: 3, client: {}, at: 10 });
    b.advanceTo(20);
    const a = b.build();
    const relayed = a.sessions[1]?.transactions[0]?.events[0];
    assert.ok(relayed);
    relayed.giaddr = '10.1.0.1';
    const f = one(a, 'dhcp.no-offer');
    assert.equal(f.client, LAB.mac);
    mentions(f, '10.1.0.1', 'Other clients', LAB.server, 'exhausted');
    assert.equal(f.pxeError, UEFI.noValidOffer);
  });

  test('a single DISCOVER: warning when the capture ran on, incomplete (info) when it stopped right after', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }).dhcp({ discovers: 1 });
    const cut = one(b.build(), 'dhcp.no-offer');
    assert.equal(cut.severity, 'info');
    assert.equal(cut.incomplete, true);
    mentions(cut, 'Incomplete at the end of the capture');
    b.advanceTo(10);
    assert.equal(one(b.build(), 'dhcp.no-offer').severity, 'warn');
  });

  test('DISCOVERs right before the capture stops: no server had time to answer', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_ROM }).dhcp({
      discovers: 6,
      discoverTimes: [0, 0.002, 0.004, 0.006, 0.008, 0.009],
    });
    const a = b.build();
    assert.equal(one(a, 'dhcp.no-offer').severity, 'info');
    const [session] = a.sessions;
    assert.equal(verdictOf(session, diagnose(a), a).status, 'incomplete');
  });

  test('quiet when the DISCOVERs were answered, and for the UEFI fallback to HTTP boot', () => {
    none(happyBiosPxelinux(), 'dhcp.no-offer');
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'snponly.efi', delay: 3 }] });
    s.transfer({ file: 'snponly.efi', size: 173792, requested: { blksize: '1468' }, at: 4 });
    s.become({ vendorClass: 'HTTPClient:Arch:00016:UNDI:003000', arch: 16 });
    s.dhcp({ at: 30, discovers: 4 });
    none(b.build(), 'dhcp.no-offer');
  });
});

describe('dhcp.slow-offer', () => {
  test('first answer 31 s after the first DISCOVER (spanning tree without portfast)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    const tx = s.dhcp({
      discovers: 4,
      discoverTimes: [0, 4, 12, 28],
      offers: [{ siaddr: LAB.server, file: 'pxelinux.0', delay: 3 }],
    });
    const f = one(b.build(), 'dhcp.slow-offer');
    assert.equal(f.severity, 'warn');
    mentions(f, LAB.mac, '4 DHCPDISCOVERs', '31', LAB.server);
    assert.ok(f.hint.includes('portfast'));
    assert.deepEqual(
      f.frames,
      frames(tx.events.filter((e) => e.messageType !== 'REQUEST' && e.messageType !== 'ACK')),
    );
  });

  test("dnsmasq's 3 s ping check is not slow", () => {
    none(happyBiosPxelinux(), 'dhcp.slow-offer');
  });
});

describe('dhcp.proxy-only', () => {
  test('only proxyDHCP offers: E52 on a BIOS ROM', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    const proxy = {
      server: LAB.server,
      proxy: true,
      yiaddr: '0.0.0.0',
      vendorClass: 'PXEClient',
      vendorSpecific: true,
      pxeMenu: ['boot'],
    };
    const tx = s.dhcp({
      discovers: 3,
      offers: [
        { ...proxy, afterDiscover: 0 },
        { ...proxy, afterDiscover: 1 },
        { ...proxy, afterDiscover: 2 },
      ],
    });
    const f = one(b.build(), 'dhcp.proxy-only');
    assert.equal(f.severity, 'error');
    assert.equal(f.pxeError, BIOS.proxyOnly);
    assert.deepEqual(f.frames, frames(tx.events));
    mentions(f, LAB.mac, '3 proxyDHCP offers', LAB.server, 'no DHCP server offered it an address');
  });

  test('one proxy offer beside one address offer is the designed pattern', () => {
    none(proxyDhcp(), 'dhcp.proxy-only');
  });
});

describe('dhcp.no-boot-file', () => {
  test('address without file, 67, 43 or proxy (lab missing-bootfile)', () => {
    const a = missingBootfile();
    const f = one(a, 'dhcp.no-boot-file');
    const ack = a.sessions[0]?.transactions[0]?.events.find((e) => e.messageType === 'ACK');
    assert.ok(ack);
    assert.equal(f.severity, 'error');
    assert.ok(f.frames.includes(ack.frame));
    mentions(f, LAB.mac, LAB.clientIp, LAB.server, 'no boot file', 'siaddr 10.77.0.1');
    assert.equal(f.pxeError, IPXE.nothingToBoot);
    hintMentions(
      f,
      'dhcp-boot=pxelinux.0,,10.77.0.1',
      'next-server 10.77.0.1;',
      '"boot-file-name": "pxelinux.0"',
    );
  });

  test('a UEFI client gets E16 and an EFI suggestion', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...EDK2 }), null);
    const f = one(b.build(), 'dhcp.no-boot-file');
    assert.equal(f.pxeError, UEFI.noValidOffer);
    hintMentions(f, 'syslinux.efi');
  });

  test('iPXE asking again after a chainload without a file is only a warning', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'snponly.efi', delay: 3 }] });
    s.transfer({ file: 'snponly.efi', size: 173792, requested: { blksize: '1468' }, at: 4 });
    s.become(EFI_IPXE);
    dnsmasqDora(s, null, 6);
    assert.equal(one(b.build(), 'dhcp.no-boot-file').severity, 'warn');
  });

  test('quiet for OS DHCP clients, with a proxy on the wire, and when the client fetched something', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, arch: null, vendorClass: null }), null);
    none(b.build(), 'dhcp.no-boot-file');
    none(proxyDhcp(), 'dhcp.no-boot-file');
    const c = new CaptureBuilder();
    const s = c.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    dnsmasqDora(s, null);
    s.transfer({ file: 'autoexec.ipxe', size: 100, at: 16 });
    none(c.build(), 'dhcp.no-boot-file');
  });
});

describe('dhcp.next-server-missing', () => {
  test('option 66 without siaddr and no RRQ follows: error; no BIOS ROM line (PXE-E7B is confirmed by no source)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    const tx = s.dhcp({
      discovers: 1,
      offers: [{ file: 'pxelinux.0', tftpServerName: '10.77.0.5', delay: 0.5 }],
    });
    b.advanceTo(30);
    const f = one(b.build(), 'dhcp.next-server-missing');
    assert.equal(f.severity, 'error');
    assert.equal(f.pxeError, null);
    mentions(f, LAB.mac, 'option 66', '10.77.0.5', 'siaddr 0.0.0.0', 'pxelinux.0');
    hintMentions(f, 'dhcp-boot=pxelinux.0,,10.77.0.5', 'next-server 10.77.0.5;');
    const ack = tx.events.find((e) => e.messageType === 'ACK');
    assert.ok(ack && f.frames.includes(ack.frame));
  });

  test('option 66 without siaddr on iPXE: "Nothing to boot", iPXE builds tftp:// from siaddr only', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({ offers: [{ file: 'pxelinux.0', tftpServerName: '10.77.0.5', delay: 0.5 }] });
    b.advanceTo(30);
    const f = one(b.build(), 'dhcp.next-server-missing');
    assert.equal(f.pxeError, 'Nothing to boot: No such file or directory (http://ipxe.org/2d03e13b)');
  });

  test('the client coped with option 66: warning', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({ offers: [{ bootfileOption: 'pxelinux.0', tftpServerName: '10.77.0.5', delay: 0.5 }] });
    s.transfer({ file: 'pxelinux.0', server: '10.77.0.5', at: 16 });
    const f = one(b.build(), 'dhcp.next-server-missing');
    assert.equal(f.severity, 'warn');
    mentions(f, 'fetched from 10.77.0.5');
  });

  test('no TFTP server at all', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_ROM }).dhcp({ offers: [{ file: 'pxelinux.0', delay: 0.5 }] });
    const f = one(b.build(), 'dhcp.next-server-missing');
    assert.equal(f.severity, 'error');
    mentions(f, 'names no TFTP server');
    assert.equal(f.pxeError, null);
  });

  test('siaddr and option 66 disagree; file field and option 67 disagree', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({
      offers: [
        {
          siaddr: LAB.server,
          tftpServerName: '10.77.0.9',
          file: 'pxelinux.0',
          bootfileOption: 'undionly.kpxe',
          delay: 0.5,
        },
      ],
    });
    const found = run(b.build(), 'dhcp.next-server-missing');
    assert.deepEqual(
      found.map((f) => f.severity),
      ['warn', 'warn'],
    );
    const [servers, files] = found;
    assert.ok(servers && files);
    mentions(servers, 'siaddr 10.77.0.1', 'option 66 10.77.0.9');
    mentions(files, 'file field "pxelinux.0"', 'option 67 "undionly.kpxe"');
  });

  test('quiet for URLs and for the lab boots', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }).dhcp({
      offers: [{ bootfileOption: 'http://10.77.0.1/boot.ipxe', delay: 0.5 }],
    });
    none(b.build(), 'dhcp.next-server-missing');
    none(happyBiosPxelinux(), 'dhcp.next-server-missing');
    none(proxyDhcp(), 'dhcp.next-server-missing');
  });
});

describe('dhcp.pxeclient-without-proxy', () => {
  function pxeClientNoProxy(): CaptureBuilder {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    dnsmasqDora(s, null);
    for (const tx of s.transactions) for (const e of tx.events) if (e.op === 2) e.vendorClass = 'PXEClient';
    s.bootServer({ server: LAB.server, at: 4, requests: 4, reply: null });
    return b;
  }

  test('60 "PXEClient" from the address server, nobody on 4011: E55 / E16', () => {
    const b = pxeClientNoProxy();
    const a = b.build();
    const f = one(a, 'dhcp.pxeclient-without-proxy');
    const requests = a.sessions[0]?.transactions[1]?.events ?? [];
    assert.equal(f.severity, 'error');
    for (const r of requests) assert.ok(f.frames.includes(r.frame));
    mentions(f, LAB.mac, 'option 60 "PXEClient"', '4 REQUESTs', '10.77.0.1:4011');
    assert.equal(f.pxeError, UEFI.noValidOffer);
    hintMentions(f, 'vendor-class-identifier', 'pxe-service');
    none(a, 'dhcp.no-boot-file');
    none(a, 'proxy.no-reply-4011');
  });

  test('quiet when the same server answers on 4011, or when a proxy exists', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    dnsmasqDora(s, null);
    for (const tx of s.transactions) for (const e of tx.events) if (e.op === 2) e.vendorClass = 'PXEClient';
    s.bootServer({ server: LAB.server, at: 4 });
    none(b.build(), 'dhcp.pxeclient-without-proxy');
    none(proxyDhcp(), 'dhcp.pxeclient-without-proxy');
  });
});

describe('dhcp.multiple-servers', () => {
  test('address offers from two server identifiers (rogue DHCP)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    const tx = s.dhcp({
      discovers: 2,
      offers: [
        {
          server: LAB.dhcp2,
          yiaddr: '10.77.0.202',
          siaddr: LAB.dhcp2,
          bootfileOption: 'undionly.kpxe',
          afterDiscover: 0,
          delay: 0.001,
        },
        { server: LAB.server, siaddr: LAB.server, bootfileOption: 'pxelinux.0', delay: 2 },
      ],
      request: LAB.server,
    });
    const f = one(b.build(), 'dhcp.multiple-servers');
    assert.equal(f.severity, 'warn');
    mentions(
      f,
      LAB.mac,
      '2 servers',
      LAB.dhcp2,
      '10.77.0.202',
      'undionly.kpxe',
      LAB.server,
      'REQUESTed from 10.77.0.1',
    );
    const offers = tx.events.filter((e) => e.messageType === 'OFFER');
    for (const o of offers) assert.ok(f.frames.includes(o.frame));
  });

  test('two proxies with different boot files compete', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    const proxy = { proxy: true, yiaddr: '0.0.0.0', vendorClass: 'PXEClient', vendorSpecific: true };
    s.dhcp({
      offers: [
        { ...proxy, server: '10.77.0.5', siaddr: '10.77.0.5', file: 'pxelinux.0' },
        { ...proxy, server: '10.77.0.6', siaddr: '10.77.0.6', file: 'wdsnbp.com' },
        { server: LAB.dhcp2, delay: 1 },
      ],
    });
    const f = one(b.build(), 'dhcp.multiple-servers');
    mentions(f, 'PXE offers', '10.77.0.5', '10.77.0.6', 'wdsnbp.com');
  });

  test('one address offer plus one proxy offer, and repeated offers of one server, are normal', () => {
    none(proxyDhcp(), 'dhcp.multiple-servers');
    none(uefiHappy(), 'dhcp.multiple-servers');
  });
});

describe('dhcp.nak', () => {
  test('INIT-REBOOT NAK followed by a normal DORA: info, with the recovery', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: '52:54:00:12:34:57', arch: null });
    const nakTx = s.dhcp({
      discovers: 0,
      request: true,
      requestFields: { requestedIp: '10.99.0.5', serverId: null },
      nak: { message: 'wrong network', dst: '255.255.255.255' },
    });
    dnsmasqDora(s, null, 0.02);
    const f = one(b.build(), 'dhcp.nak');
    assert.equal(f.severity, 'info');
    mentions(f, '10.99.0.5', '"wrong network"', 'INIT-REBOOT', '10.77.0.111');
    for (const e of nakTx.events) assert.ok(f.frames.includes(e.frame));
  });

  test('NAK of a selected offer and no address afterwards: error with option 56 text', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({
      offers: [{ bootfileOption: 'pxelinux.0', delay: 0.5 }],
      nak: { message: 'address not available' },
    });
    b.advanceTo(20);
    const f = one(b.build(), 'dhcp.nak');
    assert.equal(f.severity, 'error');
    mentions(f, LAB.server, LAB.mac, '"address not available"', 'never got an address');
    hintMentions(f, 'dhcp-authoritative', 'authoritative;');
  });

  test('NAK, then bound: warning', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({ offers: [{ delay: 0.5 }], nak: { message: 'wrong server-ID' } });
    dnsmasqDora(s, 'pxelinux.0', 5);
    const f = one(b.build(), 'dhcp.nak');
    assert.equal(f.severity, 'warn');
    mentions(f, 'two DHCP servers');
  });
});

describe('dhcp.option-overload', () => {
  test('option 52 in replies: info naming the fields', () => {
    const b = new CaptureBuilder();
    const tx = b
      .session({ mac: LAB.mac, ...BIOS_ROM })
      .dhcp({ offers: [{ siaddr: LAB.server, file: 'pxelinux.0', overload: 3, delay: 0.5 }] });
    const f = one(b.build(), 'dhcp.option-overload');
    assert.equal(f.severity, 'info');
    mentions(f, LAB.server, 'file and sname fields', LAB.mac);
    assert.deepEqual(f.frames, frames(tx.events.filter((e) => e.op === 2)));
    hintMentions(f, 'dhcp-no-override');
  });

  test('quiet without option 52', () => none(happyBiosPxelinux(), 'dhcp.option-overload'));
});

describe('dhcp.no-request-after-offer', () => {
  test('firmware ignores offers without PXE boot information and keeps DISCOVERing', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    const tx = s.dhcp({
      discovers: 4,
      offers: [0, 1, 2, 3].map((i) => ({ afterDiscover: i, delay: 0.4 })),
      request: false,
    });
    const f = one(b.build(), 'dhcp.no-request-after-offer');
    assert.equal(f.severity, 'warn');
    mentions(f, LAB.mac, '4 address offers', 'never sent a REQUEST', 'boot file');
    assert.equal(f.pxeError, UEFI.noValidOffer);
    assert.deepEqual(f.frames, frames(tx.events));
  });

  test('names instant replies as a likely cause', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    s.dhcp({
      discovers: 3,
      offers: [0, 1, 2].map((i) => ({
        afterDiscover: i,
        delay: 0.0004,
        file: 'pxelinux.0',
        siaddr: LAB.server,
      })),
      request: false,
    });
    mentions(one(b.build(), 'dhcp.no-request-after-offer'), 'within 0.4 ms');
  });

  test('re-DISCOVERs while only a proxy offer has arrived, or before any offer, are normal', () => {
    none(proxyDhcp(), 'dhcp.no-request-after-offer');
    none(uefiHappy(), 'dhcp.no-request-after-offer');
  });
});
