/**
 * A live server on a segment as the replay target (`replay --interface IF`): the client's requests go out as
 * layer-2 frames through libpcap, from the client's MAC, and the server's answers are read back the same way.
 * The client's address, once ACKed, is answered for in ARP so the unicast answers (4011, TFTP) arrive; the
 * 4011 request and the TFTP reads go from that address. With `giaddr` it poses as a relay agent instead:
 * broadcasts go unicast from giaddr:67 to the DHCP server with giaddr set, as dhcptest --giaddr does. At the
 * end each lease it got is RELEASEd, and the frames sent and received can be written as pcapng.
 */
import { randomInt } from 'node:crypto';
import { PcapngWriter, SyncCaptureFile } from '../capture/writer.js';
import { L2Host, type PosedStation } from '../net/l2-host.js';
import type { FrameLink } from '../net/link.js';
import { openPcapLink } from '../net/pcap.js';
import { decodeDhcp, dhcpMessageFromFields, encodeDhcp, serverId } from '../protocol/dhcp/index.js';
import { OtherDhcpServerError } from '../server/net/errors.js';
import { randomLocalMac } from '../server/net/probe.js';
import { patchClientMac, patchRelay, requestMac } from './patch.js';
import { serverIdOf, type ClientScript } from './script.js';
import type { DhcpSend, ReceivedDhcp, ReplayTarget, TftpRead } from './target.js';
import { playTftpRead } from './tftp-target.js';
import type { TftpAnswer } from '../report/replay-model.js';

/** Which MAC the replayed client uses. */
export type MacChoice = { kind: 'captured' } | { kind: 'given'; mac: string } | { kind: 'random' };

export interface LiveDhcpOptions {
  iface: string;
  mac: MacChoice;
  /** Pose as a relay agent with this address; the requests go to `relayTo`. */
  giaddr?: string;
  /** The DHCP servers a relay forwards to (its helper addresses). */
  relayTo?: readonly string[];
  /** How long a request waits for its first answer, ms, resending on the way (default 6000). */
  waitMs?: number;
  /** Write every frame sent and received here as pcapng. */
  record?: string | null;
  /** RELEASE the leases at the end (default true). */
  release?: boolean;
  /** Go on when several DHCP servers offer addresses. */
  force?: boolean;
  /** A link to use instead of opening the interface (tests: an in-memory segment). */
  link?: FrameLink;
  /** TFTP: per-packet wait, ms (default 1000), and retransmissions (default 3). */
  tftpTimeoutMs?: number;
  tftpRetries?: number;
}

/** Replies to a client (68) or a relay (67), from a DHCP server or a boot service; ARP for the addresses. */
export const LIVE_FILTER = 'arp or (udp and (src port 67 or src port 4011 or dst portrange 49152-65535))';

/** After the decisive answer, more answers may come (another server's offer, a proxy's): wait this long. */
const SETTLE_DISCOVER_MS = 500;
const SETTLE_MS = 200;
/** The first resend after 1 s, then each gap doubles, as PXE ROMs do. */
const FIRST_RESEND_MS = 1000;

interface Lease {
  mac: string;
  ip: string;
  server: string;
  /** The client identifier (61) the client sent, to send it again in the RELEASE. */
  clientId: Uint8Array | null;
}

const ZERO = '0.0.0.0';
const BROADCAST = '255.255.255.255';

function clientIdOf(bytes: Uint8Array): Uint8Array | null {
  const msg = decodeDhcp(bytes);
  return msg.options.find((o) => o.code === 61)?.raw.slice() ?? null;
}

export class LiveDhcpTarget implements ReplayTarget {
  readonly description: string;
  private readonly host: L2Host;
  private readonly file: SyncCaptureFile | null;
  private readonly macs = new Map<string, string>();
  private readonly leases = new Map<string, Lease>();
  private readonly relayMac = randomLocalMac();
  private closed = false;

  private constructor(
    private readonly o: LiveDhcpOptions,
    private readonly link: FrameLink,
  ) {
    this.description = `live server on ${o.iface}${o.giaddr !== undefined ? ` (as a relay with giaddr ${o.giaddr})` : ''}`;
    this.file =
      o.record == null
        ? null
        : new SyncCaptureFile(
            o.record,
            new PcapngWriter({ interfaceName: o.iface, application: 'pxe-doctor replay', snapLen: 65535 }),
          );
    const file = this.file;
    this.host = new L2Host(link, {
      record:
        file === null
          ? undefined
          : (data, ts) => file.write({ data, seconds: ts.seconds, nanos: ts.fraction }),
    });
    if (o.giaddr !== undefined) this.host.claim(o.giaddr, this.relayMac);
  }

