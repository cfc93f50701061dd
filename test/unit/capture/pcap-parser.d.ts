/** Just what the oracle test uses of pcap-parser 0.2.1 (CommonJS, untyped, classic µs pcap only). */
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';

  export interface PacketHeader {
    timestampSeconds: number;
    timestampMicroseconds: number;
    capturedLength: number;
    originalLength: number;
  }

  export interface Packet {
    header: PacketHeader;
    data: Buffer;
  }

  export interface GlobalHeader {
    magicNumber: number;
    majorVersion: number;
    minorVersion: number;
    snapshotLength: number;
    linkLayerType: number;
  }

  export interface Parser extends EventEmitter {
    on(event: 'globalHeader', listener: (header: GlobalHeader) => void): this;
    on(event: 'packet', listener: (packet: Packet) => void): this;
    on(event: 'end', listener: () => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }

  export function parse(input: string | NodeJS.ReadableStream): Parser;
}
