import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { BIOS, IPXE, UEFI, biosTftpEcho } from '../../../src/diagnosis/pxe-errors.js';
import {
  BIOS_IPXE_ROM,
  BIOS_ROM,
  CaptureBuilder,
  EDK2,
  EFI_IPXE,
  LAB,
  type SessionBuilder,
} from './support/builder.js';
import { describe as list, hintMentions, mentions, none, one, run } from './support/expect.js';
import {
  blksizeMtuClamp,
  dnsmasqDora,
  fileNotFound,
  happyBiosPxelinux,
  proxyDhcp,
  tftpNoBlocksize,
  uefiEdk2Happy,
} from './support/lab.js';

/** A client that got pxelinux.0 from dnsmasq; the test adds its transfers. */
function booted(identity = BIOS_IPXE_ROM, bootFile = 'pxelinux.0'): { b: CaptureBuilder; s: SessionBuilder } {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...identity });
  dnsmasqDora(s, bootFile);
  b.advanceTo(16);
  return { b, s };
}

describe('tftp.no-server', () => {
  test('RRQs retried to an address that never answers (BIOS ROM: E32)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    s.dhcp({ offers: [{ siaddr: '10.77.0.9', file: 'pxelinux.0', delay: 0.5 }] });
    const t = s.transfer({ file: 'pxelinux.0', server: '10.77.0.9', answered: false, retries: 3, at: 5 });
    b.advanceTo(30);
    const f = one(b.build(), 'tftp.no-server');
    assert.equal(f.severity, 'error');
    assert.equal(f.pxeError, BIOS.tftpOpenTimeout);
    for (const r of [t.request, ...t.requestRetries]) assert.ok(f.frames.includes(r.frame));
    mentions(f, LAB.mac, '4 RRQs', '"pxelinux.0"', '10.77.0.9', 'named 10.77.0.9 as TFTP server (siaddr)');
    hintMentions(f, 'dhcp-boot=pxelinux.0', 'next-server');
  });

  test('on-link next-server nobody has: unanswered ARP, no RRQ (lab-failures/wrong-next-server)', () => {
    const wrongNextServer = (
      identity = BIOS_IPXE_ROM,
    ): { a: ReturnType<CaptureBuilder['build']>; arpFrames: number[] } => {
      const b = new CaptureBuilder();
      const s = b.session({ mac: LAB.mac, ...identity });
      dnsmasqDora(s, 'pxelinux.0');
      const ack = s.transactions[0]?.events.find((e) => e.messageType === 'ACK');
      assert.ok(ack);
      ack.siaddr = '10.77.0.9';
      const arp = b.arpQuery({ targetIp: '10.77.0.9', askedBy: LAB.clientIp, at: 16, requests: 10 });
      b.advanceTo(40);
      return { a: b.build(), arpFrames: arp.requests.map((r) => r.frame) };
    };
    const { a, arpFrames } = wrongNextServer();
    const f = one(a, 'tftp.no-server');
    mentions(f, 'never reached its TFTP server 10.77.0.9', '10 ARP requests', 'named 10.77.0.9');
    assert.equal(f.pxeError, IPXE.tftpTimedOut);
    for (const r of arpFrames) assert.ok(f.frames.includes(r));
    assert.equal(one(wrongNextServer(BIOS_ROM).a, 'tftp.no-server').pxeError, BIOS.arpTimeout);
  });

  test('ICMP port unreachable from the named server (UEFI: PXE-E99)', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...EDK2 });
    s.dhcp({
      offers: [
        {
          server: LAB.dhcp2,
          siaddr: LAB.dhcp2,
          bootfileOption: 'bootx64.efi',
          yiaddr: '10.77.0.202',
          delay: 0.001,
        },
      ],
    });
    const t = s.transfer({ file: 'bootx64.efi', server: LAB.dhcp2, answered: false, at: 3.86 });
    const icmp = b.frame();
    b.icmpUnreachable.push({
      frame: icmp,
      from: LAB.dhcp2,
      code: 3,
      src: '10.77.0.202',
      dst: LAB.dhcp2,
      srcPort: t.clientPort,
      dstPort: 69,
    });
    const f = one(b.build(), 'tftp.no-server');
    mentions(f, 'ICMP port unreachable');
    assert.ok(f.frames.includes(icmp.frame));
    assert.equal(f.pxeError, UEFI.unexpectedNetworkError);
    none(b.build(), 'capture.tftp-data-missing');
  });

  test('ICMP port unreachable to iPXE: it ignores the ICMP and times out, it is not "refused"', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    s.dhcp({ offers: [{ siaddr: LAB.dhcp2, file: 'pxelinux.0', delay: 0.5 }] });
    const t = s.transfer({ file: 'pxelinux.0', server: LAB.dhcp2, answered: false, retries: 3, at: 5 });
    b.icmpUnreachable.push({
      frame: b.frame(),
      from: LAB.dhcp2,
      code: 3,
      src: LAB.clientIp,
      dst: LAB.dhcp2,
      srcPort: t.clientPort,
      dstPort: 69,
    });
    const f = one(b.build(), 'tftp.no-server');
    assert.equal(f.pxeError, 'Connection timed out (http://ipxe.org/4c126035)');
    hintMentions(f, 'no TFTP service listens on udp/69', 'REJECT', 'enable-tftp', 'tftp-root=');
    assert.ok(!f.hint?.includes('dhcp-boot='), 'a refused RRQ is not fixed by changing next-server');
  });

  test('quiet for a filtered capture, a server that answers others, and a lone RRQ at the end', () => {
    none(filtered(), 'tftp.no-server');
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', at: 16 });
    s.transfer({ file: 'ldlinux.c32', answered: false, retries: 3 });
    none(b.build(), 'tftp.no-server');
    const c = new CaptureBuilder();
    const s2 = c.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    dnsmasqDora(s2, 'pxelinux.0');
    s2.transfer({ file: 'pxelinux.0', answered: false, at: 16 });
    c.capture = { arpPackets: 4 };
    none(c.build(), 'tftp.no-server');
  });
});

