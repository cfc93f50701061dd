/**
 * An Ethernet segment in memory: every link attached to it receives every frame the others send, like a hub
 * seen by promiscuous capture (no MAC filtering: receivers filter, as they do on a pcap link). Frames are
 * copied when sent and delivered on a later turn of the event loop, in order, so a sender never re-enters
 * itself and a reused send buffer is harmless. For tests and in-process runs of a client against a
 * reference engine, without root or namespaces.
 */
import { LINKTYPE_ETHERNET } from '../protocol/link.js';
import { receiptTime, type FrameLink, type FrameListener } from './link.js';

export interface MemorySegment {
  /** A new station on the segment. */
  attach(name: string): FrameLink;
  /** Frames sent so far (all stations), for tests. */
  sent(): number;
}

interface Station {
  listeners: Set<FrameListener>;
  open: boolean;
}

export function createMemorySegment(): MemorySegment {
  const stations: Station[] = [];
  const queue: { from: Station; data: Uint8Array }[] = [];
  let scheduled = false;
  let sent = 0;

  const deliver = (): void => {
    scheduled = false;
    // Frames sent by listeners during this turn wait for the next one.
    const batch = queue.splice(0, queue.length);
    for (const { from, data } of batch) {
      for (const s of stations) {
        if (s === from || !s.open) continue;
        const frame = { data, timestamp: receiptTime(), truncated: false };
        for (const l of s.listeners) l(frame);
      }
    }
  };

  return {
    attach(name: string): FrameLink {
      const station: Station = { listeners: new Set(), open: true };
      stations.push(station);
      return {
        name: `memory:${name}`,
        linkType: LINKTYPE_ETHERNET,
        send(frame: Uint8Array): void {
          if (!station.open) throw new Error(`memory:${name} is closed`);
          sent++;
          queue.push({ from: station, data: frame.slice() });
          if (!scheduled) {
            scheduled = true;
            setImmediate(deliver);
          }
        },
        listen(listener: FrameListener): () => void {
          station.listeners.add(listener);
          return () => station.listeners.delete(listener);
        },
        close(): void {
          station.open = false;
          station.listeners.clear();
        },
      };
    },
    sent: () => sent,
  };
}
