import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BIOS, IPXE, UEFI } from '../../../src/diagnosis/pxe-errors.js';
import { BIOS_IPXE_ROM, BIOS_ROM, CaptureBuilder, EDK2, EFI_IPXE, LAB } from './support/builder.js';
import { hintMentions, mentions, none, one } from './support/expect.js';
import {
  dnsmasqDora,
  happyIpxe,
  LAB_PROXY_OFFER,
  proxyDhcp,
  uefiEdk2Happy,
  uefiHappy,
} from './support/lab.js';

/** The proxydhcp lab, except the boot server never answers on 4011 (lab-failures/proxy-silent-4011). */
function proxySilent(identity = BIOS_IPXE_ROM): CaptureBuilder {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...identity });
  s.dhcp({
    discovers: 2,
    offers: [
      { ...LAB_PROXY_OFFER, afterDiscover: 0 },
      { ...LAB_PROXY_OFFER, afterDiscover: 1 },
      { server: LAB.dhcp2, delay: 2 },
    ],
  });
  s.bootServer({ server: LAB.server, at: 17.12, requests: 2, reply: null });
  b.advanceTo(30);
  return b;
}

describe('proxy.no-reply-4011', () => {
  test('boot-server REQUESTs to 4011 after a proxy offer go unanswered', () => {
    const a = proxySilent().build();
    const f = one(a, 'proxy.no-reply-4011');
    const requests = a.sessions[0]?.transactions[1]?.events ?? [];
    assert.equal(requests.length, 2);
    assert.equal(f.severity, 'error');
    for (const r of requests) assert.ok(f.frames.includes(r.frame));
    mentions(f, LAB.mac, '2 boot-server REQUESTs', '10.77.0.1:4011', 'proxyDHCP offer from 10.77.0.1');
    assert.equal(f.pxeError, IPXE.pxebsTimedOut);
    hintMentions(f, 'pxe-service=', 'udp/4011');
    none(a, 'dhcp.pxeclient-without-proxy');
    none(a, 'dhcp.no-boot-file');
  });

  test('E55 on a BIOS PXE ROM', () => {
    assert.equal(one(proxySilent(BIOS_ROM).build(), 'proxy.no-reply-4011').pxeError, BIOS.proxy4011);
  });

  test('traffic on 4011 that is answered is normal (proxydhcp lab), also after a retry', () => {
    none(proxyDhcp(), 'proxy.no-reply-4011');
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({
      offers: [
        { ...LAB_PROXY_OFFER, afterDiscover: 0 },
        { server: LAB.dhcp2, delay: 2 },
      ],
    });
    s.bootServer({ server: LAB.server, requests: 2 });
    none(b.build(), 'proxy.no-reply-4011');
  });
});

describe('proxy.no-option-43', () => {
  test('a proxy offer without option 43: info', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    const tx = s.dhcp({
      offers: [
        {
          server: LAB.server,
          proxy: true,
          yiaddr: '0.0.0.0',
          vendorClass: 'PXEClient',
          siaddr: LAB.server,
          file: 'undionly.kpxe',
          afterDiscover: 0,
        },
        { server: LAB.dhcp2, delay: 2 },
      ],
    });
    const f = one(b.build(), 'proxy.no-option-43');
    assert.equal(f.severity, 'info');
    const proxyOffer = tx.events.find((e) => e.proxy);
    assert.deepEqual(f.frames, [proxyOffer?.frame]);
    mentions(f, LAB.server, LAB.mac, 'without option 43');
  });

  test("dnsmasq's proxy offers carry option 43", () => none(proxyDhcp(), 'proxy.no-option-43'));
});

