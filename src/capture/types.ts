/**
 * Types shared by the capture readers (pcap, pcapng) and everything downstream.
 * A RawFrame is one captured packet exactly as the file holds it; nothing here knows about protocols.
 */

/** How a frame's timestamp is stored; converted to seconds only when somebody asks (see timestamp.ts). */
export interface RawTimestamp {
  /** pcap: seconds. pcapng: upper 32 bits of the 64-bit timestamp. */
  high: number;
  /** pcap: microseconds or nanoseconds. pcapng: lower 32 bits of the 64-bit timestamp. */
  low: number;
  /** Units per second of `low` (pcap: 1e6 or 1e9) or of the whole 64-bit value (pcapng: if_tsresol). */
  unitsPerSecond: number;
  /** true when high/low are a 64-bit count of units (pcapng); false when high is seconds (pcap). */
  combined: boolean;
  /** Seconds added to the value (pcapng if_tsoffset). */
  offsetSeconds: number;
  /** Decimal digits of the file's precision (6 for microseconds, 9 for nanoseconds, …). */
  digits: number;
}

export interface RawFrame {
  /** 1-based, counted over every packet block in the file, as tshark's frame.number. */
  frame: number;
  /** LINKTYPE_* value of the interface the frame was captured on. */
  linkType: number;
  /** pcapng interface index (0 for classic pcap). */
  interfaceId: number;
  /** Captured bytes. May be a view into a reader buffer: copy it to keep it past the callback. */
  data: Uint8Array;
  /** Length of the packet on the wire (caplen < origLen when the snaplen cut it). */
  origLen: number;
  ts: RawTimestamp;
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng';

export interface CaptureInterface {
  id: number;
  linkType: number;
  snapLen: number;
  name?: string;
  description?: string;
  /** Units per second of this interface's timestamps. */
  unitsPerSecond: number;
}

/** Something odd in the container itself (not in a packet): truncation, garbage, unknown link type. */
export interface CaptureWarning {
  /** Byte offset in the (decompressed) file where the problem starts. */
  offset: number;
  message: string;
  /** true when reading stopped here. */
  fatal: boolean;
}

export interface CaptureInfo {
  format: CaptureFormat;
  /** true when the input was gzip-compressed. */
  compressed: boolean;
  interfaces: CaptureInterface[];
  /** Bytes of the (decompressed) capture consumed. */
  bytesRead: number;
  frames: number;
}

/**
 * Push-parser contract of both readers: feed chunks in order, frames come out through the callback
 * synchronously; end() reports a truncated tail. Neither reader ever throws on bad bytes: it records a
 * CaptureWarning (fatal when it cannot go on) and stops.
 */
export interface CaptureSink {
  frame(frame: RawFrame): void;
  warning(warning: CaptureWarning): void;
  /** Called when a new interface (pcapng IDB) or the pcap header is read. */
  interface?(iface: CaptureInterface): void;
}
