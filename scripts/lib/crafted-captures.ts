/**
 * Small hand-made captures that pin down how tshark decides what is DHCP and TFTP: ports, TFTP conversations,
 * IP fragments, checksums, snaplen cuts, tunnels. Each frame carries a note saying what it probes; the notes go
 * into the folder's README.md and tshark's answers into fixtures/tshark/crafted/.
 *
 * Run: node dist/scripts/lib/crafted-captures.js [outdir]   (default fixtures/captures/crafted)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PcapWriter, SyncCaptureFile } from '../../src/capture/writer.js';
import {
  BOOTREPLY,
  BOOTREQUEST,
  DHCPACK,
  DHCPDISCOVER,
  DHCPOFFER,
  DHCPREQUEST,
  dhcpMessage,
  opt,
  pxeBootItem,
  pxeClientClass,
  pxeVendorOptions,
  type DhcpMessageOptions,
} from './dhcp.js';
import {
  BROADCAST_MAC,
  ETHERTYPE_IPV4,
  IPPROTO_ICMP,
  IPPROTO_UDP,
  ethernet,
  icmpMessage,
  ipv4,
  ipv4Fragments,
  ipv4Packet,
  ipv6,
  mac,
  udpDatagram,
  udpFrame,
  type Bytes,
  type Ipv4Options,
  type VlanTag,
} from './packets.js';
import {
  TFTP_ERR_NOT_FOUND,
  TFTP_ERR_OPTION,
  TFTP_ERR_UNKNOWN_TID,
  TFTP_WRQ,
  tftpAck,
  tftpData,
  tftpError,
  tftpOack,
  tftpRequest,
  tftpRrq,
} from './tftp.js';
import { addNs, type WallTime } from './wall-time.js';

interface CraftedFrame {
  note: string;
  data: Buffer;
  /** Captured length (snaplen cut); the whole frame when absent. */
  capLen?: number;
}

interface CraftedCapture {
  name: string;
  title: string;
  frames: CraftedFrame[];
}

const START: WallTime = { seconds: 1700000000, nanos: 0 };

const CLIENT_MAC = mac('52:54:00:12:34:56');
const SERVER_MAC = mac('52:54:00:aa:bb:01');
const OTHER_MAC = mac('52:54:00:aa:bb:02');
const BCAST = mac(BROADCAST_MAC);
const CLIENT = ipv4('10.77.0.111');
const SERVER = ipv4('10.77.0.1');
const OTHER = ipv4('10.77.0.2');
const ZERO = ipv4('0.0.0.0');
const ALL = ipv4('255.255.255.255');

const UUID = '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab';

/** A message from the client: a BOOTREQUEST from its MAC. */
function clientMessage(o: Omit<DhcpMessageOptions, 'op' | 'chaddr'>): Buffer {
  return dhcpMessage({ op: BOOTREQUEST, chaddr: CLIENT_MAC, ...o });
}

function discover(xid: number): Buffer {
  return clientMessage({
    xid,
    secs: 4,
    flags: 0x8000,
    options: [
      opt.messageType(DHCPDISCOVER),
      opt.u16(57, 1472),
      opt.bytes(55, [1, 3, 6, 12, 15, 17, 43, 60, 66, 67, 97, 128, 129, 130, 131, 132, 133, 134, 135]),
      opt.clientUuid(UUID),
      opt.arch(0),
      opt.ndi(2, 1),
      opt.str(60, pxeClientClass(0)),
    ],
  });
}

function offer(xid: number, withBoot = true): Buffer {
  return dhcpMessage({
    op: BOOTREPLY,
    xid,
    chaddr: CLIENT_MAC,
    yiaddr: CLIENT,
    siaddr: SERVER,
    flags: 0x8000,
    file: withBoot ? 'pxelinux.0' : undefined,
    options: [
      opt.messageType(DHCPOFFER),
      opt.ip(54, '10.77.0.1'),
      opt.u32(51, 3600),
      opt.ip(1, '255.255.255.0'),
      opt.ip(3, '10.77.0.1'),
      ...(withBoot ? [opt.str(66, '10.77.0.1'), opt.str(67, 'pxelinux.0')] : []),
    ],
  });
}

/** UDP 68 -> 67 from the client that has no address yet, broadcast: how a PXE ROM starts. */
function broadcast(payload: Bytes): Buffer {
  return udp(ZERO, ALL, 68, 67, payload);
}

