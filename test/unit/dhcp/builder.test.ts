import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildDhcpReply,
  decodeDhcp,
  dhcpMessageFromFields,
  dhcpMessageToJson,
  encodeDhcp,
  maxMessageSize,
  optionValueToJson,
  discoveryControl,
  pxeVendorValue,
  type DhcpMessage,
  type JsonValue,
} from '../../../src/protocol/dhcp/index.js';
import { frame, PXE_DISCOVERY_CONTROL_3_JSON } from './support/fixtures.js';

function json(msg: DhcpMessage, code: number): JsonValue | undefined {
  const o = msg.options.find((x) => x.code === code);
  return o === undefined ? undefined : optionValueToJson(o.value);
}

function roundTrip(msg: DhcpMessage): { bytes: Uint8Array; back: DhcpMessage } {
  const bytes = encodeDhcp(msg);
  const back = decodeDhcp(bytes);
  // A decoded canonical message re-encodes to the same bytes along its captured layout.
  assert.deepEqual(encodeDhcp(back), bytes);
  return { bytes, back };
}

test('a Discover built from fields encodes canonically (end option, padded to 300) and decodes back', () => {
  const msg = dhcpMessageFromFields({
    xid: 0xdeadbeef,
    chaddr: '52:54:00:12:34:56',
    broadcast: true,
    messageType: 'DISCOVER',
    options: [
      { code: 57, value: { kind: 'u16', value: 1472 } },
      { code: 93, value: { kind: 'arch', archs: [{ code: 7, name: 'x64 UEFI' }] } },
      { code: 94, value: { kind: 'ndi', type: 1, major: 3, minor: 0 } },
      { code: 60, value: { kind: 'text', text: 'PXEClient:Arch:00007:UNDI:003000' } },
      { code: 55, value: { kind: 'codes', codes: [1, 3, 6, 43, 60, 66, 67] } },
      { code: 61, value: { kind: 'clientId', type: 1, mac: '52:54:00:12:34:56' } },
      {
        code: 97,
        value: {
          kind: 'uuid',
          type: 0,
          uuid: '1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab',
          smbiosUuid: '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab',
        },
      },
    ],
  });
  const { bytes, back } = roundTrip(msg);
  // 88 bytes of options, the last one the end option.
  assert.equal(bytes.length, 240 + 88);
  assert.equal(bytes[bytes.length - 1], 255);
  assert.deepEqual([...bytes.subarray(236, 240)], [99, 130, 83, 99]);
  assert.deepEqual(dhcpMessageToJson(back), dhcpMessageToJson(msg));
  assert.equal(back.messageType, 'DISCOVER');
  assert.equal(back.flags, 0x8000);
  assert.equal(back.hlen, 6);
  assert.deepEqual(
    back.options.map((o) => o.code),
    [53, 57, 93, 94, 60, 55, 61, 97],
  );
  assert.deepEqual(back.notes, []);

  // A short message is zero-padded to the BOOTP minimum of 300 bytes after its end option, as dnsmasq does.
  const small = encodeDhcp(dhcpMessageFromFields({ chaddr: '52:54:00:12:34:56', messageType: 'RELEASE' }));
  assert.equal(small.length, 300);
  assert.deepEqual([...small.subarray(240, 245)], [53, 1, 7, 255, 0]);
  assert.equal(decodeDhcp(small).messageType, 'RELEASE');
});

