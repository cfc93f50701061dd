import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  checkTftpOption,
  decodeTftp,
  encodeTftp,
  summarizeTftp,
  tftpAck,
  tftpData,
  tftpError,
  tftpErrorName,
  tftpNumericOption,
  tftpOack,
  tftpRrq,
  tftpWrq,
  unwrapBlock,
  type TftpPacket,
} from '../../../src/protocol/tftp/index.js';

/** Bytes from a mix of strings (latin1, one byte per char) and byte values. */
function wire(...parts: (string | number)[]): Uint8Array {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === 'number') out.push(p);
    else for (const ch of p) out.push(ch.charCodeAt(0));
  }
  return Uint8Array.from(out);
}

/** Decodes, checks the byte-exact round trip, returns the packet. */
function roundTrip(bytes: Uint8Array): TftpPacket {
  const pkt = decodeTftp(bytes);
  assert.deepEqual(encodeTftp(pkt), bytes);
  return pkt;
}

describe('TFTP decode', () => {
  test('RRQ with options', () => {
    const pkt = roundTrip(
      wire(0, 1, 'pxelinux.0', 0, 'octet', 0, 'blksize', 0, '1432', 0, 'tsize', 0, '0', 0),
    );
    assert.deepEqual(pkt, {
      opcode: 'RRQ',
      filename: 'pxelinux.0',
      mode: 'octet',
      options: { blksize: '1432', tsize: '0' },
      optionList: [
        { name: 'blksize', value: '1432' },
        { name: 'tsize', value: '0' },
      ],
      notes: [],
    });
    assert.equal(tftpNumericOption(pkt, 'BLKSIZE'), 1432);
    assert.equal(tftpNumericOption(pkt, 'windowsize'), null);
    assert.equal(tftpNumericOption(pkt, 'constructor'), null);
  });

  test('DATA without keeping the file bytes: only its length is kept', () => {
    const bytes = wire(0, 3, 0, 7, 'abcdef');
    const kept = decodeTftp(bytes);
    const lean = decodeTftp(bytes, { keepData: false });
    assert.deepEqual(lean, kept, 'same enumerable fields');
    assert.equal(lean.dataLength, 6);
    assert.equal(lean.data, undefined);
    assert.deepEqual(kept.data, wire('abcdef'));
    bytes[4] = 0x41;
    assert.deepEqual(kept.data, wire('abcdef'), 'kept bytes are a copy');
  });

  test('WRQ without options', () => {
    const pkt = roundTrip(wire(0, 2, 'rfc1350.txt', 0, 'netascii', 0));
    assert.deepEqual(pkt, {
      opcode: 'WRQ',
      filename: 'rfc1350.txt',
      mode: 'netascii',
      options: {},
      optionList: [],
      notes: [],
    });
  });

  test('missing final NUL', () => {
    assert.deepEqual(roundTrip(wire(0, 1, 'f', 0, 'octet')).notes, ['missing NUL after mode']);
    assert.deepEqual(roundTrip(wire(0, 1, 'f', 0, 'octet', 0, 'tsize', 0, '0')).notes, [
      'missing NUL after value of option "tsize"',
    ]);
    assert.deepEqual(roundTrip(wire(0, 6, 'blksize', 0, '512')).notes, [
      'missing NUL after value of option "blksize"',
    ]);
  });

  test('odd option count, and an empty value, stay distinct on the wire', () => {
    const dangling = roundTrip(wire(0, 1, 'f', 0, 'octet', 0, 'blksize', 0));
    const empty = roundTrip(wire(0, 1, 'f', 0, 'octet', 0, 'blksize', 0, 0));
    assert.deepEqual(dangling.optionList, [{ name: 'blksize', value: '' }]);
    assert.deepEqual(empty.optionList, [{ name: 'blksize', value: '' }]);
    assert.deepEqual(dangling.notes, ['odd option count: option "blksize" has no value']);
    assert.deepEqual(empty.notes, ['blksize is not a number: ""']);
    const both = roundTrip(wire(0, 1, 'f', 0, 'octet', 0, 'blksize'));
    assert.deepEqual(both.notes, [
      'odd option count: option "blksize" has no value',
      'missing NUL after option name "blksize"',
    ]);
  });

  test('option case, duplicates and order are kept', () => {
    const pkt = roundTrip(
      wire(0, 1, 'f', 0, 'OcTeT', 0, 'BLKSIZE', 0, '1432', 0, 'tsize', 0, '0', 0, 'blksize', 0, '512', 0),
    );
    assert.equal(pkt.mode, 'OcTeT');
    assert.deepEqual(pkt.options, { blksize: '1432', tsize: '0' });
    assert.deepEqual(
      pkt.optionList?.map((o) => o.name),
      ['BLKSIZE', 'tsize', 'blksize'],
    );
    assert.deepEqual(pkt.notes, ['duplicate option blksize']);
  });

  test('option values outside their RFC ranges', () => {
    const notes = (name: string, value: string): string[] =>
      roundTrip(wire(0, 1, 'f', 0, 'octet', 0, name, 0, value, 0)).notes;
    assert.deepEqual(notes('blksize', '7'), ['blksize 7 outside 8–65464']);
    assert.deepEqual(notes('blksize', '65465'), ['blksize 65465 outside 8–65464']);
    assert.deepEqual(notes('blksize', '8'), []);
    assert.deepEqual(notes('blksize', '65464'), []);
    assert.deepEqual(notes('blksize', '1432x'), ['blksize is not a number: "1432x"']);
    assert.deepEqual(notes('windowsize', '0'), ['windowsize 0 outside 1–65535']);
    assert.deepEqual(notes('windowsize', '65536'), ['windowsize 65536 outside 1–65535']);
    assert.deepEqual(notes('timeout', '0'), ['timeout 0 outside 1–255']);
    assert.deepEqual(notes('timeout', '256'), ['timeout 256 outside 1–255']);
    assert.deepEqual(notes('Timeout', '255'), []);
    assert.deepEqual(notes('tsize', '-1'), ['tsize is not a number: "-1"']);
    assert.deepEqual(notes('x-vendor', 'anything'), []);
    assert.equal(checkTftpOption('BlkSize', '100000'), 'blksize 100000 outside 8–65464');
    const oack = roundTrip(wire(0, 6, 'blksize', 0, '4', 0));
    assert.deepEqual(oack.notes, ['blksize 4 outside 8–65464']);
  });

  test('filenames: empty, missing, non-printable, backslashes', () => {
    assert.deepEqual(roundTrip(wire(0, 1, 0, 'octet', 0)).notes, ['empty filename']);
    assert.deepEqual(roundTrip(wire(0, 1)).notes, ['missing filename']);
    assert.deepEqual(roundTrip(wire(0, 1, 'x', 0)).notes, ['missing transfer mode']);
    const odd = roundTrip(wire(0, 1, 'a', 1, 0x86, 0x7f, '\\x', 0, 'octet', 0));
    assert.equal(odd.filename, 'a\\x01\\x86\\x7f\\x');
    assert.deepEqual(odd.notes, ['non-printable bytes in filename']);
    // WDS paths: a literal "\x86" that must come back as four bytes, not as 0x86.
    const wds = roundTrip(wire(0, 1, 'boot\\x86\\wdsnbp.com', 0, 'octet', 0));
    assert.equal(wds.filename, 'boot\\x86\\wdsnbp.com');
    assert.deepEqual(wds.notes, []);
    assert.deepEqual(roundTrip(wire(0, 1, 'f', 0, 'binary', 0)).notes, ['unknown transfer mode "binary"']);
  });

  test('option names that are also Object.prototype members', () => {
    const pkt = roundTrip(wire(0, 6, '__proto__', 0, '1', 0, 'constructor', 0, '2', 0));
    assert.equal(Object.getPrototypeOf(pkt.options), Object.prototype);
    assert.deepEqual(Object.keys(pkt.options ?? {}), ['__proto__', 'constructor']);
    assert.equal(JSON.stringify(pkt.options), '{"__proto__":"1","constructor":"2"}');
  });

  test('ERROR variants', () => {
    const ok = roundTrip(wire(0, 5, 0, 1, 'File not found', 0));
    assert.deepEqual(ok, { opcode: 'ERROR', errorCode: 1, errorMessage: 'File not found', notes: [] });
    assert.deepEqual(roundTrip(wire(0, 5, 0, 2, 'denied')).notes, ['missing NUL after error message']);
    assert.deepEqual(roundTrip(wire(0, 5, 0, 0, 'x', 0, 0, 0)).notes, ['2 bytes after the error message']);
    const bare = roundTrip(wire(0, 5, 0, 8));
    assert.deepEqual(bare, { opcode: 'ERROR', errorCode: 8, notes: ['missing error message'] });
    assert.deepEqual(roundTrip(wire(0, 5, 0)), { opcode: 'ERROR', notes: ['truncated: no error code'] });
    assert.deepEqual(roundTrip(wire(0, 5, 0, 9, 0)).notes, ['unknown error code 9']);
    assert.equal(roundTrip(wire(0, 5, 0, 1, 'bad\nline', 0)).errorMessage, 'bad\\x0aline');
  });

  test('DATA and ACK variants', () => {
    const data = roundTrip(wire(0, 3, 0, 7, 1, 2, 3));
    assert.deepEqual(data, { opcode: 'DATA', block: 7, dataLength: 3, notes: [] });
    assert.deepEqual(data.data, Uint8Array.of(1, 2, 3));
    assert.equal(JSON.stringify(data), '{"opcode":"DATA","notes":[],"block":7,"dataLength":3}');
    assert.deepEqual(roundTrip(wire(0, 3, 0, 1)), { opcode: 'DATA', block: 1, dataLength: 0, notes: [] });
    assert.deepEqual(roundTrip(wire(0, 3, 0)), { opcode: 'DATA', notes: ['truncated: no block number'] });
    assert.deepEqual(roundTrip(wire(0, 4, 0xff, 0xff)), { opcode: 'ACK', block: 65535, notes: [] });
    assert.deepEqual(roundTrip(wire(0, 4, 0, 2, 4)).notes, ['1 bytes after the ACK block number']);
    assert.deepEqual(roundTrip(wire(0, 4)), { opcode: 'ACK', notes: ['truncated: no block number'] });
  });

  test('OACK variants', () => {
    assert.deepEqual(roundTrip(wire(0, 6)), {
      opcode: 'OACK',
      options: {},
      optionList: [],
      notes: ['OACK without options'],
    });
    assert.deepEqual(roundTrip(wire(0, 6, 'tsize', 0, '42430', 0)).options, { tsize: '42430' });
  });

  test('unknown and missing opcodes', () => {
    const unknown = roundTrip(wire(0, 9, 1, 2));
    assert.deepEqual(unknown, { opcode: 'UNKNOWN(9)', dataLength: 2, notes: ['unknown opcode 9'] });
    assert.equal(roundTrip(wire(0, 0)).opcode, 'UNKNOWN(0)');
    assert.equal(roundTrip(wire(0xff, 0xff, 0)).opcode, 'UNKNOWN(65535)');
    assert.deepEqual(roundTrip(wire()), { opcode: 'UNKNOWN(-1)', notes: ['truncated: no opcode'] });
    assert.deepEqual(roundTrip(wire(3)), { opcode: 'UNKNOWN(-1)', notes: ['truncated: no opcode'] });
  });

  test('decoding copies: later changes to the buffer do not leak in', () => {
    const bytes = wire(0, 1, 'a', 0, 'octet', 0);
    const pkt = decodeTftp(bytes);
    bytes.fill(0x41);
    assert.deepEqual(encodeTftp(pkt), wire(0, 1, 'a', 0, 'octet', 0));
    // Node Buffers (what fs reads give) slice to views: the decoder must still copy.
    const buffer = Buffer.from([0, 3, 0, 1, 7, 7, 0, 5, 0, 0, 1, 0]);
    const data = decodeTftp(buffer.subarray(0, 6));
    const error = decodeTftp(buffer.subarray(6));
    buffer.fill(0x41);
    assert.deepEqual(data.data, Uint8Array.of(7, 7));
    assert.deepEqual(encodeTftp(data), Uint8Array.of(0, 3, 0, 1, 7, 7));
    assert.deepEqual(encodeTftp(error), Uint8Array.of(0, 5, 0, 0, 1, 0));
  });
});