function udp(
  src: Bytes,
  dst: Bytes,
  sport: number,
  dport: number,
  payload: Bytes,
  extra: { vlans?: VlanTag[]; udpChecksum?: 'ok' | 'zero' | 'bad'; srcMac?: Bytes; dstMac?: Bytes } = {},
): Buffer {
  return udpFrame({
    srcMac: extra.srcMac ?? (src === CLIENT || src === ZERO ? CLIENT_MAC : SERVER_MAC),
    dstMac: extra.dstMac ?? (dst === ALL ? BCAST : dst === CLIENT ? CLIENT_MAC : SERVER_MAC),
    src,
    dst,
    srcPort: sport,
    dstPort: dport,
    payload,
    vlans: extra.vlans ?? [],
    udpChecksum: extra.udpChecksum ?? 'ok',
  });
}

function ipFrame(ip: Buffer, srcMac = SERVER_MAC, dstMac = CLIENT_MAC): Buffer {
  return ethernet({ dst: dstMac, src: srcMac, etherType: ETHERTYPE_IPV4, payload: ip, pad: true });
}

/** An IPv4 packet carrying one UDP datagram; `ip` and `udpLength` override header fields to break it. */
function ipUdp(
  src: Bytes,
  dst: Bytes,
  srcPort: number,
  dstPort: number,
  payload: Bytes,
  over: { ip?: Partial<Ipv4Options>; udpLength?: number } = {},
): Buffer {
  const datagram = udpDatagram({ src, dst, srcPort, dstPort, payload, length: over.udpLength });
  return ipv4Packet({ src, dst, protocol: IPPROTO_UDP, payload: datagram, ...over.ip });
}

/** An ICMP port unreachable from `src` to `dst` quoting `quoted` (an IPv4 packet, or its start). */
function portUnreachable(src: Bytes, dst: Bytes, quoted: Bytes, srcMac?: Bytes, dstMac?: Bytes): Buffer {
  const icmp = icmpMessage({ type: 3, code: 3, payload: quoted });
  return ipFrame(ipv4Packet({ src, dst, protocol: IPPROTO_ICMP, payload: icmp }), srcMac, dstMac);
}