/** lab-failures/filtered-capture: 'port 67 or port 68 or port 69' kept only the RRQs. */
function filtered(): ReturnType<CaptureBuilder['build']> {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
  dnsmasqDora(s, 'pxelinux.0');
  for (const file of [
    'pxelinux.0',
    'ldlinux.c32',
    'pxelinux.cfg/01-52-54-00-12-34-56',
    'pxelinux.cfg/default',
    'menu.c32',
  ]) {
    s.transfer({ file, answered: false, at: b.time() + 0.05 });
  }
  s.transfer({ file: 'poweroff.c32', answered: false, at: b.time() + 3.7 });
  const a = b.build();
  a.capture.tftpDataSeen = false;
  return a;
}

describe('tftp.open-timeout', () => {
  test('an RRQ retried without answer while the server answers other transfers', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', at: 16 });
    const t = s.transfer({
      file: 'ldlinux.c32',
      answered: false,
      retries: 3,
      requested: { tsize: '0', blksize: '1408' },
    });
    const cut = one(b.build(), 'tftp.open-timeout');
    assert.equal(
      cut.severity,
      'info',
      'the capture ends with the last retry: the client may still get an answer',
    );
    b.advanceTo((t.requestRetries.at(-1)?.t ?? 0) + 20);
    const f = one(b.build(), 'tftp.open-timeout');
    assert.equal(f.severity, 'error');
    assert.deepEqual(f.frames, [t.request.frame, ...t.requestRetries.map((r) => r.frame)]);
    mentions(f, LAB.mac, '4 RRQs', '"ldlinux.c32"', LAB.server, 'answers other transfers', '"pxelinux.0"');
    assert.equal(f.pxeError, null, 'ldlinux.c32 is requested by pxelinux, not the firmware');
  });

  test("answered but never acknowledged: the server's replies do not reach the client (E32)", () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
    s.dhcp({ offers: [{ siaddr: LAB.server, file: 'pxelinux.0', delay: 0.5 }] });
    const t = s.transfer({ file: 'pxelinux.0', at: 5, retries: 0, stopAfterBlocks: 0, outcome: 'abandoned' });
    t.ackPackets = 0;
    t.requestRetries.push(b.frame(b.time() + 1), b.frame(b.time() + 2));
    const f = one(b.build(), 'tftp.open-timeout');
    mentions(f, 'never acknowledged', 'do not reach it');
    assert.equal(f.pxeError, BIOS.tftpOpenTimeout);
    hintMentions(f, 'nf_conntrack_tftp', 'tftp-single-port');
  });

  test('an RRQ answered after one retry, a filtered capture, the tsize probe: quiet', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', retries: 1, at: 16 });
    none(b.build(), 'tftp.open-timeout');
    none(filtered(), 'tftp.open-timeout');
    none(uefiEdk2Happy(), 'tftp.open-timeout');
  });
});

