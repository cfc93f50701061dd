/**
 * The streaming analyzer against the batch result, over every committed capture: the records and sessions
 * it tells as they become certain, plus the final snapshot, are today's batch result; clock ticks between
 * packets and snapshots taken along the way change nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { Analyzer, type AnalyzerOptions } from '../../../src/analysis/analyzer.js';
import type { AnalysisEvent } from '../../../src/analysis/events.js';
import type { AnalysisResult, BootSession, TftpTransfer } from '../../../src/analysis/types.js';
import { fileSource } from '../../../src/capture/frame-source.js';
import type { Timestamp } from '../../../src/capture/timestamp.js';
import { decodeCapture } from '../../../src/protocol/decode-stream.js';
import { listCaptureFiles } from '../../support/fixtures.js';

const captures = listCaptureFiles({ shared: false });

/** The analysis of `path` as analyzeCapture runs it, with a hook before each record. */
async function streamed(
  path: string,
  opts: AnalyzerOptions,
  before: (a: Analyzer, ts: Timestamp, n: number) => void,
): Promise<AnalysisResult> {
  let first: Timestamp | null = null;
  let last: Timestamp | null = null;
  let analyzer: Analyzer | null = null;
  let n = 0;
  const get = (ts: Timestamp): Analyzer => {
    analyzer ??= new Analyzer({ ...opts, origin: first ?? undefined });
    before(analyzer, ts, n++);
    return analyzer;
  };
  const decode = await decodeCapture(
    fileSource(path),
    {
      firstFrame: (ts) => (first = ts),
      lastFrame: (ts) => (last = ts),
      packet: (p) => get(p.ts).addPacket(p),
      arp: (a) => get(a.ts).addArp(a),
      icmpUnreachable: (i) => get(i.ts).addIcmpUnreachable(i),
      fragmentLoss: (f) => get(f.firstTs).addFragmentLoss(f),
    },
    { keepTftpData: false },
  );
  const a: Analyzer = analyzer ?? new Analyzer(opts);
  return a.finish(input(path, decode.frames, first, last));
}

function input(file: string, frames: number, firstTs: Timestamp | null, lastTs: Timestamp | null) {
  return { file, format: 'x', frames, firstTs, lastTs };
}

/** Everything but the capture summary's own fields, which the hand-made input above does not fill alike. */
function core(r: AnalysisResult): Omit<AnalysisResult, 'capture'> {
  return { ...r, capture: undefined } as Omit<AnalysisResult, 'capture'>;
}

function allTransfers(r: AnalysisResult): TftpTransfer[] {
  return [...r.sessions.flatMap((s) => s.transfers), ...r.orphanTransfers];
}

test('streamed events plus the final snapshot equal the batch result, on every committed capture', async () => {
  assert.ok(captures.length >= 100, `captures: ${captures.length}`);
  let told = 0;
  const reasons = new Set<string>();
  for (const c of captures) {
    const batch = (await analyzeCapture(c.path)).result;
    const events: AnalysisEvent[] = [];
    const live = (await analyzeCapture(c.path, { onEvent: (e) => events.push(e), sessionQuiet: 5 })).result;
    assert.deepEqual(live, batch, `${c.rel}: listening changes nothing`);

    const txEvents = events.flatMap((e) => (e.kind === 'dhcp-transaction' ? [e.transaction] : []));
    const txs = batch.sessions.flatMap((s) => s.transactions);
    assert.deepEqual(
      txEvents.map((t) => t.id).sort(),
      txs.map((t) => t.id).sort(),
      `${c.rel}: each transaction told once`,
    );
    const byId = new Map(txEvents.map((t) => [t.id, t]));
    for (const t of txs) assert.deepEqual(byId.get(t.id), t, `${c.rel}: transaction ${t.id}`);

    const trEvents = events.flatMap((e) => (e.kind === 'tftp-transfer' ? [e.transfer] : []));
    const trs = allTransfers(batch);
    assert.deepEqual(
      trEvents.map((t) => t.id).sort(),
      trs.map((t) => t.id).sort(),
      `${c.rel}: each transfer told once`,
    );
    // Two judgements need the whole capture (were data ports filtered out? which fragments were lost?).
    if (batch.capture.tftpDataSeen && batch.fragmentLosses.length === 0) {
      const trById = new Map(trEvents.map((t) => [t.id, t]));
      for (const t of trs) assert.deepEqual(trById.get(t.id), t, `${c.rel}: transfer ${t.id}`);
    }

    const lastTold = new Map<string, BootSession>();
    for (const e of events) {
      if (e.kind !== 'session') continue;
      lastTold.set(e.session.id, e.session);
      reasons.add(e.reason);
    }
    told += lastTold.size;
    assert.deepEqual(
      [...lastTold.keys()].sort(),
      batch.sessions.map((s) => s.id).sort(),
      `${c.rel}: every session told`,
    );
    for (const s of batch.sessions) assert.deepEqual(lastTold.get(s.id), s, `${c.rel}: session ${s.id}`);
    const times = events.map((e) => e.t);
    assert.ok(
      times.every((t, i) => i === 0 || t >= (times[i - 1] as number)),
      `${c.rel}: events in time order`,
    );
  }
  assert.ok(told > 50, `sessions told: ${told}`);
  assert.ok(reasons.has('quiet') && reasons.has('end'), `reasons seen: ${[...reasons].join(', ')}`);
});

test('ticks between packets and snapshots along the way change nothing', async () => {
  for (const c of captures) {
    const plain = await streamed(c.path, {}, () => undefined);
    const ticked = await streamed(c.path, {}, (a, ts, n) => {
      a.tick(ts);
      a.tick(ts);
      if (n % 97 === 0) a.snapshot(input(c.path, 0, null, null));
    });
    assert.deepEqual(core(ticked), core(plain), c.rel);
    const listened = await streamed(c.path, { onEvent: () => undefined, sessionQuiet: 1 }, (a, ts) =>
      a.tick(ts),
    );
    assert.deepEqual(core(listened), core(plain), `${c.rel}: with events`);
    // A clock stepped back an hour (NTP) between packets: nothing expires early, nothing is lost.
    const stepped = await streamed(c.path, { onEvent: () => undefined }, (a, ts) =>
      a.tick({ ...ts, seconds: ts.seconds - 3600 }),
    );
    assert.deepEqual(core(stepped), core(plain), `${c.rel}: clock stepped back`);
  }
});

test('snapshot() mutates nothing and finish() can be called again', async () => {
  const c = captures.find((x) => x.rel.startsWith('lab/'));
  assert.ok(c !== undefined);
  let snap: AnalysisResult | null = null;
  let copy = '';
  let analyzer: Analyzer | null = null;
  const result = await streamed(c.path, {}, (a, _ts, n) => {
    analyzer = a;
    if (n === 40) {
      snap = a.snapshot(input(c.path, 0, null, null));
      copy = JSON.stringify(snap);
    }
  });
  assert.ok(snap !== null && analyzer !== null);
  assert.equal(JSON.stringify(snap), copy, 'a snapshot held by the caller does not change later');
  assert.ok(result.sessions.length > 0);
  const again = (analyzer as Analyzer).finish(input(c.path, result.capture.frames, null, null));
  assert.deepEqual(core(again), core(result));
});
