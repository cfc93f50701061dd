import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  archFamily,
  archName,
  decodeOptionValue,
  dhcpOptionName,
  encodeOption,
  optionValueToJson,
  pxeVendorValue,
  type DecodeContext,
  type DhcpOptionValue,
} from '../../../src/protocol/dhcp/index.js';
import { PXE_DISCOVERY_CONTROL_3_JSON } from './support/fixtures.js';

const PXE: DecodeContext = { vendorClass: 'PXEClient:Arch:00000:UNDI:002001', note: () => undefined };
const NONE: DecodeContext = { vendorClass: null, note: () => undefined };

function bytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.replace(/\s/g, ''), 'hex'));
}

/** decode then encode gives the same bytes, and encode then decode the same value. */
function symmetric(code: number, hex: string, expected: DhcpOptionValue, ctx = NONE): void {
  const raw = bytes(hex);
  const value = decodeOptionValue(code, raw, ctx);
  assert.deepEqual(value, expected, `option ${code} decode`);
  assert.deepEqual(Buffer.from(encodeOption(code, value)).toString('hex'), Buffer.from(raw).toString('hex'));
}

test('names: Wireshark-like and stable', () => {
  assert.equal(dhcpOptionName(1), 'Subnet Mask');
  assert.equal(dhcpOptionName(6), 'Domain Name Server');
  assert.equal(dhcpOptionName(43), 'Vendor-Specific Information');
  assert.equal(dhcpOptionName(53), 'DHCP Message Type');
  assert.equal(dhcpOptionName(54), 'DHCP Server Identifier');
  assert.equal(dhcpOptionName(60), 'Vendor class identifier');
  assert.equal(dhcpOptionName(66), 'TFTP Server Name');
  assert.equal(dhcpOptionName(67), 'Bootfile name');
  assert.equal(dhcpOptionName(77), 'User Class Information');
  assert.equal(dhcpOptionName(82), 'Relay Agent Information');
  assert.equal(dhcpOptionName(93), 'Client System Architecture');
  assert.equal(dhcpOptionName(94), 'Client Network Device Interface');
  assert.equal(dhcpOptionName(97), 'UUID/GUID-based Client Identifier');
  assert.equal(dhcpOptionName(150), 'TFTP Server Address');
  assert.equal(dhcpOptionName(175), 'iPXE Encapsulated Options');
  assert.equal(dhcpOptionName(208), 'PXELINUX Magic');
  assert.equal(dhcpOptionName(209), 'PXELINUX configuration file');
  assert.equal(dhcpOptionName(210), 'PXELINUX path prefix');
  assert.equal(dhcpOptionName(211), 'PXELINUX reboot time');
  assert.equal(dhcpOptionName(224), 'Private');
  assert.equal(dhcpOptionName(254), 'Private');
  assert.equal(dhcpOptionName(203), 'Unknown (203)');
  assert.equal(dhcpOptionName(84), 'Unknown (84)');
});

test('addresses, integers, times, flags', () => {
  symmetric(1, 'ffffff00', { kind: 'ip', ip: '255.255.255.0' });
  symmetric(6, '0a000001 0a000002', { kind: 'ipList', ips: ['10.0.0.1', '10.0.0.2'] });
  symmetric(68, '', { kind: 'ipList', ips: [] });
  symmetric(33, '0a000001 0a000002', { kind: 'ipPairs', pairs: [['10.0.0.1', '10.0.0.2']] });
  symmetric(57, '05c0', { kind: 'u16', value: 1472 });
  symmetric(23, '40', { kind: 'u8', value: 64 });
  symmetric(51, 'ffffffff', { kind: 'seconds', seconds: 4294967295 });
  symmetric(2, 'ffffb9b0', { kind: 'i32', value: -18000 });
  symmetric(19, '01', { kind: 'bool', value: true });
  symmetric(211, '0000012c', { kind: 'seconds', seconds: 300 });
  symmetric(52, '03', { kind: 'u8', value: 3 });
  symmetric(53, '01', { kind: 'messageType', code: 1, name: 'DISCOVER' });
  symmetric(53, '12', { kind: 'messageType', code: 18, name: 'TLS' });
  symmetric(53, '6a', { kind: 'messageType', code: 106, name: 'UNKNOWN(106)' });
  symmetric(55, '01030643', { kind: 'codes', codes: [1, 3, 6, 67] });
  symmetric(208, 'f100747e', { kind: 'hex', hex: 'f100747e' });
  symmetric(200, '0102', { kind: 'hex', hex: '0102' });
});

