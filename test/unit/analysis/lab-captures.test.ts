/**
 * The analysis of the real lab boots in fixtures/captures/lab (and lab-failures), checked against what each
 * capture's README and its tshark views say happened: frames, offers, transfers, outcomes.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { AnalysisResult, BootSession, TftpTransfer } from '../../../src/analysis/types.js';
import { PXELINUX_CFG_MISSES } from '../../support/lab-client.js';
import { analyzeCaptureFile, capturePath } from './support/capture.js';

const MAC = '52:54:00:12:34:56';
const CLIENT = '10.77.0.111';
const SERVER = '10.77.0.1';

/** Runs `body` over the capture, or skips when this checkout does not have it. */
function withCapture(rel: string, body: (get: () => AnalysisResult) => void): void {
  const path = capturePath(rel);
  describe(rel, { skip: path === null ? `${rel} not present` : false }, () => {
    let result: AnalysisResult | null = null;
    before(async () => {
      if (path !== null) result = await analyzeCaptureFile(path);
    });
    body(() => {
      assert.ok(result !== null);
      return result;
    });
  });
}

function only(r: AnalysisResult): BootSession {
  assert.equal(r.sessions.length, 1);
  assert.equal(r.orphanTransfers.length, 0);
  return r.sessions[0];
}

const summary = (t: TftpTransfer): [string, string, number] => [t.filename, t.outcome, t.bytes];

withCapture('lab/happy-bios-pxelinux/capture.pcapng', (result) => {
  it('has one session for the client, identified as BIOS iPXE', () => {
    const s = only(result());
    assert.equal(s.clientMac, MAC);
    assert.equal(s.clientIp, CLIENT);
    assert.equal(s.uuid, '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab');
    assert.deepEqual(s.arch, [0]);
    assert.equal(s.archName, 'x86 BIOS');
    assert.equal(s.vendorClass, 'PXEClient:Arch:00000:UNDI:002001');
    assert.equal(s.userClass, 'iPXE');
    assert.equal(s.isIpxe, true);
  });

  it('joins DISCOVER 1, 6, OFFERs 11, 12, REQUEST 13, ACK 14 into one bound transaction', () => {
    const [tx] = only(result()).transactions;
    assert.equal(only(result()).transactions.length, 1);
    assert.equal(tx.xid, 0x9bbf0c70);
    assert.deepEqual(
      tx.events.map((e) => e.frame),
      [1, 6, 11, 12, 13, 14],
    );
    assert.equal(tx.discovers, 2);
    assert.deepEqual(
      tx.offers.map((o) => [o.frame, o.serverId, o.yiaddr]),
      [
        [11, SERVER, CLIENT],
        [12, SERVER, CLIENT],
      ],
    );
    assert.equal(tx.outcome, 'bound');
    assert.equal(tx.chosenServer, SERVER);
  });

  it('boots pxelinux.0 from 10.77.0.1: next-server in siaddr, file in option 67', () => {
    const [boot] = only(result()).boots;
    assert.equal(only(result()).boots.length, 1);
    assert.equal(boot.offerFrom, SERVER);
    assert.equal(boot.clientIp, CLIENT);
    assert.deepEqual([boot.tftpServer, boot.tftpServerSource], [SERVER, 'siaddr']);
    assert.deepEqual([boot.bootFile, boot.bootFileSource], ['pxelinux.0', 'option-67']);
    assert.deepEqual([boot.fileField, boot.option67], [null, 'pxelinux.0']);
    assert.equal(boot.proxyServer, null);
  });

  it('follows every transfer: pxelinux.0, ldlinux.c32, the config search misses, default, menu, poweroff', () => {
    const transfers = only(result()).transfers;
    assert.deepEqual(transfers.map(summary), [
      ['pxelinux.0', 'complete', 42430],
      ['ldlinux.c32', 'complete', 119524],
      ...PXELINUX_CFG_MISSES.map((name): [string, string, number] => [name, 'error', 0]),
      ['pxelinux.cfg/default', 'complete', 407],
      ['menu.c32', 'complete', 26228],
      ['libutil.c32', 'complete', 23524],
      ['pxelinux.cfg/default', 'complete', 407],
      ['poweroff.c32', 'complete', 1656],
    ]);
    assert.deepEqual(
      transfers.map((t) => t.request.frame),
      [22, 85, 258, 260, 262, 264, 266, 268, 270, 272, 274, 276, 278, 283, 324, 361, 366],
    );
    for (const miss of transfers.filter((t) => t.outcome === 'error')) {
      assert.equal(miss.error?.code, 1);
      assert.equal(miss.error?.from, 'server');
      assert.match(miss.error?.message ?? '', /not found for 10\.77\.0\.111$/);
      assert.equal(miss.frames.length, 2);
    }
  });

  it('reads pxelinux.0 as the iPXE ROM asked: blksize 1432, tsize 42430, frames 22 to 84', () => {
    const t = only(result()).transfers[0];
    assert.deepEqual(t.requested, { blksize: '1432', tsize: '0' });
    assert.deepEqual(t.negotiated, { blksize: '1432', tsize: '42430' });
    assert.equal(t.blksize, 1432);
    assert.equal(t.tsize, 42430);
    assert.equal(t.blocks, 30);
    assert.deepEqual([t.request.frame, t.oack?.frame, t.lastPacket.frame], [22, 23, 84]);
    assert.equal(t.frames.length, 63);
    assert.equal(
      t.duplicateData + t.duplicateAcks + t.gaps + t.requestRetries.length + t.strayPackets.length,
      0,
    );
    assert.equal(t.clientMac, MAC);
    // pxelinux uses sequential client ports from 49152; the iPXE ROM a random one.
    assert.deepEqual(
      only(result())
        .transfers.slice(1, 4)
        .map((x) => x.clientPort),
      [49152, 49153, 49154],
    );
  });

  it('lays out the phases: DHCP, boot file, ldlinux, config search, modules, config again, poweroff', () => {
    const phases = only(result()).phases;
    assert.deepEqual(
      phases.map((p) => [p.kind, p.frames[0], p.frames.at(-1)]),
      [
        ['dhcp', 1, 14],
        ['tftp-boot', 22, 84],
        ['tftp-other', 85, 257],
        ['tftp-config', 258, 282],
        ['tftp-other', 283, 360],
        ['tftp-config', 361, 365],
        ['tftp-other', 366, 372],
      ],
    );
    assert.equal(phases[0].label, 'DHCP (3.0 s, 2 offers)');
    assert.match(phases[1].label, /^pxelinux\.0 41\.4 KiB in /);
  });

  it('summarises the capture and the ARP exchange before the first RRQ', () => {
    const r = result();
    assert.equal(r.capture.frames, 372);
    assert.deepEqual([r.capture.dhcpPackets, r.capture.tftpPackets, r.capture.arpPackets], [6, 351, 8]);
    // Last packet at 19.465558057 s; dumpcap's isb_endtime says the capture stopped 2.02 s later.
    assert.equal(r.capture.duration, 21.484768494);
    assert.equal(r.capture.tftpDataSeen, true);
    const toServer = r.arp.find((q) => q.askedBy === CLIENT && q.targetIp === SERVER);
    assert.deepEqual([toServer?.requests.map((q) => q.frame), toServer?.answered?.frame], [[20], 21]);
    assert.deepEqual(r.stats, { transactions: 1, transfers: 17, sessions: 1, evicted: 0 });
  });
});

