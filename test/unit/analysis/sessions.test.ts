import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import {
  analyze,
  arp,
  CLIENT_IP,
  CLIENT_MAC,
  dhcp,
  LAB_UUID_97,
  labPort4011Exchange,
  opt,
  SERVER,
  TftpScript,
  type RawOption,
} from './support/records.js';

const UUID_97 = opt.bytes(97, ...LAB_UUID_97);
const BIOS_IPXE = [
  opt.u16(93, 0),
  opt.text(60, 'PXEClient:Arch:00000:UNDI:002001'),
  opt.text(77, 'iPXE'),
  opt.bytes(175, 0xb1, 5, 1),
  UUID_97,
];

interface Dora {
  xid: number;
  t: number;
  frame: number;
  client?: RawOption[];
  reply?: { siaddr?: string; file?: string; options?: RawOption[] };
  mac?: string;
  ip?: string;
  broadcast?: boolean;
}

/** DISCOVER, OFFER, REQUEST, ACK one millisecond apart; frames numbered from `frame`. */
function dora(d: Dora): DecodedPacket[] {
  const client = d.client ?? BIOS_IPXE;
  const mac = d.mac ?? CLIENT_MAC;
  const ip = d.ip ?? CLIENT_IP;
  const reply = { siaddr: SERVER, ...d.reply };
  const replyOptions = [opt.ip(54, SERVER), ...(reply.options ?? [])];
  /** The n-th message of the exchange. */
  const nth = (n: number): { xid: number; mac: string; broadcast?: boolean; frame: number; t: number } => ({
    xid: d.xid,
    mac,
    broadcast: d.broadcast,
    frame: d.frame + n,
    t: d.t + n / 1000,
  });
  const answer = { yiaddr: ip, dst: ip, siaddr: reply.siaddr, file: reply.file, options: replyOptions };
  return [
    dhcp({ ...nth(0), type: 'DISCOVER', options: client }),
    dhcp({ ...nth(1), type: 'OFFER', ...answer }),
    dhcp({ ...nth(2), type: 'REQUEST', options: [...client, opt.ip(54, SERVER), opt.ip(50, ip)] }),
    dhcp({ ...nth(3), type: 'ACK', ...answer }),
  ];
}

