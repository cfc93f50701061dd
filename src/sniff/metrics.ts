/**
 * `sniff --metrics HOST:PORT`: Prometheus exposition of what the segment does, built from the same events
 * the user sees (prom-client). One sniff per PXE segment, one Prometheus scraping them all: pxe-doctor
 * aggregates nothing itself. Metric names and example queries: docs/sniff.md, docs/grafana-sniff.json.
 */
import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { BoundedSet } from '../analysis/bounded-set.js';
import { LiveCaptureError } from '../capture/live/errors.js';
import type { Finding } from '../diagnosis/types.js';
import type { SniffEvent } from '../report/sniff-events.js';

const PREFIX = 'pxe_doctor_';
/** DHCP answers come in milliseconds from a healthy server, in seconds from a ping-checking or slow one. */
const DHCP_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];
/** TFTP rates from a 512-byte-block WAN crawl (tens of kB/s) to big-block, windowed LAN (100 MB/s). */
const RATE_BUCKETS = [1e4, 3e4, 1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8];
/** First client packets of DHCP rounds kept to time their answers; the oldest go first. */
const MAX_ROUNDS = 20000;
/** Sessions and findings counted once: their keys are remembered (the oldest forgotten first). */
const MAX_TOLD_KEYS = 20000;

export interface CaptureCounts {
  packets: number;
  dropped: number | null;
}

export class SniffMetrics {
  readonly registry = new Registry();
  private readonly bootsStarted = new Counter({
    name: `${PREFIX}boots_started_total`,
    help: 'Boots begun: DHCP from a client silent for the idle timeout (300 s) or never seen, as the analysis splits boot sessions (firmware then iPXE is one boot)',
    registers: [this.registry],
  });
  private readonly bootsFinished = new Counter({
    name: `${PREFIX}boots_finished_total`,
    help: 'Boot sessions judged, by their first verdict (ok, fail, warn, unknown, incomplete)',
    labelNames: ['verdict'],
    registers: [this.registry],
  });
  private readonly findings = new Counter({
    name: `${PREFIX}findings_total`,
    help: 'Diagnosis findings raised, by rule and severity',
    labelNames: ['rule', 'severity'],
    registers: [this.registry],
  });
  private readonly timeToOffer = new Histogram({
    name: `${PREFIX}dhcp_time_to_offer_seconds`,
    help: "Seconds from a DHCP round's first client message to each server's first OFFER",
    buckets: DHCP_BUCKETS,
    registers: [this.registry],
  });
  private readonly timeToAck = new Histogram({
    name: `${PREFIX}dhcp_time_to_ack_seconds`,
    help: "Seconds from a DHCP round's first client message to the ACK",
    buckets: DHCP_BUCKETS,
    registers: [this.registry],
  });
  private readonly throughput = new Histogram({
    name: `${PREFIX}tftp_throughput_bytes_per_second`,
    help: 'Throughput of each completed TFTP transfer',
    buckets: RATE_BUCKETS,
    registers: [this.registry],
  });
  private readonly tftpBytes = new Counter({
    name: `${PREFIX}tftp_bytes_total`,
    help: 'File bytes served over TFTP (all transfers that ended)',
    registers: [this.registry],
  });
  private readonly tftpFiles = new Counter({
    name: `${PREFIX}tftp_files_total`,
    help: 'TFTP transfers that ended, by outcome (complete, error, tsize-probe, abandoned, …)',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly packets: Gauge = new Gauge({
    name: `${PREFIX}capture_packets`,
    help: 'Packets captured since sniff started',
    registers: [this.registry],
    // Read when scraped, not counted per packet.
    collect: () => this.refresh(),
  });
  private readonly dropped = new Gauge({
    name: `${PREFIX}capture_dropped_packets`,
    help: 'Packets the capture backend reported dropped (known when the backend reports it)',
    registers: [this.registry],
  });
  private readonly active = new Gauge({
    name: `${PREFIX}active_clients`,
    help: 'Clients seen booting whose verdict is not known yet',
    registers: [this.registry],
  });
  private readonly activeClients = new Set<string>();
  /** Sessions counted as finished and findings counted: a session told again is not counted again. */
  private readonly counted = new BoundedSet<string>(MAX_TOLD_KEYS);
  private readonly rounds = new Map<string, number>();

  constructor(private readonly counts: () => CaptureCounts) {}

  private refresh(): void {
    const c = this.counts();
    this.packets.set(c.packets);
    if (c.dropped !== null) this.dropped.set(c.dropped);
  }

  /** Updates the metrics from one event; `seconds` is its capture time (epoch seconds). */
  observe(e: SniffEvent, seconds: number): void {
    switch (e.event) {
      case 'client': {
        const key = `${e.mac} ${e.xid}`;
        if (!this.rounds.has(key)) {
          this.rounds.set(key, seconds);
          if (this.rounds.size > MAX_ROUNDS) this.forgetOldestRound();
        }
        if (e.boot) this.bootsStarted.inc();
        if (!this.activeClients.has(e.mac)) {
          this.activeClients.add(e.mac);
          this.active.set(this.activeClients.size);
        }
        return;
      }
      case 'offer':
      case 'ack': {
        const start = this.rounds.get(`${e.mac} ${e.xid}`);
        if (start === undefined) return;
        (e.event === 'offer' ? this.timeToOffer : this.timeToAck).observe(Math.max(0, seconds - start));
        return;
      }
      case 'tftp-end':
        this.tftpFiles.inc({ outcome: e.outcome });
        this.tftpBytes.inc(e.bytes);
        if (e.outcome === 'complete' && e.rate !== null) this.throughput.observe(e.rate);
        return;
      case 'verdict':
        if (this.counted.add(`session ${e.session}`)) this.bootsFinished.inc({ verdict: e.status });
        for (const f of e.findings) this.finding(f);
        if (this.activeClients.delete(e.mac)) this.active.set(this.activeClients.size);
        return;
      case 'finding':
        this.finding(e.finding);
        return;
      default:
        return;
    }
  }

  private finding(f: Finding): void {
    const key = JSON.stringify(['finding', f.ruleId, f.sessionId ?? f.client, f.message]);
    if (this.counted.add(key)) this.findings.inc({ rule: f.ruleId, severity: f.severity });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private forgetOldestRound(): void {
    const oldest = this.rounds.keys().next();
    if (oldest.done !== true) this.rounds.delete(oldest.value);
  }
}

/** "HOST:PORT" (or ":PORT", or "[v6]:PORT") → its parts; throws on anything else. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`expected HOST:PORT, e.g. 127.0.0.1:9477`);
  return { host: m[1] ?? (m[2] !== '' && m[2] !== undefined ? m[2] : '0.0.0.0'), port };
}

/** Serves GET /metrics; resolves with the server once listening. */
export function serveMetrics(metrics: SniffMetrics, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '/').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('pxe-doctor sniff: metrics at /metrics\n');
      return;
    }
    metrics.text().then(
      (body) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new LiveCaptureError(`cannot serve metrics on ${host}:${port}: ${err.code ?? err.message}`)),
    );
    server.listen(port, host, () => {
      server.removeAllListeners('error');
      resolve(server);
    });
  });
}
