import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeDhcp,
  dhcpMessageToJson,
  encodeDhcp,
  makeOption,
  summarizeDhcp,
  type DhcpMessage,
} from '../../../src/protocol/dhcp/index.js';
import { frame } from './support/fixtures.js';

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** A 240-byte BOOTREQUEST header with the DHCP cookie, followed by `options` (hex). */
function packet(options: string, patch: (h: Uint8Array) => void = () => undefined): Uint8Array {
  const h = new Uint8Array(240);
  h.set([1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78], 0);
  h.set([0x52, 0x54, 0, 0x12, 0x34, 0x56], 28);
  h.set([99, 130, 83, 99], 236);
  patch(h);
  return Uint8Array.from([...h, ...Buffer.from(options.replace(/\s/g, ''), 'hex')]);
}

function exact(p: Uint8Array): DhcpMessage {
  const m = decodeDhcp(p);
  assert.equal(hex(encodeDhcp(m)), hex(p));
  return m;
}

test('empty and short inputs still give a message and a note', () => {
  const empty = exact(new Uint8Array(0));
  assert.equal(empty.op, 0);
  assert.equal(empty.chaddr, '');
  assert.equal(empty.messageType, null);
  assert.deepEqual(empty.notes, ['truncated BOOTP header: 0 of 236 bytes']);
  assert.equal(summarizeDhcp(empty), 'Unknown BOOTP message type (0)');

  const short = exact(packet('').subarray(0, 31));
  assert.equal(short.xid, 0x12345678);
  assert.equal(short.chaddr, '52:54:00');
  assert.deepEqual(short.notes, ['truncated BOOTP header: 31 of 236 bytes']);
  assert.equal(summarizeDhcp(short), 'Boot Request from 52:54:00');
});

test('plain BOOTP, a cut cookie and a bad cookie', () => {
  const bootp = exact(packet('').subarray(0, 236));
  assert.equal(bootp.messageType, null);
  assert.deepEqual(bootp.notes, ['no vendor area: plain BOOTP without a magic cookie']);
  const cut = exact(packet('').subarray(0, 238));
  assert.deepEqual(cut.notes, ['truncated magic cookie: 2 of 4 bytes']);
  const bad = exact(packet('350101ff', (h) => h.set([1, 2, 3, 4], 236)));
  assert.deepEqual(bad.options, []);
  assert.deepEqual(bad.notes, ['bad magic cookie 0x01020304: vendor area not decoded as options']);
});

test('pads, end, bytes after the end, missing end and truncated options all survive re-encoding', () => {
  const padded = exact(packet('00 350101 0000 3d0701525400123456 ff 000000'));
  assert.deepEqual(
    padded.options.map((o) => o.code),
    [53, 61],
  );
  assert.deepEqual(padded.notes, []);
  assert.deepEqual(exact(packet('350101 ff 00ab')).notes, [
    '2 bytes after the end option in the options area are not zero padding',
  ]);
  assert.deepEqual(exact(packet('350101')).notes, ['missing end option in the options area']);
  const trunc = exact(packet('350101 0c0a6162'));
  assert.deepEqual(trunc.notes, [
    'option 12 (Host Name) at offset 243: length 10 exceeds the 2 remaining bytes',
    'missing end option in the options area',
  ]);
  assert.equal(trunc.options[1].raw.length, 2);
  assert.deepEqual(exact(packet('350101 0c')).notes, [
    'option 12 (Host Name) at offset 243: no length byte',
    'missing end option in the options area',
  ]);
});

test('hlen over 16 and chaddr padding bytes', () => {
  const m = exact(
    packet('350101ff', (h) => {
      h[2] = 20;
      h.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 34);
    }),
  );
  assert.equal(m.chaddr.split(':').length, 16);
  assert.deepEqual(m.notes, ['hlen 20 exceeds the 16-byte chaddr field']);
  // Padding after hlen bytes is not part of chaddr, and still re-encodes (exact() above).
  const padded = exact(packet('350101ff', (h) => h.set([0xee], 40)));
  assert.equal(padded.chaddr, '52:54:00:12:34:56');
});

test('repeated options are one value (RFC 3396) and keep their instance boundaries', () => {
  const m = exact(packet('0c03616263 350101 0c026465 ff'));
  assert.deepEqual(
    m.options.map((o) => o.code),
    [12, 53],
  );
  assert.deepEqual(m.options[0].value, { kind: 'text', text: 'abcde' });
  assert.deepEqual(m.notes, ['option 12 (Host Name) appears 2 times: concatenated (RFC 3396)']);
});

