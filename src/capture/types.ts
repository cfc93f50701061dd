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
  /**
   * Decimal digits of the file's precision, as tshark 4.0 displays it (`-t e`, `-t ad`): 6 for microseconds,
   * 9 for nanoseconds; for other pcapng resolutions the most of 0, 1, 2, 3, 6, 9 digits that the unit
   * still fills, as tshark truncates (10^-4 → 3, 2^-20 → 6, 2^-30 → 9). See timestamp.ts digitsForUnits.
   */
  digits: number;
  /** true when the record carries no timestamp at all (pcapng Simple Packet Block): high/low are 0. */
  missing?: boolean;
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
  /** Display digits of this interface's timestamps (see RawTimestamp.digits). */
  digits?: number;
  /** pcapng if_tsoffset, in seconds (0 when absent). */
  offsetSeconds?: number;
  /** 0-based pcapng section (each Section Header Block restarts interface ids at 0); 0 for pcap. */
  section?: number;
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
  /** Bytes of the (decompressed) capture consumed: up to the end of the last whole record read. */
  bytesRead: number;
  /** Packets handed to CaptureSink.frame. */
  frames: number;
  /**
   * pcapng records that tshark numbers as frames although they hold no packet (custom blocks, systemd
   * journal entries, sysdig events). They are not handed to the sink, but they use up a frame number, so
   * RawFrame.frame keeps matching tshark's frame.number.
   */
  nonPacketRecords?: number;
  /** The last packet read (also when the sink skimmed it away): its number and timestamp. */
  last?: { frame: number; ts: RawTimestamp };
  /**
   * What the capturing program counted, when the capture says: pcapng Interface Statistics Blocks (dumpcap
   * writes them when it closes) and Enhanced Packet Block drop counts, or a live backend's own report
   * (tcpdump's counts at exit). Absent when nothing was recorded: no statistics is not "no drops".
   */
  stats?: CaptureStats;
}

/** One interface's counters from its last Interface Statistics Block. */
export interface InterfaceStats {
  /** pcapng interface id within its section. */
  id: number;
  section: number;
  name?: string;
  /** isb_ifrecv: packets the interface received (before the capture filter). */
  received?: number;
  /** isb_ifdrop: packets dropped by the interface or the capture buffer (dumpcap counts its own drops here). */
  ifDropped?: number;
  /** isb_osdrop: packets dropped by the operating system. */
  osDropped?: number;
}

export interface CaptureStats {
  /** Sum of isb_ifrecv (or the backend's "received by filter"). */
  received?: number;
  /** Every drop counted: ifDropped + osDropped + packetDrops. Absent when no drop counter was recorded. */
  dropped?: number;
  ifDropped?: number;
  osDropped?: number;
  /** Sum of the Enhanced Packet Blocks' epb_dropcount. */
  packetDrops?: number;
  /**
   * When the capturing program stopped (the latest isb_endtime), when it said so. A capture can run on
   * after its last packet: that quiet tail is part of what it shows (nothing came).
   */
  endTs?: RawTimestamp;
  perInterface: InterfaceStats[];
}

/** What skim() gets beside the bytes: one object per reader, rewritten for every frame. */
export interface SkimInfo {
  /** Length of the packet on the wire (RawFrame.origLen). */
  origLen: number;
  /** The frame's timestamp (RawFrame.ts). */
  ts: RawTimestamp;
}

/**
 * Push-parser contract of both readers: feed chunks in order, frames come out through the callback
 * synchronously; end() reports a truncated tail. Neither reader ever throws on bad bytes: it records a
 * CaptureWarning (fatal when it cannot go on) and stops.
 */
export interface CaptureSink {
  frame(frame: RawFrame): void;
  /**
   * A first look at a frame before a RawFrame is built for it: `length` captured bytes of `bytes` from
   * `offset`, valid during the call only. Returning true means the sink has accounted for the frame from these
   * bytes alone and frame() is not called for it; it is still numbered and counted. Most frames of a large
   * capture are background traffic, and building an object per frame would cost more than deciding.
   * `info` (when the reader gives it) has the frame's wire length and timestamp, so a sink can take a frame
   * of its own traffic whole from here too; the reader reuses that object: it is valid during the call only.
   */
  skim?(
    frame: number,
    linkType: number,
    bytes: Uint8Array,
    offset: number,
    length: number,
    info?: SkimInfo,
  ): boolean;
  warning(warning: CaptureWarning): void;
  /** Called when a new interface (pcapng IDB) or the pcap header is read. */
  interface?(iface: CaptureInterface): void;
}

/**
 * What both push parsers (pcap.ts, pcapng.ts) offer. Feed chunks with push() in file order; they may be
 * any size, down to one byte. Frames whose bytes are contiguous in the pushed chunk are handed out as
 * views into it, so a sink must copy `data` to keep it after its callback returns.
 */
export interface CaptureParser {
  readonly format: CaptureFormat;
  /** Parses what it can of `chunk`; returns false once reading has stopped (after a fatal warning). */
  push(chunk: Uint8Array): boolean;
  /** Input is over: reports a record cut short by the end of the file as a fatal warning. */
  end(): void;
  /** true after a fatal warning: further chunks are ignored. */
  readonly stopped: boolean;
  /**
   * Set instead of a warning when the file header itself is unusable (bad magic or byte order, cut short,
   * first block not a section header): such input is not a capture, so callers throw CaptureInputError.
   */
  readonly headerError: string | undefined;
  /** Offset just past the last whole record (or header) parsed. */
  readonly bytesParsed: number;
  /** Packets handed to the sink so far. */
  readonly frames: number;
  readonly nonPacketRecords: number;
  readonly interfaces: readonly CaptureInterface[];
  /** The last packet handed out or skimmed (see CaptureInfo.last), null before the first. */
  lastPacket(): { frame: number; ts: RawTimestamp } | null;
  /** Capture statistics the file carried (pcapng only), undefined when none. */
  stats?(): CaptureStats | undefined;
}