describe('TFTP encode of changed or hand-made packets', () => {
  test('a changed string is written as UTF-8, the rest stays exact', () => {
    const pkt = decodeTftp(wire(0, 1, 'a', 1, 0, 'OCTET', 0, 'blksize'));
    pkt.filename = 'é';
    assert.deepEqual(encodeTftp(pkt), wire(0, 1, 0xc3, 0xa9, 0, 'OCTET', 0, 'blksize'));
  });

  test('a copy of a packet encodes canonically', () => {
    const pkt = decodeTftp(wire(0, 1, 'f', 0, 'octet', 0, 'blksize'));
    assert.deepEqual(encodeTftp({ ...pkt }), wire(0, 1, 'f', 0, 'octet', 0, 'blksize', 0, 0));
    const literal: TftpPacket = { opcode: 'ERROR', errorCode: 1, errorMessage: 'nope', notes: [] };
    assert.deepEqual(encodeTftp(literal), wire(0, 5, 0, 1, 'nope', 0));
  });

  test('impossible values throw', () => {
    assert.throws(() => encodeTftp({ opcode: 'ACK', block: 65536, notes: [] }), RangeError);
    assert.throws(
      () => encodeTftp({ opcode: 'ERROR', errorCode: 1, errorMessage: 'a\u0000b', notes: [] }),
      RangeError,
    );
  });
});

