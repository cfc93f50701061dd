/**
 * `npm run soak [-- --minutes 10 --boots-per-minute 2000]`: sniff's processing path (streaming decode, live
 * analysis, live verdicts, metrics) fed in real time, through a pcap stream (a live-style source: the
 * analysis clock follows the packets and the wall clock), with generated PXE boots of every kind (the bench
 * capture's boot generator, scripts/lib/pxe-boot.ts) at a fixed rate. Every 10 s one line: boots sent, boots
 * judged, packets, RSS. At the end: the numbers against the targets and a PASS/FAIL line — at least 10 minutes at
 * 2,000 boots/minute or more, every client seen judged (no event lost), RSS after the warm-up (`--warmup`
 * minutes, default 2: the analysis' open-record and retained-record limits filling) within ±10 % of its value
 * then, and the processing keeping up with the wall clock (the producer never held up more than 5 s). The CPU
 * time per boot is printed so a run on a busy machine can be extrapolated. Not part of `npm test`.
 */
import { PassThrough } from 'node:stream';
import { parseArgs } from 'node:util';
import { analyzeSource } from '../src/analysis/analyze-source.js';
import { streamSource } from '../src/capture/frame-source.js';
import { PcapWriter } from '../src/capture/writer.js';
import type { SniffEvent } from '../src/report/sniff-events.js';
import { DEFAULT_SESSION_QUIET, LiveAnalysis } from '../src/sniff/live.js';
import { SniffMetrics } from '../src/sniff/metrics.js';
import { LiveVerdicts } from '../src/sniff/verdicts.js';
import { newPxeStats, pxeBoot, PxeSite } from './lib/pxe-boot.js';
import { Rng } from './lib/rng.js';
import { Scheduler } from './lib/scheduler.js';