function dhcpPorts(): CraftedCapture {
  const d = discover(0x11111111);
  const o = offer(0x11111111);
  const frames: CraftedFrame[] = [
    { note: 'DHCP Discover 68 -> 67 (standard)', data: broadcast(d) },
    { note: 'DHCP Offer 67 -> 68 (standard)', data: udp(SERVER, ALL, 67, 68, o) },
    { note: 'DHCP Discover 68 -> 4011 (PXE boot server port)', data: udp(CLIENT, SERVER, 68, 4011, d) },
    { note: 'DHCP Offer 4011 -> 68', data: udp(SERVER, CLIENT, 4011, 68, o) },
    {
      note: 'DHCP Discover 4011 -> 4011 (PXE boot server port both sides)',
      data: udp(CLIENT, SERVER, 4011, 4011, d),
    },
    { note: 'DHCP Discover 67 -> 67 (relay to server)', data: udp(OTHER, SERVER, 67, 67, d) },
    { note: 'DHCP Discover 68 -> 68', data: udp(CLIENT, SERVER, 68, 68, d) },
    {
      note: 'DHCP Discover 40000 -> 67 (only the destination is a DHCP port)',
      data: udp(CLIENT, SERVER, 40000, 67, d),
    },
    {
      note: 'DHCP Offer 67 -> 40000 (only the source is a DHCP port)',
      data: udp(SERVER, CLIENT, 67, 40000, o),
    },
    {
      note: 'DHCP Discover 40000 -> 40001 (no DHCP port: no heuristic expected)',
      data: udp(CLIENT, SERVER, 40000, 40001, d),
    },
    { note: 'DHCP Discover 68 -> 69 (DHCP port vs TFTP port)', data: udp(CLIENT, SERVER, 68, 69, d) },
    {
      note: 'DHCP Discover 53 -> 67 (DNS port vs DHCP port: the lower port is tried first)',
      data: udp(CLIENT, SERVER, 53, 67, d),
    },
    {
      note: 'DHCP Discover 68 -> 67 with 4 bytes of garbage instead of the magic cookie',
      data: broadcast(
        clientMessage({
          xid: 0x22222222,
          cookie: 0xdeadbeef,
          options: [opt.messageType(DHCPDISCOVER)],
        }),
      ),
    },
    {
      note: 'BOOTP request 68 -> 67: 300 bytes, no magic cookie, no options',
      data: broadcast(
        (() => {
          const b = clientMessage({
            xid: 0x33333333,
            options: [],
            end: false,
          });
          b.fill(0, 236, 240);
          return b;
        })(),
      ),
    },
    {
      note: 'UDP 68 -> 67 with only 100 bytes of payload (shorter than the BOOTP header)',
      data: broadcast(d.subarray(0, 100)),
    },
    { note: 'UDP 68 -> 67 with an empty payload', data: broadcast(Buffer.alloc(0)) },
    {
      note: 'UDP 68 -> 67 with 20 bytes of payload (less than op..chaddr)',
      data: broadcast(d.subarray(0, 20)),
    },
    {
      note: 'UDP 68 -> 67 with 34 bytes of payload (op..chaddr exactly)',
      data: broadcast(d.subarray(0, 34)),
    },
    {
      note: 'DHCP Discover without the end option (options run to the end of the UDP payload)',
      data: broadcast(
        clientMessage({
          xid: 0x44444444,
          options: [opt.messageType(DHCPDISCOVER), opt.u16(57, 1472)],
          end: false,
          minLength: 0,
        }),
      ),
    },
    {
      note: 'DHCP Request with option 53 twice and an option whose length runs past the end',
      data: broadcast(
        Buffer.concat([
          clientMessage({
            xid: 0x55555555,
            options: [opt.messageType(DHCPREQUEST), opt.messageType(DHCPDISCOVER)],
            end: false,
            minLength: 0,
          }),
          Buffer.from([60, 40, 0x50, 0x58, 0x45]),
        ]),
      ),
    },
    {
      note: 'DHCP Request to 4011 with PXE boot item (option 43 sub-option 71), xid 0',
      data: udp(
        CLIENT,
        SERVER,
        68,
        4011,
        clientMessage({
          xid: 0,
          ciaddr: CLIENT,
          options: [
            opt.messageType(DHCPREQUEST),
            opt.str(60, pxeClientClass(0)),
            opt.clientUuid(UUID),
            opt.arch(0),
            [43, pxeBootItem(0x8000, 0)],
          ],
        }),
      ),
    },
    {
      note: 'proxyDHCP ACK from 4011 with option 43 (discovery control, boot servers, menu, prompt)',
      data: udp(
        SERVER,
        CLIENT,
        4011,
        68,
        dhcpMessage({
          op: BOOTREPLY,
          xid: 0,
          chaddr: CLIENT_MAC,
          siaddr: SERVER,
          file: 'pxelinux.0',
          options: [
            opt.messageType(DHCPACK),
            opt.ip(54, '10.77.0.1'),
            opt.str(60, 'PXEClient'),
            opt.clientUuid(UUID),
            [
              43,
              pxeVendorOptions({
                discoveryControl: 3,
                bootServers: [{ type: 0x8000, ips: ['10.77.0.1'] }],
                menu: [{ type: 0x8000, text: 'Boot from network' }],
                prompt: { timeout: 1, text: 'PXE' },
              }),
            ],
          ],
        }),
      ),
    },
    {
      note: 'DHCP Offer with option 52 overload = 3 (file and sname carry options)',
      data: udp(
        SERVER,
        ALL,
        67,
        68,
        (() => {
          const b = dhcpMessage({
            op: BOOTREPLY,
            xid: 0x66666666,
            chaddr: CLIENT_MAC,
            yiaddr: CLIENT,
            options: [opt.messageType(DHCPOFFER), opt.u8(52, 3), opt.ip(54, '10.77.0.1')],
          });
          b.fill(0, 44, 236);
          b.set([67, 10, ...Buffer.from('pxelinux.0'), 255], 108);
          b.set([66, 9, ...Buffer.from('10.77.0.1'), 255], 44);
          return b;
        })(),
      ),
    },
    {
      note: 'DHCP Discover over IPv6 UDP 68 -> 67',
      data: udp(ipv6('fe80::5054:ff:fe12:3456'), ipv6('ff02::2'), 68, 67, d, {
        srcMac: CLIENT_MAC,
        dstMac: mac('33:33:00:00:00:02'),
      }),
    },
  ];
  return { name: 'dhcp-ports', title: 'Which UDP ports and payloads tshark decodes as DHCP', frames };
}

