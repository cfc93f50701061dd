/**
 * PacketDecoder.skim decides most background frames from their header bytes, before any frame object
 * exists. It must never change what a capture decodes to: for every capture we have, the packets, the
 * skip counts (and their order) and the frame counters are the same with and without it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import type { CaptureSink } from '../../../src/capture/types.js';
import { encodeIpv4 } from '../../../src/protocol/ipv4.js';
import { PacketDecoder } from '../../../src/protocol/packet-decoder.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import { listCaptureFiles } from '../../support/fixtures.js';

interface Outcome {
  packets: string[];
  skipped: Record<string, number>;
  ipv4Frames: number;
  dhcp: number;
  tftp: number;
  skimmed: number;
}

function decode(bytes: Uint8Array, useSkim: boolean): Outcome {
  const packets: string[] = [];
  const decoder = new PacketDecoder({ packet: (p: DecodedPacket) => packets.push(JSON.stringify(p)) });
  let skimmed = 0;
  const sink: CaptureSink = {
    frame: (f) => decoder.push(f),
    warning: () => undefined,
  };
  if (useSkim) {
    sink.skim = (_frame, linkType, data, offset, length) => {
      const done = decoder.skim(linkType, data, offset, length);
      if (done) skimmed++;
      return done;
    };
  }
  try {
    readCaptureBuffer(bytes, sink);
  } catch {
    // Not a capture at all: both ways see nothing.
  }
  decoder.finish();
  return {
    packets,
    skipped: decoder.skipped,
    ipv4Frames: decoder.ipv4Frames,
    dhcp: decoder.dhcpPackets,
    tftp: decoder.tftpPackets,
    skimmed,
  };
}

function compare(bytes: Uint8Array, label: string): number {
  const full = decode(bytes, false);
  const quick = decode(bytes, true);
  assert.deepEqual(quick.packets, full.packets, `${label}: packets`);
  assert.deepEqual(
    Object.entries(quick.skipped),
    Object.entries(full.skipped),
    `${label}: skip counts in order`,
  );
  assert.equal(quick.ipv4Frames, full.ipv4Frames, `${label}: IPv4 frames`);
  assert.equal(quick.dhcp, full.dhcp, `${label}: DHCP packets`);
  assert.equal(quick.tftp, full.tftp, `${label}: TFTP packets`);
  return quick.skimmed;
}

/** A classic pcap (Ethernet) holding the given frames. */
function pcapOf(frames: Uint8Array[]): Uint8Array {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  parts.push(header);
  frames.forEach((f, i) => {
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1700000000 + i, 0);
    rec.writeUInt32LE(f.length, 8);
    rec.writeUInt32LE(f.length, 12);
    parts.push(rec, Buffer.from(f));
  });
  return Buffer.concat(parts);
}

function ethernet(etherType: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + payload.length);
  f.set([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, etherType >> 8, etherType & 0xff]);
  f.set(payload, 14);
  return f;
}

function udp(sp: number, dp: number, payload: Uint8Array, lengthField?: number): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  const len = lengthField ?? u.length;
  u.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, len >> 8, len & 0xff, 0, 0]);
  u.set(payload, 8);
  return u;
}

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const A = 0x0a000001;
const B = 0x0a000002;

describe('skim: deciding background frames early changes nothing', () => {
  it('every capture in fixtures/ and the shared set decodes the same with and without it', () => {
    const files = listCaptureFiles({ shared: true });
    assert.ok(files.length >= 50, `only ${files.length} captures found`);
    let skimmed = 0;
    for (const file of files) skimmed += compare(readFileSync(file.path), file.rel);
    // The shared set holds plenty of background traffic: the fast path must actually be taken.
    assert.ok(skimmed > 1000, `only ${skimmed} frames skimmed`);
  });

  it('edge cases around its conditions decode the same', () => {
    const rrq = ascii('\x00\x01pxelinux.0\x00octet\x00');
    const frames: Uint8Array[] = [
      // TCP, IPv6, ARP-like other ethertypes, 802.1Q tagged UDP to 67.
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 6 }, new Uint8Array(20))),
      ethernet(0x86dd, new Uint8Array(40)),
      ethernet(0x88cc, new Uint8Array(30)),
      ethernet(
        0x8100,
        new Uint8Array([
          0,
          5,
          0x08,
          0x00,
          ...encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(68, 67, new Uint8Array(300))),
        ]),
      ),
      // UDP on other ports; a TFTP request on an unusual port pair (tshark's heuristic opens a conversation),
      // then that conversation's next packets.
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(5000, 5001, new Uint8Array(40)))),
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(40000, 1069, rrq))),
      ethernet(
        0x0800,
        encodeIpv4({ src: B, dst: A, protocol: 17 }, udp(50000, 40000, ascii('\x00\x03\x00\x01data'))),
      ),
      ethernet(
        0x0800,
        encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(40000, 50000, ascii('\x00\x04\x00\x01'))),
      ),
      // DNS to 67 (tshark gives the lower port 53 to DNS), UDP header cut short, bad UDP length.
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(53, 67, new Uint8Array(40)))),
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 17 }, new Uint8Array(6))),
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(5000, 5001, new Uint8Array(40), 3))),
      // Fragments (first and later) of a datagram to 69, an ICMP port unreachable, IP-in-IP, TCP fragment.
      ethernet(
        0x0800,
        encodeIpv4({ src: A, dst: B, protocol: 17, mf: true, id: 7 }, udp(3000, 69, rrq).subarray(0, 16)),
      ),
      ethernet(
        0x0800,
        encodeIpv4(
          { src: A, dst: B, protocol: 1 },
          new Uint8Array([
            3,
            3,
            0,
            0,
            0,
            0,
            0,
            0,
            ...encodeIpv4({ src: B, dst: A, protocol: 17 }, udp(69, 3000, new Uint8Array(0))),
          ]),
        ),
      ),
      ethernet(
        0x0800,
        encodeIpv4(
          { src: A, dst: B, protocol: 4 },
          encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(68, 67, new Uint8Array(300))),
        ),
      ),
      ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 6, mf: true, id: 9 }, new Uint8Array(24))),
    ];
    // Malformed IPv4 headers: bad version, short IHL, total length below the header, total length 0 (TSO).
    const bad = [0x46, 0x55, 0x44, 0x35].map((b0) => {
      const f = ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 6 }, new Uint8Array(20)));
      f[14] = b0;
      return f;
    });
    const shortTotal = ethernet(
      0x0800,
      encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(5000, 5001, new Uint8Array(20))),
    );
    shortTotal[16] = 0;
    shortTotal[17] = 10;
    const tso = ethernet(0x0800, encodeIpv4({ src: A, dst: B, protocol: 6 }, new Uint8Array(20)));
    tso[16] = 0;
    tso[17] = 0;
    // Cut by the snaplen: total length says more than was captured.
    const cut = ethernet(
      0x0800,
      encodeIpv4({ src: A, dst: B, protocol: 17 }, udp(5000, 5001, new Uint8Array(400))),
    ).subarray(0, 60);
    const all = [...frames, ...bad, shortTotal, tso, cut];
    const skimmed = compare(pcapOf(all), 'edge cases');
    assert.ok(skimmed >= 4, `the plain TCP/IPv6/UDP frames are skimmed (${skimmed})`);
    // And in every position: each frame alone after a first frame that always takes the full path.
    for (const [i, f] of all.entries()) compare(pcapOf([all[0], f]), `edge case ${i}`);
  });
});