describe('boot sessions', () => {
  it('builds a BIOS pxelinux session: phases, effective boot, client identity', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 22, t: 16.081 }, 0.0005);
    s.read(2070, 50000, 'pxelinux.0', 42430, 1432, { blksize: '1432', tsize: '0' });
    s.read(49152, 50001, 'ldlinux.c32', 119524, 1408, { tsize: '0', blksize: '1408' });
    s.rrq(49153, 'pxelinux.cfg/01-52-54-00-12-34-56', { tsize: '0', blksize: '1408' });
    s.error('server', 49153, 50002, 1, 'not found');
    s.read(49154, 50003, 'pxelinux.cfg/default', 407, 1408, { tsize: '0', blksize: '1408' });
    s.read(49155, 50004, 'menu.c32', 26228, 1408, { tsize: '0', blksize: '1408' });
    const r = analyze([
      ...dora({ xid: 0x9bbf0c70, t: 0, frame: 1, reply: { options: [opt.text(67, 'pxelinux.0')] } }),
      ...s.packets,
    ]);
    assert.equal(r.sessions.length, 1);
    assert.equal(r.orphanTransfers.length, 0);
    const session = r.sessions[0];
    assert.equal(session.clientMac, CLIENT_MAC);
    assert.equal(session.clientIp, CLIENT_IP);
    assert.equal(session.uuid, '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab');
    assert.deepEqual(session.arch, [0]);
    assert.equal(session.archName, 'x86 BIOS');
    assert.equal(session.vendorClass, 'PXEClient:Arch:00000:UNDI:002001');
    assert.equal(session.userClass, 'iPXE');
    assert.equal(session.isIpxe, true);
    assert.equal(session.transfers.length, 5);
    assert.deepEqual(
      session.phases.map((p) => p.kind),
      ['dhcp', 'tftp-boot', 'tftp-other', 'tftp-config', 'tftp-other'],
    );
    assert.equal(session.phases[0].label, 'DHCP (3.0 ms, 1 offer)');
    assert.match(session.phases[1].label, /^pxelinux\.0 41\.4 KiB in 0\.03 s$/);
    assert.match(session.phases[3].label, /^pxelinux\.cfg\/default 407 B in .* \(also error 1\)$/);
    assert.deepEqual(session.phases[0].frames, [1, 2, 3, 4]);
    assert.deepEqual(session.boots, [
      {
        transaction: session.transactions[0].id,
        start: 0,
        accepted: true,
        offerFrom: SERVER,
        clientIp: CLIENT_IP,
        tftpServer: SERVER,
        tftpServerSource: 'siaddr',
        bootFile: 'pxelinux.0',
        bootFileSource: 'option-67',
        proxyServer: null,
        fileField: null,
        option67: 'pxelinux.0',
        vendorClass: 'PXEClient:Arch:00000:UNDI:002001',
        userClass: 'iPXE',
        arch: [0],
        isIpxe: true,
        frames: [4],
      },
    ]);
  });

  it('follows an iPXE chainload: firmware DHCP, boot file, DHCP again as iPXE, its script', () => {
    const edk2 = [opt.u16(93, 7), opt.text(60, 'PXEClient:Arch:00007:UNDI:003000')];
    const ipxe = [opt.u16(93, 7), opt.text(60, 'PXEClient:Arch:00007:UNDI:003010'), opt.text(77, 'iPXE')];
    const first = new TftpScript(CLIENT_IP, SERVER, { frame: 12, t: 3.927 }, 0.0005);
    first.rrq(1332, 'snponly.efi', { tsize: '0', blksize: '1468', windowsize: '4' });
    first.oack(40001, 1332, { blksize: '1468', tsize: '173792' });
    first.error('client', 1332, 40001, 8, 'User aborted the transfer');
    first.read(1333, 40002, 'snponly.efi', 173792, 1468, { blksize: '1468' });
    const second = new TftpScript(CLIENT_IP, SERVER, { frame: 273, t: 21.786 }, 0.0005);
    second.read(2001, 40003, 'boot-efi.ipxe', 321, 1432, { blksize: '1432', tsize: '0' });
    const r = analyze([
      ...dora({
        xid: 0xf81090c2,
        t: 0,
        frame: 1,
        client: edk2,
        broadcast: true,
        reply: { options: [opt.text(67, 'snponly.efi')] },
      }),
      ...first.packets,
      ...dora({
        xid: 0xa62e981a,
        t: 6,
        frame: 256,
        client: ipxe,
        reply: { options: [opt.text(67, 'boot-efi.ipxe')] },
      }),
      ...second.packets,
    ]);
    assert.equal(r.sessions.length, 1);
    const session = r.sessions[0];
    assert.deepEqual(
      session.phases.map((p) => p.kind),
      ['dhcp', 'tftp-boot', 'dhcp-again', 'tftp-boot'],
    );
    assert.match(session.phases[1].label, /^snponly\.efi 169\.7 KiB in .* \(also tsize-probe\)$/);
    assert.deepEqual(
      session.boots.map((b) => [b.bootFile, b.isIpxe, b.userClass, b.vendorClass]),
      [
        ['snponly.efi', false, null, 'PXEClient:Arch:00007:UNDI:003000'],
        ['boot-efi.ipxe', true, 'iPXE', 'PXEClient:Arch:00007:UNDI:003010'],
      ],
    );
    assert.equal(session.archName, 'x64 UEFI');
    assert.equal(session.vendorClass, 'PXEClient:Arch:00007:UNDI:003000', 'the firmware, first');
    assert.equal(session.isIpxe, true);
    assert.deepEqual(
      session.transfers.map((t) => t.outcome),
      ['tsize-probe', 'complete', 'complete'],
    );
  });

  it('takes the boot file and TFTP server from the port 4011 ACK behind a plain DHCP server (lab proxydhcp)', () => {
    const xid = 0xe304ad69;
    const proxyOptions = [
      opt.ip(54, SERVER),
      opt.text(60, 'PXEClient'),
      opt.bytes(43, 6, 1, 3, 8, 7, 0x80, 0, 1, 10, 77, 0, 1, 255),
    ];
    const dhcpServer = '10.77.0.2';
    const tftpRun = new TftpScript(CLIENT_IP, SERVER, { frame: 26, t: 17.129 }, 0.0005);
    tftpRun.read(2070, 50000, 'pxelinux.0', 42430, 1432, { blksize: '1432', tsize: '0' });
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid, options: BIOS_IPXE }),
      dhcp({
        frame: 2,
        t: 0.0003,
        type: 'OFFER',
        xid,
        dst: '255.255.255.255',
        broadcast: true,
        options: proxyOptions,
      }),
      dhcp({
        frame: 13,
        t: 3.005,
        type: 'OFFER',
        xid,
        src: dhcpServer,
        yiaddr: CLIENT_IP,
        siaddr: dhcpServer,
        options: [opt.ip(54, dhcpServer)],
      }),
      dhcp({ frame: 15, t: 3.006, type: 'REQUEST', xid, options: [...BIOS_IPXE, opt.ip(54, dhcpServer)] }),
      dhcp({
        frame: 16,
        t: 3.0068,
        type: 'ACK',
        xid,
        src: dhcpServer,
        yiaddr: CLIENT_IP,
        siaddr: dhcpServer,
        options: [opt.ip(54, dhcpServer)],
      }),
      ...labPort4011Exchange(BIOS_IPXE),
      ...tftpRun.packets,
    ]);
    assert.equal(r.sessions.length, 1);
    const session = r.sessions[0];
    assert.deepEqual(
      session.phases.map((p) => [p.kind, p.frames[0]]),
      [
        ['dhcp', 1],
        ['proxy', 24],
        ['tftp-boot', 26],
      ],
    );
    assert.equal(session.phases[1].label, 'proxyDHCP on 4011 (0.7 ms, ACK from 10.77.0.1)');
    const [boot] = session.boots;
    assert.equal(boot.offerFrom, dhcpServer);
    assert.equal(boot.clientIp, CLIENT_IP);
    assert.equal(boot.bootFile, 'pxelinux.0');
    assert.equal(boot.bootFileSource, 'proxy-4011');
    assert.equal(boot.tftpServer, SERVER);
    assert.equal(boot.tftpServerSource, 'proxy-4011');
    assert.equal(boot.proxyServer, SERVER);
    assert.equal(boot.fileField, 'pxelinux.0');
    assert.deepEqual(boot.frames, [16, 25]);
    assert.equal(session.transactions[0].offers.length, 2);
  });

  it('reads the effective TFTP server and boot file in PXE order', () => {
    const cases: { reply: Dora['reply']; server: [string | null, string]; file: [string | null, string] }[] =
      [
        {
          reply: { siaddr: '0.0.0.0', options: [opt.text(66, 'tftp.lab'), opt.text(67, 'a.0')] },
          server: ['tftp.lab', 'option-66'],
          file: ['a.0', 'option-67'],
        },
        {
          reply: { siaddr: '0.0.0.0', options: [opt.text(66, '10.0.0.7')] },
          server: ['10.0.0.7', 'option-66'],
          file: [null, 'none'],
        },
        {
          reply: { siaddr: '0.0.0.0', options: [opt.ip(150, '10.0.0.8')] },
          server: ['10.0.0.8', 'option-150'],
          file: [null, 'none'],
        },
        {
          reply: {
            siaddr: '10.0.0.9',
            file: 'from-file.0',
            options: [opt.text(66, 'x'), opt.text(67, 'from-67.0')],
          },
          server: ['10.0.0.9', 'siaddr'],
          file: ['from-file.0', 'file'],
        },
      ];
    for (const c of cases) {
      const [boot] = analyze(dora({ xid: 1, t: 0, frame: 1, reply: c.reply })).sessions[0].boots;
      assert.deepEqual([boot.tftpServer, boot.tftpServerSource], c.server);
      assert.deepEqual([boot.bootFile, boot.bootFileSource], c.file);
    }
    const [both] = analyze(
      dora({ xid: 1, t: 0, frame: 1, reply: { file: 'f.0', options: [opt.text(67, 'o.0')] } }),
    ).sessions[0].boots;
    assert.deepEqual([both.fileField, both.option67], ['f.0', 'o.0']);
  });

  it('uses a proxy OFFER that carries the boot file when the client never went to 4011', () => {
    const xid = 3;
    const r = analyze([
      dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid }),
      dhcp({
        frame: 2,
        t: 0.001,
        type: 'OFFER',
        xid,
        src: '10.0.0.5',
        siaddr: '10.0.0.5',
        file: 'ipxe.efi',
        options: [opt.ip(54, '10.0.0.5'), opt.text(60, 'PXEClient')],
      }),
      dhcp({
        frame: 3,
        t: 0.002,
        type: 'OFFER',
        xid,
        src: '10.0.0.1',
        yiaddr: CLIENT_IP,
        options: [opt.ip(54, '10.0.0.1')],
      }),
      dhcp({ frame: 4, t: 0.003, type: 'REQUEST', xid, options: [opt.ip(54, '10.0.0.1')] }),
      dhcp({
        frame: 5,
        t: 0.004,
        type: 'ACK',
        xid,
        src: '10.0.0.1',
        yiaddr: CLIENT_IP,
        options: [opt.ip(54, '10.0.0.1')],
      }),
    ]);
    const [boot] = r.sessions[0].boots;
    assert.deepEqual(
      [
        boot.offerFrom,
        boot.bootFile,
        boot.bootFileSource,
        boot.tftpServer,
        boot.tftpServerSource,
        boot.proxyServer,
      ],
      ['10.0.0.1', 'ipxe.efi', 'proxy', '10.0.0.5', 'proxy', '10.0.0.5'],
    );
  });

  it('tells the round the client took from offers it ignored (a UEFI HTTP-boot attempt after its PXE boot)', () => {
    const pxe = [opt.u16(93, 7), opt.text(60, 'PXEClient:Arch:00007:UNDI:003000')];
    const http = [opt.u16(93, 16), opt.text(60, 'HTTPClient:Arch:00016:UNDI:003000')];
    const tftp = new TftpScript(CLIENT_IP, SERVER, { frame: 40, t: 9 }, 0.0005);
    tftp.read(2070, 50000, 'bootx64.efi', 4000, 1432, { blksize: '1432' });
    const r = analyze([
      ...dora({ xid: 1, t: 0, frame: 1, client: pxe, reply: { options: [opt.text(67, 'bootx64.efi')] } }),
      // The firmware's HTTP-boot DISCOVERs are offered an address and a file, and never REQUESTed.
      dhcp({ frame: 20, t: 4, type: 'DISCOVER', xid: 2, options: http }),
      dhcp({
        frame: 21,
        t: 4.001,
        type: 'OFFER',
        xid: 2,
        yiaddr: '10.77.0.150',
        options: [opt.ip(54, SERVER), opt.text(67, 'http://10.77.0.1/x.efi'), opt.text(60, 'HTTPClient')],
      }),
      ...tftp.packets,
    ]);
    const [session] = r.sessions;
    assert.deepEqual(
      session.boots.map((b) => [b.accepted, b.clientIp, b.bootFile]),
      [
        [true, CLIENT_IP, 'bootx64.efi'],
        [false, '10.77.0.150', 'http://10.77.0.1/x.efi'],
      ],
    );
    assert.equal(session.clientIp, CLIENT_IP, "an address only offered is not the client's");
    assert.equal(
      session.phases.find((p) => p.frames.includes(40))?.kind,
      'tftp-boot',
      'the download after the ignored offer is still the boot file of the round taken',
    );
  });

  it('gives each client its own session, links TFTP by the leased IP, and keeps unknown clients as orphans', () => {
    const other = { mac: '52:54:00:aa:bb:cc', ip: '10.77.0.112' };
    const a = new TftpScript(CLIENT_IP, SERVER, { frame: 100, t: 5 });
    a.read(2070, 50000, 'pxelinux.0', 1000);
    const b = new TftpScript(other.ip, SERVER, { frame: 200, t: 6 });
    b.read(2070, 50001, 'pxelinux.0', 2000);
    const stranger = new TftpScript('10.77.0.200', SERVER, { frame: 300, t: 7 });
    stranger.read(2070, 50002, 'pxelinux.0', 10);
    const r = analyze([
      ...dora({ xid: 1, t: 0, frame: 1, reply: { options: [opt.text(67, 'pxelinux.0')] } }),
      ...dora({
        xid: 2,
        t: 0.5,
        frame: 10,
        mac: other.mac,
        ip: other.ip,
        reply: { options: [opt.text(67, 'pxelinux.0')] },
      }),
      ...a.packets,
      ...b.packets,
      ...stranger.packets,
    ]);
    assert.deepEqual(
      r.sessions.map((s) => [s.clientMac, s.clientIp, s.transfers.map((t) => t.bytes)]),
      [
        [CLIENT_MAC, CLIENT_IP, [1000]],
        [other.mac, other.ip, [2000]],
      ],
    );
    assert.deepEqual(
      r.orphanTransfers.map((t) => t.clientIp),
      ['10.77.0.200'],
    );
    assert.equal(r.stats.sessions, 2);
  });

  it('starts a new session when the same client comes back after a long silence', () => {
    const r = analyze([...dora({ xid: 1, t: 0, frame: 1 }), ...dora({ xid: 2, t: 1000, frame: 10 })]);
    assert.equal(r.sessions.length, 2);
    assert.deepEqual(
      r.sessions.map((s) => s.phases.map((p) => p.kind)),
      [['dhcp'], ['dhcp']],
    );
  });

  it('keeps one session across a transfer longer than the idle timeout', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 1 }, 1);
    s.rrq(2070, 'huge.iso');
    for (let b = 1; b <= 400; b++) s.data(50000, 2070, b, b === 400 ? 1 : 512);
    const r = analyze([
      ...dora({ xid: 1, t: 0, frame: 1 }),
      ...s.packets,
      ...dora({ xid: 2, t: 410, frame: 500 }),
    ]);
    assert.equal(r.sessions.length, 1);
    assert.deepEqual(
      r.sessions[0].phases.map((p) => p.kind),
      ['dhcp', 'tftp-other', 'dhcp-again'],
    );
  });

  it('marks a transfer the client left for a new DHCP round as abandoned', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 1 });
    s.rrq(2070, 'undionly.kpxe');
    s.data(50000, 2070, 1, 512);
    s.ack(2070, 50000, 1);
    const r = analyze([
      ...dora({ xid: 1, t: 0, frame: 1 }),
      ...s.packets,
      ...dora({ xid: 2, t: 2, frame: 20 }),
    ]);
    assert.equal(r.sessions[0].transfers[0].outcome, 'abandoned');
  });
});