function tftpConversations(): CraftedCapture {
  const f: CraftedFrame[] = [];
  const block = Buffer.alloc(512, 0x41);
  const push = (note: string, data: Buffer): void => {
    f.push({ note, data });
  };
  // Transfer 1: classic RRQ/OACK/DATA/ACK with the server answering from a new port.
  push(
    'RRQ C:2000 -> S:69 "pxelinux.0" octet blksize=512 tsize=0 (creates the conversation C:2000 <-> S:*)',
    udp(
      CLIENT,
      SERVER,
      2000,
      69,
      tftpRrq('pxelinux.0', [
        ['blksize', '512'],
        ['tsize', '0'],
      ]),
    ),
  );
  push(
    'OACK S:3000 -> C:2000 (server port learned here)',
    udp(
      SERVER,
      CLIENT,
      3000,
      2000,
      tftpOack([
        ['blksize', '512'],
        ['tsize', '700'],
      ]),
    ),
  );
  push('ACK 0 C:2000 -> S:3000', udp(CLIENT, SERVER, 2000, 3000, tftpAck(0)));
  push('DATA 1 S:3000 -> C:2000 (512 bytes)', udp(SERVER, CLIENT, 3000, 2000, tftpData(1, block)));
  push('ACK 1 C:2000 -> S:3000', udp(CLIENT, SERVER, 2000, 3000, tftpAck(1)));
  push(
    'DATA 2 S:3001 -> C:2000 (second server port, same client port)',
    udp(SERVER, CLIENT, 3001, 2000, tftpData(2, block.subarray(0, 188))),
  );
  push('ACK 2 C:2000 -> S:3001', udp(CLIENT, SERVER, 2000, 3001, tftpAck(2)));
  push(
    'ERROR 5 S:3000 -> C:2999 (unknown TID: a port that never sent a request)',
    udp(SERVER, CLIENT, 3000, 2999, tftpError(TFTP_ERR_UNKNOWN_TID, 'Unknown transfer ID')),
  );
  push(
    'DATA 1 from another host O:3000 -> C:2000',
    udp(OTHER, CLIENT, 3000, 2000, tftpData(1, block.subarray(0, 10))),
  );
  push(
    'ACK 9 C:2000 -> O:5555 (client port of a conversation, another host)',
    udp(CLIENT, OTHER, 2000, 5555, tftpAck(9)),
  );
  push(
    'ERROR 1 S:69 -> C:2000 (server answering from port 69 itself)',
    udp(SERVER, CLIENT, 69, 2000, tftpError(TFTP_ERR_NOT_FOUND, 'File not found')),
  );
  // Requests that the port-69 dissector and the heuristic may or may not accept.
  push(
    'RRQ C:2001 -> S:69 mode "netascii"',
    udp(CLIENT, SERVER, 2001, 69, tftpRrq('boot.cfg', [], 'netascii')),
  );
  push(
    'DATA 1 S:3002 -> C:2001 (answer to the netascii RRQ)',
    udp(SERVER, CLIENT, 3002, 2001, tftpData(1, Buffer.from('hello\r\n'))),
  );
  push(
    'RRQ C:2002 -> S:69 mode "OCTET" (upper case)',
    udp(CLIENT, SERVER, 2002, 69, tftpRrq('BOOTX64.EFI', [], 'OCTET')),
  );
  push('DATA 1 S:3003 -> C:2002', udp(SERVER, CLIENT, 3003, 2002, tftpData(1, Buffer.from('x'))));
  push(
    'RRQ C:2003 -> S:69 mode "binary" (not a TFTP mode)',
    udp(CLIENT, SERVER, 2003, 69, tftpRrq('file.bin', [], 'binary')),
  );
  push('DATA 1 S:3004 -> C:2003', udp(SERVER, CLIENT, 3004, 2003, tftpData(1, Buffer.from('x'))));
  push(
    'RRQ C:2004 -> S:69 with a non-printable byte in the file name',
    udp(CLIENT, SERVER, 2004, 69, tftpRrq('bad\u0001name', [])),
  );
  push('DATA 1 S:3005 -> C:2004', udp(SERVER, CLIENT, 3005, 2004, tftpData(1, Buffer.from('x'))));
  push(
    'RRQ C:2005 -> S:69 without the final NUL',
    udp(CLIENT, SERVER, 2005, 69, tftpRrq('pxelinux.0', []).subarray(0, 17)),
  );
  push(
    'RRQ C:2006 -> S:69 with an odd number of NULs (option name without value)',
    udp(CLIENT, SERVER, 2006, 69, Buffer.concat([tftpRrq('pxelinux.0', []), Buffer.from('blksize\u0000')])),
  );
  push(
    'WRQ C:2007 -> S:69 "upload.bin" octet',
    udp(CLIENT, SERVER, 2007, 69, tftpRequest(TFTP_WRQ, 'upload.bin', 'octet')),
  );
  push('ACK 0 S:3006 -> C:2007', udp(SERVER, CLIENT, 3006, 2007, tftpAck(0)));
  push('DATA 1 C:2007 -> S:3006', udp(CLIENT, SERVER, 2007, 3006, tftpData(1, Buffer.from('upload'))));
  push('ACK 0 C:2008 -> S:69 (not a request, to port 69)', udp(CLIENT, SERVER, 2008, 69, tftpAck(0)));
  push(
    'ERROR 0 C:2009 -> S:69 (not a request, to port 69)',
    udp(CLIENT, SERVER, 2009, 69, tftpError(0, 'cancel')),
  );
  push(
    'RRQ C:2010 -> S:6969 (not port 69: heuristic only)',
    udp(CLIENT, SERVER, 2010, 6969, tftpRrq('heur.bin', [['blksize', '1468']])),
  );
  push(
    'OACK S:3010 -> C:2010 (answer to the heuristic RRQ)',
    udp(SERVER, CLIENT, 3010, 2010, tftpOack([['blksize', '1468']])),
  );
  push(
    'RRQ C:2011 -> S:6969 mode "netascii" (heuristic)',
    udp(CLIENT, SERVER, 2011, 6969, tftpRrq('heur.txt', [], 'netascii')),
  );
  push(
    'RRQ C:2012 -> S:6969 mode "mail" (heuristic)',
    udp(CLIENT, SERVER, 2012, 6969, tftpRrq('root', [], 'mail')),
  );
  push(
    'UDP 40000 -> 40001: bytes 0x12 0x34 then "file.bin\\0octet\\0" (heuristic with a non-TFTP opcode)',
    udp(
      CLIENT,
      SERVER,
      40000,
      40001,
      Buffer.concat([Buffer.from([0x12, 0x34]), Buffer.from('file.bin\u0000octet\u0000')]),
    ),
  );
  push(
    'UDP 40002 -> 40003: DATA-like bytes 0x00 0x03 then "a\\0octet\\0" (heuristic on a DATA opcode)',
    udp(
      CLIENT,
      SERVER,
      40002,
      40003,
      Buffer.concat([Buffer.from([0, 3]), Buffer.from('a\u0000octet\u0000')]),
    ),
  );
  push(
    'RRQ S:69 -> C:2013 (from port 69, not to it)',
    udp(SERVER, CLIENT, 69, 2013, tftpRrq('reverse.bin', [])),
  );
  push(
    'Opcode 9 C:2014 -> S:69 (unknown opcode to port 69)',
    udp(CLIENT, SERVER, 2014, 69, Buffer.from([0, 9, 1, 2, 3, 4])),
  );
  // Transfer 2 reusing client port 2000 after transfer 1: a new RRQ restarts the conversation.
  push(
    'RRQ C:2000 -> S:69 "ldlinux.c32" (same client port again)',
    udp(
      CLIENT,
      SERVER,
      2000,
      69,
      tftpRrq('ldlinux.c32', [
        ['tsize', '0'],
        ['blksize', '1408'],
      ]),
    ),
  );
  push(
    'OACK S:3020 -> C:2000',
    udp(
      SERVER,
      CLIENT,
      3020,
      2000,
      tftpOack([
        ['tsize', '122308'],
        ['blksize', '1408'],
      ]),
    ),
  );
  push(
    'ERROR 8 C:2000 -> S:3020 (client closes after the tsize answer)',
    udp(CLIENT, SERVER, 2000, 3020, tftpError(TFTP_ERR_OPTION, 'User aborted the transfer')),
  );
  push(
    'RRQ C:2020 -> S:69 for a file that does not exist',
    udp(CLIENT, SERVER, 2020, 69, tftpRrq('pxelinux.cfg/01-52-54-00-12-34-56', [['tsize', '0']])),
  );
  push(
    'ERROR 1 S:3030 -> C:2020 "File not found"',
    udp(SERVER, CLIENT, 3030, 2020, tftpError(TFTP_ERR_NOT_FOUND, 'File not found')),
  );
  push(
    'ERROR 99 S:3031 -> C:2999 (invalid error code, unrelated ports)',
    udp(SERVER, CLIENT, 3031, 2999, tftpError(99, 'odd')),
  );
  push(
    'DATA 1 S:3040 -> C:4444 (no RRQ ever seen for C:4444)',
    udp(SERVER, CLIENT, 3040, 4444, tftpData(1, block)),
  );
  const [v6Client, v6Server] = [ipv6('fe80::1'), ipv6('fe80::2')];
  push(
    'RRQ over IPv6 [fe80::1]:2050 -> [fe80::2]:69',
    udp(v6Client, v6Server, 2050, 69, tftpRrq('v6.efi', []), { srcMac: CLIENT_MAC, dstMac: SERVER_MAC }),
  );
  push(
    'DATA 1 over IPv6 [fe80::2]:3050 -> [fe80::1]:2050',
    udp(v6Server, v6Client, 3050, 2050, tftpData(1, Buffer.from('v6')), {
      srcMac: SERVER_MAC,
      dstMac: CLIENT_MAC,
    }),
  );
  return {
    name: 'tftp-conversations',
    title: 'Which UDP packets tshark decodes as TFTP (port 69, conversations, heuristic)',
    frames: f,
  };
}

