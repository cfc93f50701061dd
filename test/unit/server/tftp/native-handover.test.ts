/**
 * What the TypeScript side hands the native data pump, and how it reads the pump's outcome back: pure
 * functions, checked against the session they stand in for. The pump itself runs in the end-to-end tests
 * (test/e2e/tftp-server-engines.test.ts), against the same cases as the TypeScript engine.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  decodeTftp,
  encodeTftp,
  tftpError,
  tftpRrq,
  type TftpOptionsInput,
} from '../../../../src/protocol/tftp/index.js';
import { fromPumpOutcome, pumpStartOptions } from '../../../../src/server/tftp/native-transfer.js';
import { TftpSession, type TftpSessionLimits } from '../../../../src/server/tftp/session.js';
import { retransmitDelayMs, retransmitSchedule } from '../../../../src/server/tftp/timing.js';

const PEER = { address: '192.0.2.10', port: 2070 };

function started(options: TftpOptionsInput, size: number, limits: TftpSessionLimits = {}) {
  const session = new TftpSession(tftpRrq('boot.img', 'octet', options), PEER, 0, limits);
  const actions = session.start({ size }, 0);
  return { session, actions };
}

/** The timers the session arms, timeout after timeout, until it gives up. */
function sessionTimers(session: TftpSession): number[] {
  const timers: number[] = [];
  for (let now = 1; !session.done && now < 100; now++)
    for (const a of session.timeout(now)) if (a.type === 'timer') timers.push(a.ms);
  return timers;
}

describe('retransmission timing shared by both engines', () => {
  test('the schedule doubles from the timeout and stops at the ceiling', () => {
    assert.deepEqual(retransmitSchedule(1000, 5, 30_000), [1000, 2000, 4000, 8000, 16000, 30000]);
    assert.deepEqual(retransmitSchedule(1000, 3, 30_000), [1000, 2000, 4000, 8000]);
    assert.deepEqual(retransmitSchedule(20_000, 5, 30_000), [20000, 30000]);
    assert.deepEqual(retransmitSchedule(255_000, 5, 30_000), [30000]);
  });

  for (const [timeout, retries] of [
    [undefined, undefined],
    ['3', 5],
    ['1', 8],
    ['25', 4],
  ] as const) {
    test(`the pump gets the timers the session arms (timeout ${timeout ?? 'default'}, retries ${retries ?? 'default'})`, () => {
      const options: TftpOptionsInput = timeout === undefined ? {} : { timeout };
      // No ceiling here: the schedule itself is compared (the ceiling has tests of its own).
      const limits: TftpSessionLimits = { maxWaitMs: 1e9, ...(retries === undefined ? {} : { retries }) };
      const { session, actions } = started(options, 10_000, limits);
      const pump = pumpStartOptions(session, actions, { fd: 7 }, 10_000, '0.0.0.0', 50);
      assert.ok(pump !== null);
      const first = actions.find((a) => a.type === 'timer');
      // The table by tries, the last entry standing for every later try.
      const at = (tries: number): number => pump.delaysMs[Math.min(tries, pump.delaysMs.length - 1)];
      assert.equal(first?.type === 'timer' ? first.ms : -1, at(0));
      const timers = sessionTimers(session);
      assert.equal(timers.length, pump.retries, 'one resend per retry, then the session gives up');
      timers.forEach((ms, i) => assert.equal(ms, at(i + 1), `timer after ${i + 1} timeouts`));
      assert.equal(
        at(2),
        retransmitDelayMs(session.negotiated?.timeoutMs ?? 0, 2, session.limits.maxTimeoutMs),
      );
    });
  }
});

