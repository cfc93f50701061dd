/**
 * Run inside a client namespace by serve-load.test.ts: sends bit-flipped and truncated versions of the DHCP
 * requests of a real lab capture to 67 and 4011 as layer-2 broadcasts on the interface named by argv[2], and
 * prints how many it sent. Deterministic (seeded), bounded in count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { LINKTYPE_ETHERNET } from '../../../src/protocol/link.js';
import { udpFrames } from '../../../src/net/frames.js';
import { openPcapLink } from '../../../src/net/pcap.js';
import { parseDhcpFrame } from '../../../src/server/net/frames.js';
import { fixturesCapturesDir } from '../../support/fixtures.js';

const iface = process.argv[2];
const payloads: Uint8Array[] = [];
for (const lab of ['happy-ipxe', 'uefi-happy', 'proxydhcp']) {
  readCaptureBuffer(readFileSync(join(fixturesCapturesDir(), 'lab', lab, 'capture.pcapng')), {
    frame(f) {
      if (f.linkType !== LINKTYPE_ETHERNET) return;
      const r = parseDhcpFrame(f.data, 0);
      if (r.ok) {
        const u = f.data;
        // the UDP payload: after the 14-byte Ethernet, IP header and 8-byte UDP header
        const ihl = (u[14] & 0x0f) * 4;
        payloads.push(u.slice(14 + ihl + 8));
      }
    },
    warning() {},
  });
}

let seed = 12345;
const random = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};

const link = openPcapLink(iface, 'ether proto 0x88b5');
let sent = 0;
const send = (payload: Uint8Array, port: number): void => {
  for (const f of udpFrames({
    srcMac: '02:66:00:00:00:01',
    dstMac: 'ff:ff:ff:ff:ff:ff',
    srcIp: '0.0.0.0',
    dstIp: '255.255.255.255',
    srcPort: 68,
    dstPort: port,
    payload,
    ipId: sent & 0xffff,
    mtu: 1500,
  }))
    link.send(f);
  sent++;
};
for (let round = 0; round < 40; round++) {
  for (const p of payloads) {
    const flipped = p.slice();
    for (let k = 0; k < 1 + random(8); k++) flipped[random(flipped.length)] ^= 1 << random(8);
    send(flipped, round % 4 === 3 ? 4011 : 67);
    send(p.slice(0, random(p.length)), 67);
  }
}
send(new Uint8Array(0), 67);
link.close();
process.stdout.write(`${sent}\n`);