function fragments(): CraftedCapture {
  const f: CraftedFrame[] = [];
  // A DHCP Offer with a long option list, sent as 3 fragments of a 420-byte MTU, in order.
  const bigOffer = dhcpMessage({
    op: BOOTREPLY,
    xid: 0x77777777,
    chaddr: CLIENT_MAC,
    yiaddr: CLIENT,
    siaddr: SERVER,
    file: 'pxelinux.0',
    options: [
      opt.messageType(DHCPOFFER),
      opt.ip(54, '10.77.0.1'),
      opt.str(67, 'pxelinux.0'),
      opt.str(15, 'a'.repeat(250)),
      opt.str(12, 'b'.repeat(250)),
      opt.str(114, 'http://10.77.0.1/' + 'c'.repeat(200)),
    ],
  });
  /** One UDP datagram cut into IPv4 fragments of at most `mtu` bytes, in order. */
  const fragmented = (
    id: number,
    payload: Buffer,
    sport: number,
    dport: number,
    mtu: number,
    src = SERVER,
    dst = CLIENT,
  ): Buffer[] => {
    const datagram = udpDatagram({ src, dst, srcPort: sport, dstPort: dport, payload });
    return ipv4Fragments({ src, dst, protocol: IPPROTO_UDP, id, payload: datagram }, mtu);
  };
  const offerFrags = fragmented(0x1001, bigOffer, 67, 68, 420);
  offerFrags.forEach((p, i) =>
    f.push({
      note: `DHCP Offer (${bigOffer.length} bytes) fragment ${i + 1}/${offerFrags.length}, in order, id 0x1001`,
      data: ipFrame(p),
    }),
  );
  // The same, out of order (last fragment first).
  const ooo = fragmented(0x1002, bigOffer, 67, 68, 420);
  [ooo[2], ooo[0], ooo[1]].forEach((p, i) => {
    if (p)
      f.push({
        note: `DHCP Offer fragments out of order (${['last', 'first', 'middle'][i]}), id 0x1002`,
        data: ipFrame(p),
      });
  });
  // TFTP: RRQ, OACK blksize 1468, DATA 1 of 1472 bytes over a 1000-byte MTU -> 2 fragments.
  f.push({
    note: 'RRQ C:2100 -> S:69 blksize=1468',
    data: udp(CLIENT, SERVER, 2100, 69, tftpRrq('bootx64.efi', [['blksize', '1468']])),
  });
  f.push({
    note: 'OACK S:3100 -> C:2100 blksize=1468',
    data: udp(SERVER, CLIENT, 3100, 2100, tftpOack([['blksize', '1468']])),
  });
  f.push({ note: 'ACK 0', data: udp(CLIENT, SERVER, 2100, 3100, tftpAck(0)) });
  const data1 = fragmented(0x2001, tftpData(1, Buffer.alloc(1468, 0x5a)), 3100, 2100, 1000);
  data1.forEach((p, i) =>
    f.push({
      note: `TFTP DATA 1 (1468 bytes) fragment ${i + 1}/${data1.length}, id 0x2001`,
      data: ipFrame(p),
    }),
  );
  f.push({ note: 'ACK 1', data: udp(CLIENT, SERVER, 2100, 3100, tftpAck(1)) });
  // A datagram whose last fragment never arrives.
  const lost = fragmented(0x2002, tftpData(2, Buffer.alloc(1468, 0x5b)), 3100, 2100, 1000);
  if (lost[0])
    f.push({ note: 'TFTP DATA 2 first fragment only (the rest is lost), id 0x2002', data: ipFrame(lost[0]) });
  // A fragment sent twice.
  const dup = fragmented(0x2003, tftpData(2, Buffer.alloc(100, 0x5c)), 3100, 2100, 68);
  dup.forEach((p, i) => {
    f.push({ note: `TFTP DATA 2 (100 bytes) fragment ${i + 1}/${dup.length}, id 0x2003`, data: ipFrame(p) });
    if (i === 0) f.push({ note: 'the same first fragment again (duplicate), id 0x2003', data: ipFrame(p) });
  });
  f.push({ note: 'ACK 2', data: udp(CLIENT, SERVER, 2100, 3100, tftpAck(2)) });
  // First fragment carries only part of the UDP header's datagram: fragment boundary inside the DHCP header.
  const tiny = fragmented(0x3001, discover(0x88888888), 68, 67, 68, ZERO, ALL);
  tiny.forEach((p, i) =>
    f.push({
      note: `DHCP Discover in ${tiny.length} tiny fragments (48 bytes of data each), fragment ${i + 1}, id 0x3001`,
      data: ethernet({ dst: BCAST, src: CLIENT_MAC, etherType: ETHERTYPE_IPV4, payload: p, pad: true }),
    }),
  );
  return { name: 'ip-fragments', title: 'IPv4 fragments carrying DHCP and TFTP', frames: f };
}

