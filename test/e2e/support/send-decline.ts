/**
 * Run inside a client namespace by serve-abuse.test.ts: sends one DHCPDECLINE (RFC 2131 §4.4.4) as a
 * layer-2 broadcast from MAC argv[3] for address argv[4], naming server argv[5], on interface argv[2].
 * Prints the xid it used.
 */
import { dhcpMessageFromFields, encodeDhcp } from '../../../src/protocol/dhcp/index.js';
import { udpFrames } from '../../../src/net/frames.js';
import { openPcapLink } from '../../../src/net/pcap.js';

const [iface, mac, address, server] = process.argv.slice(2);
const xid = 0x5d000000 + Math.floor(Math.random() * 0xffff);
const decline = dhcpMessageFromFields({
  xid,
  chaddr: mac,
  messageType: 'DECLINE',
  options: [
    { code: 50, value: { kind: 'ip', ip: address } },
    { code: 54, value: { kind: 'ip', ip: server } },
  ],
});
// A filter nothing matches: this program only sends.
const link = openPcapLink(iface, 'ether proto 0x88b5');
for (const f of udpFrames({
  srcMac: mac,
  dstMac: 'ff:ff:ff:ff:ff:ff',
  srcIp: '0.0.0.0',
  dstIp: '255.255.255.255',
  srcPort: 68,
  dstPort: 67,
  payload: encodeDhcp(decline),
  ipId: xid & 0xffff,
  mtu: 1500,
}))
  link.send(f);
link.close();
process.stdout.write(`${xid}\n`);