withCapture('lab/proxydhcp/capture.pcapng', (result) => {
  it('keeps the proxy OFFERs (10.77.0.1) and the address OFFERs (10.77.0.2) of one transaction', () => {
    const [tx] = only(result()).transactions;
    assert.deepEqual(
      tx.offers.map((o) => [o.frame, o.serverId, o.proxy]),
      [
        [2, SERVER, true],
        [9, SERVER, true],
        [13, '10.77.0.2', false],
        [14, '10.77.0.2', false],
      ],
    );
    assert.deepEqual(tx.offers[0].pxeBootServers, [SERVER]);
    assert.equal(tx.offers[0].pxeDiscoveryControl, 3);
    assert.deepEqual(tx.offers[0].pxeMenu, ['PXE-LAB pxelinux via proxyDHCP']);
    assert.equal(tx.chosenServer, '10.77.0.2');
    assert.deepEqual(
      tx.acks.map((a) => a.frame),
      [16],
    );
  });

  it('puts the xid 0 request to 4011 (frames 24/25) in the client’s session, as its own exchange', () => {
    const proxy = only(result()).transactions.find((tx) => tx.port4011);
    assert.ok(proxy !== undefined);
    assert.equal(proxy.xid, 0);
    assert.deepEqual(
      proxy.events.map((e) => e.frame),
      [24, 25],
    );
    assert.equal(proxy.acks[0].file, 'pxelinux.0');
    assert.equal(proxy.acks[0].siaddr, SERVER);
  });

  it('takes boot file and TFTP server from the 4011 ACK: the address server named only itself', () => {
    const s = only(result());
    assert.deepEqual(
      s.boots.map((b) => [
        b.offerFrom,
        b.tftpServer,
        b.tftpServerSource,
        b.bootFile,
        b.bootFileSource,
        b.proxyServer,
      ]),
      [['10.77.0.2', SERVER, 'proxy-4011', 'pxelinux.0', 'proxy-4011', SERVER]],
    );
    assert.deepEqual(
      s.phases.slice(0, 3).map((p) => [p.kind, p.frames[0]]),
      [
        ['dhcp', 1],
        ['proxy', 24],
        ['tftp-boot', 26],
      ],
    );
    assert.deepEqual(summary(s.transfers[0]), ['pxelinux.0', 'complete', 42430]);
  });
});

