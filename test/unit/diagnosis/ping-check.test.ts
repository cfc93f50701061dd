/**
 * The ping check: ICMP echo decoded by the protocol layer (and encoded by the same codec), tied by the analysis
 * to the OFFER of the pinged address, and told by dhcp.ping-check-delay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSource } from '../../../src/analysis/analyze-source.js';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import type { AnalysisResult } from '../../../src/analysis/types.js';
import { ETHERTYPE_IPV4 } from '../../../src/protocol/link.js';
import { encodeEthernet } from '../../../src/protocol/ethernet.js';
import { decodeIcmpEcho, encodeIcmpEcho } from '../../../src/protocol/icmp.js';
import { encodeIpv4, IPPROTO_ICMP } from '../../../src/protocol/ipv4.js';
import type { IcmpEchoRecord } from '../../../src/protocol/packet.js';
import { PacketDecoder } from '../../../src/protocol/packet-decoder.js';
import { internetChecksum } from '../../../src/protocol/checksum.js';
import { findCapture } from '../../support/fixtures.js';
import { CLIENT_IP, dhcp, SERVER, ts } from '../analysis/support/records.js';
import { none, one } from './support/expect.js';

describe('ICMP echo codec', () => {
  it('decodes what it encodes, with a valid checksum', () => {
    const bytes = encodeIcmpEcho(
      { kind: 'request', identifier: 0x1234, sequence: 7 },
      Uint8Array.of(1, 2, 3),
    );
    assert.equal(internetChecksum(bytes), 0);
    assert.deepEqual(decodeIcmpEcho(bytes, 0, bytes.length), {
      kind: 'request',
      identifier: 0x1234,
      sequence: 7,
      payloadLength: 3,
    });
    const reply = encodeIcmpEcho({ kind: 'reply', identifier: 1, sequence: 2 });
    assert.equal(decodeIcmpEcho(reply, 0, reply.length)?.kind, 'reply');
    assert.equal(decodeIcmpEcho(Uint8Array.of(3, 3, 0, 0, 0, 0, 0, 0), 0, 8), null, 'unreachable is no echo');
    assert.equal(decodeIcmpEcho(reply, 0, 7), null, 'cut short');
  });

  it('the packet decoder hands an echo in an Ethernet frame to its handler', () => {
    const icmp = encodeIcmpEcho({ kind: 'request', identifier: 9, sequence: 1 });
    const ip = encodeIpv4({ src: SERVER, dst: CLIENT_IP, protocol: IPPROTO_ICMP }, icmp);
    const data = encodeEthernet(
      { src: '02:00:00:00:00:01', dst: '52:54:00:12:34:56', etherType: ETHERTYPE_IPV4 },
      ip,
    );
    const seen: IcmpEchoRecord[] = [];
    const d = new PacketDecoder({ packet: () => undefined, icmpEcho: (e) => seen.push(e) });
    d.push({
      frame: 5,
      linkType: 1,
      interfaceId: 0,
      data,
      origLen: data.length,
      ts: { high: 100, low: 0, unitsPerSecond: 1e6, combined: false, offsetSeconds: 0, digits: 6 },
    } as Parameters<PacketDecoder['push']>[0]);
    d.finish();
    assert.equal(seen.length, 1);
    assert.deepEqual(
      { ...seen[0], ts: undefined },
      {
        frame: 5,
        ts: undefined,
        kind: 'request',
        src: SERVER,
        dst: CLIENT_IP,
        identifier: 9,
        sequence: 1,
      },
    );
  });
});

describe('dhcp.ping-check-delay', () => {
  const echo = (
    frame: number,
    t: number,
    kind: 'request' | 'reply',
    src: string,
    dst: string,
  ): IcmpEchoRecord => ({
    frame,
    ts: ts(t),
    kind,
    src,
    dst,
    identifier: 1,
    sequence: 1,
  });
  /** dnsmasq: DISCOVER, a repeat at 1 s, the ping at 0.01 s, the OFFER after 3 s of silence. */
  const run = (answered: boolean, echoAfter = false): AnalysisResult => {
    const a = new Analyzer({ origin: ts(0) });
    a.addPacket(dhcp({ frame: 1, t: 0, type: 'DISCOVER' }));
    if (!echoAfter) a.addIcmpEcho(echo(2, 0.01, 'request', SERVER, CLIENT_IP));
    if (answered) a.addIcmpEcho(echo(3, 0.02, 'reply', CLIENT_IP, SERVER));
    a.addPacket(dhcp({ frame: 4, t: 1, type: 'DISCOVER' }));
    a.addPacket(dhcp({ frame: 5, t: 3.01, type: 'OFFER', yiaddr: CLIENT_IP }));
    if (echoAfter) a.addIcmpEcho(echo(6, 3.05, 'request', SERVER, CLIENT_IP));
    return a.finish({ file: 'x', format: 'pcapng', frames: 6, firstTs: ts(0), lastTs: ts(10) });
  };

  it('explains the late OFFER and the repeated DISCOVER', () => {
    const f = one(run(false), 'dhcp.ping-check-delay');
    assert.equal(f.severity, 'info');
    assert.match(
      f.message,
      /10\.77\.0\.1 checked 10\.77\.0\.111 before offering it: its ICMP echo \(frame 2\) got no reply/,
    );
    assert.match(f.message, /OFFER 3\.01 s after the client's first DISCOVER \(frame 1 → 5\)/);
    assert.match(f.message, /repeated its DISCOVER meanwhile \(1 time, frame 4\)/);
    assert.deepEqual(f.frames, [1, 2, 4, 5]);
    assert.match(f.hint, /no-ping/);
    assert.match(f.hint, /ping-check false/);
  });

  it('tells an echo that only came after the answer', () => {
    const f = one(run(false, true), 'dhcp.ping-check-delay');
    assert.match(f.message, /only after its OFFER/);
  });

  it('stays quiet when the address answered the ping, and without a ping', () => {
    none(run(true), 'dhcp.ping-check-delay');
    const a = new Analyzer({ origin: ts(0) });
    a.addPacket(dhcp({ frame: 1, t: 0, type: 'DISCOVER' }));
    a.addPacket(dhcp({ frame: 2, t: 1, type: 'DISCOVER' }));
    a.addPacket(dhcp({ frame: 3, t: 3, type: 'OFFER', yiaddr: CLIENT_IP }));
    none(
      a.finish({ file: 'x', format: 'pcapng', frames: 3, firstTs: ts(0), lastTs: ts(10) }),
      'dhcp.ping-check-delay',
    );
  });

  it("reads dnsmasq's 3 s check in the happy BIOS lab boot (echo frame 10, OFFER frame 11)", async (t) => {
    const c = findCapture('lab/happy-bios-pxelinux/capture.pcapng');
    if (c === null) return t.skip('capture not present');
    const { result } = await analyzeSource(c.path);
    const f = one(result, 'dhcp.ping-check-delay');
    assert.match(
      f.message,
      /checked 10\.77\.0\.111 before offering it: its ARP requests for it \(frames 2, 7, 9\) went unanswered, then its ICMP echo \(frame 10\) got no reply/,
    );
    assert.deepEqual(f.frames, [1, 2, 6, 7, 9, 10, 11]);
    assert.match(f.message, /OFFER 3\.01 s after the client's first DISCOVER \(frame 1 → 11\)/);
  });
});