test('values that do not fit their type stay hex, with a note', () => {
  const notes: string[] = [];
  const ctx = { vendorClass: null, note: (n: string) => notes.push(n) };
  assert.deepEqual(decodeOptionValue(3, bytes('0a0000'), ctx), { kind: 'hex', hex: '0a0000' });
  assert.deepEqual(decodeOptionValue(57, bytes('05'), ctx), { kind: 'hex', hex: '05' });
  assert.deepEqual(decodeOptionValue(19, bytes('02'), ctx), { kind: 'hex', hex: '02' });
  assert.deepEqual(decodeOptionValue(97, bytes('00'), ctx), { kind: 'hex', hex: '00' });
  assert.deepEqual(notes, [
    'option 3 (Router): length 3 is not a multiple of 4 for an IPv4 address list; kept as hex',
    'option 57 (Maximum DHCP Message Size): length 1 is not 2 for a u16; kept as hex',
    'option 19 (IP Forwarding): flag value 2 is neither 0 nor 1; kept as hex',
    'option 97 (UUID/GUID-based Client Identifier): length 1 is not 17 for a type + UUID; kept as hex',
  ]);
  // A hex value encodes for any code: that is how such an option goes back on the wire.
  assert.deepEqual(encodeOption(3, { kind: 'hex', hex: '0a0000' }), bytes('0a0000'));
  assert.throws(() => encodeOption(3, { kind: 'u8', value: 1 }), TypeError);
});

test('text: literal when printable, reversible escapes otherwise, trailing NUL kept aside', () => {
  symmetric(67, '7078656c696e75782e30', { kind: 'text', text: 'pxelinux.0' });
  symmetric(67, '626f6f742e6970786500', { kind: 'text', text: 'boot.ipxe', nulTerminated: true });
  // WDS: backslashes are not escapes in plain text.
  symmetric(67, '626f6f745c7838365c7764736e62702e636f6d', { kind: 'text', text: 'boot\\x86\\wdsnbp.com' });
  // A control byte switches the whole string to escaped form (backslash too), so it still reverses exactly.
  symmetric(12, '615c0162', { kind: 'text', text: 'a\\x5c\\x01b', escaped: true });
  symmetric(12, 'c3a9', { kind: 'text', text: '\\xc3\\xa9', escaped: true });
  assert.equal(optionValueToJson({ kind: 'text', text: 'boot.ipxe', nulTerminated: true }), 'boot.ipxe');
  // Code writes literal text; UTF-8 on the wire.
  assert.deepEqual(encodeOption(12, { kind: 'text', text: 'é' }), bytes('c3a9'));
});

test('client identifier (61)', () => {
  symmetric(61, '01525400123456', {
    kind: 'clientId',
    type: 1,
    hex: '525400123456',
    mac: '52:54:00:12:34:56',
  });
  symmetric(61, '00666f6f', { kind: 'clientId', type: 0, hex: '666f6f', text: 'foo' });
  symmetric(61, 'ff00000001000100', { kind: 'clientId', type: 255, hex: '00000001000100' });
  assert.deepEqual(
    encodeOption(61, { kind: 'clientId', type: 1, mac: '52:54:00:12:34:56' }),
    bytes('01525400123456'),
  );
  assert.deepEqual(optionValueToJson({ kind: 'clientId', type: 1, mac: 'aa:bb' }), { type: 1, mac: 'aa:bb' });
});

test('user class (77): RFC 3004 list or raw text (iPXE)', () => {
  symmetric(77, '69505845', { kind: 'userClass', format: 'raw', text: 'iPXE' });
  symmetric(77, '0461626364 0178', { kind: 'userClass', format: 'rfc3004', classes: ['abcd', 'x'] });
  // A zero length or a length past the end is not RFC 3004.
  symmetric(77, '0061', { kind: 'userClass', format: 'raw', text: '\\x00a', escaped: true });
  symmetric(77, '05616263', { kind: 'userClass', format: 'raw', text: '\\x05abc', escaped: true });
  symmetric(77, '02615c 0101', {
    kind: 'userClass',
    format: 'rfc3004',
    classes: ['a\\x5c', '\\x01'],
    escaped: true,
  });
  assert.deepEqual(optionValueToJson({ kind: 'userClass', format: 'raw', text: 'iPXE' }), {
    format: 'raw',
    text: 'iPXE',
  });
});

test('architecture (93): names, families, lists', () => {
  symmetric(93, '0000', { kind: 'arch', archs: [{ code: 0, name: 'x86 BIOS' }] });
  symmetric(93, '0007 0009', {
    kind: 'arch',
    archs: [
      { code: 7, name: 'x64 UEFI' },
      { code: 9, name: 'EFI BC (x64 UEFI)' },
    ],
  });
  assert.equal(archName(16), 'x64 UEFI HTTP');
  assert.equal(archName(41), 'ARM rpiboot');
  assert.equal(archName(42), 'Unknown (42)');
  assert.equal(archFamily(0), 'bios');
  for (const c of [6, 7, 9, 10, 11, 25, 27, 39]) assert.equal(archFamily(c), 'uefi', `arch ${c}`);
  for (const c of [15, 16, 19, 40]) assert.equal(archFamily(c), 'uefi-http', `arch ${c}`);
  for (const c of [1, 12, 20, 21, 31, 41, 999]) assert.equal(archFamily(c), 'other', `arch ${c}`);
  assert.deepEqual(decodeOptionValue(93, bytes('000700'), NONE), { kind: 'hex', hex: '000700' });
});

