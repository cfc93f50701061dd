/**
 * Whole PXE boots for generated captures, as firmware and servers really behave: DHCP DORA with PXE options
 * (direct, through a relay, or with a proxyDHCP server and boot-server discovery on port 4011), then TFTP
 * downloads with option negotiation (blksize 1432/1408/1468/512, tsize probes, windowsize), the pxelinux
 * configuration search with its "File not found" errors, and a few failing boots.
 */
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
  type DhcpOption,
} from './dhcp.js';
import { arpReplyFrame, arpRequestFrame } from './arp-frames.js';
import { BROADCAST_MAC, ipv4, mac, udpFrame, type Bytes, type VlanTag } from './packets.js';
import type { Rng } from './rng.js';
import type { TimedFrame } from './scheduler.js';
import {
  TFTP_ERR_NOT_FOUND,
  TFTP_ERR_OPTION,
  tftpAck,
  tftpData,
  tftpError,
  tftpOack,
  tftpRrq,
  type TftpOptions,
} from './tftp.js';

export const BOOT_KINDS = [
  'bios-pxelinux',
  'ipxe-chain',
  'uefi-edk2',
  'proxydhcp',
  'relayed',
  'no-offer',
  'file-not-found',
  'tftp-stall',
] as const;
export type BootKind = (typeof BOOT_KINDS)[number];

const BOOT_WEIGHTS: readonly (readonly [number, BootKind])[] = [
  [28, 'bios-pxelinux'],
  [14, 'ipxe-chain'],
  [20, 'uefi-edk2'],
  [12, 'proxydhcp'],
  [10, 'relayed'],
  [5, 'no-offer'],
  [6, 'file-not-found'],
  [5, 'tftp-stall'],
];

export interface PxeStats {
  boots: Record<BootKind, number>;
  /** Frames tshark should show as DHCP, and as TFTP. */
  dhcpFrames: number;
  tftpFrames: number;
  pxeFrames: number;
}

export function newPxeStats(): PxeStats {
  const boots = Object.fromEntries(BOOT_KINDS.map((k) => [k, 0])) as Record<BootKind, number>;
  return { boots, dhcpFrames: 0, tftpFrames: 0, pxeFrames: 0 };
}

interface Node {
  mac: Bytes;
  ip: Bytes;
  ipText: string;
}

/** The boot network: TFTP/DHCP server, a plain DHCP server for proxy setups, a router that relays. */
export class PxeSite {
  readonly server: Node = node('52:54:00:aa:bb:01', '192.168.50.1');
  readonly dhcpOnly: Node = node('52:54:00:aa:bb:02', '192.168.50.2');
  /** The router's interface on the server LAN, and the relay address on the remote client LAN. */
  readonly router: Node = node('3c:ec:ef:10:00:fe', '192.168.50.254');
  readonly relayIp = '10.30.0.1';
  private nextHost = 0;
  private nextRemote = 0;

  allocate(remote: boolean): string {
    if (remote) return `10.30.0.${100 + (this.nextRemote++ % 150)}`;
    return `192.168.50.${100 + (this.nextHost++ % 150)}`;
  }
}

function node(macText: string, ipText: string): Node {
  return { mac: mac(macText), ip: ipv4(ipText), ipText };
}

const US = 1_000;
const MS = 1_000_000;
const S = 1_000_000_000;

const PRL = [
  1, 2, 3, 4, 5, 6, 11, 12, 13, 15, 16, 17, 18, 22, 23, 28, 40, 41, 42, 43, 50, 51, 54, 58, 59, 60, 66, 67,
  97, 128, 129, 130, 131, 132, 133, 134, 135,
];
const IPXE_PRL = [
  1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203,
];

/** What the loaders ask for: pxelinux.0 / iPXE scripts, and EDK2's downloads after its tsize probe. */
const ASK_1432: TftpOptions = [
  ['blksize', '1432'],
  ['tsize', '0'],
];
const ASK_1468: TftpOptions = [
  ['blksize', '1468'],
  ['tsize', '0'],
];

type ServerStyle = 'dnsmasq' | 'isc' | 'windows';

interface Client {
  mac: Bytes;
  macText: string;
  uuid: string;
  arch: number;
  ip: string;
  remote: boolean;
}