describe('tftp.file-not-found', () => {
  test('the boot file itself (lab file-not-found): iPXE 2d12603b', () => {
    const a = fileNotFound();
    const f = one(a, 'tftp.file-not-found');
    const t = a.sessions[0]?.transfers[0];
    assert.ok(t?.error);
    assert.equal(f.severity, 'error');
    assert.ok(f.frames.includes(t.request.frame) && f.frames.includes(t.error.frame.frame));
    mentions(f, LAB.server, LAB.mac, '"pxelinux.0"', 'the boot file named by 10.77.0.1', 'ERROR 1');
    mentions(f, 'The server looked for $LAB/run/tftproot/pxelinux.0');
    assert.equal(f.pxeError, IPXE.fileNotFound);
    hintMentions(f, 'dhcp-boot=pxelinux.0,,10.77.0.1');
  });

  test('iPXE on UEFI firmware (ipxe.efi) ends the code in the EFI status: 2d12608e, not 2d12603b', () => {
    const efi = booted(EFI_IPXE, 'ipxe.efi');
    efi.s.transfer({ file: 'ipxe.efi', error: { code: 1, message: 'File not found', from: 'server' } });
    const f = one(efi.b.build(), 'tftp.file-not-found');
    assert.equal(f.pxeError, 'No such file or directory (http://ipxe.org/2d12608e)');
  });

  test('BIOS ROMs echo the server text (PXE-T01) then E3B; UEFI shows E23', () => {
    const bios = booted(BIOS_ROM);
    bios.s.transfer({ file: 'pxelinux.0', error: { code: 1, message: 'File not found', from: 'server' } });
    assert.equal(
      one(bios.b.build(), 'tftp.file-not-found').pxeError,
      `${biosTftpEcho(1, 'File not found')} / ${BIOS.tftpFileNotFound}`,
    );
    const uefi = booted(EDK2, 'grubx64.efi');
    uefi.s.transfer({ file: 'grubx64.efi', error: { code: 1, message: 'File not found', from: 'server' } });
    assert.equal(one(uefi.b.build(), 'tftp.file-not-found').pxeError, UEFI.tftpError);
  });

  test('pxelinux config search, autoexec.ipxe, bootsig.bin, grub probes and search paths are normal', () => {
    none(happyBiosPxelinux(), 'tftp.file-not-found');
    none(proxyDhcp(), 'tftp.file-not-found');
    const { b, s } = booted();
    const miss = (file: string): void => {
      s.transfer({ file, error: { code: 1, message: LAB.notFound(file), from: 'server' } });
    };
    s.transfer({ file: 'pxelinux.0', at: 16 });
    miss('autoexec.ipxe');
    miss('bootsig.bin');
    miss('grub/grub.cfg-01-52-54-00-12-34-56');
    miss('grub/grub.cfg-0A4D006F');
    miss('grub/x86_64-efi/command.lst');
    miss('boot/isolinux/ldlinux.c32');
    s.transfer({ file: 'ldlinux.c32', size: 119524 });
    none(b.build(), 'tftp.file-not-found');
  });

  test('ldlinux.c32 missing under every name pxelinux tries: "Failed to load ldlinux.c32"', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', at: 16 });
    for (const file of ['ldlinux.c32', '/boot/isolinux/ldlinux.c32', '/syslinux/ldlinux.c32']) {
      s.transfer({ file, error: { code: 1, message: LAB.notFound(file), from: 'server' } });
    }
    const found = run(b.build(), 'tftp.file-not-found');
    assert.ok(found.length > 0);
    for (const f of found) assert.equal(f.pxeError, 'Failed to load ldlinux.c32');
  });

  test('plain TFTP between two hosts (no DHCP, no PXE client): no firmware message', () => {
    const b = new CaptureBuilder();
    b.orphanTransfer('10.77.0.50', {
      file: 'config.txt',
      error: { code: 1, message: 'File not found', from: 'server' },
    });
    const f = one(b.build(), 'tftp.file-not-found');
    assert.equal(f.pxeError, null);
  });

  test('pxelinux.cfg/default missing ends the search: error', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', at: 16 });
    s.transfer({ file: 'ldlinux.c32', size: 119524 });
    s.transfer({
      file: 'pxelinux.cfg/01-52-54-00-12-34-56',
      error: { code: 1, message: 'x', from: 'server' },
    });
    s.transfer({
      file: 'pxelinux.cfg/default',
      error: { code: 1, message: LAB.notFound('pxelinux.cfg/default'), from: 'server' },
    });
    const f = one(b.build(), 'tftp.file-not-found');
    assert.equal(f.severity, 'error');
    mentions(f, '"pxelinux.cfg/default"');
    assert.equal(f.pxeError, null, 'pxelinux prints its own message');
  });

  test('odd names: leading slash, backslashes, non-printable bytes, other case', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', at: 16 });
    s.transfer({ file: '/boot/vmlinuz', error: { code: 1, message: 'File not found', from: 'server' } });
    s.transfer({
      file: '\\Boot\\x64\\wdsnbp.com',
      error: { code: 1, message: 'File not found', from: 'server' },
    });
    s.transfer({ file: 'initrd.img\u00ff', error: { code: 1, message: 'File not found', from: 'server' } });
    s.transfer({ file: 'MENU.C32', error: { code: 1, message: 'File not found', from: 'server' } });
    s.transfer({ file: 'menu.c32', size: 26228 });
    const found = run(b.build(), 'tftp.file-not-found');
    assert.equal(found.length, 4, list(found));
    const [slash, windows, binary, upper] = found;
    assert.ok(slash && windows && binary && upper);
    mentions(slash, 'starts with "/"');
    mentions(windows, 'backslashes');
    mentions(binary, 'non-printable', '\\xff');
    mentions(upper, '"menu.c32" (different case) was served');
    assert.equal(upper.severity, 'warn', 'the client went on and fetched other files');
  });
});