describe('boot.arch-mismatch', () => {
  test('x64 UEFI client offered pxelinux.0 (lab-failures/arch-mismatch)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EFI_IPXE });
    const tx = s.dhcp({
      discovers: 3,
      offers: [0, 1, 2].map(() => ({ siaddr: LAB.server, bootfileOption: 'pxelinux.0', delay: 0.04 })),
    });
    const tr = s.transfer({ file: 'pxelinux.0', size: 42430, at: 15.78 });
    const f = one(b.build(), 'boot.arch-mismatch');
    const ack = tx.events.find((e) => e.messageType === 'ACK');
    assert.ok(ack);
    assert.equal(f.severity, 'error');
    assert.equal(f.client, LAB.mac);
    mentions(
      f,
      `Client ${LAB.mac} (x64 UEFI, iPXE) was offered "pxelinux.0", a BIOS boot file, by 10.77.0.1 (frame ${ack.frame})`,
    );
    mentions(f, 'option 93 says x64 UEFI (7)', 'downloaded it');
    assert.ok(f.frames.includes(ack.frame) && f.frames.includes(tr.request.frame));
    assert.equal(f.pxeError, IPXE.execFormat);
    hintMentions(
      f,
      'dhcp-match=set:efi64,option:client-arch,7',
      'dhcp-match=set:efi64,option:client-arch,9',
      'dhcp-boot=tag:efi64,syslinux.efi,,10.77.0.1',
      'dhcp-boot=tag:!efi64,pxelinux.0,,10.77.0.1',
      'if option arch = 00:07 or option arch = 00:09 { filename "syslinux.efi"; } else { filename "pxelinux.0"; }',
      'option[93].hex == 0x0007',
    );
  });

  test('BIOS client offered snponly.efi: iPXE runs it as an NBP and hangs', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    dnsmasqDora(s, 'snponly.efi');
    s.transfer({ file: 'snponly.efi', size: 173792, at: 16 });
    const f = one(b.build(), 'boot.arch-mismatch');
    mentions(f, '"snponly.efi", a UEFI boot file', 'x86 BIOS (0)');
    assert.equal(f.pxeError, 'snponly.efi : 173792 bytes [PXE-NBP (may be EFI?)], then the machine hangs');
    hintMentions(f, 'dhcp-boot=tag:!efi64,undionly.kpxe');
  });

  test("the firmware's own UEFI PXE: download succeeds, load fails", () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'pxelinux.0', delay: 3 }] });
    s.transfer({
      file: 'pxelinux.0',
      at: 3.9,
      requested: { tsize: '0', blksize: '1468' },
      error: { code: 8, message: 'User aborted the transfer', from: 'client' },
    });
    s.transfer({ file: 'pxelinux.0', requested: { blksize: '1468' } });
    const f = one(b.build(), 'boot.arch-mismatch');
    assert.equal(f.pxeError, UEFI.loadFailed);
  });

  test('an EFI binary for another CPU: ARM64 file to an x64 client', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...EDK2 }), 'grubaa64.efi');
    mentions(one(b.build(), 'boot.arch-mismatch'), 'an ARM64 UEFI boot file');
  });

  test('arch 7 and 9 are both x64; URLs for HTTP boot, unknown extensions and the lab boots are fine', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...EDK2, arch: 9 }), 'ipxe.efi');
    dnsmasqDora(
      b.session({ mac: '52:54:00:00:00:02', arch: 16, vendorClass: 'HTTPClient:Arch:00016' }),
      'http://10.77.0.1/ipxe.efi',
    );
    dnsmasqDora(
      b.session({ mac: '52:54:00:00:00:03', arch: 0, vendorClass: 'PXEClient:Arch:00000:UNDI:002001' }),
      'bootcode.bin',
    );
    none(b.build(), 'boot.arch-mismatch');
    none(uefiHappy(), 'boot.arch-mismatch');
    none(uefiEdk2Happy(), 'boot.arch-mismatch');
  });
});

describe('ipxe.chainload-loop', () => {
  /** lab-failures/chainload-loop: every round, iPXE included, gets undionly.kpxe. */
  function loop(rounds: number): CaptureBuilder {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    for (let i = 0; i < rounds; i++) {
      dnsmasqDora(s, 'undionly.kpxe', b.time() + 1);
      s.transfer({ file: 'undionly.kpxe', size: 74213, at: b.time() + 13 });
    }
    return b;
  }

  test('the same iPXE binary handed to iPXE again and again', () => {
    const a = loop(3).build();
    const f = one(a, 'ipxe.chainload-loop');
    const transfers = a.sessions[0]?.transfers ?? [];
    assert.equal(f.severity, 'error');
    for (const t of transfers) assert.ok(f.frames.includes(t.request.frame));
    mentions(
      f,
      LAB.mac,
      '"undionly.kpxe"',
      'user class "iPXE"',
      'transferred 3 times',
      'endless chainload loop',
    );
    hintMentions(
      f,
      'dhcp-userclass=set:ipxe,iPXE',
      'dhcp-boot=tag:!ipxe,undionly.kpxe,,10.77.0.1',
      'dhcp-boot=tag:ipxe,http://10.77.0.1/boot.ipxe',
      'if exists user-class and option user-class = "iPXE"',
      "substring(option[77].hex,0,4) == 'iPXE'",
    );
  });

  test("iPXE's second DHCP with a different file is the normal chainload", () => {
    none(uefiEdk2Happy(), 'ipxe.chainload-loop');
    none(happyIpxe(), 'ipxe.chainload-loop');
  });
});

describe('boot.http-boot-misconfigured', () => {
  const HTTP_CLIENT = { arch: 16, vendorClass: 'HTTPClient:Arch:00016:UNDI:003001', broadcast: true };

  test('an HTTP boot client answered like a PXE client', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...HTTP_CLIENT });
    s.dhcp({
      discovers: 2,
      offers: [0, 1].map((i) => ({ afterDiscover: i, siaddr: LAB.server, bootfileOption: 'ipxe.efi' })),
      request: false,
    });
    const f = one(b.build(), 'boot.http-boot-misconfigured');
    assert.equal(f.severity, 'error');
    mentions(f, LAB.mac, 'HTTP boot', 'none echoes option 60 "HTTPClient"');
    assert.equal(f.pxeError, 'Error: Could not retrieve NBP file size from HTTP server.');
    hintMentions(
      f,
      'dhcp-vendorclass=set:httpboot,HTTPClient',
      'dhcp-option-force=tag:httpboot,60,HTTPClient',
    );
  });

  test('HTTP boot after a PXE attempt is the boot order; a proper HTTPClient answer is fine', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    dnsmasqDora(s, null);
    s.become(HTTP_CLIENT);
    s.dhcp({ at: 40, discovers: 2, offers: [{ siaddr: LAB.server }], request: false });
    none(b.build(), 'boot.http-boot-misconfigured');
    const c = new CaptureBuilder();
    dnsmasqDora(c.session({ mac: LAB.mac, ...HTTP_CLIENT }), null);
    const offers = c.sessions[0]?.transactions[0]?.events.filter((e) => e.op === 2) ?? [];
    for (const o of offers)
      Object.assign(o, { vendorClass: 'HTTPClient', bootfileOption: 'http://10.77.0.1/ipxe.efi' });
    none(c.build(), 'boot.http-boot-misconfigured');
  });
});
