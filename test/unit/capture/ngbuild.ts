/** Hand-built pcapng blocks for synthetic tests, in either byte order. */

export interface Option {
  code: number;
  value: Uint8Array;
}

function pad4(n: number): number {
  return (n + 3) & ~3;
}

export class NgBuilder {
  constructor(readonly little = true) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.little) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }

  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.little) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    return b;
  }

  i64(v: bigint): Buffer {
    const b = Buffer.alloc(8);
    if (this.little) b.writeBigInt64LE(v);
    else b.writeBigInt64BE(v);
    return b;
  }

  /** Any block: body padded to 4, leading and trailing length (override them to build broken files). */
  block(type: number, body: Uint8Array, lengths?: { leading?: number; trailing?: number }): Buffer {
    const padded = Buffer.alloc(pad4(body.length));
    padded.set(body);
    const len = 12 + padded.length;
    return Buffer.concat([
      this.u32(type),
      this.u32(lengths?.leading ?? len),
      padded,
      this.u32(lengths?.trailing ?? len),
    ]);
  }

  options(opts: readonly Option[]): Buffer {
    if (opts.length === 0) return Buffer.alloc(0);
    const parts: Buffer[] = [];
    for (const o of opts) {
      const v = Buffer.alloc(pad4(o.value.length));
      v.set(o.value);
      parts.push(this.u16(o.code), this.u16(o.value.length), v);
    }
    parts.push(this.u16(0), this.u16(0));
    return Buffer.concat(parts);
  }

  shb(major = 1): Buffer {
    return this.block(
      0x0a0d0d0a,
      Buffer.concat([this.u32(0x1a2b3c4d), this.u16(major), this.u16(0), this.i64(-1n)]),
    );
  }

  idb(linkType: number, snapLen = 0, opts: readonly Option[] = []): Buffer {
    return this.block(
      1,
      Buffer.concat([this.u16(linkType), this.u16(0), this.u32(snapLen), this.options(opts)]),
    );
  }

  /** ts is the 64-bit count of the interface's units. */
  epb(ifaceId: number, ts: bigint, data: Uint8Array, origLen = data.length): Buffer {
    return this.block(
      6,
      Buffer.concat([
        this.u32(ifaceId),
        this.u32(Number(ts >> 32n)),
        this.u32(Number(ts & 0xffffffffn)),
        this.u32(data.length),
        this.u32(origLen),
        data,
      ]),
    );
  }

  pb(ifaceId: number, ts: bigint, data: Uint8Array, origLen = data.length): Buffer {
    return this.block(
      2,
      Buffer.concat([
        this.u16(ifaceId),
        this.u16(0),
        this.u32(Number(ts >> 32n)),
        this.u32(Number(ts & 0xffffffffn)),
        this.u32(data.length),
        this.u32(origLen),
        data,
      ]),
    );
  }

  spb(data: Uint8Array, origLen = data.length): Buffer {
    return this.block(3, Buffer.concat([this.u32(origLen), data]));
  }
}

export function tsresol(value: number): Option {
  return { code: 9, value: Uint8Array.of(value) };
}

export function tsoffset(builder: NgBuilder, seconds: bigint): Option {
  return { code: 14, value: builder.i64(seconds) };
}

export function ifName(name: string): Option {
  return { code: 2, value: Buffer.from(name, 'utf8') };
}

export function ifDescription(text: string): Option {
  return { code: 3, value: Buffer.from(text, 'utf8') };
}
