/**
 * Run inside a test namespace by sniff-live.test.ts: sends the frames of a capture file out of the interface
 * named by argv[2] through libpcap, keeping the capture's gaps between frames but shortening each to at most
 * argv[4] ms. Prints one JSON line when done: frames sent and the wall time of the last one (epoch ms).
 * With argv[3] = "flood:N" it instead sends N copies of a UDP datagram to port 69 as fast as it can (a load
 * for drop tests). Bounded in count and time.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { toTimestamp, timestampToNumber } from '../../../src/capture/timestamp.js';
import { udpFrames } from '../../../src/net/frames.js';
import { openPcapLink } from '../../../src/net/pcap.js';

const [iface, what, maxGapText] = process.argv.slice(2);
if (iface === undefined || what === undefined)
  throw new Error('usage: replay-frames IFACE FILE|flood:N [MAX_GAP_MS]');
// Receives nothing: the filter matches no frame.
const link = openPcapLink(iface, 'ether proto 0x88b5', { anyLinkType: true });

if (what.startsWith('flood:')) {
  const count = Math.min(Number(what.slice(6)), 2_000_000);
  const [frame] = udpFrames({
    srcMac: '02:66:00:00:00:02',
    dstMac: 'ff:ff:ff:ff:ff:ff',
    srcIp: '10.99.66.2',
    dstIp: '10.99.66.1',
    srcPort: 40000,
    dstPort: 69,
    payload: new Uint8Array([0, 4, 0, 1]), // a TFTP ACK: the default filter keeps it, the decoder reads it
    ipId: 1,
    mtu: 1500,
  });
  if (frame === undefined) throw new Error('no frame');
  const t0 = Date.now();
  let sent = 0;
  while (sent < count && Date.now() - t0 < 20_000) {
    try {
      link.send(frame);
      sent++;
    } catch {
      await sleep(1); // the device queue is full: let it drain
    }
  }
  process.stdout.write(`${JSON.stringify({ sent, lastSentMs: Date.now() })}\n`);
} else {
  const maxGap = Number(maxGapText ?? '500') / 1000;
  const frames: { data: Uint8Array; t: number }[] = [];
  readCaptureBuffer(readFileSync(what), {
    frame: (f) => frames.push({ data: f.data.slice(), t: timestampToNumber(toTimestamp(f.ts)) }),
    warning: () => undefined,
  });
  let previous: number | null = null;
  for (const f of frames) {
    if (previous !== null) {
      const gap = Math.min(Math.max(f.t - previous, 0), maxGap);
      if (gap > 0.0005) await sleep(gap * 1000);
    }
    previous = f.t;
    link.send(f.data);
  }
  process.stdout.write(`${JSON.stringify({ sent: frames.length, lastSentMs: Date.now() })}\n`);
}
link.close();