describe('TFTP builders', () => {
  test('build the expected bytes and the same packet decode gives', () => {
    const rrq = tftpRrq('pxelinux.0', 'octet', { blksize: 1432, tsize: 0 });
    assert.deepEqual(
      encodeTftp(rrq),
      wire(0, 1, 'pxelinux.0', 0, 'octet', 0, 'blksize', 0, '1432', 0, 'tsize', 0, '0', 0),
    );
    assert.deepEqual(rrq, decodeTftp(encodeTftp(rrq)));
    assert.deepEqual(encodeTftp(tftpWrq('up.bin')), wire(0, 2, 'up.bin', 0, 'octet', 0));
    const listed = tftpRrq('f', 'netascii', [
      { name: 'blksize', value: '8' },
      { name: 'blksize', value: '9' },
    ]);
    assert.deepEqual(listed.notes, ['duplicate option blksize']);
    assert.deepEqual(encodeTftp(tftpData(2, Uint8Array.of(9, 8))), wire(0, 3, 0, 2, 9, 8));
    assert.deepEqual(tftpData(2, Uint8Array.of(9, 8)).data, Uint8Array.of(9, 8));
    assert.deepEqual(encodeTftp(tftpAck(0)), wire(0, 4, 0, 0));
    assert.deepEqual(encodeTftp(tftpError(1, 'File not found')), wire(0, 5, 0, 1, 'File not found', 0));
    assert.deepEqual(
      encodeTftp(tftpOack({ blksize: '1432', tsize: 42430 })),
      wire(0, 6, 'blksize', 0, '1432', 0, 'tsize', 0, '42430', 0),
    );
    const wds = tftpRrq('boot\\x86\\wdsnbp.com');
    assert.deepEqual(encodeTftp(wds), wire(0, 1, 'boot\\x86\\wdsnbp.com', 0, 'octet', 0));
  });

  test('refuse what cannot go on the wire', () => {
    assert.throws(() => tftpAck(-1), RangeError);
    assert.throws(() => tftpData(65536, new Uint8Array(0)), RangeError);
    assert.throws(() => tftpError(1.5, 'x'), RangeError);
    assert.throws(() => tftpRrq('a\u0000b'), RangeError);
    assert.throws(() => tftpOack({ 'a\u0000': '1' }), RangeError);
  });
});