const NS = 1e9;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      'boots-per-minute': { type: 'string', default: '2000' },
      warmup: { type: 'string', default: '2' },
      // sniff --retain: how long a judged client's records stay. Memory holds about rate × window boots.
      retain: { type: 'string', default: '60' },
    },
  });
  const seconds = Number(values.minutes) * 60;
  const rate = Number(values['boots-per-minute']);
  const warmup = Number(values.warmup) * 60;
  const retain = Number(values.retain);
  const cpuStart = process.cpuUsage();
  const rng = new Rng(12);
  const site = new PxeSite();
  const stats = newPxeStats();
  const sched = new Scheduler((mean) => rng.exp(mean));
  sched.addArrival({
    name: 'pxe',
    meanGapNs: (60 / rate) * NS,
    background: false,
    start: (t) => pxeBoot(site, rng, t, stats),
  });

  const writer = new PcapWriter({ linkType: 1, precision: 'ns' });
  const pipe = new PassThrough({ highWaterMark: 1 << 20 });
  pipe.write(writer.header());
  const startMs = Date.now();
  const base = Math.floor(startMs / 1000);

  // The consumer: exactly what `sniff` runs per packet and per session.
  let packets = 0;
  let lastArrival = Date.now();
  const clients = new Set<string>();
  const judged = new Set<string>();
  const verdicts: Record<string, number> = {};
  const metrics = new SniffMetrics(() => ({ packets, dropped: 0 }));
  const emit = (e: SniffEvent, at: number): void => {
    metrics.observe(e, at);
    if (e.event === 'client') clients.add(e.mac);
    if (e.event === 'verdict') {
      if (!judged.has(e.session)) verdicts[e.status] = (verdicts[e.status] ?? 0) + 1;
      judged.add(e.session);
    }
  };
  const verdictsOf = new LiveVerdicts(emit, () =>
    live.view({ file: 'soak', format: 'pcap', frames: packets }),
  );
  const live = new LiveAnalysis(emit, (e, epoch) => verdictsOf.session(e, epoch));
  const source = streamSource(pipe, 'soak');
  const counted = {
    label: 'soak',
    read: (sink: Parameters<typeof source.read>[0], o?: Parameters<typeof source.read>[1]) =>
      source.read(
        { ...sink, frame: (f) => ((packets = f.frame), (lastArrival = Date.now()), sink.frame(f)) },
        o,
      ),
  };
  const analysis = analyzeSource(counted, { ...live.options(DEFAULT_SESSION_QUIET, retain), label: 'soak' });

  // The producer: frames written when their time has come, 20 times a second.
  let pending = sched.next();
  let sent = 0;
  const rss: { at: number; mb: number }[] = [];
  let maxRss = 0;
  // How long the producer was held up beyond its 50 ms period: the consumer running behind the wall clock.
  let lastPump = 0;
  let heldUp = 0;
  // The newest frames wait when a tick would write more than this (about 4× a tick's share at 2,000 boots/min):
  // once behind, catching up in ever bigger batches would grow the pipe and RSS, not measure the falling behind.
  const maxFramesPerTick = 5000;
  let lateBy = 0;
  await new Promise<void>((resolve) => {
    const pump = setInterval(() => {
      const now = (Date.now() - startMs) / 1000;
      heldUp = Math.max(heldUp, now - lastPump - 0.05);
      lastPump = now;
      const chunks: Buffer[] = [];
      while (
        pending !== null &&
        pending.t / NS <= Math.min(now, seconds) &&
        chunks.length < maxFramesPerTick
      ) {
        const t = pending.t;
        chunks.push(
          writer.packet({ data: pending.frame, seconds: base + Math.floor(t / NS), nanos: t % NS }),
        );
        sent++;
        pending = sched.next();
      }
      if (chunks.length > 0) pipe.write(Buffer.concat(chunks));
      if (pending !== null && pending.t / NS < Math.min(now, seconds))
        lateBy = Math.max(lateBy, Math.min(now, seconds) - pending.t / NS);
      // As sniff does (run.ts): the clock follows the wall clock only while no frame is arriving, so it never
      // overtakes frames still waiting in the pipe.
      if (Date.now() - lastArrival >= 100) live.tick(Date.now() / 1000 - 1);
      if (now >= seconds) {
        clearInterval(pump);
        resolve();
      }
    }, 50);
    const sample = setInterval(() => {
      const mb = process.memoryUsage().rss / 1e6;
      maxRss = Math.max(maxRss, mb);
      const elapsed = (Date.now() - startMs) / 1000;
      rss.push({ at: elapsed, mb });
      const booted = Object.values(stats.boots).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `${elapsed.toFixed(0).padStart(4)} s  boots ${booted}  judged ${judged.size}  frames ${sent}  RSS ${mb.toFixed(1)} MB\n`,
      );
      if (elapsed >= seconds) clearInterval(sample);
    }, 10_000);
  });
  sched.stop();
  pipe.end();
  await analysis;
  const boots = Object.values(stats.boots).reduce((a, b) => a + b, 0);
  const wall = (Date.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const after = rss.filter((r) => r.at >= warmup);
  const warm = after[0]?.mb ?? NaN;
  const low = Math.min(...after.map((r) => r.mb));
  const high = Math.max(...after.map((r) => r.mb));
  const end = rss.at(-1)?.mb ?? NaN;
  const pct = (x: number): string => `${(((x - warm) / warm) * 100).toFixed(1)} %`;
  const judgedClients = new Set([...judged].map((id) => id.split('#')[0]));
  const unjudged = [...clients].filter((mac) => !judgedClients.has(mac)).length;
  const started = Number(/^pxe_doctor_boots_started_total (\S+)$/m.exec(await metrics.text())?.[1] ?? NaN);
  const perMinute = (boots / seconds) * 60;
  const checks: [string, boolean][] = [
    [`>= 10 minutes (${(seconds / 60).toFixed(1)})`, seconds >= 600],
    [`>= 2000 boots/min (${perMinute.toFixed(0)})`, perMinute >= 2000],
    [`every client judged (${unjudged} without a verdict)`, unjudged === 0],
    [`RSS within ±10 % after warm-up (${pct(low)} .. ${pct(high)})`, low >= warm * 0.9 && high <= warm * 1.1],
    [
      `kept up (producer held up at most ${heldUp.toFixed(1)} s, frames sent at most ${lateBy.toFixed(1)} s late)`,
      heldUp <= 5 && lateBy <= 5,
    ],
  ];
  process.stdout.write(
    [
      `boots generated ${boots} (${perMinute.toFixed(0)}/min), frames ${sent}, clients seen ${clients.size}, boots started (metrics) ${started}, retention window ${retain} s`,
      `sessions judged ${judged.size} of ${judgedClients.size} clients: ${JSON.stringify(verdicts)}`,
      `RSS after ${(warmup / 60).toFixed(1)} min warm-up ${warm.toFixed(1)} MB, then ${low.toFixed(1)} .. ${high.toFixed(1)} MB, end ${end.toFixed(1)} MB (${pct(end)}), max ${maxRss.toFixed(1)} MB`,
      `CPU ${cpuSeconds.toFixed(1)} s in ${wall.toFixed(1)} s wall (${((cpuSeconds / wall) * 100).toFixed(0)} % of one core), ${((cpuSeconds / boots) * 1000).toFixed(1)} ms per boot (generator included)`,
      `drops 0 (an in-process stream cannot drop)`,
      ...checks.map(([what, ok]) => `  ${ok ? 'ok  ' : 'FAIL'} ${what}`),
      checks.every(([, ok]) => ok) ? 'PASS' : 'FAIL',
      '',
    ].join('\n'),
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`soak: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(3);
  },
);