describe('tftp.access-violation', () => {
  test('ERROR 2: PXE-T02 + E3C on a BIOS ROM', () => {
    const { b, s } = booted(BIOS_ROM);
    const t = s.transfer({
      file: 'pxelinux.0',
      error: { code: 2, message: 'Access violation', from: 'server' },
    });
    const f = one(b.build(), 'tftp.access-violation');
    assert.equal(f.severity, 'error');
    assert.deepEqual(f.frames, [t.request.frame, t.error?.frame.frame]);
    mentions(f, LAB.server, LAB.mac, '"pxelinux.0"', 'ERROR 2');
    assert.equal(f.pxeError, `${biosTftpEcho(2, 'Access violation')} / ${BIOS.tftpAccessViolation}`);
    hintMentions(f, 'chmod a+r');
  });

  test('quiet for normal boots', () => none(happyBiosPxelinux(), 'tftp.access-violation'));
});

describe('tftp.error', () => {
  test('server refuses the options (ERROR 8)', () => {
    const { b, s } = booted(BIOS_ROM);
    s.transfer({
      file: 'pxelinux.0',
      requested: { blksize: '1456' },
      error: { code: 8, message: 'Unsupported option(s) requested', from: 'server' },
    });
    const f = one(b.build(), 'tftp.error');
    assert.equal(f.severity, 'error');
    mentions(f, LAB.server, 'ERROR 8', 'option negotiation refused', 'blksize=1456');
    assert.equal(
      f.pxeError,
      `${biosTftpEcho(8, 'Unsupported option(s) requested')} / ${BIOS.tftpErrorReceived}`,
    );
  });

  test('a tsize probe never followed by the download: E79 on a BIOS ROM for a large file', () => {
    const { b, s } = booted(BIOS_ROM, 'boot.wim');
    s.transfer({
      file: 'boot.wim',
      size: 300_000_000,
      requested: { tsize: '0', blksize: '1456' },
      error: { code: 8, message: 'User aborted', from: 'client' },
    });
    b.advanceTo(60);
    const f = one(b.build(), 'tftp.error');
    assert.equal(f.severity, 'warn');
    assert.equal(f.pxeError, BIOS.nbpTooBig);
    mentions(f, 'tsize probe', 'never requested the file itself');
  });

  test('the tsize probe followed by the real transfer is normal (lab uefi-edk2-happy)', () => {
    none(uefiEdk2Happy(), 'tftp.error');
  });
});

