import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeSource } from '../../../src/analysis/analyze-source.js';
import type { SniffEvent } from '../../../src/report/sniff-events.js';
import { sniffEventText } from '../../../src/report/sniff-events.js';
import { LiveAnalysis } from '../../../src/sniff/live.js';
import { parseListen, SniffMetrics } from '../../../src/sniff/metrics.js';
import { LiveVerdicts } from '../../../src/sniff/verdicts.js';
import { fixturesCapturesDir } from '../../support/fixtures.js';

interface Told {
  e: SniffEvent;
  seconds: number;
}

/** A lab capture read through sniff's live analysis (a file, so no wall-clock ticks): the events in order. */
async function liveEvents(lab: string): Promise<Told[]> {
  const told: Told[] = [];
  const emit = (e: SniffEvent, seconds: number): void => {
    told.push({ e, seconds });
  };
  const verdicts = new LiveVerdicts(emit, () => live.snapshot({ file: lab, format: 'pcapng', frames: 0 }));
  const live = new LiveAnalysis(emit, (e, epoch) => verdicts.session(e, epoch));
  await analyzeSource(join(fixturesCapturesDir(), 'lab', lab, 'capture.pcapng'), live.options(5));
  return told;
}

const kinds = (told: Told[]): string[] => told.map((t) => t.e.event);

describe('sniff live analysis', () => {
  it('tells a pxelinux boot in order: client, offers, ACK, each file start and end, then the verdict', async () => {
    const told = await liveEvents('happy-bios-pxelinux');
    const k = kinds(told);
    assert.equal(k[0], 'client');
    assert.ok(k.indexOf('offer') < k.indexOf('ack'));
    assert.ok(k.indexOf('ack') < k.indexOf('tftp-start'));
    assert.equal(k.at(-1), 'verdict');
    const verdict = told.at(-1)?.e;
    assert.equal(verdict?.event === 'verdict' && verdict.status, 'ok');
    // Retransmitted DISCOVERs and requests tell nothing twice.
    assert.equal(k.filter((x) => x === 'client').length, 1);
    const ends = told.flatMap((t) => (t.e.event === 'tftp-end' ? [t.e] : []));
    const pxelinux = ends.find((e) => e.file === 'pxelinux.0');
    assert.equal(pxelinux?.outcome, 'complete');
    assert.ok((pxelinux?.bytes ?? 0) > 0);
    // Each file's end comes right after its last packet, before later files start.
    const startLdlinux = told.findIndex((t) => t.e.event === 'tftp-start' && t.e.file === 'ldlinux.c32');
    assert.ok(
      told.findIndex((t) => t.e === pxelinux) < startLdlinux,
      'pxelinux.0 ended before ldlinux.c32 began',
    );
    // pxelinux's config search is normal, and labelled so.
    const search = ends.filter((e) => e.file.startsWith('pxelinux.cfg/') && e.error !== null);
    assert.ok(search.length > 0);
    for (const e of search) assert.equal(e.normal, 'pxelinux config search');
    // Times are capture times, in order.
    for (let i = 1; i < told.length; i++)
      assert.ok((told[i]?.seconds ?? 0) >= (told[i - 1]?.seconds ?? 0) - 1e-6, `event ${i} in time order`);
  });

  it('tells the missing file as a failed verdict with its finding', async () => {
    const told = await liveEvents('file-not-found');
    const verdict = told.find((t) => t.e.event === 'verdict')?.e;
    assert.ok(verdict?.event === 'verdict');
    assert.equal(verdict.status, 'fail');
    assert.ok(verdict.findings.some((f) => f.ruleId === 'tftp.file-not-found'));
    const text = sniffEventText(verdict, new Date(0), { color: false });
    assert.match(text, /^00:00:00\.000 verdict 52:54:00:12:34:56: FAIL /);
    assert.match(text, /\n {13} {2}ERROR tftp\.file-not-found /);
  });

  it('metrics count boots, verdicts, findings, files and DHCP timings', async () => {
    const scrape = async (lab: string): Promise<(re: RegExp) => number> => {
      const metrics = new SniffMetrics(() => ({ packets: 42, dropped: 3 }));
      for (const t of await liveEvents(lab)) metrics.observe(t.e, t.seconds);
      const text = await metrics.text();
      return (re) => Number(re.exec(text)?.[1] ?? NaN);
    };
    const happy = await scrape('happy-bios-pxelinux');
    assert.equal(happy(/^pxe_doctor_boots_started_total (\S+)$/m), 1);
    assert.equal(happy(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m), 1);
    assert.equal(happy(/^pxe_doctor_active_clients (\S+)$/m), 0);
    assert.equal(happy(/^pxe_doctor_capture_packets (\S+)$/m), 42);
    assert.equal(happy(/^pxe_doctor_capture_dropped_packets (\S+)$/m), 3);
    assert.equal(happy(/^pxe_doctor_dhcp_time_to_offer_seconds_count (\S+)$/m), 1);
    assert.ok(happy(/^pxe_doctor_tftp_bytes_total (\S+)$/m) > 100_000);
    assert.ok(happy(/^pxe_doctor_tftp_throughput_bytes_per_second_count (\S+)$/m) >= 5);
    const failed = await scrape('file-not-found');
    assert.equal(failed(/^pxe_doctor_boots_finished_total\{verdict="fail"\} (\S+)$/m), 1);
    assert.equal(
      failed(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m),
      NaN,
      'no premature "ok"',
    );
    assert.equal(
      failed(/^pxe_doctor_findings_total\{rule="tftp.file-not-found",severity="error"\} (\S+)$/m),
      1,
    );
  });

  it('--metrics takes HOST:PORT, :PORT and [v6]:PORT', () => {
    assert.deepEqual(parseListen('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 });
    assert.deepEqual(parseListen(':9477'), { host: '0.0.0.0', port: 9477 });
    assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.throws(() => parseListen('9477'), /HOST:PORT/);
    assert.throws(() => parseListen('a:99999'), /HOST:PORT/);
  });
});
