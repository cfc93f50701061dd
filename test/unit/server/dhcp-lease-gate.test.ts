/**
 * The lease gate: ACKs of one event-loop turn share one lease write and go out only after it; a failed
 * write drops new grants (renewals still go), reports once, stops grants in the engine, and a later
 * successful retry resumes them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LeaseGate } from '../../../src/server/dhcp/lease-gate.js';
import type { DhcpHandleResult } from '../../../src/server/dhcp/types.js';

function fakeEngine(fail: () => boolean) {
  const state = { flushes: 0, works: [] as boolean[] };
  return {
    state,
    flush: async (): Promise<void> => {
      state.flushes++;
      if (fail()) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
    },
    setLeaseWritesWork: (ok: boolean): void => {
      state.works.push(ok);
    },
  };
}

const result = (hold?: 'grant' | 'renewal'): DhcpHandleResult => ({
  replies: [
    { message: {} as never, srcPort: 67, to: { ip: '10.0.0.1', port: 68, mac: 'x', broadcast: false } },
  ],
  events: [],
  ...(hold !== undefined ? { hold } : {}),
});

test('ACKs of one turn share one write and wait for it', async () => {
  const engine = fakeEngine(() => false);
  const gate = new LeaseGate(engine, { onFailure: () => assert.fail(), onRecovered: () => assert.fail() });
  assert.equal((gate.replies(result()) as unknown[]).length, 1, 'an unheld reply goes at once');
  const held = [
    gate.replies(result('grant')),
    gate.replies(result('grant')),
    gate.replies(result('renewal')),
  ];
  assert.ok(held.every((h) => h instanceof Promise));
  assert.equal(engine.state.flushes, 0, 'nothing written before the turn ends');
  const sent = await Promise.all(held);
  assert.deepEqual(
    sent.map((s) => s.length),
    [1, 1, 1],
  );
  assert.equal(engine.state.flushes, 1, 'one write for the turn');
  gate.close();
});

test('a failed write drops grants, keeps renewals, reports once, and recovers on retry', async () => {
  let failing = true;
  const engine = fakeEngine(() => failing);
  const failures: string[] = [];
  let recovered = 0;
  const gate = new LeaseGate(engine, {
    onFailure: (e) => failures.push(e.message),
    onRecovered: () => recovered++,
    retryMs: 5,
  });
  const [grant, renewal] = await Promise.all([
    gate.replies(result('grant')),
    gate.replies(result('renewal')),
  ]);
  assert.equal(grant.length, 0, 'a new grant is not sent');
  assert.equal(renewal.length, 1, 'a renewal is');
  await gate.replies(result('grant'));
  assert.equal(failures.length, 1, 'reported once');
  assert.deepEqual(engine.state.works, [false]);
  failing = false;
  for (let i = 0; i < 100 && recovered === 0; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(recovered, 1);
  assert.deepEqual(engine.state.works, [false, true]);
  assert.equal((await gate.replies(result('grant'))).length, 1);
  gate.close();
});
