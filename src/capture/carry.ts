/**
 * The bytes of the one record that straddles two chunks. Only the leftover tail of a chunk and the rest of
 * that single record are ever copied here; every record wholly inside a chunk is read in place.
 */
export class Carry {
  bytes: Uint8Array = new Uint8Array(0);
  view: DataView = new DataView(this.bytes.buffer);
  length = 0;

  /** Copies from `chunk[off..]` until the carry holds `need` bytes or the chunk runs out; returns the new off. */
  fill(chunk: Uint8Array, off: number, need: number): number {
    const take = Math.min(need - this.length, chunk.length - off);
    if (take <= 0) return off;
    this.reserve(this.length + take);
    this.bytes.set(chunk.subarray(off, off + take), this.length);
    this.length += take;
    return off + take;
  }

  clear(): void {
    this.length = 0;
    // A giant record (up to 64 MiB) should not pin its buffer for the rest of the file.
    if (this.bytes.length > 1 << 20) {
      this.bytes = new Uint8Array(0);
      this.view = new DataView(this.bytes.buffer);
    }
  }

  private reserve(size: number): void {
    if (this.bytes.length >= size) return;
    const grown = new Uint8Array(Math.max(size, this.bytes.length * 2, 4096));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
}

/** A DataView over exactly the bytes of `chunk` (which may be a slice of a larger pooled buffer). */
export function viewOf(chunk: Uint8Array): DataView {
  return new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** The same bytes as a plain Uint8Array: frames cut from it as views are far cheaper than Buffer views. */
export function plainBytes(chunk: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(chunk) === Uint8Array.prototype
    ? chunk
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}