describe('TFTP summaries (tshark Info column)', () => {
  test('each opcode', () => {
    assert.equal(
      summarizeTftp(tftpRrq('pxelinux.0', 'octet', { blksize: 1432, tsize: 0 })),
      'Read Request, File: pxelinux.0, Transfer type: octet, blksize=1432, tsize=0',
    );
    assert.equal(summarizeTftp(tftpWrq('x', 'netascii')), 'Write Request, File: x, Transfer type: netascii');
    assert.equal(summarizeTftp(tftpData(1, new Uint8Array(512))), 'Data Packet, Block: 1');
    assert.equal(summarizeTftp(tftpData(3, new Uint8Array(93))), 'Data Packet, Block: 3 (last)');
    assert.equal(summarizeTftp(tftpData(3, new Uint8Array(1431)), 1432), 'Data Packet, Block: 3 (last)');
    assert.equal(summarizeTftp(tftpData(3, new Uint8Array(1432)), 1432), 'Data Packet, Block: 3');
    assert.equal(summarizeTftp(tftpAck(0)), 'Acknowledgement, Block: 0');
    assert.equal(
      summarizeTftp(tftpOack({ blksize: 1432, tsize: 42430 })),
      'Option Acknowledgement, blksize=1432, tsize=42430',
    );
    assert.equal(summarizeTftp(tftpError(1, 'nope')), 'Error Code, Code: File not found, Message: nope');
    assert.equal(summarizeTftp(tftpError(4, 'x')), 'Error Code, Code: Illegal TFTP Operation, Message: x');
    assert.equal(summarizeTftp(tftpError(42, 'x')), 'Error Code, Code: Unknown (42), Message: x');
    assert.equal(summarizeTftp(decodeTftp(wire(0, 9))), 'Unknown (0x0009)');
    assert.equal(summarizeTftp(decodeTftp(wire(0, 255, 'a', 0, 'b', 0))), 'Information (MSDP)');
    assert.equal(summarizeTftp(decodeTftp(wire(0))), 'Malformed (no opcode)');
    assert.equal(summarizeTftp(decodeTftp(wire(0, 1))), 'Read Request');
  });

  test('error code names', () => {
    assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map(tftpErrorName), [
      'Not defined',
      'File not found',
      'Access violation',
      'Disk full or allocation exceeded',
      'Illegal TFTP operation',
      'Unknown transfer ID',
      'File already exists',
      'No such user',
      'Option negotiation failed',
      'Unknown (9)',
    ]);
  });
});

