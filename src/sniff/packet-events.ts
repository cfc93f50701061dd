/**
 * Boot events that a single decoded packet shows, at once: a client starting a DHCP round (and who it is),
 * each server's offer, ACK or NAK, a port 4011 exchange, a TFTP read request. Retransmissions repeat no
 * event. How transfers end and what the boot's verdict is come from the analysis (see live.ts), which needs
 * more than one packet to know.
 */
import { BoundedSet } from '../analysis/bounded-set.js';
import { dhcpEvent, isIpxeEvent } from '../analysis/dhcp-facts.js';
import type { DhcpEvent } from '../analysis/types.js';
import { bootFile, bootValues, tftpServer } from '../protocol/dhcp/facts.js';
import { archName } from '../protocol/dhcp/options/arch.js';
import type { DecodedPacket } from '../protocol/packet.js';
import type { SniffEvent } from '../report/sniff-events.js';

/** Events told once: their keys are remembered (the oldest forgotten first). */
const MAX_TOLD_KEYS = 20000;

export class PacketEvents {
  private readonly seen = new BoundedSet<string>(MAX_TOLD_KEYS);

  constructor(
    private readonly emit: (e: SniffEvent, p: DecodedPacket) => void,
    /** Whether a message from this client now begins a new boot session (Analyzer.startsSession). */
    private readonly startsBoot: (mac: string, p: DecodedPacket) => boolean = () => true,
  ) {}

  push(p: DecodedPacket): void {
    if (p.protocol === 'dhcp') this.dhcp(p, dhcpEvent(p, 0));
    else if (p.tftp.opcode === 'RRQ' || p.tftp.opcode === 'WRQ') {
      const file = p.tftp.filename ?? '';
      if (!this.seen.add(`tftp ${p.src}:${p.srcPort} ${p.dst} ${file}`)) return;
      this.emit(
        {
          event: 'tftp-start',
          client: p.src,
          mac: p.srcMac ?? null,
          server: p.dst,
          file,
          options: p.tftp.options ?? {},
        },
        p,
      );
    }
  }

  private dhcp(p: DecodedPacket & { protocol: 'dhcp' }, e: DhcpEvent): void {
    const mac = p.dhcp.chaddr;
    const xid = p.dhcp.xid;
    const type = e.messageType;
    const client = (t: string): void => {
      if (!this.seen.add(`client ${mac} ${xid} ${e.port4011 ? 4011 : 67}`)) return;
      this.emit(
        {
          event: 'client',
          mac,
          xid,
          type: t,
          port4011: e.port4011,
          arch: e.arch,
          archName: e.arch.length > 0 ? archName(e.arch[0] ?? 0) : null,
          vendorClass: e.vendorClass,
          userClass: e.userClass,
          ipxe: isIpxeEvent(e),
          boot: this.startsBoot(mac, p),
        },
        p,
      );
    };
    if (e.op === 1) {
      if (type === 'DISCOVER' || (type === 'REQUEST' && e.port4011)) client(type);
      // A client that starts with REQUEST (INIT-REBOOT, iPXE after a reset) is seen there.
      else if (type === 'REQUEST') client(type);
      return;
    }
    const server = e.serverId ?? e.src;
    if (type === 'OFFER' || type === 'ACK') {
      if (!this.seen.add(`${type} ${mac} ${xid} ${server} ${e.port4011 ? 4011 : 67}`)) return;
      const boot = bootValues(p.dhcp);
      this.emit(
        {
          event: type === 'OFFER' ? 'offer' : 'ack',
          mac,
          xid,
          server,
          address: e.yiaddr !== '0.0.0.0' && !e.port4011 ? e.yiaddr : null,
          bootFile: bootFile(boot)?.value ?? null,
          tftpServer: tftpServer(boot)?.server ?? null,
          proxy: e.proxy,
          port4011: e.port4011,
        },
        p,
      );
    } else if (type === 'NAK') {
      if (!this.seen.add(`NAK ${mac} ${xid} ${server}`)) return;
      this.emit({ event: 'nak', mac, xid, server, message: e.message }, p);
    }
  }
}