describe('tftp.read-timeout', () => {
  test('a transfer that stops mid-way (E35 on a BIOS ROM)', () => {
    const { b, s } = booted(BIOS_ROM);
    const t = s.transfer({
      file: 'pxelinux.0',
      requested: { blksize: '1456', tsize: '0' },
      stopAfterBlocks: 12,
      maxGap: 0.002,
    });
    b.advanceTo(b.time() + 20);
    const f = one(b.build(), 'tftp.read-timeout');
    assert.equal(f.severity, 'error');
    assert.ok(f.frames.includes(t.lastPacket.frame));
    mentions(f, '"pxelinux.0"', LAB.server, LAB.mac, 'stopped after block 11');
    assert.equal(f.pxeError, BIOS.tftpReadTimeout);
  });

  test('a stalled transfer the client restarted successfully is a warning', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', stopAfterBlocks: 5 });
    s.transfer({ file: 'pxelinux.0', at: b.time() + 10 });
    assert.equal(one(b.build(), 'tftp.read-timeout').severity, 'warn');
  });

  test('cut off by the end of the capture, or a filtered capture: quiet', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', stopAfterBlocks: 5, outcome: 'in-progress' });
    none(b.build(), 'tftp.read-timeout');
    none(filtered(), 'tftp.read-timeout');
  });
});

