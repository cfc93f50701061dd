/** Shared helpers for the capture tests: locating the shared captures and collecting what a reader emits. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { formatEpoch, toTimestamp } from '../../../src/capture/timestamp.js';
import type { CaptureInterface, CaptureSink, CaptureWarning, RawFrame } from '../../../src/capture/types.js';

/**
 * Path of a shared capture such as "public/zeek/dhcp.pcap": the project's fixtures/captures copy when it
 * exists, else the shared directory beside the repository (tests run from the repo root).
 */
export function capturePath(rel: string): string {
  const local = path.resolve(process.cwd(), 'fixtures', 'captures', rel);
  if (existsSync(local)) return local;
  return path.resolve(process.cwd(), '..', 'shared', 'captures', rel);
}

export interface SeenFrame {
  frame: number;
  linkType: number;
  interfaceId: number;
  capLen: number;
  origLen: number;
  /** Nanosecond epoch string like tshark's `-T fields -e frame.time_epoch`; '' when the record has no time. */
  epoch: string;
  /** Epoch at the file's own precision, like `tshark -t e`. */
  display: string;
  data: Uint8Array;
  raw: RawFrame['ts'];
}

export interface Collected {
  frames: SeenFrame[];
  warnings: CaptureWarning[];
  interfaces: CaptureInterface[];
  sink: CaptureSink;
}

/** A sink that keeps copies of everything (the readers hand out views that are only valid in the callback). */
export function collect(): Collected {
  const frames: SeenFrame[] = [];
  const warnings: CaptureWarning[] = [];
  const interfaces: CaptureInterface[] = [];
  const sink: CaptureSink = {
    frame(f: RawFrame): void {
      const ts = toTimestamp(f.ts);
      const ns = toTimestamp(f.ts, 9);
      frames.push({
        frame: f.frame,
        linkType: f.linkType,
        interfaceId: f.interfaceId,
        capLen: f.data.length,
        origLen: f.origLen,
        epoch: f.ts.missing === true ? '' : formatEpoch(ns),
        display: f.ts.missing === true ? '' : formatEpoch(ts),
        data: Uint8Array.from(f.data),
        raw: { ...f.ts },
      });
    },
    warning(w: CaptureWarning): void {
      warnings.push(w);
    },
    interface(i: CaptureInterface): void {
      interfaces.push(i);
    },
  };
  return { frames, warnings, interfaces, sink };
}

/** A compact, comparable summary of frames: "number/iface/linktype/caplen/origlen/epoch". */
export function summary(frames: readonly SeenFrame[]): string[] {
  return frames.map((f) => `${f.frame}/${f.interfaceId}/${f.linkType}/${f.capLen}/${f.origLen}/${f.epoch}`);
}

/** Splits `buf` into chunks of `size` bytes (the last may be shorter). */
export function chunks(buf: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < buf.length; i += size) out.push(buf.subarray(i, i + size));
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return (
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ) === 0
  );
}