function checksums(): CraftedCapture {
  const d = discover(0x99999999);
  /** The broadcast Discover with some of its IPv4 or UDP header fields made wrong. */
  const broken = (over: Parameters<typeof ipUdp>[5]): Buffer =>
    ipFrame(ipUdp(ZERO, ALL, 68, 67, d, over), CLIENT_MAC, BCAST);
  const f: CraftedFrame[] = [
    { note: 'DHCP Discover, bad UDP checksum', data: udp(ZERO, ALL, 68, 67, d, { udpChecksum: 'bad' }) },
    {
      note: 'DHCP Discover, UDP checksum 0 (not computed)',
      data: udp(ZERO, ALL, 68, 67, d, { udpChecksum: 'zero' }),
    },
    {
      note: 'DHCP Discover, bad IPv4 header checksum',
      data: broken({ ip: { checksum: 'bad' } }),
    },
    {
      note: 'RRQ with a bad UDP checksum',
      data: udp(CLIENT, SERVER, 2200, 69, tftpRrq('pxelinux.0', [['tsize', '0']]), { udpChecksum: 'bad' }),
    },
    {
      note: 'OACK with a bad UDP checksum',
      data: udp(SERVER, CLIENT, 3200, 2200, tftpOack([['tsize', '42']]), { udpChecksum: 'bad' }),
    },
    {
      note: 'DATA 1 with UDP checksum 0',
      data: udp(SERVER, CLIENT, 3200, 2200, tftpData(1, Buffer.alloc(42, 1)), { udpChecksum: 'zero' }),
    },
    {
      note: 'DHCP Discover whose UDP length field says 100 bytes less than the datagram',
      data: broken({ udpLength: d.length + 8 - 100 }),
    },
    {
      note: 'DHCP Discover whose UDP length field is 50 bytes more than the datagram',
      data: broken({ udpLength: d.length + 8 + 50 }),
    },
    {
      note: 'DHCP Discover whose IPv4 total length is 40 bytes less than the packet (trailer after IP)',
      data: broken({ ip: { totalLength: 20 + 8 + d.length - 40 } }),
    },
    {
      note: 'DHCP Discover in an Ethernet frame with 20 bytes of trailer after the IP packet',
      data: Buffer.concat([broadcast(d), Buffer.alloc(20, 0xee)]),
    },
  ];
  return { name: 'checksums-lengths', title: 'Bad checksums and inconsistent length fields', frames: f };
}