  /** Opens the interface (InterfaceError, exit 4, when it cannot). */
  static open(o: LiveDhcpOptions): LiveDhcpTarget {
    const link = o.link ?? openPcapLink(o.iface, LIVE_FILTER);
    return new LiveDhcpTarget(o, link);
  }

  /** The MAC the client captured as `captured` plays with. */
  macFor(captured: string): string {
    let mac = this.macs.get(captured);
    if (mac === undefined) {
      const c = this.o.mac;
      mac = c.kind === 'captured' ? captured : c.kind === 'given' ? c.mac : randomLocalMac();
      this.macs.set(captured, mac);
      this.host.useMac(mac);
    }
    return mac;
  }

  async dhcp(send: DhcpSend): Promise<ReceivedDhcp[]> {
    const captured = requestMac(send.bytes);
    const mac = this.macFor(captured);
    let bytes = patchClientMac(send.bytes, captured, mac);
    const xid = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4);
    const type = decodeDhcp(bytes).messageType;
    const relayed = this.o.giaddr !== undefined && send.port === 67 && send.dst === BROADCAST;
    const from: PosedStation = relayed
      ? { mac: this.relayMac, ip: this.o.giaddr ?? ZERO }
      : { mac, ip: send.src };
    if (relayed) bytes = patchRelay(bytes, this.o.giaddr ?? ZERO);
    const targets = relayed ? [...(this.o.relayTo ?? [])] : [send.dst];
    const replyPort = relayed ? 67 : 68;