describe('tftp.blksize-exceeds-path', () => {
  test('first fragments only (lab-failures/mtu-blackhole): lost fragments, DATA resent unacknowledged', () => {
    const { b, s } = booted();
    const t = s.transfer({
      file: 'pxelinux.0',
      server: '10.77.1.1',
      stopAfterBlocks: 1,
      unackedRetransmits: 6,
      lostFragments: 7,
      fragmentedData: true,
    });
    b.advanceTo(b.time() + 10);
    const a = b.build();
    const f = one(a, 'tftp.blksize-exceeds-path');
    assert.equal(f.severity, 'error');
    mentions(
      f,
      '"pxelinux.0"',
      '10.77.1.1',
      LAB.mac,
      'blksize 1432',
      '7 IP fragment(s)',
      'resent DATA 6 times',
    );
    for (const r of t.retransmitFrames) assert.ok(f.frames.includes(r));
    mentions(f, 'a narrower hop');
    hintMentions(f, 'below 1432', 'tftp-mtu=<path MTU>', 'tftp-no-blocksize');
    assert.equal(f.pxeError, IPXE.tftpTimedOut);
    none(a, 'tftp.read-timeout');
    none(a, 'tftp.retransmissions');
  });

  test('blocks larger than Ethernet carries, fragments lost: cap at 1468', () => {
    const { b, s } = booted();
    s.transfer({
      file: 'vmlinuz',
      size: 9_000_000,
      requested: { blksize: '8192' },
      stopAfterBlocks: 3,
      lostFragments: 2,
      fragmentedData: true,
    });
    b.advanceTo(b.time() + 10);
    hintMentions(one(b.build(), 'tftp.blksize-exceeds-path'), 'tftp-mtu=1500', '--blocksize 1468');
  });

  test('blksize above the MTU the client announced (option 26): cap at MTU - 32', () => {
    const { b, s } = booted({ ...BIOS_IPXE_ROM, interfaceMtu: 1000 });
    s.transfer({ file: 'pxelinux.0', stopAfterBlocks: 1, unackedRetransmits: 4 });
    b.advanceTo(b.time() + 10);
    const f = one(b.build(), 'tftp.blksize-exceeds-path');
    mentions(f, 'exceeds the MTU 1000 from option 26');
    hintMentions(f, 'tftp-mtu=1000');
  });

  test('fragmentation on a clean path, a clamped blksize and 512-byte blocks are fine', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', requested: { blksize: '8192', tsize: '0' }, fragmentedData: true });
    none(b.build(), 'tftp.blksize-exceeds-path');
    none(blksizeMtuClamp(), 'tftp.blksize-exceeds-path');
    none(tftpNoBlocksize(), 'tftp.blksize-exceeds-path');
  });
});

describe('tftp.blksize-invalid', () => {
  test('a blksize outside 8–65464, and an OACK granting more than asked', () => {
    const { b, s } = booted(BIOS_ROM);
    s.transfer({ file: 'pxelinux.0', requested: { blksize: '70000' }, oack: { blksize: '65464' } });
    s.transfer({ file: 'ldlinux.c32', requested: { blksize: '1408' }, oack: { blksize: '1468' } });
    const found = run(b.build(), 'tftp.blksize-invalid');
    assert.equal(found.length, 2, list(found));
    const [range, larger] = found;
    assert.ok(range && larger);
    mentions(range, 'the RRQ asks blksize "70000"', '8–65464');
    assert.equal(range.pxeError, BIOS.tftpPacketSize);
    mentions(larger, 'grants blksize 1468, more than the 1408 asked for');
  });

  test('quiet without blksize and for normal negotiation', () => {
    none(tftpNoBlocksize(), 'tftp.blksize-invalid');
    none(blksizeMtuClamp(), 'tftp.blksize-invalid');
  });
});

describe('tftp.retransmissions', () => {
  test('many duplicates: warning with numbers', () => {
    const { b, s } = booted();
    s.transfer({ file: 'vmlinuz', size: 1_400_000, duplicateData: 25, duplicateAcks: 5 });
    const f = one(b.build(), 'tftp.retransmissions');
    assert.equal(f.severity, 'warn');
    mentions(f, '"vmlinuz"', '25 duplicate DATA', '5 duplicate ACK', '978 blocks');
  });

  test('a one-block file with many duplicates: "1 block", no percentage of a handful', () => {
    const { b, s } = booted();
    s.transfer({ file: 'boot.ipxe', size: 300, duplicateData: 11 });
    const f = one(b.build(), 'tftp.retransmissions');
    mentions(f, 'for 1 block,');
    assert.doesNotMatch(f.message, /%|1 blocks/);
  });

  test('DATA re-sent without an ACK: how many re-sends, and their frames', () => {
    const { b, s } = booted();
    const t = s.transfer({ file: 'vmlinuz', size: 1_400_000, duplicateData: 25, unackedRetransmits: 6 });
    const f = one(b.build(), 'tftp.retransmissions');
    mentions(
      f,
      'DATA re-sent 6 times without an ACK',
      `frames ${t.retransmitFrames[0]}–${t.retransmitFrames[5]}`,
    );
  });

  test('a single duplicate DATA or ACK is ordinary recovery', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', duplicateData: 1 });
    s.transfer({ file: 'ldlinux.c32', size: 119524, duplicateAcks: 1 });
    none(b.build(), 'tftp.retransmissions');
  });
});