withCapture('lab/uefi-edk2-happy/capture.pcapng', (result) => {
  it('sees the firmware DHCP, then iPXE’s own DHCP with user class iPXE', () => {
    const s = only(result());
    assert.deepEqual(
      s.transactions.map((tx) => [tx.xid, tx.events.map((e) => e.frame), tx.outcome]),
      [
        [0xf81090c2, [1, 7, 8, 9], 'bound'],
        [0xa62e981a, [256, 257, 261, 262, 264, 265], 'bound'],
      ],
    );
    assert.equal(s.transactions[0].events[0].broadcast, true);
    assert.equal(s.transactions[0].events[0].secs, 0);
    assert.deepEqual(
      s.boots.map((b) => [b.bootFile, b.vendorClass, b.userClass, b.isIpxe]),
      [
        ['snponly.efi', 'PXEClient:Arch:00007:UNDI:003000', null, false],
        ['boot-efi.ipxe', 'PXEClient:Arch:00007:UNDI:003010', 'iPXE', true],
      ],
    );
    assert.equal(s.archName, 'x64 UEFI');
    assert.deepEqual(
      s.phases.map((p) => p.kind),
      ['dhcp', 'tftp-boot', 'dhcp-again', 'tftp-boot'],
    );
  });

  it('recognises the tsize probe (ERROR 8 after the OACK) and the real transfer from port + 1', () => {
    const [probe, real, script] = only(result()).transfers;
    assert.equal(probe.outcome, 'tsize-probe');
    assert.deepEqual([probe.request.frame, probe.oack?.frame, probe.error?.frame.frame], [12, 13, 14]);
    assert.deepEqual(
      [probe.error?.code, probe.error?.message, probe.error?.from],
      [8, 'User aborted the transfer', 'client'],
    );
    assert.equal(probe.tsize, 173792);
    assert.equal(real.clientPort, probe.clientPort + 1);
    assert.deepEqual(real.requested, { blksize: '1468', windowsize: '4' });
    assert.deepEqual(real.negotiated, { blksize: '1468' });
    assert.deepEqual([real.blksize, real.windowsize], [1468, 1]);
    assert.deepEqual(summary(real), ['snponly.efi', 'complete', 173792]);
    assert.deepEqual([real.request.frame, real.lastPacket.frame, real.blocks], [15, 255, 119]);
    assert.deepEqual(summary(script), ['boot-efi.ipxe', 'complete', 321]);
    assert.deepEqual(script.frames, [273, 274, 275, 276, 277]);
  });
});

withCapture('lab/file-not-found/capture.pcapng', (result) => {
  it('reports the RRQ answered by ERROR 1 from the server, without retry', () => {
    const [t] = only(result()).transfers;
    assert.equal(only(result()).transfers.length, 1);
    assert.deepEqual(
      [t.filename, t.outcome, t.error?.code, t.error?.from],
      ['pxelinux.0', 'error', 1, 'server'],
    );
    assert.deepEqual(t.frames, [22, 23]);
    assert.equal(t.requestRetries.length, 0);
    assert.match(t.error?.message ?? '', /pxelinux\.0 not found for 10\.77\.0\.111/);
  });
});

withCapture('lab/no-dhcp-server/capture.pcapng', (result) => {
  it('has four DISCOVERs on one xid, secs 4/8/12/16, and no offer', () => {
    const s = only(result());
    const [tx] = s.transactions;
    assert.equal(tx.outcome, 'no-offer');
    assert.deepEqual(
      tx.events.map((e) => [e.frame, e.secs]),
      [
        [1, 4],
        [5, 8],
        [7, 12],
        [9, 16],
      ],
    );
    assert.equal(tx.discovers, 4);
    assert.deepEqual(s.boots, []);
    assert.equal(s.clientIp, null);
    assert.match(s.phases[0].label, /no offer/);
  });
});