test('UUID (97): wire order and SMBIOS order', () => {
  symmetric(97, '00 1e1b5f8a1d7c2e4c9b9a0123456789ab', {
    kind: 'uuid',
    type: 0,
    uuid: '1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab',
    smbiosUuid: '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab',
  });
});

test('relay agent information (82)', () => {
  symmetric(82, '0103616263 02020102 05040a000001 0603787978', {
    kind: 'relayAgent',
    suboptions: [
      { code: 1, name: 'Agent Circuit ID', value: { kind: 'hex', hex: '616263' } },
      { code: 2, name: 'Agent Remote ID', value: { kind: 'hex', hex: '0102' } },
      { code: 5, name: 'Link selection', value: { kind: 'ip', ip: '10.0.0.1' } },
      { code: 6, name: 'Subscriber-ID', value: { kind: 'text', text: 'xyx' } },
    ],
  });
  // A sub-option running past the end: the whole option is hex.
  assert.equal(decodeOptionValue(82, bytes('0105aa'), NONE).kind, 'hex');
});

test('PXE vendor options (43) only under a PXEClient vendor class', () => {
  const hex =
    '060103 0104e0000102 02020fa0 03020fa1 040105 050101 080b8000020102030405060708 ' +
    '0a0403414243 4704800000ff ff';
  const value = decodeOptionValue(43, bytes(hex), PXE);
  assert.deepEqual(optionValueToJson(value), [
    PXE_DISCOVERY_CONTROL_3_JSON,
    { code: 1, name: 'PXE mtftp IP', value: '224.0.1.2' },
    { code: 2, name: 'PXE mtftp client port', value: 4000 },
    { code: 3, name: 'PXE mtftp server port', value: 4001 },
    { code: 4, name: 'PXE mtftp timeout', value: 5 },
    { code: 5, name: 'PXE mtftp delay', value: 1 },
    { code: 8, name: 'PXE boot servers', value: [{ type: 32768, ips: ['1.2.3.4', '5.6.7.8'] }] },
    { code: 10, name: 'PXE menu prompt', value: { timeout: 3, prompt: 'ABC' } },
    { code: 71, name: 'PXE boot item', value: { type: 32768, layer: 255 } },
    { code: 255, name: 'PXE End', value: null },
  ]);
  assert.deepEqual(encodeOption(43, value), bytes(hex));
  // Zero padding after the end is kept; anything else after it makes the option hex.
  symmetric(
    43,
    '0601 08ff 0000',
    {
      kind: 'pxe',
      suboptions: [
        {
          code: 6,
          name: 'PXE discovery control',
          value: {
            kind: 'discoveryControl',
            bits: 8,
            disableBroadcast: false,
            disableMulticast: false,
            serverListOnly: false,
            bootFileFromOffer: true,
          },
        },
        { code: 255, name: 'PXE End', value: { kind: 'none' } },
        { code: 0, name: 'Padding', value: { kind: 'none' } },
        { code: 0, name: 'Padding', value: { kind: 'none' } },
      ],
    },
    PXE,
  );
  assert.equal(decodeOptionValue(43, bytes('060108ff01'), PXE).kind, 'hex');
  assert.deepEqual(decodeOptionValue(43, bytes('060108ff'), NONE), { kind: 'hex', hex: '060108ff' });
  // A sub-option of the wrong size stays hex inside a decoded option 43, with a note.
  const notes: string[] = [];
  const v = decodeOptionValue(43, bytes('0102aabb ff'), {
    vendorClass: 'PXEClient',
    note: (n) => notes.push(n),
  });
  assert.deepEqual(optionValueToJson(v), [
    { code: 1, name: 'PXE mtftp IP', value: 'aabb' },
    { code: 255, name: 'PXE End', value: null },
  ]);
  assert.deepEqual(notes, [
    'option 43 sub-option 1 (PXE mtftp IP): length 2 is not 4 for an IPv4 address; kept as hex',
  ]);
  // The builder adds the end marker.
  assert.deepEqual(
    encodeOption(
      43,
      pxeVendorValue([{ code: 9, value: { kind: 'bootMenu', items: [{ type: 0, description: 'Local' }] } }]),
    ),
    bytes('0908 0000 05 4c6f63616c ff'),
  );
});

test('iPXE encapsulated options (175)', () => {
  const hex = 'b105018086100e eb03010203 010180 1301 01 51036162 63 ff';
  const value = decodeOptionValue(175, bytes(hex), NONE);
  assert.deepEqual(optionValueToJson(value), [
    { code: 0xb1, name: 'Bus ID', value: { busType: 1, vendor: '8086', device: '100e' } },
    { code: 0xeb, name: 'Version', value: '1.2.3' },
    { code: 0x01, name: 'Priority', value: -128 },
    { code: 0x13, name: 'Feature HTTP', value: 1 },
    { code: 0x51, name: 'Scriptlet', value: 'abc' },
    { code: 0xff, name: 'End', value: null },
  ]);
  assert.deepEqual(encodeOption(175, value), bytes(hex));
});
