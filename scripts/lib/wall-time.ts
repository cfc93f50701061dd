import type { WritePacket } from '../../src/capture/writer.js';

/** A point in time as whole epoch seconds plus nanoseconds: the timestamp fields of a written packet. */
export type WallTime = Required<Pick<WritePacket, 'seconds' | 'nanos'>>;

/** Adds nanoseconds to a wall time. */
export function addNs(base: WallTime, ns: number): WallTime {
  const total = base.nanos + Math.round(ns);
  const carry = Math.floor(total / 1e9);
  return { seconds: base.seconds + carry, nanos: total - carry * 1e9 };
}
