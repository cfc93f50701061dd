/**
 * The `cap` backend: libpcap in-process through net/pcap.ts. The binding passes on no libpcap timestamp
 * (mscdex/cap#85) and no pcap_stats, so packets carry their receipt time in this process
 * (`arrivalTimestamps`: the output says so) and no drop count exists. With -w the frames are written as
 * pcapng with those receipt times.
 */
import type { LiveCapture, LiveCaptureOptions } from '../capture/live/types.js';
import type { ReadCaptureOptions } from '../capture/source.js';
import type { CaptureInfo, CaptureInterface, CaptureSink, RawTimestamp } from '../capture/types.js';
import { nanosSplit, PcapngWriter } from '../capture/writer.js';
import type { FrameLink } from '../net/link.js';
import { openPcapLink } from '../net/pcap.js';

/** The receive buffer of net/pcap.ts: longer frames arrive cut short. */
const SNAPLEN = 65535;

class CapCapture implements LiveCapture {
  readonly label: string;
  readonly backend = 'cap' as const;
  readonly arrivalTimestamps = true;
  onBytes?: (chunk: Uint8Array) => void;
  private finish: (() => void) | null = null;
  private stopped = false;
  /** libpcap's pcap_stats does not reach JavaScript through cap: no drop counts, ever. */
  pollStats(): void {}
  runningStats(): undefined {
    return undefined;
  }

  constructor(
    private readonly link: FrameLink,
    private readonly opts: LiveCaptureOptions,
  ) {
    this.label = `live:${opts.iface}`;
  }

  read(sink: CaptureSink, opts: ReadCaptureOptions = {}): Promise<CaptureInfo> {
    const linkType = this.link.linkType;
    const iface: CaptureInterface = {
      id: 0,
      linkType,
      snapLen: SNAPLEN,
      name: this.opts.iface,
      unitsPerSecond: 1e9,
      digits: 9,
    };
    sink.interface?.(iface);
    const writer =
      this.onBytes !== undefined
        ? new PcapngWriter({ interfaceName: this.opts.iface, snapLen: SNAPLEN, linkType })
        : null;
    if (writer !== null) this.onBytes?.(writer.header());
    let frames = 0;
    let bytes = 0;
    let last: CaptureInfo['last'];
    return new Promise<CaptureInfo>((resolve) => {
      let unlisten: () => void = () => undefined;
      const done = (): void => {
        opts.signal?.removeEventListener('abort', done);
        unlisten();
        this.link.close();
        const info: CaptureInfo = {
          format: 'pcapng',
          compressed: false,
          interfaces: [iface],
          bytesRead: bytes,
          frames,
        };
        resolve(last !== undefined ? { ...info, last } : info);
      };
      this.finish = done;
      if (this.stopped) return done();
      opts.signal?.addEventListener('abort', done, { once: true });
      unlisten = this.link.listen(({ data, timestamp, truncated }) => {
        if (this.finish === null) return;
        const [high, low] = nanosSplit(timestamp.seconds, timestamp.fraction);
        const ts: RawTimestamp = {
          high,
          low,
          unitsPerSecond: 1e9,
          combined: true,
          offsetSeconds: 0,
          digits: 9,
        };
        const frame = ++frames;
        const length = data.length;
        bytes += length;
        last = { frame, ts };
        // A cut frame was longer than the buffer: its real length is unknown, only that it is more.
        const origLen = truncated ? length + 1 : length;
        if (writer !== null)
          this.onBytes?.(
            writer.packet({ data, seconds: timestamp.seconds, nanos: timestamp.fraction, origLen, linkType }),
          );
        if (sink.skim?.(frame, linkType, data, 0, length) !== true)
          sink.frame({ frame, linkType, interfaceId: 0, data, origLen, ts });
        if (this.opts.count !== undefined && frames >= this.opts.count) this.stop();
      });
    });
  }

  stop(): void {
    this.stopped = true;
    const finish = this.finish;
    this.finish = null;
    finish?.();
  }
}

/** Opens the interface through libpcap (throws InterfaceError when it cannot: exit 4). */
export function startCapCapture(opts: LiveCaptureOptions): LiveCapture {
  return new CapCapture(openPcapLink(opts.iface, opts.filter, { anyLinkType: true }), opts);
}