describe('block number wrap', () => {
  test('wrap to 0', () => {
    let abs = 0;
    const seen: number[] = [];
    for (const wire16 of [1, 2, 65534, 65535, 0, 1, 0, 2]) {
      // Jumps are fine as long as they are under 32768 blocks away.
      abs = unwrapBlock(abs, wire16);
      seen.push(abs);
    }
    assert.deepEqual(seen, [1, 2, 65534, 65535, 65536, 65537, 65536, 65538]);
    assert.equal(unwrapBlock(0, 0), 0);
    assert.equal(
      unwrapBlock(3, 65535),
      65535,
      'never below zero: a stray block near the start is taken as is',
    );
    assert.equal(unwrapBlock(131071, 0), 131072);
  });

  test('wrap to 1', () => {
    let abs = 65534;
    const seen: number[] = [];
    for (const wire16 of [65535, 1, 2, 1, 65535, 3]) {
      abs = unwrapBlock(abs, wire16, 1);
      seen.push(abs);
    }
    assert.deepEqual(seen, [65535, 65536, 65537, 65536, 65535, 65538]);
    assert.equal(unwrapBlock(0, 0, 1), 0, 'ACK 0 of an OACK');
    assert.equal(unwrapBlock(0, 1, 1), 1);
    assert.equal(unwrapBlock(65535 * 2, 1, 1), 65535 * 2 + 1);
  });
});
