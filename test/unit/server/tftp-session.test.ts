/** The pure TFTP transfer state machine, driven event by event. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  decodeTftp,
  encodeTftp,
  tftpAck,
  tftpData,
  tftpError,
  tftpRrq,
  tftpWrq,
  type TftpOptionsInput,
  type TftpPacket,
} from '../../../src/protocol/tftp/index.js';
import {
  TftpSession,
  tftpDataPacket,
  type TftpDataBlock,
  type TftpSessionAction,
  type TftpSessionLimits,
  type TftpTransferOutcome,
} from '../../../src/server/tftp/session.js';

const PEER = { address: '192.0.2.10', port: 2070 };

function session(
  options: TftpOptionsInput = {},
  limits: TftpSessionLimits = {},
  request: TftpPacket = tftpRrq('pxelinux.0', 'octet', options),
): TftpSession {
  return new TftpSession(request, PEER, 0, limits);
}

function ack(s: TftpSession, block: number, now = 1): TftpSessionAction[] {
  return s.receive(encodeTftp(tftpAck(block)), PEER, now);
}

function dataOf(actions: TftpSessionAction[]): TftpDataBlock[] {
  const sends = actions.filter((a) => a.type === 'send-data');
  assert.ok(sends.length <= 1);
  return sends.length === 0 ? [] : sends[0].blocks;
}

function blockNumbers(actions: TftpSessionAction[]): number[] {
  return dataOf(actions).map((b) => b.block);
}

function sent(actions: TftpSessionAction[]): TftpPacket[] {
  return actions.flatMap((a) => (a.type === 'send' ? [decodeTftp(a.bytes)] : []));
}

function timerOf(actions: TftpSessionAction[]): number | null {
  const t = actions.find((a) => a.type === 'timer');
  return t === undefined ? null : t.ms;
}

function outcomeOf(actions: TftpSessionAction[]): TftpTransferOutcome | null {
  const d = actions.find((a) => a.type === 'done');
  return d === undefined ? null : d.outcome;
}

describe('TFTP session: lockstep (RFC 1350)', () => {
  test('no options: DATA 1 at once, one block per ACK, a final empty block, complete', () => {
    const s = session();
    let actions = s.start({ size: 1024 }, 0);
    assert.deepEqual(sent(actions), [], 'no OACK without options');
    assert.deepEqual(dataOf(actions), [{ block: 1, wire: 1, offset: 0, length: 512 }]);
    assert.equal(timerOf(actions), 1000);
    actions = ack(s, 1);
    assert.deepEqual(dataOf(actions), [{ block: 2, wire: 2, offset: 512, length: 512 }]);
    actions = ack(s, 2);
    assert.deepEqual(dataOf(actions), [{ block: 3, wire: 3, offset: 1024, length: 0 }], 'zero-length final');
    actions = ack(s, 3, 250);
    const outcome = outcomeOf(actions);
    assert.deepEqual(outcome, { end: 'complete', bytes: 1024, ms: 250, retransmits: 0 });
    assert.ok(s.done);
    assert.deepEqual(ack(s, 3), [], 'nothing after done');
  });

  test('a short last block ends the file; an empty file is one empty block', () => {
    const s = session();
    assert.deepEqual(dataOf(s.start({ size: 700 }, 0)), [{ block: 1, wire: 1, offset: 0, length: 512 }]);
    assert.deepEqual(dataOf(ack(s, 1)), [{ block: 2, wire: 2, offset: 512, length: 188 }]);
    assert.equal(outcomeOf(ack(s, 2))?.end, 'complete');
    const empty = session();
    assert.deepEqual(dataOf(empty.start({ size: 0 }, 0)), [{ block: 1, wire: 1, offset: 0, length: 0 }]);
    assert.deepEqual(outcomeOf(ack(empty, 1))?.bytes, 0);
  });

  test('a duplicate ACK is never answered (no Sorcerer’s Apprentice)', () => {
    const s = session();
    s.start({ size: 5000 }, 0);
    assert.deepEqual(blockNumbers(ack(s, 1)), [2]);
    assert.deepEqual(ack(s, 1), [], 'duplicate ACK 1: no resend of block 2');
    assert.deepEqual(ack(s, 1), []);
    assert.deepEqual(blockNumbers(ack(s, 2)), [3]);
  });

  test('ACKs for blocks never sent, and stale ones, are ignored', () => {
    const s = session();
    s.start({ size: 5000 }, 0);
    assert.deepEqual(ack(s, 7), []);
    assert.deepEqual(ack(s, 60000), []);
    assert.deepEqual(blockNumbers(ack(s, 1)), [2]);
  });

  test('lost ACK: retransmission with exponential back-off, then give up', () => {
    const s = session({}, { timeoutMs: 500, retries: 3 });
    assert.equal(timerOf(s.start({ size: 5000 }, 0)), 500);
    const delays: (number | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const actions = s.timeout(1000 * (i + 1));
      assert.deepEqual(blockNumbers(actions), [1], 'the same block again');
      const send = actions.find((a) => a.type === 'send-data');
      assert.equal(send?.type === 'send-data' && send.retransmit, true);
      delays.push(timerOf(actions));
    }
    assert.deepEqual(delays, [1000, 2000, 4000]);
    const end = s.timeout(9000);
    assert.deepEqual(outcomeOf(end), { end: 'timeout', bytes: 0, ms: 9000, retransmits: 3 });
    assert.ok(s.done);
  });

  test('progress resets the back-off; the back-off has a ceiling', () => {
    const s = session({}, { timeoutMs: 1000, retries: 10, maxTimeoutMs: 5000 });
    s.start({ size: 5000 }, 0);
    s.timeout(1);
    assert.equal(timerOf(s.timeout(2)), 4000);
    assert.equal(timerOf(ack(s, 1)), 1000, 'back to the base timeout');
    s.timeout(3);
    s.timeout(4);
    s.timeout(5);
    assert.equal(timerOf(s.timeout(6)), 5000, 'capped');
  });

  test('a packet from another TID gets ERROR 5; the transfer goes on', () => {
    const s = session();
    s.start({ size: 2000 }, 0);
    const stranger = { address: '192.0.2.10', port: 9999 };
    const actions = s.receive(encodeTftp(tftpAck(1)), stranger, 1);
    assert.equal(actions.length, 1);
    const a = actions[0];
    assert.ok(a.type === 'send');
    assert.deepEqual(a.to, stranger);
    assert.equal(decodeTftp(a.bytes).errorCode, 5);
    const other = s.receive(encodeTftp(tftpError(0, 'go away')), { address: '198.51.100.1', port: 2070 }, 1);
    assert.equal(sent(other)[0].errorCode, 5, 'same port, other address: a stranger too');
    assert.ok(!s.done);
    assert.deepEqual(blockNumbers(ack(s, 1)), [2]);
  });

  test('an ERROR from the client ends the transfer, no reply', () => {
    const s = session();
    s.start({ size: 2000 }, 0);
    const actions = s.receive(encodeTftp(tftpError(0, 'user cancelled')), PEER, 40);
    assert.deepEqual(actions, [
      {
        type: 'done',
        outcome: {
          end: 'client-error',
          bytes: 0,
          ms: 40,
          retransmits: 0,
          errorCode: 0,
          errorMessage: 'user cancelled',
        },
      },
    ]);
  });
});

describe('TFTP session: the server gives up', () => {
  test('abort: ERROR with the given text, outcome aborted, nothing after', () => {
    const s = session();
    s.start({ size: 5000 }, 0);
    ack(s, 1);
    const actions = s.abort(0, 'File changed during transfer', 30);
    const [err] = sent(actions);
    assert.equal(err.errorCode, 0);
    assert.equal(err.errorMessage, 'File changed during transfer');
    assert.deepEqual(outcomeOf(actions), {
      end: 'aborted',
      bytes: 512,
      ms: 30,
      retransmits: 0,
      errorCode: 0,
      errorMessage: 'File changed during transfer',
    });
    assert.deepEqual(ack(s, 2), []);
    assert.deepEqual(s.abort(0, 'again', 31), []);
  });

  test('an ACK with bytes after its block number (msftwindow) still counts', () => {
    const s = session();
    s.start({ size: 5000 }, 0);
    assert.deepEqual(blockNumbers(s.receive(Uint8Array.of(0, 4, 0, 1, 8), PEER, 1)), [2]);
    assert.deepEqual(s.receive(Uint8Array.of(0, 4, 0), PEER, 1), [], 'a truncated ACK is ignored');
  });
});

describe('TFTP session: refusals', () => {
  test('WRQ: ERROR 2, no file looked up', () => {
    const s = session({}, {}, tftpWrq('upload.bin'));
    assert.equal(s.fileToOpen, null);
    const actions = s.start(null, 0);
    const [err] = sent(actions);
    assert.equal(err.errorCode, 2);
    assert.match(err.errorMessage ?? '', /write not supported/i);
    assert.equal(outcomeOf(actions)?.end, 'refused');
  });

  test('mail mode, a missing mode or an empty name are refused', () => {
    assert.equal(sent(session({}, {}, tftpRrq('f', 'mail')).start(null, 0))[0].errorCode, 4);
    const noMode = decodeTftp(Uint8Array.from([0, 1, 0x66, 0]));
    assert.equal(sent(session({}, {}, noMode).start(null, 0))[0].errorCode, 4);
    assert.equal(sent(session({}, {}, tftpRrq('')).start(null, 0))[0].errorCode, 2);
    assert.equal(sent(session({}, {}, tftpAck(3)).start(null, 0))[0].errorCode, 4);
  });

  test('the file lookup error is what the client gets; netascii and OCTET are read requests', () => {
    const s = session();
    assert.deepEqual([...(s.fileToOpen ?? [])], [...Buffer.from('pxelinux.0')]);
    const actions = s.start({ errorCode: 1, errorMessage: 'File not found' }, 0);
    assert.deepEqual(
      sent(actions).map((p) => [p.errorCode, p.errorMessage]),
      [[1, 'File not found']],
    );
    assert.notEqual(session({}, {}, tftpRrq('a', 'netascii')).fileToOpen, null);
    assert.notEqual(session({}, {}, tftpRrq('a', 'OCTET')).fileToOpen, null);
  });

  test('the raw filename bytes are handed to the lookup, not the display form', () => {
    const raw = Uint8Array.from([0, 1, ...Buffer.from('boot\\x86\\'), 0xe9, 0, ...Buffer.from('octet'), 0]);
    const s = session({}, {}, decodeTftp(raw));
    assert.deepEqual([...(s.fileToOpen ?? [])], [...Buffer.from('boot\\x86\\'), 0xe9]);
  });
});

describe('TFTP session: option negotiation (RFC 2347–2349, 7440)', () => {
  test('OACK only for accepted options; unknown ones ignored', () => {
    const s = session({ foo: 'bar', rollover: '0' });
    const actions = s.start({ size: 100 }, 0);
    assert.deepEqual(sent(actions), []);
    assert.deepEqual(blockNumbers(actions), [1]);
    const t = session({ blksize: 'big', windowsize: '0', timeout: '256', tsize: 'x' });
    assert.deepEqual(
      sent(t.start({ size: 100 }, 0)),
      [],
      'malformed or out-of-range values are not accepted',
    );
  });

  test('blksize is capped to the configured maximum (default 1468); below 8 it is ignored', () => {
    const cases: [string, TftpSessionLimits, string | null][] = [
      ['1468', {}, '1468'],
      ['65464', {}, '1468'],
      ['9000', { maxBlksize: 8192 }, '8192'],
      ['512', { maxBlksize: 65464 }, '512'],
      ['8', {}, '8'],
      ['7', {}, null],
      ['70000', { maxBlksize: 65464 }, '65464'],
    ];
    for (const [asked, limits, granted] of cases) {
      const packets = sent(session({ blksize: asked }, limits).start({ size: 10 }, 0));
      assert.equal(packets[0]?.options?.blksize ?? null, granted, `blksize ${asked}`);
    }
  });

  test('OACK, then data on ACK 0 with the negotiated block size; the OACK is resent on timeout', () => {
    const s = session({ blksize: '1428', tsize: '0', timeout: '3' });
    const actions = s.start({ size: 3000 }, 0);
    const [oack] = sent(actions);
    assert.equal(oack.opcode, 'OACK');
    assert.deepEqual(oack.options, { blksize: '1428', tsize: '3000', timeout: '3' });
    assert.equal(timerOf(actions), 3000, 'timeout option in seconds');
    assert.deepEqual(ack(s, 5), [], 'only ACK 0 answers an OACK');
    const again = s.timeout(3000);
    assert.equal(sent(again)[0].opcode, 'OACK');
    assert.equal(timerOf(again), 6000);
    assert.deepEqual(dataOf(ack(s, 0)), [{ block: 1, wire: 1, offset: 0, length: 1428 }]);
    assert.deepEqual(dataOf(ack(s, 1)), [{ block: 2, wire: 2, offset: 1428, length: 1428 }]);
    assert.deepEqual(dataOf(ack(s, 2)), [{ block: 3, wire: 3, offset: 2856, length: 144 }]);
    assert.deepEqual(outcomeOf(ack(s, 3))?.bytes, 3000);
  });

  test('tsize probe: OACK with the real size, ERROR 8 from the client ends it', () => {
    const s = session({ tsize: '0', blksize: '1468' });
    const [oack] = sent(s.start({ size: 31_457_280 }, 0));
    assert.equal(oack.options?.tsize, '31457280');
    const actions = s.receive(encodeTftp(tftpError(8, 'User aborted the transfer')), PEER, 5);
    assert.deepEqual(outcomeOf(actions), {
      end: 'client-error',
      bytes: 0,
      ms: 5,
      retransmits: 0,
      errorCode: 8,
      errorMessage: 'User aborted the transfer',
    });
  });

  test('option names match in any case; the OACK answers in lower case', () => {
    const s = session([
      { name: 'BlkSize', value: '1024' },
      { name: 'TSIZE', value: '0' },
    ]);
    assert.deepEqual(sent(s.start({ size: 9 }, 0))[0].optionList, [
      { name: 'blksize', value: '1024' },
      { name: 'tsize', value: '9' },
    ]);
  });

  test('windowsize 8: a window per ACK, resend from a partial ACK, timeout resends the window', () => {
    const s = session({ windowsize: '8' });
    assert.deepEqual(sent(s.start({ size: 512 * 40 + 3 }, 0))[0].options, { windowsize: '8' });
    assert.deepEqual(blockNumbers(ack(s, 0)), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(blockNumbers(ack(s, 8)), [9, 10, 11, 12, 13, 14, 15, 16]);
    // The client saw a gap after 12: the next window starts at 13.
    assert.deepEqual(blockNumbers(ack(s, 12)), [13, 14, 15, 16, 17, 18, 19, 20]);
    assert.deepEqual(ack(s, 12), [], 'the same partial ACK again is a duplicate');
    // Nothing more: the window is resent from the last acknowledged block.
    const resent = s.timeout(10);
    assert.deepEqual(blockNumbers(resent), [13, 14, 15, 16, 17, 18, 19, 20]);
    assert.deepEqual(blockNumbers(ack(s, 20)), [21, 22, 23, 24, 25, 26, 27, 28]);
    assert.deepEqual(blockNumbers(ack(s, 28)), [29, 30, 31, 32, 33, 34, 35, 36]);
    const last = dataOf(ack(s, 36));
    assert.deepEqual(
      last.map((b) => [b.block, b.length]),
      [
        [37, 512],
        [38, 512],
        [39, 512],
        [40, 512],
        [41, 3],
      ],
      'the last window stops at the short block',
    );
    assert.equal(outcomeOf(ack(s, 41))?.end, 'complete');
  });

  test('blksize is capped to the MTU less 32 bytes, as dnsmasq does', () => {
    const cases: [TftpSessionLimits, string][] = [
      [{ mtu: 1500 }, '1468'],
      [{ mtu: 9000 }, '8192'],
      [{ mtu: 1500, maxBlksize: 8192 }, '1468'],
      [{ mtu: 9000, maxBlksize: 4096 }, '4096'],
      [{ mtu: 65536 }, '8192'],
    ];
    for (const [limits, granted] of cases) {
      const packets = sent(session({ blksize: '8192' }, limits).start({ size: 10 }, 0));
      assert.equal(packets[0]?.options?.blksize, granted, JSON.stringify(limits));
    }
    assert.equal(
      sent(session({ blksize: '65464' }, { mtu: 576 }).start({ size: 1 }, 0))[0].options?.blksize,
      '544',
    );
  });

  test('windowsize is capped to the configured maximum', () => {
    const s = session({ windowsize: '65535' }, { maxWindowsize: 16 });
    assert.equal(sent(s.start({ size: 1 << 20 }, 0))[0].options?.windowsize, '16');
    assert.equal(blockNumbers(ack(s, 0)).length, 16);
  });
});

describe('TFTP session: block numbers past 65535', () => {
  const size = 65536 * 512 + 100;

  test('lockstep: block 65536 goes out as 0, the transfer completes on ACK 1 of the second round', () => {
    const s = session();
    let actions = s.start({ size }, 0);
    const wires: number[] = [];
    for (let block = 1; ; block++) {
      const [b] = dataOf(actions);
      assert.equal(b.block, block);
      if (block >= 65534) wires.push(b.wire);
      actions = ack(s, b.wire);
      if (outcomeOf(actions) !== null) break;
    }
    assert.deepEqual(wires, [65534, 65535, 0, 1]);
    assert.deepEqual(outcomeOf(actions), { end: 'complete', bytes: size, ms: 1, retransmits: 0 });
  });

  test('windowsize 16 across the wrap', () => {
    const s = session({ windowsize: '16' });
    s.start({ size }, 0);
    let actions = ack(s, 0);
    let seen: TftpDataBlock[] = [];
    while (outcomeOf(actions) === null) {
      const blocks = dataOf(actions);
      if (blocks[0].block > 65520) seen = seen.concat(blocks);
      actions = ack(s, blocks[blocks.length - 1].wire);
    }
    assert.deepEqual(
      seen.map((b) => b.wire),
      [
        65521, 65522, 65523, 65524, 65525, 65526, 65527, 65528, 65529, 65530, 65531, 65532, 65533, 65534,
        65535, 0, 1,
      ],
    );
    assert.equal(seen[seen.length - 1].length, 100);
    assert.equal(outcomeOf(actions)?.bytes, size);
  });
});

test('tftpDataPacket gives the bytes encodeTftp(tftpData()) gives', () => {
  const data = Uint8Array.from({ length: 600 }, (_, i) => (i * 7) & 0xff);
  for (const wire of [0, 1, 255, 256, 65535]) {
    assert.deepEqual(tftpDataPacket(wire, data), encodeTftp(tftpData(wire, data)));
    assert.deepEqual(tftpDataPacket(wire, new Uint8Array(0)), encodeTftp(tftpData(wire, new Uint8Array(0))));
  }
});
