/**
 * Seeded fuzzing of the link → IPv4 → UDP path (and reassembly, ARP, TFTP behind it) with real frames from
 * the captures, mutated: no exception, and every offset the decoders report stays inside the frame.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';

import { decodeArp } from '../../../src/protocol/ethernet.js';
import {
  createIpv4Header,
  decodeIpv4Into,
  IPPROTO_UDP,
  IPV4_BAD_HEADER_LENGTH,
  IPV4_BAD_VERSION,
  IPV4_HEADER_TRUNCATED,
  IPV4_OK,
  IPV4_PEEK_FRAGMENT,
  IPV4_PEEK_OTHER,
  IPV4_TRUNCATED,
  isFragment,
  peekIpv4Udp,
} from '../../../src/protocol/ipv4.js';
import {
  createLinkInfo,
  decodeLink,
  decodeLinkInto,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  LINK_OK,
} from '../../../src/protocol/link.js';
import { Ipv4Reassembler } from '../../../src/protocol/reassembly.js';
import { decodeTftp, encodeTftp } from '../../../src/protocol/tftp/index.js';
import {
  createUdpHeader,
  decodeUdpInto,
  UDP_BAD_LENGTH,
  UDP_HEADER_TRUNCATED,
  verifyUdpChecksum,
} from '../../../src/protocol/udp.js';
import { cell, dataPath, hexToBytes, prng, randomInt, readTsv } from './helpers.js';

interface Seed {
  linkType: number;
  frame: Uint8Array;
}

function seeds(): Seed[] {
  const dir = dataPath('net', 'data');
  const out: Seed[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.tsv'))) {
    for (const row of readTsv(`${dir}/${file}`).rows) {
      out.push({ linkType: Number(cell(row, 'linktype')), frame: hexToBytes(cell(row, 'frame_hex')) });
    }
  }
  return out;
}

const LINK_TYPES = [0, 1, 12, 14, 101, 108, 113, 127, 228, 229, 276];

const info = createLinkInfo();
const ip = createIpv4Header();
const udp = createUdpHeader();
const reassembler = new Ipv4Reassembler({ maxDatagrams: 16, maxBufferedBytes: 64 * 1024, timeoutSeconds: 5 });
let clock = 0;

/** The analyzer's path over one frame, with invariants on every offset. */
function run(linkType: number, frame: Uint8Array): void {
  clock += 0.001;
  decodeLink(linkType, frame);
  if (decodeLinkInto(linkType, frame, info) !== LINK_OK) return;
  assert.ok(info.offset >= 0 && info.offset <= frame.length, 'link offset inside the frame');
  assert.ok(info.vlanCount <= info.vlanIds.length);
  if (info.etherType === ETHERTYPE_ARP) decodeArp(frame, info.offset);
  if (info.etherType !== ETHERTYPE_IPV4) return;
  const peek = peekIpv4Udp(frame, info.offset);
  const status = decodeIpv4Into(frame, info.offset, ip);
  // The cheap triage must never hide a UDP datagram the full decoder would find.
  const udpHere =
    status !== IPV4_HEADER_TRUNCATED &&
    status !== IPV4_BAD_VERSION &&
    status !== IPV4_BAD_HEADER_LENGTH &&
    ip.protocol === IPPROTO_UDP;
  if (!udpHere) assert.equal(peek, IPV4_PEEK_OTHER);
  else if (isFragment(ip)) assert.equal(peek, IPV4_PEEK_FRAGMENT);
  else assert.equal(peek, ip.payloadOffset + 8 <= frame.length ? ip.payloadOffset : IPV4_PEEK_OTHER);
  if (status !== IPV4_OK && status !== IPV4_TRUNCATED) return;
  assert.ok(
    ip.payloadOffset <= ip.payloadEnd && ip.payloadEnd <= frame.length,
    'IP payload inside the frame',
  );
  if (ip.protocol !== IPPROTO_UDP) return;
  let data = frame;
  let start = ip.payloadOffset;
  let end = ip.payloadEnd;
  if (isFragment(ip)) {
    const d = reassembler.add(0, clock, ip, frame);
    if (d === null) return;
    data = d.payload;
    start = 0;
    end = d.payload.length;
  }
  const s = decodeUdpInto(data, start, end, udp);
  if (s === UDP_HEADER_TRUNCATED) return;
  assert.ok(
    udp.payloadOffset <= udp.payloadEnd && udp.payloadEnd <= data.length,
    'UDP payload inside the datagram',
  );
  if (s !== UDP_BAD_LENGTH) verifyUdpChecksum(ip.src, ip.dst, data, start);
  const payload = data.subarray(udp.payloadOffset, udp.payloadEnd);
  assert.deepEqual(encodeTftp(decodeTftp(payload)), payload);
}

function mutate(rand: () => number, seed: Seed): Seed {
  const b = seed.frame.slice(
    0,
    randomInt(rand, 4) === 0 ? randomInt(rand, seed.frame.length + 1) : seed.frame.length,
  );
  let linkType = seed.linkType;
  const steps = 1 + randomInt(rand, 4);
  for (let s = 0; s < steps && b.length > 0; s++) {
    const at = randomInt(rand, Math.min(b.length, 64));
    switch (randomInt(rand, 6)) {
      case 0:
        b[randomInt(rand, b.length)] ^= 1 << randomInt(rand, 8);
        break;
      case 1: // a length-ish 16-bit field at an extreme
        if (at + 1 < b.length)
          [b[at], b[at + 1]] = [
            [0, 0],
            [0xff, 0xff],
            [0, 7],
            [0, 19],
            [0x81, 0],
            [0x88, 0xa8],
          ][randomInt(rand, 6)];
        break;
      case 2: // version/IHL byte
        b[at] = [0x40, 0x45, 0x4f, 0x41, 0x60, 0x00][randomInt(rand, 6)];
        break;
      case 3: // fragment flags and offset
        if (at + 1 < b.length)
          [b[at], b[at + 1]] = [
            [0x20, 0],
            [0x1f, 0xff],
            [0x3f, 0xff],
            [0, 1],
          ][randomInt(rand, 4)];
        break;
      case 4:
        linkType = LINK_TYPES[randomInt(rand, LINK_TYPES.length)];
        break;
      default:
        b[at] = randomInt(rand, 256);
    }
  }
  return { linkType, frame: b };
}

test('link/IPv4/UDP: every prefix of every seed', () => {
  for (const seed of seeds()) {
    for (let n = 0; n <= Math.min(seed.frame.length, 120); n++) run(seed.linkType, seed.frame.subarray(0, n));
  }
});

test('link/IPv4/UDP: 100 000 mutated frames never throw', () => {
  const rand = prng(791);
  const all = seeds();
  for (let i = 0; i < 100_000; i++) {
    const m = mutate(rand, all[randomInt(rand, all.length)]);
    run(m.linkType, m.frame);
  }
  reassembler.flush();
  assert.equal(reassembler.bufferedBytes, 0);
});