withCapture('lab/missing-bootfile/capture.pcapng', (result) => {
  it('has an address and a next-server but no boot file, and no TFTP', () => {
    const s = only(result());
    assert.deepEqual(
      s.boots.map((b) => [b.clientIp, b.bootFile, b.bootFileSource, b.tftpServer]),
      [[CLIENT, null, 'none', SERVER]],
    );
    assert.equal(s.transfers.length, 0);
    assert.equal(result().capture.tftpDataSeen, false);
  });
});

withCapture('lab/tftp-no-blocksize/capture.pcapng', (result) => {
  it('falls back to 512-byte blocks when the OACK leaves blksize out', () => {
    const t = only(result()).transfers[0];
    assert.deepEqual(t.negotiated, { tsize: '42430' });
    assert.equal(t.blksize, 512);
    assert.deepEqual(summary(t), ['pxelinux.0', 'complete', 42430]);
    assert.equal(t.blocks, 83);
    assert.deepEqual([t.request.frame, t.lastPacket.frame], [22, 190]);
  });
});

withCapture('lab/blksize-mtu-clamp/capture.pcapng', (result) => {
  it('takes the clamped blksize of the OACK (968), not the one asked (1432)', () => {
    const t = only(result()).transfers[0];
    assert.equal(t.requested.blksize, '1432');
    assert.equal(t.blksize, 968);
    assert.deepEqual(summary(t), ['pxelinux.0', 'complete', 42430]);
    assert.equal(t.blocks, 44);
    assert.equal(only(result()).transfers.at(-1)?.filename, 'poweroff.c32');
  });
});

withCapture('lab/uefi-happy/capture.pcapng', (result) => {
  it('sees arch 7 iPXE EFI, three DISCOVERs and three OFFERs, and boot-efi.ipxe', () => {
    const s = only(result());
    assert.equal(s.archName, 'x64 UEFI');
    assert.equal(s.transactions[0].discovers, 3);
    assert.deepEqual(
      s.transactions[0].offers.map((o) => o.frame),
      [12, 13, 14],
    );
    assert.equal(s.boots[0].bootFile, 'boot-efi.ipxe');
    assert.deepEqual(s.transfers.map(summary), [['boot-efi.ipxe', 'complete', 321]]);
  });
});

withCapture('lab/happy-ipxe/capture.pcapng', (result) => {
  it('fetches the iPXE script named in the first DHCP', () => {
    const s = only(result());
    assert.equal(s.boots[0].bootFile, 'boot.ipxe');
    assert.deepEqual(s.transfers.map(summary), [['boot.ipxe', 'complete', 321]]);
    assert.deepEqual(
      s.phases.map((p) => p.kind),
      ['dhcp', 'tftp-boot'],
    );
  });
});

withCapture('lab-failures/wrong-next-server/capture.pcapng', (result) => {
  it('points at 10.77.0.9, which never answers ARP, and no RRQ leaves', () => {
    const r = result();
    const s = only(r);
    assert.equal(s.boots[0].tftpServer, '10.77.0.9');
    assert.equal(s.transfers.length, 0);
    const q = r.arp.find((x) => x.targetIp === '10.77.0.9');
    assert.equal(q?.askedBy, CLIENT);
    assert.equal(q?.answered, null);
    assert.ok((q?.requests.length ?? 0) >= 2);
  });
});

withCapture('lab-failures/mtu-blackhole/capture.pcapng', (result) => {
  it('sees only first fragments of DATA 1: repeated ACK 0, lost fragments, then the client gives up', () => {
    const [t] = only(result()).transfers;
    assert.equal(t.serverIp, '10.77.1.1');
    assert.equal(t.blksize, 1432);
    assert.equal(t.dataPackets, 0);
    assert.equal(t.ackPackets, 6);
    assert.equal(t.duplicateAcks, 5);
    assert.equal(t.lostFragments, result().fragmentLosses.length);
    assert.ok(t.lostFragments >= 5);
    assert.equal(t.outcome, 'abandoned');
  });
});