describe('capture summary and ARP', () => {
  it('counts packets, times the capture and tells whether TFTP data ports were seen', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 16 });
    s.read(2070, 50000, 'pxelinux.0', 100);
    const r = analyze(
      {
        packets: [...dora({ xid: 1, t: 0, frame: 1 }), ...s.packets],
        arp: [arp(5, 3.1, 'request', CLIENT_IP, SERVER)],
      },
      {},
      19.5,
    );
    assert.equal(r.capture.dhcpPackets, 4);
    assert.equal(r.capture.tftpPackets, 3);
    assert.equal(r.capture.arpPackets, 1);
    assert.equal(r.capture.firstEpoch, '1700000000.000000000');
    assert.equal(r.capture.lastEpoch, '1700000019.500000000');
    assert.equal(r.capture.duration, 19.5);
    assert.equal(r.capture.tftpDataSeen, true);
    assert.equal(r.capture.file, 'test.pcapng');
  });

  it('lists ARP questions with their answer, leaving out announcements', () => {
    const r = analyze({
      arp: [
        arp(1, 0, 'request', CLIENT_IP, '10.77.0.9'),
        arp(2, 1, 'request', CLIENT_IP, '10.77.0.9'),
        arp(3, 2, 'request', CLIENT_IP, SERVER),
        arp(4, 2.001, 'reply', SERVER, CLIENT_IP),
        arp(5, 3, 'request', CLIENT_IP, CLIENT_IP),
      ],
    });
    assert.deepEqual(
      r.arp.map((q) => [q.askedBy, q.targetIp, q.requests.map((x) => x.frame), q.answered?.frame ?? null]),
      [
        [CLIENT_IP, '10.77.0.9', [1, 2], null],
        [CLIENT_IP, SERVER, [3], 4],
      ],
    );
  });
});