test('buildDhcpReply answers the lab iPXE Discover as a PXE proxy would (RFC 2131 table 3 fields)', () => {
  const discover = decodeDhcp(frame('lab__proxydhcp__capture', 1).payload);
  const offer = buildDhcpReply(discover, {
    messageType: 'OFFER',
    serverId: '10.77.0.1',
    siaddr: '10.77.0.1',
    file: 'pxelinux.0',
    options: [
      { code: 60, value: { kind: 'text', text: 'PXEClient' } },
      { code: 97, raw: discover.options.find((o) => o.code === 97)?.raw ?? new Uint8Array(0) },
      {
        code: 43,
        value: pxeVendorValue([
          { code: 6, value: discoveryControl(3) },
          { code: 10, value: { kind: 'menuPrompt', timeout: 1, prompt: 'PXE-LAB proxyDHCP' } },
        ]),
      },
    ],
  });
  const { back } = roundTrip(offer);
  assert.equal(back.op, 2);
  assert.equal(back.xid, discover.xid);
  assert.equal(back.flags, discover.flags);
  assert.equal(back.chaddr, '52:54:00:12:34:56');
  assert.equal(back.giaddr, '0.0.0.0');
  assert.equal(back.hops, 0);
  assert.equal(back.secs, 0);
  assert.equal(back.ciaddr, '0.0.0.0');
  assert.equal(back.yiaddr, '0.0.0.0');
  assert.equal(back.siaddr, '10.77.0.1');
  assert.equal(back.file, 'pxelinux.0');
  assert.equal(back.messageType, 'OFFER');
  assert.deepEqual(
    back.options.map((o) => o.code),
    [53, 54, 60, 97, 43],
  );
  assert.equal(json(back, 54), '10.77.0.1');
  // The client's 60 says PXEClient, so 43 decodes as PXE sub-options, end marker included.
  assert.deepEqual(json(back, 43), [
    PXE_DISCOVERY_CONTROL_3_JSON,
    { code: 10, name: 'PXE menu prompt', value: { timeout: 1, prompt: 'PXE-LAB proxyDHCP' } },
    { code: 255, name: 'PXE End', value: null },
  ]);
  // Same bytes as the dnsmasq proxy offer for the options both carry.
  const dnsmasq = decodeDhcp(frame('lab__proxydhcp__capture', 2).payload);
  assert.deepEqual(
    back.options.find((o) => o.code === 97)?.raw,
    dnsmasq.options.find((o) => o.code === 97)?.raw,
  );
});

test('an ACK copies ciaddr; a NAK carries no addresses or file; relay info (82) is echoed last', () => {
  const request = dhcpMessageFromFields({
    xid: 7,
    chaddr: '00:11:22:33:44:55',
    ciaddr: '10.0.0.5',
    giaddr: '10.0.0.254',
    hops: 1,
    messageType: 'REQUEST',
    options: [
      {
        code: 82,
        value: {
          kind: 'relayAgent',
          suboptions: [
            { code: 1, name: 'Agent Circuit ID', value: { kind: 'hex', hex: '0004000a0001' } },
            { code: 5, name: 'Link selection', value: { kind: 'ip', ip: '10.0.0.0' } },
          ],
        },
      },
    ],
  });
  const req = decodeDhcp(encodeDhcp(request));
  const ack = decodeDhcp(
    encodeDhcp(
      buildDhcpReply(req, {
        messageType: 'ACK',
        yiaddr: '10.0.0.5',
        serverId: '10.0.0.1',
        options: [{ code: 51, value: { kind: 'seconds', seconds: 3600 } }],
      }),
    ),
  );
  assert.equal(ack.ciaddr, '10.0.0.5');
  assert.equal(ack.giaddr, '10.0.0.254');
  assert.equal(ack.hops, 0);
  assert.deepEqual(
    ack.options.map((o) => o.code),
    [53, 54, 51, 82],
  );
  assert.deepEqual(json(ack, 82), [
    { code: 1, name: 'Agent Circuit ID', value: '0004000a0001' },
    { code: 5, name: 'Link selection', value: '10.0.0.0' },
  ]);

  const nak = decodeDhcp(
    encodeDhcp(
      buildDhcpReply(req, {
        messageType: 'NAK',
        yiaddr: '10.0.0.9',
        siaddr: '10.0.0.1',
        file: 'x',
        serverId: '10.0.0.1',
        options: [{ code: 56, value: { kind: 'text', text: 'wrong network' } }],
      }),
    ),
  );
  assert.equal(nak.messageType, 'NAK');
  assert.equal(nak.yiaddr, '0.0.0.0');
  assert.equal(nak.siaddr, '0.0.0.0');
  assert.equal(nak.ciaddr, '0.0.0.0');
  assert.equal(nak.file, '');
  assert.equal(json(nak, 56), 'wrong network');
});

