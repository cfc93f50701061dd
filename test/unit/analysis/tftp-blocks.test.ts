/**
 * Plain TFTP DATA and ACK packets of open transfers are taken straight from the frame's bytes
 * (PacketHandlers.tftpBlock → Analyzer.addTftpBlock) with no record built. That must never change an
 * analysis: for every capture we have, the JSON document, the text report and the findings are the same as
 * when every packet takes the record's way (an onPacket hook turns the short way off), and frames it must
 * leave alone (cut by the snaplen, VLAN-tagged, fragmented, an ACK with trailing bytes) go the full way.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { analyzeSource } from '../../../src/analysis/analyze-source.js';
import { fileSource, streamSource, type FrameSource } from '../../../src/capture/frame-source.js';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { decodeCapture } from '../../../src/protocol/decode-stream.js';
import { encodeIpv4 } from '../../../src/protocol/ipv4.js';
import { analysisDocument, analysisJsonChunks } from '../../../src/report/analyze-json.js';
import { renderAnalysisText } from '../../../src/report/analyze-text.js';
import { listCaptureFiles } from '../../support/fixtures.js';
import { pcapBytes } from '../net/helpers.js';

type Input = string | Uint8Array;

/** A capture file by path, or capture bytes. */
const source = (input: Input): FrameSource =>
  typeof input === 'string'
    ? fileSource(input)
    : streamSource(Readable.from([Buffer.from(input)]), 'capture');

async function report(input: Input, full: boolean): Promise<string> {
  const { result } = await analyzeSource(source(input), full ? { onPacket: () => {} } : {});
  const findings = diagnose(result);
  return (
    [...analysisJsonChunks(analysisDocument(result, findings, 'test'))].join('') +
    renderAnalysisText(result, findings, { color: false, width: 100 })
  );
}

/** How many packets the decoder offers to tftpBlock and how many the handler takes. */
async function offered(input: Input, take: boolean): Promise<{ offered: number; records: number }> {
  let n = 0;
  let records = 0;
  await decodeCapture(source(input), {
    packet: () => records++,
    tftpBlock: () => {
      n++;
      return take;
    },
  });
  return { offered: n, records };
}

/** A classic pcap (Ethernet) of these frames, the last `cut` bytes of each left out of the capture. */
const pcapOf = (frames: Uint8Array[], cut = 0): Uint8Array =>
  pcapBytes(
    1,
    frames.map((f) => f.subarray(0, f.length - cut)),
    262144,
    cut,
  );

const CLIENT = 0x0a000002;
const SERVER = 0x0a000001;

function frame(
  src: number,
  dst: number,
  sp: number,
  dp: number,
  payload: number[],
  vlan = false,
): Uint8Array {
  const udp = new Uint8Array(8 + payload.length);
  udp.set([sp >> 8, sp & 0xff, dp >> 8, dp & 0xff, udp.length >> 8, udp.length & 0xff, 0, 0]);
  udp.set(payload, 8);
  const ip = encodeIpv4({ src, dst, protocol: 17 }, udp);
  const tag = vlan ? [0x81, 0x00, 0, 5] : [];
  const macs = src === CLIENT ? [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2] : [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1];
  return Uint8Array.from([...macs, ...tag, 0x08, 0x00, ...ip]);
}

/** An RRQ, then DATA 1 (full) / ACK 1 / DATA 2 (short) / ACK 2: a whole 512-byte-block transfer. */
function transfer(opts: { vlan?: boolean; ackTrailer?: boolean } = {}): Uint8Array[] {
  const rrq = [0, 1, ...Buffer.from('pxelinux.0\0octet\0')];
  const data = (block: number, n: number): number[] => [0, 3, 0, block, ...new Array<number>(n).fill(7)];
  const ack = (block: number): number[] => [0, 4, 0, block, ...(opts.ackTrailer === true ? [1] : [])];
  const v = opts.vlan === true;
  return [
    frame(CLIENT, SERVER, 2000, 69, rrq, v),
    frame(SERVER, CLIENT, 3000, 2000, data(1, 512), v),
    frame(CLIENT, SERVER, 2000, 3000, ack(1), v),
    frame(SERVER, CLIENT, 3000, 2000, data(2, 100), v),
    frame(CLIENT, SERVER, 2000, 3000, ack(2), v),
  ];
}

describe('TFTP DATA/ACK taken from the frame bytes change no analysis', () => {
  it('every capture in fixtures/ and the shared set analyses the same either way', async () => {
    const files = listCaptureFiles({ shared: true });
    assert.ok(files.length >= 50, `only ${files.length} captures found`);
    let taken = 0;
    for (const file of files) {
      // A capture whose packets are never offered takes the full way either way.
      const n = (await offered(file.path, true)).offered;
      if (n === 0) continue;
      taken += n;
      assert.equal(await report(file.path, false), await report(file.path, true), file.rel);
    }
    // The lab boots are mostly DATA and ACK: the short way must actually be taken.
    assert.ok(taken > 3000, `only ${taken} packets offered`);
  });

  it('a packet the handler declines is decoded as a record, once', async () => {
    const bytes = pcapOf(transfer());
    // Every DATA and ACK of the conversation the RRQ opened is offered; a declined one becomes a record.
    assert.deepEqual(await offered(bytes, true), { offered: 4, records: 1 });
    assert.deepEqual(await offered(bytes, false), { offered: 4, records: 5 });
    assert.equal(await report(bytes, false), await report(bytes, true));
  });

  it('frames with something to note are left to the full decode', async () => {
    for (const [what, bytes] of [
      ['VLAN-tagged', pcapOf(transfer({ vlan: true }))],
      ['cut by the snaplen', pcapOf(transfer(), 1)],
    ] as const) {
      assert.equal((await offered(bytes, true)).offered, 0, what);
      assert.equal(await report(bytes, false), await report(bytes, true), what);
    }
    // An ACK with a trailing byte carries a note: only the DATA are offered.
    const trailer = pcapOf(transfer({ ackTrailer: true }));
    assert.equal((await offered(trailer, true)).offered, 2);
    assert.equal(await report(trailer, false), await report(trailer, true));
  });
});