test('overload: file and sname options, 52 inside a field, sname-only overload with a real file name', () => {
  const both = exact(
    packet('350105 340103 ff', (h) => {
      h.set([0x0c, 0x02, 0x68, 0x69, 0xff], 108); // file: host name "hi", end
      h.set([0x0f, 0x01, 0x64, 0x34, 0x01, 0x01, 0xff], 44); // sname: domain "d", a stray 52, end
    }),
  );
  assert.equal(both.file, '');
  assert.equal(both.sname, '');
  assert.deepEqual(
    both.options.map((o) => `${o.code}:${o.source}`),
    ['53:options', '52:options', '12:file', '15:sname'],
  );
  assert.deepEqual(both.notes, [
    'option overload (52) value 3: options continue in the file and sname fields',
    'option overload (52) inside the sname field is ignored',
    'option 52 (Option Overload) appears 2 times: concatenated (RFC 3396)',
    'option 52 (Option Overload): length 2 is not 1 for a u8; kept as hex',
  ]);
  const snameOnly = exact(
    packet('350102 340102 ff', (h) => {
      h.set(Buffer.from('pxelinux.0'), 108);
      h.set([0x03, 0x04, 10, 0, 0, 1], 44); // no end option in sname
    }),
  );
  assert.equal(snameOnly.file, 'pxelinux.0');
  assert.deepEqual(snameOnly.notes, [
    'option overload (52) value 2: options continue in the sname field',
    'missing end option in the sname field (overloaded)',
  ]);
});

test('a decoded message edited by code re-encodes with the edits and the rest of its layout', () => {
  const original = frame('lab__happy-ipxe__capture', 14).payload;
  const m = decodeDhcp(original);
  m.yiaddr = '10.77.0.222';
  m.file = 'undionly.kpxe';
  const bytes = encodeDhcp(m);
  assert.equal(bytes.length, original.length);
  const back = decodeDhcp(bytes);
  assert.equal(back.yiaddr, '10.77.0.222');
  assert.equal(back.file, 'undionly.kpxe');
  // Nothing else moved: the option area, its padding and the header are the same bytes.
  assert.equal(hex(bytes.subarray(240)), hex(original.subarray(240)));
  assert.equal(hex(bytes.subarray(0, 16)), hex(original.subarray(0, 16)));

  // An option whose value changes length is rewritten in place; a new one goes before the end option.
  const o67 = m.options.findIndex((o) => o.code === 67);
  m.options[o67] = makeOption({ code: 67, value: { kind: 'text', text: 'http://10.77.0.1/boot.ipxe' } });
  m.options.push(makeOption({ code: 66, value: { kind: 'text', text: '10.77.0.1' } }));
  m.options = m.options.filter((o) => o.code !== 28);
  const edited = decodeDhcp(encodeDhcp(m));
  assert.deepEqual(
    edited.options.map((o) => o.code),
    [53, 54, 51, 67, 58, 59, 1, 3, 66],
  );
  assert.deepEqual(dhcpMessageToJson(edited), { ...(dhcpMessageToJson(m) as object), notes: [] });
});

test('an overloaded message whose fields are set by code is re-encoded canonically', () => {
  const m = decodeDhcp(frame('public__sv__dhcp-option-52-overload__input', 4).payload);
  m.sname = 'tftp.example';
  m.options = m.options.filter((o) => o.code !== 52);
  const back = decodeDhcp(encodeDhcp(m));
  assert.equal(back.sname, 'tftp.example');
  assert.deepEqual(
    back.options.map((o) => `${o.code}:${o.source}`),
    ['53:options', '54:options', '51:options', '1:options', '6:options', '3:options', '15:options'],
  );
  assert.deepEqual(back.notes, []);
});

test('secs sent little-endian (EDK2) reads as tshark shows it and re-encodes as sent', () => {
  // lab-failures pxeclient-no-proxy frames 14-22: secs bytes 01 00 / 02 00 / 03 00, tshark "Seconds elapsed: 1/2/3".
  const p = packet('350101ff', (h) => h.set([1, 0], 8));
  const m = exact(p);
  assert.equal(m.secs, 1);
  assert.deepEqual(m.notes, ['secs appears little-endian (bytes 1 0): read as 1']);
  m.secs = 9;
  assert.deepEqual([...encodeDhcp(m).subarray(8, 10)], [0, 9]);
});
