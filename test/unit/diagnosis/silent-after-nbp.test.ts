/**
 * boot.silent-after-nbp: the decoder reports every frame of a DHCP client's MAC (SourceWatch), the analysis
 * keeps each client's last frame, the rule tells a loader downloaded and then nothing at all.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { analyzeSource } from '../../../src/analysis/analyze-source.js';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { toTimestamp } from '../../../src/capture/timestamp.js';
import { PcapngWriter, type WritePacket } from '../../../src/capture/writer.js';
import { findCapture } from '../../support/fixtures.js';
import type { AnalysisResult } from '../../../src/analysis/types.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import { SourceWatch } from '../../../src/protocol/source-watch.js';
import { CLIENT_IP, CLIENT_MAC, dhcp, SERVER, TftpScript, ts } from '../analysis/support/records.js';
import { none, one } from './support/expect.js';

const PXE = [
  { code: 93, raw: Uint8Array.of(0, 0) },
  { code: 60, raw: Uint8Array.from(Buffer.from('PXEClient:Arch:00000:UNDI:002001')) },
];

function boot(file: string): DecodedPacket[] {
  const reply = { yiaddr: CLIENT_IP, siaddr: SERVER, file };
  const tftp = new TftpScript(CLIENT_IP, SERVER, { frame: 10, t: 2 });
  tftp.read(2070, 50000, file, 42430, 1432, { blksize: '1432' });
  return [
    dhcp({ frame: 1, t: 0, type: 'DISCOVER', options: PXE }),
    dhcp({ frame: 2, t: 0.01, type: 'OFFER', ...reply }),
    dhcp({ frame: 3, t: 1, type: 'REQUEST', options: PXE }),
    dhcp({ frame: 4, t: 1.01, type: 'ACK', ...reply }),
    ...tftp.packets,
  ];
}

/** Feeds the records as analyzeSource does: each client frame also reported as client activity. */
function run(
  packets: DecodedPacket[],
  end: number,
  later: { frame: number; t: number } | null,
  fed = true,
): AnalysisResult {
  const a = new Analyzer({ origin: ts(0) });
  for (const p of packets) {
    a.addPacket(p);
    const fromClient = p.protocol === 'dhcp' ? p.dhcp.op === 1 : p.src === CLIENT_IP;
    if (fed && fromClient) a.addClientFrame({ frame: p.frame, ts: p.ts, mac: CLIENT_MAC });
  }
  if (later !== null) a.addClientFrame({ frame: later.frame, ts: ts(later.t), mac: CLIENT_MAC });
  return a.finish({ file: 'x', format: 'pcapng', frames: 100, firstTs: ts(0), lastTs: ts(end) });
}

describe('boot.silent-after-nbp', () => {
  it('tells pxelinux.0 loaded and then a minute of silence', () => {
    const f = one(run(boot('pxelinux.0'), 62, null), 'boot.silent-after-nbp');
    assert.equal(f.severity, 'info');
    assert.match(f.message, /downloaded "pxelinux\.0" \(41\.4 KiB, pxelinux\) completely from 10\.77\.0\.1/);
    assert.match(f.message, /sent nothing at all for 59\.9 s/);
  });

  it('stays quiet when the client sends anything later (a DNS query, say)', () => {
    none(run(boot('pxelinux.0'), 62, { frame: 200, t: 2.5 }), 'boot.silent-after-nbp');
  });

  it('says "incomplete at the end of the capture" when the capture ends before the quiet time is over', () => {
    const f = one(run(boot('pxelinux.0'), 20, null), 'boot.silent-after-nbp');
    assert.equal(f.severity, 'info');
    assert.equal(f.incomplete, true);
    assert.match(f.message, /^Incomplete at the end of the capture: .*downloaded "pxelinux\.0" \(pxelinux\)/);
    assert.doesNotMatch(f.message, /did not start or hung/);
  });

  it('stays quiet for a kernel, and records not read frame by frame', () => {
    none(run(boot('vmlinuz'), 62, null), 'boot.silent-after-nbp');
    none(run(boot('undionly.kpxe'), 62, null, false), 'boot.silent-after-nbp');
  });
});

describe('SourceWatch', () => {
  const frame = (mac: number[]): Uint8Array =>
    Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...mac, 0x86, 0xdd]);
  const client = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

  it("reports a client's first skimmed frame after a DHCP/TFTP frame, then one in 256 of a stream", () => {
    const w = new SourceWatch();
    assert.equal(w.wants(frame(client), 6), false, 'unknown MAC');
    w.add('52:54:00:12:34:56');
    assert.equal(w.wants(frame([0x52, 0x54, 0x00, 0x99, 0x34, 0x56]), 6), false, 'same tail, other MAC');
    assert.equal(w.wants(frame(client), 6), true);
    assert.equal(w.seen(frame(client), 6), '52:54:00:12:34:56');
    let reported = 0;
    for (let i = 0; i < 512; i++)
      if (w.wants(frame(client), 6)) {
        reported++;
        w.seen(frame(client), 6);
      }
    assert.equal(reported, 2);
    // A TFTP ACK on the full path: the next skimmed frame counts again.
    w.seen(frame(client), 6);
    assert.equal(w.wants(frame(client), 6), true);
  });
});

describe('boot.silent-after-nbp through the decoder (the happy BIOS lab boot cut after pxelinux.0)', () => {
  /**
   * Frames 1–84 of the lab boot (DORA, pxelinux.0 up to its last ACK at frame 84), then one minute of the
   * server's ARP requests (frame 2, another MAC) — and, in the second case, one more IPv6 Router Solicitation
   * from the client (a copy of frame 3: a frame the skim path would otherwise pass over).
   */
  async function cut(clientTalksAgain: boolean): Promise<AnalysisResult | null> {
    const c = findCapture('lab/happy-bios-pxelinux/capture.pcapng');
    if (c === null) return null;
    const frames: WritePacket[] = [];
    readCaptureBuffer(readFileSync(c.path), {
      warning: () => undefined,
      frame: (f) => {
        const ts = toTimestamp(f.ts);
        const nanos = ts.fraction * 10 ** (9 - ts.digits);
        frames.push({ data: f.data.slice(), seconds: ts.seconds, nanos, origLen: f.origLen });
      },
    });
    const kept = frames.slice(0, 84);
    const start = kept[83]?.seconds ?? 0;
    const serverArp = frames[1];
    const clientRs = frames[2];
    if (serverArp === undefined || clientRs === undefined) return null;
    for (let i = 1; i <= 60; i++) {
      kept.push({ ...serverArp, seconds: start + i });
      if (clientTalksAgain && i === 5) kept.push({ ...clientRs, seconds: start + i, nanos: 500_000_000 });
    }
    const bytes = PcapngWriter.file({}, kept);
    return (await analyzeSource(Readable.from([bytes]))).result;
  }

  it('tells the silence when the client sends nothing after its last ACK', async (t) => {
    const a = await cut(false);
    if (a === null) return t.skip('capture not present');
    const f = one(a, 'boot.silent-after-nbp');
    assert.match(
      f.message,
      /downloaded "pxelinux\.0" \(41\.4 KiB, pxelinux\) completely from 10\.77\.0\.1 \(last packet frame 84\)/,
    );
  });

  it('stays quiet when the client sends an IPv6 packet afterwards (seen on the skim path)', async (t) => {
    const a = await cut(true);
    if (a === null) return t.skip('capture not present');
    assert.ok(
      (a.clientLastFrames?.['52:54:00:12:34:56']?.frame ?? 0) > 84,
      JSON.stringify(a.clientLastFrames),
    );
    none(a, 'boot.silent-after-nbp');
  });
});