describe('tftp.sorcerers-apprentice', () => {
  test('every DATA and ACK doubled from a block on', () => {
    const { b, s } = booted();
    s.transfer({
      file: 'ldlinux.c32',
      size: 119524,
      apprenticeFrom: 17,
      duplicateData: 68,
      duplicateAcks: 68,
    });
    const f = one(b.build(), 'tftp.sorcerers-apprentice');
    assert.equal(f.severity, 'warn');
    mentions(f, 'From block 17 on', '"ldlinux.c32"', '68 duplicate DATA');
  });

  test('a single duplicate is not the bug', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', duplicateData: 1, duplicateAcks: 1 });
    none(b.build(), 'tftp.sorcerers-apprentice');
  });
});

describe('tftp.unknown-tid', () => {
  test('stray packets from another port: warning', () => {
    const { b, s } = booted();
    const t = s.transfer({ file: 'pxelinux.0', strayPackets: 3 });
    const f = one(b.build(), 'tftp.unknown-tid');
    assert.equal(f.severity, 'warn');
    for (const p of t.strayPackets) assert.ok(f.frames.includes(p.frame));
    mentions(f, '3 packets', '"pxelinux.0"', 'NAT');
  });

  test('ERROR 5 after a resent RRQ answered twice is the client being right: info', () => {
    const { b, s } = booted();
    const t = s.transfer({ file: 'pxelinux.0', retries: 1, strayPackets: 1 });
    t.error = null;
    assert.equal(one(b.build(), 'tftp.unknown-tid').severity, 'info');
  });

  test('a single-port server answering from 69 is allowed', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', serverPort: 69 });
    const a = b.build();
    none(a, 'tftp.unknown-tid');
    assert.deepEqual(
      diagnose(a).filter((f) => f.severity !== 'info'),
      [],
    );
  });
});

describe('tftp.tsize-mismatch', () => {
  test('completed transfer with a different size than announced', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', bytes: 42000 });
    const f = one(b.build(), 'tftp.tsize-mismatch');
    assert.equal(f.severity, 'warn');
    mentions(f, 'tsize 42430', '42000 bytes', '430 bytes fewer');
  });

  test('netascii and matching sizes are fine', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.cfg/default', size: 407, bytes: 420, mode: 'netascii' });
    none(b.build(), 'tftp.tsize-mismatch');
    none(happyBiosPxelinux(), 'tftp.tsize-mismatch');
  });
});

describe('filtered capture', () => {
  test('capture.tftp-data-missing says "outcome unknown" and every TFTP timeout rule stays quiet', () => {
    const a = filtered();
    const found = diagnose(a);
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['capture.tftp-data-missing'],
      list(found),
    );
    const f = found[0];
    assert.ok(f);
    assert.equal(f.severity, 'info');
    mentions(f, 'Outcome unknown', '6 TFTP RRQs', '"pxelinux.0"', LAB.server);
    assert.equal(f.frames.length, 6);
  });

  test('a single-port server is seen on port 69: not a filtered view', () => {
    const { b, s } = booted();
    s.transfer({ file: 'pxelinux.0', serverPort: 69 });
    none(b.build(), 'capture.tftp-data-missing');
  });
});