function snaplen(): CraftedCapture {
  const d = discover(0xaaaaaaaa);
  const frames: CraftedFrame[] = [];
  for (const cap of [34, 42, 60, 96, 200, 278, 300]) {
    const data = broadcast(d);
    frames.push({
      note: `DHCP Discover (${data.length}-byte frame) captured with snaplen ${cap}`,
      data,
      capLen: cap,
    });
  }
  frames.push({
    note: 'RRQ C:2300 -> S:69 captured with snaplen 60 (file name cut)',
    data: udp(
      CLIENT,
      SERVER,
      2300,
      69,
      tftpRrq('a-rather-long-directory-name/pxelinux.0', [['blksize', '1432']]),
    ),
    capLen: 60,
  });
  frames.push({
    note: 'RRQ C:2301 -> S:69 captured whole',
    data: udp(
      CLIENT,
      SERVER,
      2301,
      69,
      tftpRrq('pxelinux.0', [
        ['blksize', '1432'],
        ['tsize', '0'],
      ]),
    ),
  });
  frames.push({
    note: 'OACK S:3301 -> C:2301 captured with snaplen 50 (options cut)',
    data: udp(
      SERVER,
      CLIENT,
      3301,
      2301,
      tftpOack([
        ['blksize', '1432'],
        ['tsize', '42430'],
      ]),
    ),
    capLen: 50,
  });
  frames.push({
    note: 'DATA 1 S:3301 -> C:2301 (1432 bytes) captured with snaplen 96',
    data: udp(SERVER, CLIENT, 3301, 2301, tftpData(1, Buffer.alloc(1432, 7))),
    capLen: 96,
  });
  frames.push({
    note: 'DATA 2 S:3301 -> C:2301 (100 bytes, last) captured with snaplen 96',
    data: udp(SERVER, CLIENT, 3301, 2301, tftpData(2, Buffer.alloc(100, 7))),
    capLen: 96,
  });
  frames.push({
    note: 'ERROR S:3301 -> C:2301 captured with snaplen 48 (message cut)',
    data: udp(SERVER, CLIENT, 3301, 2301, tftpError(TFTP_ERR_NOT_FOUND, 'File not found for 10.77.0.111')),
    capLen: 48,
  });
  return { name: 'snaplen', title: 'Frames cut by the snapshot length', frames };
}