/** A PXE boot from the first DHCPDISCOVER to the last TFTP packet. */
export function* pxeBoot(
  site: PxeSite,
  rng: Rng,
  t0: number,
  stats: PxeStats,
  forced?: BootKind,
): Generator<TimedFrame, void, undefined> {
  const kind = forced ?? rng.weighted(BOOT_WEIGHTS);
  stats.boots[kind]++;
  const remote = kind === 'relayed';
  const macBytes = Uint8Array.of(
    rng.pick([0x00, 0x3c, 0x52, 0xa4]),
    rng.int(0, 255),
    rng.int(0, 255),
    rng.int(0, 255),
    rng.int(0, 255),
    rng.int(0, 255),
  );
  macBytes[0] = (macBytes[0] as number) & 0xfc;
  const hex = Array.from(macBytes, (b) => b.toString(16).padStart(2, '0'));
  const client: Client = {
    mac: macBytes,
    macText: hex.join(':'),
    uuid: [8, 4, 4, 4, 12]
      .map((n) => Array.from({ length: n }, () => rng.int(0, 15).toString(16)).join(''))
      .join('-'),
    arch: kind === 'uefi-edk2' ? 7 : kind === 'relayed' ? rng.pick([0, 7]) : 0,
    ip: site.allocate(remote),
    remote,
  };
  const vlans: VlanTag[] = !remote && rng.chance(0.2) ? [{ id: 50 }] : [];
  const style: ServerStyle =
    kind === 'proxydhcp' ? 'dnsmasq' : rng.pick(['dnsmasq', 'isc', 'windows'] as const);
  const server = site.server;
  const clientIp = ipv4(client.ip);
  const clientHost = { mac: client.mac, ip: clientIp };
  let t = t0;
  let clientIpId = rng.int(0, 0xffff);
  let serverIpId = rng.int(0, 0xffff);

  const udp = (
    fromClient: boolean,
    srcIp: Bytes,
    dstIp: Bytes,
    sport: number,
    dport: number,
    payload: Buffer,
    dstMac: Bytes,
    srcMac?: Bytes,
    peer: Node = server,
  ): Buffer =>
    udpFrame({
      srcMac: srcMac ?? (fromClient ? (remote ? site.router.mac : client.mac) : peer.mac),
      dstMac,
      src: srcIp,
      dst: dstIp,
      srcPort: sport,
      dstPort: dport,
      payload,
      vlans,
      ipId: fromClient ? clientIpId++ & 0xffff : serverIpId++ & 0xffff,
      ttl: fromClient && remote ? 63 : 64,
    });

  const dhcp = (frame: Buffer): TimedFrame => {
    stats.dhcpFrames++;
    stats.pxeFrames++;
    return { t: Math.round(t), frame };
  };
  const tftp = (frame: Buffer): TimedFrame => {
    stats.tftpFrames++;
    stats.pxeFrames++;
    return { t: Math.round(t), frame };
  };
  const other = (frame: Buffer): TimedFrame => {
    stats.pxeFrames++;
    return { t: Math.round(t), frame };
  };

  const ipxe = { active: false };
  const vendorClass = (): string =>
    ipxe.active
      ? pxeClientClass(client.arch, 2, 1)
      : client.arch === 7
        ? pxeClientClass(7, 3, 16)
        : pxeClientClass(0, 2, 1);
  const clientOptions = (type: number, extra: DhcpOption[]): DhcpOption[] => [
    opt.messageType(type),
    opt.u16(57, ipxe.active ? 1472 : 1464),
    opt.arch(client.arch),
    opt.ndi(ipxe.active ? 2 : 3, ipxe.active ? 1 : 16),
    opt.str(60, vendorClass()),
    ...(ipxe.active
      ? [opt.str(77, 'iPXE'), opt.bytes(175, [0xb1, 0x05, 0x01, 0x80, 0x86, 0x10, 0x0e, 0xeb, 0x01, 0x01])]
      : []),
    ...extra,
    opt.bytes(55, ipxe.active ? IPXE_PRL : PRL),
    ...(ipxe.active ? [opt.clientIdMac(client.macText)] : []),
    opt.clientUuid(client.uuid),
  ];
  const broadcastFlag = (): number => (ipxe.active ? 0 : 0x8000);

  const bootFileFor = (): string => {
    if (ipxe.active) return client.arch === 7 ? 'boot-efi.ipxe' : 'boot.ipxe';
    if (kind === 'ipxe-chain') return client.arch === 7 ? 'ipxe.efi' : 'undionly.kpxe';
    if (client.arch === 7)
      return style === 'windows'
        ? 'boot\\x64\\wdsmgfw.efi'
        : rng.pick(['bootx64.efi', 'shimx64.efi', 'grubx64.efi']);
    return 'pxelinux.0';
  };

  const serverReply = (
    type: number,
    xid: number,
    secs: number,
    file: string | null,
    from: Node,
    giaddr?: string,
  ): Buffer => {
    const withBoot = file !== null;
    const opts: DhcpOption[] = [opt.messageType(type), opt.ip(54, from.ipText), opt.u32(51, 3600)];
    if (style === 'dnsmasq') opts.push(opt.u32(58, 1800), opt.u32(59, 3150));
    opts.push(
      opt.ip(1, client.remote ? '255.255.255.0' : '255.255.255.0'),
      opt.ip(3, client.remote ? site.relayIp : site.router.ipText),
    );
    if (style !== 'dnsmasq') opts.push(opt.ip(6, '192.168.50.53'), opt.str(15, 'lab.example'));
    if (withBoot && style !== 'isc') {
      if (style === 'windows') opts.push(opt.str(66, server.ipText));
      opts.push(opt.str(67, file));
    }
    if (withBoot && style === 'windows') opts.push(opt.str(60, 'PXEClient'));
    return dhcpMessage({
      op: BOOTREPLY,
      xid,
      secs: style === 'isc' ? 0 : secs,
      flags: broadcastFlag(),
      chaddr: client.mac,
      yiaddr: clientIp,
      siaddr: withBoot ? server.ip : undefined,
      giaddr: giaddr ? ipv4(giaddr) : undefined,
      hops: giaddr ? 1 : 0,
      file: withBoot && style !== 'dnsmasq' ? file : undefined,
      options: opts,
    });
  };

  /** DHCP DISCOVER/OFFER/REQUEST/ACK; returns the boot file offered, or null when nobody answered. */
  function* dora(withBootFile: boolean): Generator<TimedFrame, string | null, undefined> {
    const xid = rng.u32();
    let secs = ipxe.active ? 4 : 0;
    const giaddr = client.remote ? site.relayIp : undefined;
    const relay82 = opt.bytes(82, [1, 8, ...Buffer.from('Gi1/0/12'), 2, 6, ...client.mac]);
    const fromClient = (payload: Buffer): Buffer =>
      client.remote
        ? udp(true, ipv4(site.relayIp), server.ip, 67, 67, payload, server.mac, site.router.mac)
        : udp(true, ipv4('0.0.0.0'), ipv4('255.255.255.255'), 68, 67, payload, mac(BROADCAST_MAC));
    const toClient = (payload: Buffer, from: Node = server): Buffer => {
      if (client.remote)
        return udp(false, server.ip, ipv4(site.relayIp), 67, 67, payload, site.router.mac, server.mac);
      const bcast = broadcastFlag() !== 0;
      return udp(
        false,
        from.ip,
        bcast ? ipv4('255.255.255.255') : clientIp,
        67,
        68,
        payload,
        bcast ? mac(BROADCAST_MAC) : client.mac,
        from.mac,
        from,
      );
    };
    /** A DISCOVER or REQUEST as the server receives it (through the relay, which adds option 82). */
    const clientMessage = (type: number, extra: DhcpOption[]): Buffer =>
      dhcpMessage({
        op: BOOTREQUEST,
        xid,
        secs,
        flags: broadcastFlag(),
        chaddr: client.mac,
        giaddr: giaddr ? ipv4(giaddr) : undefined,
        hops: giaddr ? 1 : 0,
        options: [...clientOptions(type, extra), ...(giaddr ? [relay82] : [])],
        minLength: ipxe.active ? 300 : 548,
      });
    const discover = (): Buffer => clientMessage(DHCPDISCOVER, []);
    /** The proxy's own replies carry PXE options only: no address, the boot servers in option 43. */
    const proxyReply = (
      type: number,
      replyXid: number,
      vendor: Parameters<typeof pxeVendorOptions>[0],
      fields: { flags?: number; file?: string },
    ): Buffer =>
      dhcpMessage({
        op: BOOTREPLY,
        xid: replyXid,
        secs,
        chaddr: client.mac,
        siaddr: server.ip,
        ...fields,
        options: [
          opt.messageType(type),
          opt.ip(54, server.ipText),
          opt.str(60, 'PXEClient'),
          opt.clientUuid(client.uuid),
          [43, pxeVendorOptions(vendor)],
        ],
      });

    if (kind === 'no-offer') {
      for (const wait of [4, 8, 16, 32]) {
        yield dhcp(fromClient(discover()));
        t += wait * S + rng.int(0, 50) * MS;
        secs += wait;
      }
      return null;
    }
    yield dhcp(fromClient(discover()));
    const file = withBootFile ? bootFileFor() : null;
    if (kind === 'proxydhcp' && !ipxe.active) {
      // The proxy answers at once with PXE options only; the address server after its ping check.
      t += rng.int(200, 600) * US;
      const proxyOffer = proxyReply(
        DHCPOFFER,
        xid,
        {
          discoveryControl: 3,
          bootServers: [{ type: 0x8000, ips: [server.ipText] }],
          menu: [{ type: 0x8000, text: 'Network boot (pxelinux)' }],
          prompt: { timeout: 1, text: 'PXE boot' },
        },
        { flags: 0x8000 },
      );
      const broadcastProxyOffer = (): TimedFrame =>
        dhcp(udp(false, server.ip, ipv4('255.255.255.255'), 67, 68, proxyOffer, mac(BROADCAST_MAC)));
      yield broadcastProxyOffer();
      t += rng.int(800, 1200) * MS;
      secs += 4;
      yield dhcp(fromClient(discover()));
      t += rng.int(200, 600) * US;
      yield broadcastProxyOffer();
      t += rng.int(1500, 2000) * MS;
      yield dhcp(toClient(serverReply(DHCPOFFER, xid, secs, null, site.dhcpOnly), site.dhcpOnly));
    } else {
      if (rng.chance(0.3)) {
        // dnsmasq-style ping check before offering: the client repeats its DISCOVER meanwhile.
        t += rng.int(900, 1100) * MS;
        secs += 4;
        yield dhcp(fromClient(discover()));
        t += rng.int(1800, 2100) * MS;
      } else t += rng.int(300, 3000) * US;
      yield dhcp(toClient(serverReply(DHCPOFFER, xid, secs, file, server, giaddr)));
    }
    t += rng.int(1, 900) * MS;
    const serverId = kind === 'proxydhcp' && !ipxe.active ? site.dhcpOnly.ipText : server.ipText;
    yield dhcp(fromClient(clientMessage(DHCPREQUEST, [opt.ip(50, client.ip), opt.ip(54, serverId)])));
    t += rng.int(300, 1500) * US;
    if (kind === 'proxydhcp' && !ipxe.active) {
      yield dhcp(toClient(serverReply(DHCPACK, xid, secs, null, site.dhcpOnly), site.dhcpOnly));
      // Boot server discovery: unicast REQUEST to the proxy's port 4011.
      t += rng.int(5, 40) * MS;
      if (!client.remote) yield* arpFor(server);
      const bsRequest = dhcpMessage({
        op: BOOTREQUEST,
        xid: 0,
        secs,
        chaddr: client.mac,
        ciaddr: clientIp,
        options: [...clientOptions(DHCPREQUEST, []), [43, pxeBootItem(0x8000, 0)]],
        minLength: 548,
      });
      yield dhcp(udp(true, clientIp, server.ip, 68, 4011, bsRequest, server.mac));
      t += rng.int(200, 800) * US;
      const bsAck = proxyReply(
        DHCPACK,
        0,
        { bootServers: [{ type: 0x8000, ips: [server.ipText] }] },
        { file: file ?? undefined },
      );
      yield dhcp(udp(false, server.ip, clientIp, 4011, 68, bsAck, client.mac));
      return file;
    }
    yield dhcp(toClient(serverReply(DHCPACK, xid, secs, file, server, giaddr)));
    if (!client.remote && rng.chance(0.7)) {
      // Gratuitous ARP for the new address, from the ROM's own stack (no padding).
      t += rng.int(1, 5) * MS;
      yield other(arpRequestFrame(clientHost, clientIp, { vlans, pad: false }));
    }
    return file;
  }

  function* arpFor(target: Node): Generator<TimedFrame, void, undefined> {
    yield other(arpRequestFrame(clientHost, target.ip, { vlans, pad: true }));
    t += rng.int(20, 300) * US;
    yield other(arpReplyFrame(target, clientHost, { vlans, pad: false }));
    t += rng.int(20, 300) * US;
  }

  /** iPXE, once loaded, does DHCP again as iPXE and fetches the script it is given. */
  function* ipxeChain(): Generator<TimedFrame, void, undefined> {
    ipxe.active = true;
    const script = yield* dora(true);
    if (script) yield* transfer({ file: script, size: size(200, 900), ask: ASK_1432 });
  }

  interface TransferSpec {
    file: string;
    size: number;
    /** Options the client asks for, in its order. */
    ask: TftpOptions;
    /** Server ignores blksize (answers with 512-byte blocks). */
    noBlksize?: boolean;
    /** Server refuses windowsize. */
    noWindow?: boolean;
    outcome?: 'ok' | 'not-found' | 'tsize-probe' | 'stall';
  }

  const dataCache = new Map<number, Buffer>();
  const blockBytes = (len: number): Buffer => {
    let b = dataCache.get(len);
    if (!b) {
      b = rng.bytes(len);
      dataCache.set(len, b);
    }
    return b;
  };

  /** One TFTP read from RRQ to the last ACK; returns false when the file was not delivered. */
  function* transfer(spec: TransferSpec): Generator<TimedFrame, boolean, undefined> {
    const cPort = rng.int(1024, 65535);
    const sPort = rng.int(32768, 60999);
    const toServer = (payload: Buffer): Buffer =>
      udp(true, clientIp, server.ip, cPort, sPort, payload, server.mac);
    const toClient = (payload: Buffer): Buffer =>
      udp(false, server.ip, clientIp, sPort, cPort, payload, client.remote ? site.router.mac : client.mac);
    yield tftp(udp(true, clientIp, server.ip, cPort, 69, tftpRrq(spec.file, spec.ask), server.mac));
    t += rng.int(100, 400) * US;
    if (spec.outcome === 'not-found') {
      const msg =
        style === 'dnsmasq' ? `file /srv/tftp/${spec.file} not found for ${client.ip}` : 'File not found';
      yield tftp(toClient(tftpError(TFTP_ERR_NOT_FOUND, msg)));
      t += rng.int(100, 400) * US;
      return false;
    }
    const asked = new Map(spec.ask.map(([n, v]) => [n.toLowerCase(), v]));
    const accepted: [string, string][] = [];
    for (const [name] of spec.ask) {
      const n = name.toLowerCase();
      if (n === 'blksize' && !spec.noBlksize) accepted.push([name, asked.get(n) ?? '512']);
      if (n === 'tsize') accepted.push([name, String(spec.size)]);
      if (n === 'windowsize' && !spec.noWindow) accepted.push([name, asked.get(n) ?? '1']);
    }
    const blk = accepted.some(([n]) => n === 'blksize') ? Number(asked.get('blksize')) : 512;
    const window = accepted.some(([n]) => n === 'windowsize') ? Number(asked.get('windowsize')) : 1;
    if (accepted.length > 0) {
      yield tftp(toClient(tftpOack(accepted)));
      t += rng.int(100, 600) * US;
      if (spec.outcome === 'tsize-probe') {
        yield tftp(toServer(tftpError(TFTP_ERR_OPTION, 'User aborted the transfer')));
        t += rng.int(2, 8) * MS;
        return true;
      }
      yield tftp(toServer(tftpAck(0)));
      t += rng.int(20, 120) * US;
    }
    const blocks = Math.floor(spec.size / blk) + 1;
    const stallAt = spec.outcome === 'stall' ? rng.int(1, Math.min(blocks, 40)) : -1;
    for (let b = 1; b <= blocks; b++) {
      const len = b < blocks ? blk : spec.size % blk;
      const data = tftpData(b, blockBytes(len));
      yield tftp(toClient(data));
      if (b === stallAt) {
        for (let retry = 0; retry < 5; retry++) {
          t += 1 * S + rng.int(0, 20) * MS;
          yield tftp(toClient(data));
        }
        t += rng.int(1, 3) * S;
        return false;
      }
      if (b % window === 0 || b === blocks) {
        t += rng.int(40, 180) * US;
        yield tftp(toServer(tftpAck(b)));
        t += rng.int(15, 90) * US;
      } else t += rng.int(8, 30) * US;
    }
    return true;
  }

  const size = (min: number, max: number): number => rng.int(min, max);

  // --- The boot itself ---
  const file = yield* dora(true);
  if (file === null) return;
  t += rng.int(2, 30) * MS;
  if (!client.remote && kind !== 'proxydhcp') yield* arpFor(server);

  if (kind === 'file-not-found') {
    // The ROM tries once more after a pause, then gives up.
    yield* transfer({ file, size: 0, ask: ASK_1432, outcome: 'not-found' });
    t += rng.int(1, 3) * S;
    yield* transfer({ file, size: 0, ask: ASK_1432, outcome: 'not-found' });
    return;
  }
  if (kind === 'tftp-stall') {
    yield* transfer({ file, size: size(300_000, 900_000), ask: ASK_1468, outcome: 'stall' });
    return;
  }
  if (client.arch === 7) {
    // EDK2: tsize probe, then the download with windowsize 4.
    const nbp = size(300_000, 950_000);
    const noWindow = rng.chance(0.5);
    yield* transfer({
      file,
      size: nbp,
      ask: [
        ['tsize', '0'],
        ['blksize', '1468'],
        ['windowsize', '4'],
      ],
      noWindow,
      outcome: 'tsize-probe',
    });
    yield* transfer({
      file,
      size: nbp,
      ask: [
        ['blksize', '1468'],
        ['windowsize', '4'],
      ],
      noWindow,
    });
    t += rng.int(200, 800) * MS;
    if (kind === 'ipxe-chain') {
      yield* ipxeChain();
      return;
    }
    const macCfg = `grub.cfg-01-${client.macText.replace(/:/g, '-')}`;
    const ipHex = Buffer.from(clientIp).toString('hex').toUpperCase();
    for (const miss of [macCfg, `grub.cfg-${ipHex}`, `grub.cfg-${ipHex.slice(0, 6)}`]) {
      yield* transfer({ file: `grub/${miss}`, size: 0, ask: ASK_1468, outcome: 'not-found' });
      t += rng.int(1, 5) * MS;
    }
    yield* transfer({ file: 'grub/grub.cfg', size: size(800, 3000), ask: ASK_1468 });
    t += rng.int(50, 400) * MS;
    yield* transfer({ file: 'images/vmlinuz', size: size(250_000, 700_000), ask: ASK_1468 });
    return;
  }
  if (kind === 'ipxe-chain') {
    yield* transfer({
      file,
      size: size(68_000, 72_000),
      ask: [
        ['tsize', '0'],
        ['blksize', '1456'],
      ],
    });
    t += rng.int(300, 1500) * MS;
    yield* ipxeChain();
    return;
  }
  // pxelinux: NBP, ldlinux, configuration search, menu, a kernel-sized image.
  const legacyRom = kind === 'proxydhcp' || rng.chance(0.3);
  yield* transfer({
    file,
    size: size(42_000, 47_000),
    ask: legacyRom ? [['tsize', '0']] : ASK_1432,
    noBlksize: legacyRom,
  });
  t += rng.int(20, 60) * MS;
  const ask: TftpOptions = [
    ['tsize', '0'],
    ['blksize', '1408'],
  ];
  yield* transfer({ file: 'ldlinux.c32', size: size(118_000, 123_000), ask });
  const guid = client.uuid;
  const hexIp = Buffer.from(clientIp).toString('hex').toUpperCase();
  const candidates = [`pxelinux.cfg/${guid}`, `pxelinux.cfg/01-${client.macText.replace(/:/g, '-')}`];
  for (let i = 8; i >= 1; i--) candidates.push(`pxelinux.cfg/${hexIp.slice(0, i)}`);
  for (const c of candidates) {
    yield* transfer({ file: c, size: 0, ask, outcome: 'not-found' });
    t += rng.int(100, 400) * US;
  }
  yield* transfer({ file: 'pxelinux.cfg/default', size: size(300, 1500), ask });
  t += rng.int(2, 10) * MS;
  yield* transfer({ file: 'menu.c32', size: size(25_000, 27_000), ask });
  yield* transfer({ file: 'libutil.c32', size: size(23_000, 25_000), ask });
  t += rng.int(1, 4) * S;
  yield* transfer({
    file: rng.pick(['memtest86+.bin', 'images/rescue/vmlinuz', 'ipxe.lkrn']),
    size: size(180_000, 650_000),
    ask,
  });
}
