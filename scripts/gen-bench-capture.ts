/**
 * Writes a large, realistic mixed capture for benchmarks, in constant memory:
 *
 *   node dist/scripts/gen-bench-capture.js --size 300MB --out bench-data/mixed.pcapng [--format pcap|pcapng]
 *       [--seed N] [--boot-every SECONDS] [--rate MBIT]
 *
 * Mostly background traffic (TCP bulk flows, DNS, NTP, syslog, voice, QUIC-like UDP, ARP, IPv6 ND and mDNS, some
 * of it VLAN-tagged) with whole PXE boots started every few seconds (see scripts/lib/pxe-boot.ts). The same seed
 * gives the same bytes. A summary (frames, boots by kind, DHCP and TFTP frame counts tshark should find) is
 * written beside the capture as <out>.meta.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PcapngWriter, PcapWriter, SyncCaptureFile, type RecordWriter } from '../src/capture/writer.js';
import {
  arpExchange,
  dnsExchange,
  ipv6Chatter,
  Network,
  quicBurst,
  tcpFlow,
  udpMisc,
  voiceCall,
} from './lib/background.js';
import { newPxeStats, pxeBoot, PxeSite, type PxeStats } from './lib/pxe-boot.js';
import { Rng } from './lib/rng.js';
import { Scheduler } from './lib/scheduler.js';
import { formatSize, parseSize } from './lib/size.js';
import { addNs, type WallTime } from './lib/wall-time.js';

export type CaptureFileFormat = 'pcap' | 'pcapng';

export interface BenchCaptureOptions {
  out: string;
  size: number;
  format: CaptureFileFormat;
  seed: number;
  /** Mean seconds between two PXE boots. */
  bootEvery: number;
  /** Mean background throughput, Mbit/s. */
  rateMbit: number;
  start: WallTime;
  progress?: (written: number) => void;
}

export interface BenchCaptureSummary {
  file: string;
  format: CaptureFileFormat;
  seed: number;
  targetBytes: number;
  bytes: number;
  frames: number;
  startEpoch: number;
  durationSeconds: number;
  pxe: PxeStats;
  generatorSeconds: number;
  generatorPeakRssMB: number;
}

const S = 1e9;

export function generateBenchCapture(o: BenchCaptureOptions): BenchCaptureSummary {
  const began = process.hrtime.bigint();
  const rng = new Rng(o.seed);
  const net = new Network(rng);
  const site = new PxeSite();
  const stats = newPxeStats();
  const writer = new SyncCaptureFile(o.out, captureWriter(o.format));
  const sched = new Scheduler((mean) => rng.exp(mean));
  const bytesPerSecond = (o.rateMbit * 1e6) / 8;
  const meanTcpFlow = 650_000;
  const meanQuic = 760_000;
  sched.addArrival({
    name: 'tcp',
    meanGapNs: (meanTcpFlow / (0.82 * bytesPerSecond)) * S,
    background: true,
    start: (t) => tcpFlow(net, rng, t),
  });
  sched.addArrival({
    name: 'quic',
    meanGapNs: (meanQuic / (0.1 * bytesPerSecond)) * S,
    background: true,
    start: (t) => quicBurst(net, rng, t),
  });
  sched.addArrival({
    name: 'dns',
    meanGapNs: S / 25,
    background: true,
    start: (t) => dnsExchange(net, rng, t),
  });
  sched.addArrival({
    name: 'arp',
    meanGapNs: S / 3,
    background: true,
    start: (t) => arpExchange(net, rng, t),
  });
  sched.addArrival({
    name: 'ipv6',
    meanGapNs: S / 4,
    background: true,
    start: (t) => ipv6Chatter(net, rng, t),
  });
  sched.addArrival({ name: 'udp', meanGapNs: S / 8, background: true, start: (t) => udpMisc(net, rng, t) });
  sched.addArrival({
    name: 'voice',
    meanGapNs: 20 * S,
    background: true,
    start: (t) => voiceCall(net, rng, t),
  });
  sched.addArrival({
    name: 'pxe',
    meanGapNs: o.bootEvery * S,
    background: false,
    start: (t) => pxeBoot(site, rng, t, stats),
  });
  sched.addSource(voiceCall(net, rng, 0), true);
  sched.addSource(pxeBoot(site, rng, Math.round(0.5 * S), stats, 'bios-pxelinux'), false);

  let lastT = 0;
  let nextProgress = 0;
  for (;;) {
    const f = sched.next();
    if (!f) break;
    lastT = f.t;
    writer.write({
      ...addNs(o.start, f.t),
      data: f.capLen !== undefined ? f.frame.subarray(0, f.capLen) : f.frame,
      origLen: f.frame.length,
    });
    if (writer.bytesWritten >= o.size) sched.stop();
    if (o.progress && writer.bytesWritten >= nextProgress) {
      o.progress(writer.bytesWritten);
      nextProgress += Math.max(1, Math.floor(o.size / 20));
    }
  }
  writer.close();
  return {
    file: o.out,
    format: o.format,
    seed: o.seed,
    targetBytes: o.size,
    bytes: writer.bytesWritten,
    frames: writer.frames,
    startEpoch: o.start.seconds,
    durationSeconds: lastT / S,
    pxe: stats,
    generatorSeconds: Number(process.hrtime.bigint() - began) / 1e9,
    generatorPeakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

function captureWriter(format: CaptureFileFormat): RecordWriter {
  if (format === 'pcap') return new PcapWriter({ linkType: 1 });
  return new PcapngWriter({ application: 'pxe-doctor gen-bench-capture', interfaceName: 'eth0' });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '300MB' },
      out: { type: 'string', default: 'bench-data/mixed.pcapng' },
      format: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'boot-every': { type: 'string', default: '3' },
      rate: { type: 'string', default: '32' },
      start: { type: 'string', default: '1710234000' },
      quiet: { type: 'boolean', default: false },
    },
  });
  const out = resolve(values.out);
  const format = (values.format ?? (out.endsWith('.pcap') ? 'pcap' : 'pcapng')) as CaptureFileFormat;
  if (format !== 'pcap' && format !== 'pcapng')
    throw new Error(`--format must be pcap or pcapng, not ${String(format)}`);
  const size = parseSize(values.size);
  mkdirSync(dirname(out), { recursive: true });
  const summary = generateBenchCapture({
    out,
    size,
    format,
    seed: Number(values.seed),
    bootEvery: Number(values['boot-every']),
    rateMbit: Number(values.rate),
    start: { seconds: Number(values.start), nanos: 0 },
    progress: values.quiet
      ? undefined
      : (n) => process.stderr.write(`\r${formatSize(n)} / ${formatSize(size)}   `),
  });
  if (!values.quiet) process.stderr.write('\n');
  writeFileSync(`${out}.meta.json`, JSON.stringify(summary, null, 2) + '\n');
  const boots = Object.entries(summary.pxe.boots)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  console.log(
    `${out}: ${formatSize(summary.bytes)}, ${summary.frames} frames over ${summary.durationSeconds.toFixed(1)} s; ` +
      `PXE boots: ${boots}; DHCP frames ${summary.pxe.dhcpFrames}, TFTP frames ${summary.pxe.tftpFrames}; ` +
      `written in ${summary.generatorSeconds.toFixed(1)} s, peak RSS ${summary.generatorPeakRssMB} MB`,
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