test('options beyond the maximum message size overload file, then sname, with option 52', () => {
  const big = (
    code: number,
    n: number,
    c: string,
  ): { code: number; value: { kind: 'text'; text: string } } => ({
    code,
    value: { kind: 'text', text: c.repeat(n) },
  });
  const request = dhcpMessageFromFields({ xid: 1, chaddr: '02:00:00:00:00:01', messageType: 'DISCOVER' });
  assert.equal(maxMessageSize(request), 576);
  const options = [
    { code: 51, value: { kind: 'seconds' as const, seconds: 600 } },
    big(12, 150, 'h'),
    big(15, 120, 'd'),
    big(17, 100, 'r'),
    big(209, 40, 'c'),
    big(210, 10, 'p'),
  ];
  const offer = buildDhcpReply(request, {
    messageType: 'OFFER',
    yiaddr: '10.0.0.2',
    serverId: '10.0.0.1',
    options,
  });
  const { bytes, back } = roundTrip(offer);
  assert.ok(bytes.length <= 576 - 28, `${bytes.length} bytes`);
  assert.equal(json(back, 52), 3);
  assert.equal(back.file, '');
  assert.equal(back.sname, '');
  // Same values; first fit: 17 did not fit the options area and went to file, 209 to sname, 210 still fit.
  assert.deepEqual(
    back.options.map((o) => `${o.code}:${o.source}`),
    [
      '53:options',
      '54:options',
      '51:options',
      '12:options',
      '15:options',
      '210:options',
      '52:options',
      '17:file',
      '209:sname',
    ],
  );
  for (const o of offer.options) {
    assert.deepEqual(json(back, o.code), optionValueToJson(o.value), `option ${o.code}`);
  }
  assert.deepEqual(back.notes, [
    'option overload (52) value 3: options continue in the file and sname fields',
  ]);

  // A client that accepts 1500-byte messages gets everything in the options area.
  const roomy = dhcpMessageFromFields({
    xid: 1,
    chaddr: '02:00:00:00:00:01',
    messageType: 'DISCOVER',
    options: [{ code: 57, value: { kind: 'u16', value: 1500 } }],
  });
  assert.equal(maxMessageSize(roomy), 1500);
  const plain = decodeDhcp(
    encodeDhcp(buildDhcpReply(roomy, { messageType: 'OFFER', serverId: '10.0.0.1', options })),
  );
  assert.equal(
    plain.options.some((o) => o.code === 52),
    false,
  );
  assert.deepEqual(plain.notes, []);

  // With a boot file name the file field is not free: only sname can take options.
  const withFile = decodeDhcp(
    encodeDhcp(
      buildDhcpReply(request, {
        messageType: 'OFFER',
        serverId: '10.0.0.1',
        file: 'pxelinux.0',
        options: options.slice(0, 3).concat([big(210, 30, 'p')]),
      }),
    ),
  );
  assert.equal(withFile.file, 'pxelinux.0');
  assert.equal(json(withFile, 52), 2);
});

test('values over 255 bytes are split into instances (RFC 3396) and joined again on decode', () => {
  const text = 'x'.repeat(600);
  const msg = dhcpMessageFromFields({
    chaddr: '02:00:00:00:00:02',
    messageType: 'ACK',
    maxSize: 1500,
    options: [{ code: 209, value: { kind: 'text', text } }],
  });
  const { bytes, back } = roundTrip(msg);
  // 53 (3 bytes), then 209 as three instances of 255, 255 and 90 bytes.
  assert.deepEqual(
    [bytes[243], bytes[244], bytes[500], bytes[501], bytes[757], bytes[758]],
    [209, 255, 209, 255, 209, 90],
  );
  assert.equal(json(back, 209), text);
  assert.deepEqual(back.notes, [
    'option 209 (PXELINUX configuration file) appears 3 times: concatenated (RFC 3396)',
  ]);
});