withCapture('lab-failures/chainload-loop/capture.pcapng', (result) => {
  it('shows DHCP → undionly.kpxe again and again, every round with a new xid', () => {
    const s = only(result());
    assert.ok(s.boots.length >= 3);
    assert.ok(s.boots.every((b) => b.bootFile === 'undionly.kpxe'));
    assert.equal(new Set(s.transactions.map((tx) => tx.xid)).size, s.transactions.length);
    assert.ok(
      s.transfers.every(
        (t) => t.filename === 'undionly.kpxe' && t.outcome === 'complete' && t.bytes === 74213,
      ),
    );
    assert.deepEqual(
      s.phases.slice(0, 4).map((p) => p.kind),
      ['dhcp', 'tftp-boot', 'dhcp-again', 'tftp-boot'],
    );
  });
});

withCapture('lab-failures/rogue-dhcp/capture.pcapng', (result) => {
  it('keeps the rogue’s OFFERs (10.77.0.2) beside the intended server’s, and the choice of 10.77.0.1', () => {
    const [tx] = only(result()).transactions;
    assert.deepEqual(
      tx.offers.map((o) => [o.frame, o.serverId]),
      [
        [4, '10.77.0.2'],
        [9, '10.77.0.2'],
        [13, SERVER],
        [14, SERVER],
      ],
    );
    assert.equal(tx.chosenServer, SERVER);
  });
});

withCapture('lab-failures/filtered-capture/capture.pcapng', (result) => {
  it('keeps DHCP and the RRQs of a "port 67 or 68 or 69" capture, with every TFTP outcome unknown', () => {
    const r = result();
    const s = only(r);
    assert.equal(r.capture.tftpDataSeen, false);
    assert.equal(s.boots[0].bootFile, 'pxelinux.0');
    assert.deepEqual(
      s.transfers.map((t) => t.filename),
      [
        'pxelinux.0',
        'ldlinux.c32',
        ...PXELINUX_CFG_MISSES,
        'pxelinux.cfg/default',
        'menu.c32',
        'libutil.c32',
        'pxelinux.cfg/default',
        'poweroff.c32',
      ],
    );
    assert.ok(
      s.transfers.every((t) => t.outcome === 'unknown' && t.serverPort === null && t.frames.length === 1),
    );
  });
});

withCapture('lab-failures/proxy-silent-4011/capture.pcapng', (result) => {
  it('has the proxy OFFERs, then two xid 0 REQUESTs to 4011 that nobody answers', () => {
    const s = only(result());
    const proxy = s.transactions.find((tx) => tx.port4011);
    assert.ok(proxy !== undefined);
    assert.deepEqual([proxy.xid, proxy.requests, proxy.acks.length], [0, 2, 0]);
    assert.ok(proxy.events.every((e) => e.dst === SERVER && e.dstPort === 4011));
    assert.deepEqual(
      s.boots.map((b) => [b.offerFrom, b.proxyServer, b.bootFile]),
      [['10.77.0.2', SERVER, null]],
    );
    assert.match(s.phases.find((p) => p.kind === 'proxy')?.label ?? '', /no answer/);
    assert.equal(s.transfers.length, 0);
  });
});

withCapture('lab-failures/rogue-dhcp-edk2/capture.pcapng', (result) => {
  it('follows EDK2 taking the rogue’s offer: bootx64.efi from 10.77.0.2, refused by ICMP (frame 14)', () => {
    const s = only(result());
    const [round] = s.boots;
    assert.deepEqual(
      [round.offerFrom, round.clientIp, round.tftpServer, round.bootFile],
      ['10.77.0.2', '10.77.0.202', '10.77.0.2', 'bootx64.efi'],
    );
    const [t] = s.transfers;
    assert.deepEqual([t.request.frame, t.serverIp, t.serverPort], [13, '10.77.0.2', null]);
    assert.deepEqual(
      t.icmpErrors.map((i) => i.frame),
      [14],
    );
    assert.equal(t.outcome, 'abandoned');
  });
});

withCapture('lab-failures/nak/capture.pcapng', (result) => {
  it('has the INIT-REBOOT REQUEST answered by NAK "wrong network", then a normal DORA', () => {
    const s = only(result());
    assert.equal(s.clientMac, '52:54:00:12:34:57');
    assert.deepEqual(
      s.transactions.map((tx) => [tx.outcome, tx.events.map((e) => e.frame)]),
      [
        ['nak', [1, 2]],
        ['bound', [3, 8, 9, 10]],
      ],
    );
    assert.equal(s.transactions[0].events[0].requestedIp, '10.99.0.5');
    assert.equal(s.transactions[0].naks[0].message, 'wrong network');
    assert.equal(s.clientIp, '10.77.0.112');
    assert.equal(s.isIpxe, false);
  });
});
