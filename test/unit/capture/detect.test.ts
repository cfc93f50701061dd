import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeBytes, notACaptureMessage, sniff } from '../../../src/capture/detect.js';
import { LINKTYPE_ETHERNET, linkTypeName } from '../../../src/protocol/link.js';

describe('format sniffing', () => {
  it('knows every magic', () => {
    const cases: [number[], string][] = [
      [[0xa1, 0xb2, 0xc3, 0xd4], 'pcap'],
      [[0xd4, 0xc3, 0xb2, 0xa1], 'pcap'],
      [[0xa1, 0xb2, 0x3c, 0x4d], 'pcap'],
      [[0x4d, 0x3c, 0xb2, 0xa1], 'pcap'],
      [[0x0a, 0x0d, 0x0d, 0x0a], 'pcapng'],
      [[0x1f, 0x8b, 0x08, 0x00], 'gzip'],
      [[0x1f, 0x8b], 'gzip'],
      [[0xa1, 0xb2, 0xcd, 0x34], 'unknown'],
      [[0x0a, 0x0d, 0x0d], 'unknown'],
      [[], 'unknown'],
    ];
    for (const [bytes, kind] of cases) assert.equal(sniff(Uint8Array.from(bytes)), kind, bytes.join(','));
  });

  it('describes what it found', () => {
    assert.equal(describeBytes(Buffer.from('0123456789')), '30 31 32 33 34 35 36 37 …');
    assert.equal(
      notACaptureMessage(Buffer.from('ab'), false),
      'not a pcap or pcapng file (first bytes: 61 62, only 2 bytes)',
    );
  });

  it('names link types for messages', () => {
    assert.equal(linkTypeName(LINKTYPE_ETHERNET), 'ETHERNET (1)');
    assert.equal(linkTypeName(113), 'LINUX_SLL (113)');
    assert.equal(linkTypeName(150), 'USER3 (150)');
    assert.equal(linkTypeName(4242), 'unknown (4242)');
    assert.equal(linkTypeName(276), 'LINUX_SLL2 (276)');
    assert.equal(linkTypeName(219), 'MPLS (219)');
  });
});
