import { captureLossOf, lossText } from '../capture-loss.js';
import { finding, listText } from '../format.js';
import type { Finding, Rule, RuleContext, RuleDoc } from '../types.js';

const doc: RuleDoc = {
  id: 'capture.kernel-drops',
  severity: 'warn',
  group: 'capture',
  title: 'The capture lost packets',
  detects:
    "The capture's own statistics count dropped packets: pcapng Interface Statistics Blocks (isb_ifdrop: " +
    'dropped by the interface or the capture buffer, dumpcap counts its own drops here; isb_osdrop: dropped ' +
    "by the operating system), Enhanced Packet Block drop counts (epb_dropcount), or the live backend's " +
    'counter. Every finding that rests on a packet *not* seen (no offer, no answer, silence, timeouts) then ' +
    'says it may be a capture loss and puts a new capture first in its fix, and a client whose failure could ' +
    'be explained by it gets the verdict unknown.',
  ignores:
    'Captures whose statistics count no drop, and formats without statistics (classic pcap): those give no ' +
    'evidence either way. Packets lost on the network are not capture drops (see the TFTP rules).',
  clientMessages: [],
  fix:
    'Capture again with a bigger buffer (dumpcap/tshark -B 64, tcpdump -B 65536), a capture filter that keeps ' +
    'only the boot traffic (udp port 67 or 68 or 69 or 4011 plus the TFTP data ports, arp, icmp), to a fast ' +
    'local disk, and not on a busy mirror port. The DHCP/TFTP server settings (dnsmasq, ISC dhcpd, Kea) are not ' +
    'involved.',
};

function check(ctx: RuleContext): Finding[] {
  const loss = captureLossOf(ctx.analysis);
  if (loss === null) return [];
  const parts: string[] = [];
  if (loss.ifDropped !== null && loss.ifDropped > 0)
    parts.push(`${loss.ifDropped} by the interface/buffer (isb_ifdrop)`);
  if (loss.osDropped !== null && loss.osDropped > 0) parts.push(`${loss.osDropped} by the OS (isb_osdrop)`);
  if (loss.packetDrops !== null && loss.packetDrops > 0)
    parts.push(`${loss.packetDrops} counted on packets (epb_dropcount)`);
  const where = loss.interfaces.length > 0 ? ` on ${listText(loss.interfaces)}` : '';
  const detail = parts.length > 0 ? `: ${listText(parts)}` : '';
  return [
    finding(doc, {
      message:
        `By its own statistics ${lossText(loss)}${where}${detail}. ` +
        'A missing reply, request or DATA block in this report may have been on the wire and lost by the capture.',
      frames: [],
      client: null,
      pxeError: null,
      hint: doc.fix,
      t: null,
    }),
  ];
}

export const captureKernelDrops: Rule = { ...doc, checkCapture: check };