describe('pumpStartOptions', () => {
  test('with options: the OACK bytes the session would send, and the negotiated parameters', () => {
    const { session, actions } = started({ blksize: '1468', windowsize: '8', tsize: '0' }, 5_000_000, {
      maxBlksize: 1468,
    });
    const pump = pumpStartOptions(session, actions, { fd: 9 }, 5_000_000, '10.0.0.1', 50);
    assert.ok(pump !== null);
    const oack = actions[0];
    assert.ok(oack.type === 'send');
    assert.deepEqual(pump.oack, oack.bytes);
    assert.deepEqual(decodeTftp(pump.oack ?? new Uint8Array(0)).options, {
      blksize: '1468',
      windowsize: '8',
      tsize: '5000000',
    });
    assert.equal(pump.blksize, 1468);
    assert.equal(pump.windowsize, 8);
    assert.equal(pump.fd, 9);
    assert.equal(pump.size, 5_000_000);
    assert.equal(pump.peerAddress, PEER.address);
    assert.equal(pump.peerPort, PEER.port);
    assert.equal(pump.localAddress, '10.0.0.1');
    assert.equal(pump.busyPollUs, 50);
    assert.deepEqual(decodeTftp(pump.errUnknownTid).errorCode, 5);
    assert.deepEqual(decodeTftp(pump.errFileChanged).errorMessage, 'File changed during transfer');
    assert.deepEqual(decodeTftp(pump.errRead).errorMessage, 'Read error');
  });

  test('without options: no OACK, DATA 1 first; netascii bytes are handed over', () => {
    const data = new Uint8Array([0x61, 0x0d, 0x0a]);
    const { session, actions } = started({}, data.length);
    const pump = pumpStartOptions(session, actions, { data }, data.length, '10.0.0.1', 0);
    assert.ok(pump !== null);
    assert.equal(pump.oack, undefined);
    assert.equal(pump.fd, -1);
    assert.equal(pump.data, data);
    assert.equal(pump.blksize, 512);
    assert.equal(pump.windowsize, 1);
  });

  test('a refused request is not handed over', () => {
    const session = new TftpSession(tftpRrq('x', 'mail'), PEER, 0);
    const actions = session.start(null, 0);
    assert.equal(pumpStartOptions(session, actions, { fd: 3 }, 0, '10.0.0.1', 50), null);
  });
});

describe('fromPumpOutcome', () => {
  const base = { bytes: 2048, blocks: 4, retransmits: 2, seconds: 0.5 };

  test('complete and timeout keep bytes and retransmits; ms is the session clock', () => {
    assert.deepEqual(fromPumpOutcome({ ...base, end: 'complete' }, 700), {
      kind: 'outcome',
      outcome: { end: 'complete', bytes: 2048, ms: 700, retransmits: 2 },
    });
    assert.deepEqual(fromPumpOutcome({ ...base, end: 'timeout' }, 9000), {
      kind: 'outcome',
      outcome: { end: 'timeout', bytes: 2048, ms: 9000, retransmits: 2 },
    });
  });

  test('the client’s ERROR is decoded by the codec, as the session does', () => {
    const packet = Buffer.from(encodeTftp(tftpError(8, 'tsize probe')));
    const end = fromPumpOutcome({ ...base, end: 'client-error', clientError: packet }, 10);
    assert.ok(end.kind === 'outcome');
    assert.equal(end.outcome.end, 'client-error');
    assert.equal(end.outcome.errorCode, 8);
    assert.equal(end.outcome.errorMessage, 'tsize probe');
    // A bare "0 5" ERROR: code 0, no text, as the session reads it.
    const bare = fromPumpOutcome({ ...base, end: 'client-error', clientError: Buffer.from([0, 5]) }, 10);
    assert.ok(bare.kind === 'outcome');
    assert.equal(bare.outcome.errorCode, 0);
    assert.equal(bare.outcome.errorMessage, '');
  });

  test('a shrunken file and a read error end as the session’s abort, with the reason for the log', () => {
    const changed = fromPumpOutcome({ ...base, end: 'file-changed' }, 10);
    assert.ok(changed.kind === 'outcome');
    assert.equal(changed.outcome.end, 'aborted');
    assert.equal(changed.outcome.errorCode, 0);
    assert.equal(changed.outcome.errorMessage, 'File changed during transfer');
    assert.match(changed.reason ?? '', /shrank/);
    const failed = fromPumpOutcome(
      { ...base, end: 'read-error', errno: 5, errnoMessage: 'Input/output error' },
      10,
    );
    assert.ok(failed.kind === 'outcome');
    assert.equal(failed.outcome.errorMessage, 'Read error');
    assert.equal(failed.reason, 'Input/output error');
  });

  test('socket errors and aborts are their own kinds', () => {
    assert.deepEqual(
      fromPumpOutcome({ ...base, end: 'socket-error', errnoMessage: 'Network is unreachable' }, 1),
      {
        kind: 'socket',
        message: 'Network is unreachable',
      },
    );
    assert.deepEqual(fromPumpOutcome({ ...base, end: 'closed' }, 1), { kind: 'closed' });
  });
});
