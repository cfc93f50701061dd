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

/**
 * A lab capture read through sniff's live analysis: the events in order. With `tick`, the analysis clock
 * moves on every `tick` seconds between packets, before each packet is seen, as sniff's wall-clock ticker
 * does on a live interface; without, only packets move it (a file).
 */
async function liveEvents(
  lab: string,
  o: { dir?: string; quiet?: number; tick?: number } = {},
): Promise<Told[]> {
  const told: Told[] = [];
  const emit = (e: SniffEvent, seconds: number): void => {
    told.push({ e, seconds });
  };
  const verdicts = new LiveVerdicts(emit, () => live.view({ file: lab, format: 'pcapng', frames: 0 }));
  const live = new LiveAnalysis(emit, (e, epoch) => verdicts.session(e, epoch));
  const options = live.options(o.quiet ?? 5);
  const step = o.tick;
  const seePacket = options.onPacket;
  let last: number | null = null;
  if (step !== undefined && seePacket !== undefined)
    options.onPacket = (p) => {
      const now = p.ts.seconds + p.ts.fraction / 10 ** p.ts.digits;
      if (last !== null) for (let t = last + step; t < now; t += step) live.tick(t);
      last = now;
      seePacket(p);
    };
  await analyzeSource(join(fixturesCapturesDir(), o.dir ?? 'lab', lab, 'capture.pcapng'), options);
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

  it("counts firmware → iPXE as one boot when the verdict comes before iPXE's DHCP", async () => {
    // The iPXE ROM loads undionly.kpxe, quiet for ~3 s while it starts, and the loaded iPXE asks DHCP again
    // (user class iPXE). Quiet for 1 s with the clock ticking, the client's verdict comes before that DHCP:
    // the order sniff saw when it counted an OVMF → snponly.efi boot twice.
    const told = await liveEvents('chainload-loop', { dir: 'lab-failures', quiet: 1, tick: 0.2 });
    const firstVerdict = told.findIndex((t) => t.e.event === 'verdict');
    assert.ok(firstVerdict > 0, 'a verdict while the capture runs');
    const after = told.slice(firstVerdict).find((t) => t.e.event === 'client');
    assert.ok(after?.e.event === 'client' && after.e.ipxe, "iPXE's DHCP after the verdict");
    const first = told.find((t) => t.e.event === 'client');
    assert.ok(first?.e.event === 'client' && first.e.ipxe, "the ROM's own DHCP is iPXE's too");
    const metrics = new SniffMetrics(() => ({ packets: 0, dropped: 0 }));
    for (const t of told) metrics.observe(t.e, t.seconds);
    const text = await metrics.text();
    const value = (re: RegExp): number => Number(re.exec(text)?.[1] ?? NaN);
    assert.equal(value(/^pxe_doctor_boots_started_total (\S+)$/m), 1);
    assert.equal(value(/^pxe_doctor_active_clients (\S+)$/m), 0);
    const sessions = new Set(told.flatMap((t) => (t.e.event === 'verdict' ? [t.e.session] : [])));
    assert.equal(sessions.size, 1, 'one session, its verdict told again');
  });

  it('counts the boots the client events mark: one per boot session of the analysis', async () => {
    const metrics = new SniffMetrics(() => ({ packets: 0, dropped: 0 }));
    const mac = '52:54:00:00:00:01';
    const client = (boot: boolean, xid: number): SniffEvent => ({
      event: 'client',
      mac,
      xid,
      type: 'DISCOVER',
      port4011: false,
      arch: [7],
      archName: null,
      vendorClass: null,
      userClass: null,
      ipxe: false,
      boot,
    });
    const verdict = (n: number): SniffEvent => ({
      event: 'verdict',
      mac,
      session: `${mac}#${n}`,
      status: 'ok',
      reason: 'loaded snponly.efi',
      findings: [],
    });
    const value = async (re: RegExp): Promise<number> => Number(re.exec(await metrics.text())?.[1]);
    metrics.observe(client(true, 1), 100);
    metrics.observe(verdict(1), 110);
    metrics.observe(client(false, 2), 112);
    metrics.observe(verdict(1), 120);
    assert.equal(await value(/^pxe_doctor_boots_started_total (\S+)$/m), 1);
    assert.equal(await value(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m), 1);
    metrics.observe(client(true, 3), 500);
    metrics.observe(verdict(2), 510);
    assert.equal(await value(/^pxe_doctor_boots_started_total (\S+)$/m), 2);
    assert.equal(await value(/^pxe_doctor_boots_finished_total\{verdict="ok"\} (\S+)$/m), 2);
    assert.equal(await value(/^pxe_doctor_active_clients (\S+)$/m), 0);
  });

  it('--metrics takes HOST:PORT, :PORT and [v6]:PORT', () => {
    assert.deepEqual(parseListen('127.0.0.1:9477'), { host: '127.0.0.1', port: 9477 });
    assert.deepEqual(parseListen(':9477'), { host: '0.0.0.0', port: 9477 });
    assert.deepEqual(parseListen('[::1]:80'), { host: '::1', port: 80 });
    assert.throws(() => parseListen('9477'), /HOST:PORT/);
    assert.throws(() => parseListen('a:99999'), /HOST:PORT/);
  });
});