function encapsulations(): CraftedCapture {
  const d = discover(0xbbbbbbbb);
  const quoted = ipUdp(CLIENT, SERVER, 2400, 69, tftpRrq('pxelinux.0', []), { ip: { id: 7 } });
  const offerPacket = (xid: number): Buffer => ipUdp(SERVER, CLIENT, 67, 68, offer(xid));
  const frames: CraftedFrame[] = [
    {
      note: 'DHCP Discover in one 802.1Q tag (VLAN 20, PCP 5)',
      data: udp(ZERO, ALL, 68, 67, d, { vlans: [{ id: 20, pcp: 5 }] }),
    },
    {
      note: 'DHCP Discover in 802.1ad + 802.1Q (QinQ: outer 100, inner 20)',
      data: udp(ZERO, ALL, 68, 67, d, { vlans: [{ id: 100, tpid: 0x88a8 }, { id: 20 }] }),
    },
    {
      note: 'ICMP port unreachable quoting a whole TFTP RRQ (S -> C)',
      data: portUnreachable(SERVER, CLIENT, quoted),
    },
    {
      note: 'ICMP port unreachable quoting the first 8 bytes of a DHCP Offer (C -> S)',
      data: portUnreachable(
        CLIENT,
        SERVER,
        offerPacket(0xbbbbbbbb).subarray(0, 28 + 8),
        CLIENT_MAC,
        SERVER_MAC,
      ),
    },
    {
      note: 'ICMP port unreachable quoting a whole DHCP Offer (C -> S)',
      data: portUnreachable(CLIENT, SERVER, offerPacket(0xbbbbbbbb), CLIENT_MAC, SERVER_MAC),
    },
    {
      note: 'IPv4-in-IPv4 (protocol 4) carrying a DHCP Offer',
      data: ipFrame(
        ipv4Packet({ src: OTHER, dst: SERVER, protocol: 4, payload: offerPacket(0xcccccccc) }),
        OTHER_MAC,
        SERVER_MAC,
      ),
    },
  ];
  return { name: 'encapsulations', title: 'DHCP and TFTP inside VLAN tags, ICMP errors and tunnels', frames };
}

export const CRAFTED: readonly (() => CraftedCapture)[] = [
  dhcpPorts,
  tftpConversations,
  fragments,
  checksums,
  snaplen,
  encapsulations,
];

const PCAP = { linkType: 1 };

function pcapFile(path: string): SyncCaptureFile {
  return new SyncCaptureFile(path, new PcapWriter(PCAP));
}

/** Writes every crafted capture (pcap, microseconds) and a README describing each frame into `dir`. */
export function writeCraftedCaptures(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const readme: string[] = [
    '# Crafted captures',
    '',
    'Hand-made frames that pin down how tshark decides what is DHCP and what is TFTP, and how it treats fragments,',
    'checksums, snaplen cuts and tunnels. Generated by `scripts/lib/crafted-captures.ts` (`node',
    'dist/scripts/lib/crafted-captures.js`); written for this project (MIT). tshark’s answers are in',
    '`fixtures/tshark/crafted/`; what they mean is in `docs/conformance.md`.',
    '',
    'Addresses: client 10.77.0.111 (`52:54:00:12:34:56`, C), server 10.77.0.1 (S), another host 10.77.0.2 (O).',
    'One frame every millisecond from 2023-11-14T22:13:20Z.',
  ];
  for (const make of CRAFTED) {
    const cap = make();
    const file = join(dir, `${cap.name}.pcap`);
    const w = pcapFile(file);
    readme.push(
      '',
      `## ${cap.name}.pcap — ${cap.title}`,
      '',
      '| frame | bytes | captured | what it probes |',
      '|---|---|---|---|',
    );
    cap.frames.forEach((fr, i) => {
      const capLen = Math.min(fr.capLen ?? fr.data.length, fr.data.length);
      w.write({ ...addNs(START, i * 1_000_000), data: fr.data.subarray(0, capLen), origLen: fr.data.length });
      readme.push(`| ${i + 1} | ${fr.data.length} | ${capLen} | ${fr.note.replace(/\|/g, '/')} |`);
    });
    w.close();
    written.push(file);
  }
  // A pcap cut short in the middle of a record, after two complete DHCP frames.
  const truncated = join(dir, 'truncated-record.pcap');
  const w = pcapFile(truncated);
  const frame = broadcast(discover(0xdddddddd));
  w.write({ ...START, data: frame });
  w.write({ ...addNs(START, 1_000_000), data: udp(SERVER, ALL, 67, 68, offer(0xdddddddd)) });
  const third = new PcapWriter(PCAP).packet({ ...addNs(START, 2_000_000), data: frame });
  w.writeRaw(third.subarray(0, 16 + 100));
  w.close();
  written.push(truncated);
  readme.push(
    '',
    '## truncated-record.pcap — file cut short inside a packet record',
    '',
    'Two complete frames (DHCP Discover, DHCP Offer), then the header of a third record announcing',
    `${frame.length} bytes followed by only 100 of them.`,
  );
  writeFileSync(join(dir, 'README.md'), readme.join('\n') + '\n');
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const dir = process.argv[2] ?? resolve(here, '../../../fixtures/captures/crafted');
  for (const f of writeCraftedCaptures(dir)) console.log(f);
}
