/**
 * The server edge's frames: what goes on the wire for each DhcpDestination kind (broadcast, unicast to
 * chaddr without ARP, relay, 4011 boot-service answer), decoded back with the project's decoders, and what
 * the receive path makes of a real client's frames from a lab capture.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { readFileSync } from 'node:fs';
import { toIpNumber } from '../../../src/protocol/addr.js';
import {
  buildDhcpReply,
  decodeDhcp,
  dhcpMessageFromFields,
  encodeDhcp,
} from '../../../src/protocol/dhcp/index.js';
import { decodeIpv4Header, ipv4HeaderChecksumOk } from '../../../src/protocol/ipv4.js';
import { LINKTYPE_ETHERNET } from '../../../src/protocol/link.js';
import { decodeUdpHeader, verifyUdpChecksum } from '../../../src/protocol/udp.js';
import type { DhcpDestination, DhcpOutbound } from '../../../src/server/dhcp/types.js';
import { parseUdpFrame, udpFrames } from '../../../src/net/frames.js';
import { dhcpReplyFrames, dhcpServerFilter, parseDhcpFrame } from '../../../src/server/net/frames.js';
import { fixturesCapturesDir } from '../../support/fixtures.js';

const SERVER = { mac: '02:00:00:00:00:01', address: '10.99.1.1', mtu: 1500 };
const CLIENT_MAC = '52:54:00:12:34:56';

function discover(extra: { giaddr?: string; broadcast?: boolean } = {}) {
  return dhcpMessageFromFields({
    xid: 0x1234abcd,
    chaddr: CLIENT_MAC,
    messageType: 'DISCOVER',
    giaddr: extra.giaddr,
    broadcast: extra.broadcast,
    options: [{ code: 60, raw: new TextEncoder().encode('PXEClient:Arch:00000:UNDI:002001') }],
  });
}

function reply(to: DhcpDestination, srcPort: 67 | 4011 = 67, file = 'undionly.kpxe'): DhcpOutbound {
  const message = buildDhcpReply(discover(), {
    messageType: 'OFFER',
    yiaddr: '10.99.1.100',
    siaddr: SERVER.address,
    serverId: SERVER.address,
    file,
  });
  return { message, srcPort, to };
}

/** Decodes a frame the way a receiver would and checks both checksums. */
function onWire(frame: Uint8Array) {
  const dstMac = Array.from(frame.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
  const srcMac = Array.from(frame.subarray(6, 12), (b) => b.toString(16).padStart(2, '0')).join(':');
  assert.equal((frame[12] << 8) | frame[13], 0x0800);
  assert.ok(ipv4HeaderChecksumOk(frame, 14), 'IPv4 header checksum');
  const ip = decodeIpv4Header(frame, 14);
  const udp = decodeUdpHeader(frame, ip.payloadOffset, ip.payloadEnd);
  assert.equal(verifyUdpChecksum(ip.src, ip.dst, frame, ip.payloadOffset), 'ok', 'UDP checksum');
  const dhcp = decodeDhcp(frame.subarray(udp.payloadOffset, udp.payloadEnd));
  return { dstMac, srcMac, ip, udp, dhcp };
}

describe('edge frames: each destination kind', () => {
  it('broadcast: ff:ff:ff:ff:ff:ff and 255.255.255.255, 67 -> 68', () => {
    const frames = dhcpReplyFrames(
      reply({ ip: '255.255.255.255', port: 68, mac: 'ff:ff:ff:ff:ff:ff', broadcast: true }),
      SERVER,
      7,
    );
    assert.equal(frames.length, 1);
    const w = onWire(frames[0]);
    assert.equal(w.dstMac, 'ff:ff:ff:ff:ff:ff');
    assert.equal(w.srcMac, SERVER.mac);
    assert.equal(w.ip.src, toIpNumber('10.99.1.1'));
    assert.equal(w.ip.dst, toIpNumber('255.255.255.255'));
    assert.equal(w.ip.id, 7);
    assert.equal(w.ip.ttl, 64);
    assert.deepEqual([w.udp.srcPort, w.udp.dstPort], [67, 68]);
    assert.equal(w.dhcp.messageType, 'OFFER');
    assert.equal(w.dhcp.xid, 0x1234abcd);
    assert.equal(w.dhcp.file, 'undionly.kpxe');
    // padded to the BOOTP minimum of 300 bytes, as dnsmasq does
    assert.ok(w.udp.payloadEnd - w.udp.payloadOffset >= 300);
  });

  it('broadcast flag wins even when the engine named an address', () => {
    const frames = dhcpReplyFrames(
      reply({ ip: '10.99.1.100', port: 68, mac: CLIENT_MAC, broadcast: true }),
      SERVER,
      1,
    );
    const w = onWire(frames[0]);
    assert.equal(w.dstMac, 'ff:ff:ff:ff:ff:ff');
    assert.equal(w.ip.dst, toIpNumber('255.255.255.255'));
  });

  it('unicast to a client without an address: its chaddr and yiaddr, no ARP needed', () => {
    const w = onWire(
      dhcpReplyFrames(
        reply({ ip: '10.99.1.100', port: 68, mac: CLIENT_MAC, broadcast: false }),
        SERVER,
        2,
      )[0],
    );
    assert.equal(w.dstMac, CLIENT_MAC);
    assert.equal(w.ip.dst, toIpNumber('10.99.1.100'));
    assert.deepEqual([w.udp.srcPort, w.udp.dstPort], [67, 68]);
  });

  it('relay: to the relay MAC and giaddr, port 67 -> 67', () => {
    const w = onWire(
      dhcpReplyFrames(
        reply({ ip: '10.99.7.1', port: 67, mac: '02:aa:bb:cc:dd:ee', broadcast: false }),
        SERVER,
        3,
      )[0],
    );
    assert.equal(w.dstMac, '02:aa:bb:cc:dd:ee');
    assert.equal(w.ip.dst, toIpNumber('10.99.7.1'));
    assert.deepEqual([w.udp.srcPort, w.udp.dstPort], [67, 67]);
  });

  it('4011 boot-service answer: source port 4011 to the client port', () => {
    const w = onWire(
      dhcpReplyFrames(
        reply({ ip: '10.99.1.100', port: 68, mac: CLIENT_MAC, broadcast: false }, 4011),
        SERVER,
        4,
      )[0],
    );
    assert.deepEqual([w.udp.srcPort, w.udp.dstPort], [4011, 68]);
    assert.equal(w.dstMac, CLIENT_MAC);
  });

  it('a reply larger than the MTU goes out as IPv4 fragments', () => {
    const big = dhcpMessageFromFields({
      op: 2,
      xid: 9,
      chaddr: CLIENT_MAC,
      messageType: 'ACK',
      maxSize: 1500,
      options: [{ code: 43, raw: new Uint8Array(900).fill(0x41) }],
    });
    const frames = dhcpReplyFrames(
      {
        message: big,
        srcPort: 67,
        to: { ip: '255.255.255.255', port: 68, mac: 'ff:ff:ff:ff:ff:ff', broadcast: true },
      },
      { ...SERVER, mtu: 576 },
      5,
    );
    assert.ok(frames.length >= 2);
    for (const f of frames) {
      assert.ok(f.length - 14 <= 576);
      assert.ok(ipv4HeaderChecksumOk(f, 14));
      assert.equal(decodeIpv4Header(f, 14).id, 5);
    }
    assert.equal(parseUdpFrame(frames[0]).ok, false, 'the receive path drops fragments');
  });
});

describe('edge frames: receive path', () => {
  it('a client DISCOVER becomes the DhcpInbound the engine expects', () => {
    const frame = udpFrames({
      srcMac: CLIENT_MAC,
      dstMac: 'ff:ff:ff:ff:ff:ff',
      srcIp: '0.0.0.0',
      dstIp: '255.255.255.255',
      srcPort: 68,
      dstPort: 67,
      payload: encodeDhcp(discover({ broadcast: true })),
      ipId: 1,
      mtu: 1500,
    })[0];
    const r = parseDhcpFrame(frame, 1234);
    assert.ok(r.ok);
    assert.equal(r.inbound.port, 67);
    assert.equal(r.inbound.srcMac, CLIENT_MAC);
    assert.equal(r.inbound.srcIp, '0.0.0.0');
    assert.equal(r.inbound.srcPort, 68);
    assert.equal(r.inbound.dstIp, '255.255.255.255');
    assert.equal(r.inbound.now, 1234);
    assert.equal(r.inbound.message.xid, 0x1234abcd);
    assert.equal(r.inbound.message.messageType, 'DISCOVER');
  });

  it('not a DHCP port, truncated frames and non-IPv4 are dropped with a reason', () => {
    const base = {
      srcMac: CLIENT_MAC,
      dstMac: SERVER.mac,
      srcIp: '10.99.1.100',
      dstIp: '10.99.1.1',
      srcPort: 68,
      payload: new Uint8Array(10),
      ipId: 1,
      mtu: 1500,
    };
    const r69 = parseDhcpFrame(udpFrames({ ...base, dstPort: 69 })[0], 0);
    assert.deepEqual(r69, { ok: false, reason: 'not-dhcp-port' });
    const ok4011 = parseDhcpFrame(udpFrames({ ...base, dstPort: 4011 })[0], 0);
    assert.ok(ok4011.ok && ok4011.inbound.port === 4011);
    const full = udpFrames({ ...base, dstPort: 67 })[0];
    assert.equal(parseDhcpFrame(full.subarray(0, 20), 0).ok, false);
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    assert.deepEqual(parseDhcpFrame(arp, 0), { ok: false, reason: 'not-ipv4' });
  });

  it('every DHCP request of a real lab boot parses, and replies do not (they go to 68)', () => {
    const path = join(fixturesCapturesDir(), 'lab', 'happy-ipxe', 'capture.pcapng');
    const seen: string[] = [];
    let replies = 0;
    readCaptureBuffer(readFileSync(path), {
      frame(f) {
        if (f.linkType !== LINKTYPE_ETHERNET) return;
        const r = parseDhcpFrame(f.data, 0);
        if (r.ok) seen.push(`${r.inbound.message.messageType ?? 'BOOTP'}:${r.inbound.port}`);
        else if (r.reason === 'not-dhcp-port') {
          const u = parseUdpFrame(f.data);
          if (u.ok && u.datagram.srcPort === 67) replies++;
        }
      },
      warning() {},
    });
    assert.ok(seen.includes('DISCOVER:67'), `requests seen: ${seen.join(' ')}`);
    assert.ok(seen.includes('REQUEST:67'));
    assert.ok(replies > 0);
  });

  it('the BPF filter names our MAC twice: only frames to us, never our own', () => {
    const f = dhcpServerFilter('02:00:00:00:00:01');
    assert.match(f, /dst port 67 or dst port 4011/);
    assert.match(f, /ether dst 02:00:00:00:00:01 or ether broadcast/);
    assert.match(f, /not ether src 02:00:00:00:00:01/);
  });
});