    if (type === 'RELEASE' || type === 'DECLINE') {
      // Nothing answers these: sent once, and a RELEASE gives the lease back (the end does not repeat it).
      await this.sendOnce(bytes, from, send.dst, send.port);
      if (type === 'RELEASE') this.forget(mac);
      return [];
    }
    const answers: ReceivedDhcp[] = [];
    const seen = new Set<string>();
    let decided: (() => void) | null = null;
    const stop = this.host.onUdp((d) => {
      if (d.dstPort !== replyPort || (d.srcPort !== 67 && d.srcPort !== 4011)) return;
      if (d.payload.length < 240 || d.payload[0] !== 2) return;
      const message = decodeDhcp(d.payload);
      if (message.xid !== xid) return;
      const key = `${serverId(message) ?? d.srcIp}|${message.messageType ?? ''}|${d.srcPort}`;
      if (seen.has(key)) return;
      seen.add(key);
      answers.push({ message, src: d.srcIp, srcPort: d.srcPort });
      if (type !== 'DISCOVER' || message.yiaddr !== ZERO) decided?.();
    });
    try {
      await this.exchange(
        bytes,
        from,
        targets,
        send.port,
        relayed ? 67 : 68,
        (resolve) => (decided = resolve),
        type === 'DISCOVER',
      );
    } finally {
      stop();
    }
    if (type === 'DISCOVER') this.checkOneServer(answers);
    for (const a of answers) this.learnLease(a, mac, bytes);
    return answers;
  }

  /**
   * Sends the request and resends it (1 s, then doubling) until the decisive answer came or the wait ran out;
   * after the decisive answer it listens a little longer for the others.
   */
  private async exchange(
    bytes: Uint8Array,
    from: PosedStation,
    targets: readonly string[],
    dstPort: 67 | 4011,
    srcPort: number,
    onDecided: (resolve: () => void) => void,
    discover: boolean,
  ): Promise<void> {
    const macs = new Map<string, string>();
    for (const t of targets) {
      const dstMac = await this.host.resolve(t, from);
      if (dstMac !== null) macs.set(t, dstMac);
    }
    if (macs.size === 0) return;
    const sendAll = (): void => {
      for (const [dstIp, dstMac] of macs)
        this.host.sendUdp({
          srcMac: from.mac,
          dstMac,
          srcIp: from.ip,
          dstIp,
          srcPort,
          dstPort,
          payload: bytes,
        });
    };
    const deadline = Date.now() + (this.o.waitMs ?? 6000);
    let gap = FIRST_RESEND_MS;
    let done = false;
    const decided = new Promise<void>((resolve) => onDecided(resolve));
    void decided.then(() => (done = true));
    while (!done && Date.now() < deadline) {
      sendAll();
      const wait = Math.min(gap, deadline - Date.now());
      gap *= 2;
      await Promise.race([decided, sleep(wait)]);
    }
    if (done) await sleep(discover ? SETTLE_DISCOVER_MS : SETTLE_MS);
  }

  private async sendOnce(
    bytes: Uint8Array,
    from: PosedStation,
    dstIp: string,
    dstPort: 67 | 4011,
  ): Promise<void> {
    const dstMac = await this.host.resolve(dstIp, from);
    if (dstMac !== null)
      this.host.sendUdp({
        srcMac: from.mac,
        dstMac,
        srcIp: from.ip,
        dstIp,
        srcPort: 68,
        dstPort,
        payload: bytes,
      });
  }

  /** The client gave its lease back: no longer answered for, not released again. */
  private forget(mac: string): void {
    const lease = this.leases.get(mac);
    if (lease === undefined) return;
    this.host.unclaim(lease.ip);
    this.leases.delete(mac);
  }

  /** Several servers offering addresses: going on would take a lease from one of them (as serve refuses). */
  private checkOneServer(answers: readonly ReceivedDhcp[]): void {
    if (this.o.force === true) return;
    const servers = [
      ...new Set(
        answers
          .filter((a) => a.message.messageType === 'OFFER' && a.message.yiaddr !== ZERO)
          .map((a) => serverId(a.message) ?? a.src),
      ),
    ];
    if (servers.length > 1)
      throw new OtherDhcpServerError(
        `several DHCP servers offer addresses on ${this.o.iface} (${servers.join(', ')}): a replay would take a lease from one of them; stopped before any REQUEST (--force to go on)`,
      );
  }

  /** An ACK of an address makes it the client's: answered for in ARP, released at the end. */
  private learnLease(a: ReceivedDhcp, mac: string, request: Uint8Array): void {
    const m = a.message;
    if (m.messageType !== 'ACK' || m.yiaddr === ZERO || a.srcPort !== 67) return;
    this.host.claim(m.yiaddr, mac);
    this.leases.set(mac, {
      mac,
      ip: m.yiaddr,
      server: serverId(m) ?? a.src,
      clientId: clientIdOf(request),
    });
  }

  async tftp(read: TftpRead): Promise<TftpAnswer> {
    const lease = [...this.leases.values()].find((l) => l.ip === read.client);
    // Without an address of its own the client cannot read: the server had nothing to answer.
    if (lease === undefined) return { answered: false, oack: null, error: null, size: null, sha256: null };
    return playTftpRead(read, {
      host: read.server,
      port: 69,
      timeoutMs: this.o.tftpTimeoutMs,
      retries: this.o.tftpRetries,
      link: this.host.datagramLink({ mac: lease.mac, ip: lease.ip }),
    });
  }

  /** RELEASEs the leases (unless told not to), then stops listening and closes the recording. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.o.release !== false) for (const lease of this.leases.values()) await this.release(lease);
    } finally {
      this.host.close();
      if (this.o.link === undefined) this.link.close();
      this.file?.close();
    }
  }

  /** The leases the replay holds now (for the report and tests). */
  heldLeases(): { mac: string; ip: string; server: string }[] {
    return [...this.leases.values()].map(({ mac, ip, server }) => ({ mac, ip, server }));
  }

  private async release(lease: Lease): Promise<void> {
    const station = { mac: lease.mac, ip: lease.ip };
    const dstMac = await this.host.resolve(lease.server, station);
    if (dstMac === null) return;
    const options = [{ code: 54, value: { kind: 'ip' as const, ip: lease.server } }];
    const message = dhcpMessageFromFields({
      xid: randomInt(1, 0xffffffff),
      chaddr: lease.mac,
      ciaddr: lease.ip,
      messageType: 'RELEASE',
      options: lease.clientId === null ? options : [...options, { code: 61, raw: lease.clientId }],
    });
    this.host.sendUdp({
      srcMac: lease.mac,
      dstMac,
      srcIp: lease.ip,
      dstIp: lease.server,
      srcPort: 68,
      dstPort: 67,
      payload: encodeDhcp(message),
    });
    this.forget(lease.mac);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The DHCP servers the captured clients got address offers from: where a relay forwards by default. */
export function capturedDhcpServers(clients: readonly ClientScript[]): string[] {
  const out = new Set<string>();
  for (const c of clients)
    for (const s of c.steps)
      if (s.kind === 'dhcp' && s.port === 67)
        for (const a of s.answers) if (a.message.yiaddr !== ZERO) out.add(serverIdOf(a));
  return [...out];
}
