/**
 * Live diagnosis against the batch report, over every committed lab capture: each session's last verdict is
 * the one `analyze` prints, and every finding `analyze` reports was handed on while the capture ran.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import type { AnalysisEvent } from '../../../src/analysis/events.js';
import type { AnalysisResult } from '../../../src/analysis/types.js';
import { LiveDiagnosis } from '../../../src/diagnosis/live.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { verdictsOf, type ClientVerdict } from '../../../src/diagnosis/verdict.js';
import { listCaptureFiles } from '../../support/fixtures.js';

const key = (f: Finding): string => JSON.stringify([f.ruleId, f.sessionId ?? f.client, f.message]);

test('LiveDiagnosis tells the verdicts and findings of analyze, session by session', async () => {
  const captures = listCaptureFiles({ shared: false }).filter((c) => /^lab(-failures)?\//.test(c.rel));
  assert.ok(captures.length >= 20);
  let verdictsTold = 0;
  for (const c of captures) {
    const { result, findings, decode } = await analyzeCapture(c.path);
    const told: Finding[] = [];
    const verdicts = new Map<string, ClientVerdict>();
    const live = new LiveDiagnosis({
      onFinding: (f) => told.push(f),
      onVerdict: (v, s) => {
        assert.equal(v.sessionId, s.id);
        verdicts.set(s.id, v);
        verdictsTold++;
      },
    });
    let analyzer: Analyzer | null = null;
    // What the file says about when its capture stopped (isb_endtime) stands for a live capture's clock
    // running on after the last packet.
    const snapshot = (): AnalysisResult =>
      (analyzer as Analyzer).snapshot({
        file: c.path,
        format: 'pcapng',
        frames: 0,
        stats: decode.capture.stats,
      });
    const outcome = await analyzeCapture(c.path, {
      sessionQuiet: 10,
      onEvent: (e: AnalysisEvent) => live.handle(e, snapshot),
      analyzer: (a) => (analyzer = a),
    });
    live.finish(outcome.result);
    const toldKeys = new Set(told.map(key));
    for (const f of findings) assert.ok(toldKeys.has(key(f)), `${c.rel}: ${f.ruleId} ${f.message}`);
    const sessionOnly = findings.filter((f) => toldKeys.has(key(f)));
    for (const v of verdictsOf(result, sessionOnly)) {
      assert.deepEqual(verdicts.get(v.sessionId), v, `${c.rel}: verdict of ${v.sessionId}`);
    }
  }
  assert.ok(verdictsTold > 20);
});

test('a session closed by the clock (quiet), not by the end of the file, gets the verdict analyze prints', async () => {
  // Live, the rules judge the closed session against a snapshot: copies of the records it holds. A rule that
  // matched transfers by identity lost its finding there (file-not-found said "ok" in sniff).
  const captures = listCaptureFiles({ shared: false }).filter((c) =>
    /^lab(-failures)?\/file-not-found\//.test(c.rel),
  );
  assert.equal(captures.length, 1);
  for (const c of captures) {
    const { result, findings } = await analyzeCapture(c.path);
    const verdicts = new Map<string, ClientVerdict>();
    const live = new LiveDiagnosis({ onVerdict: (v, s) => verdicts.set(s.id, v) });
    let analyzer: Analyzer | null = null;
    const snapshot = (): AnalysisResult =>
      (analyzer as Analyzer).snapshot({ file: c.path, format: 'pcapng', frames: 0 });
    let quietClosed = 0;
    await analyzeCapture(c.path, {
      sessionQuiet: 5,
      onEvent: (e: AnalysisEvent) => {
        if (e.kind === 'session' && e.reason === 'quiet') quietClosed++;
        live.handle(e, snapshot);
      },
      analyzer: (a) => {
        analyzer = a;
        const finish = a.finish.bind(a);
        a.finish = (capture) => {
          // The segment stays quiet for 20 s after the last packet: the clock closes the sessions.
          const last = Math.ceil(Number(result.capture.lastEpoch ?? '0'));
          for (let k = 1; k <= 20; k++) a.tick({ seconds: last + k, fraction: 0, digits: 0 });
          return finish(capture);
        };
      },
    });
    assert.ok(quietClosed >= 1);
    for (const v of verdictsOf(result, findings)) assert.deepEqual(verdicts.get(v.sessionId), v, c.rel);
  }
});
