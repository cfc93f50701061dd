import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CaptureInputError } from '../../../src/capture/errors.js';
import { readCapture, readCaptureBuffer } from '../../../src/capture/source.js';
import { PcapWriter } from '../../../src/capture/writer.js';
import { bytesEqual, capturePath, chunks, collect, summary } from './helpers.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'pxe-doctor-capture-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const SAMPLES = [
  'public/zeek/dhcp.pcap',
  'public/pcapplusplus/nanosecs_big_endian.pcap',
  'public/pcapng-test-generator/output_be/difficult/test202.pcapng',
  'public/pcapng-test-generator/output_le/advanced/test102.pcapng',
  'public/zeek/pcapng-multi-interface.pcapng',
  'lab/missing-bootfile/capture.pcapng',
];

function streamOf(parts: Uint8Array[]): Readable {
  return Readable.from(
    parts.map((p) => Buffer.from(p)),
    { objectMode: false },
  );
}

describe('readCapture sources', () => {
  for (const rel of SAMPLES) {
    it(`path, buffer, 1-byte and 7-byte streams give the same frames: ${rel}`, async () => {
      const file = readFileSync(capturePath(rel));
      const fromPath = collect();
      const info = await readCapture(capturePath(rel), fromPath.sink);
      const fromBuffer = collect();
      assert.deepEqual(readCaptureBuffer(file, fromBuffer.sink), info);
      assert.deepEqual(summary(fromBuffer.frames), summary(fromPath.frames));
      assert.ok(info.frames > 0);
      for (const size of [1, 7]) {
        const c = collect();
        const streamed = await readCapture(streamOf(chunks(file, size)), c.sink);
        assert.deepEqual(streamed, info, `chunks of ${size}`);
        assert.deepEqual(summary(c.frames), summary(fromPath.frames));
        assert.deepEqual(c.warnings, fromPath.warnings);
        c.frames.forEach((f, i) =>
          assert.ok(bytesEqual(f.data, fromPath.frames[i]?.data ?? new Uint8Array()), `frame ${f.frame}`),
        );
      }
    });
  }

  it('reads small chunk sizes from a file too (many records straddle chunks)', async () => {
    const rel = 'lab/happy-bios-pxelinux/capture.pcapng';
    const whole = collect();
    const info = await readCapture(capturePath(rel), whole.sink);
    const small = collect();
    assert.deepEqual(await readCapture(capturePath(rel), small.sink, { chunkSize: 1000 }), info);
    assert.deepEqual(summary(small.frames), summary(whole.frames));
    small.frames.forEach((f, i) => assert.ok(bytesEqual(f.data, whole.frames[i]?.data ?? new Uint8Array())));
  });

  it('with reuseBuffers a consumer that copies each frame gets the same bytes (one buffer reused)', async () => {
    const rel = 'lab/happy-bios-pxelinux/capture.pcapng';
    const whole = collect();
    const info = await readCapture(capturePath(rel), whole.sink);
    const copies: Uint8Array[] = [];
    const views: Uint8Array[] = [];
    const reused = await readCapture(
      capturePath(rel),
      {
        frame: (f) => {
          copies.push(f.data.slice());
          views.push(f.data);
        },
        warning: () => undefined,
      },
      { chunkSize: 4096, reuseBuffers: true },
    );
    assert.deepEqual(reused, info);
    assert.equal(copies.length, whole.frames.length);
    copies.forEach((c, i) =>
      assert.ok(bytesEqual(c, whole.frames[i]?.data ?? new Uint8Array()), `frame ${i + 1}`),
    );
    // The views really point into one reused buffer: keeping them without copying would be wrong.
    assert.ok(views.some((v, i) => !bytesEqual(v, copies[i] ?? new Uint8Array())));
  });

  it('reads gzip-compressed captures, from a path and from a chunked stream', async () => {
    const rel = 'public/pcapng-test-generator/output_le/difficult/test202.pcapng';
    const plain = collect();
    const expected = await readCapture(capturePath(rel), plain.sink);
    const gz = path.join(tmp, 'test202.pcapng.gz');
    const compressed = gzipSync(readFileSync(capturePath(rel)));
    writeFileSync(gz, compressed);
    const c = collect();
    const info = await readCapture(gz, c.sink);
    assert.deepEqual(info, { ...expected, compressed: true });
    assert.deepEqual(summary(c.frames), summary(plain.frames));
    const s = collect();
    assert.deepEqual(await readCapture(streamOf(chunks(compressed, 3)), s.sink), info);
    assert.deepEqual(summary(s.frames), summary(plain.frames));
    const b = collect();
    assert.deepEqual(readCaptureBuffer(compressed, b.sink), info);
  });

  it('reports a gzip stream cut short, keeping the frames before', async () => {
    const file = PcapWriter.file(
      { linkType: 1 },
      Array.from({ length: 200 }, (_, i) => ({ data: Buffer.alloc(300, i), seconds: i })),
    );
    const compressed = gzipSync(file);
    const cut = compressed.subarray(0, Math.floor(compressed.length * 0.7));
    const gz = path.join(tmp, 'cut.pcap.gz');
    writeFileSync(gz, cut);
    const c = collect();
    const info = await readCapture(gz, c.sink);
    assert.equal(info.compressed, true);
    assert.ok(info.frames > 0 && info.frames < 200, `${info.frames} frames`);
    assert.ok(c.warnings.some((w) => w.fatal && /gzip data is corrupt or cut short/.test(w.message)));
    const b = collect();
    const fromBuffer = readCaptureBuffer(cut, b.sink);
    assert.ok(fromBuffer.frames > 0 && fromBuffer.frames < 200);
    assert.ok(b.warnings.some((w) => w.fatal && /gzip data is corrupt or cut short/.test(w.message)));
  });

  it('delivers frames as they arrive: header first, packets later (tcpdump -U -w -)', async () => {
    const writer = new PcapWriter({ linkType: 1 });
    const live = new PassThrough();
    const c = collect();
    const done = readCapture(live, c.sink);
    live.write(writer.header());
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.frames.length, 0);
    assert.equal(c.interfaces.length, 1);
    const packet = writer.packet({ data: Buffer.alloc(64, 7), seconds: 1700000000, nanos: 5000 });
    live.write(packet.subarray(0, 10));
    live.write(packet.subarray(10));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(c.frames.length, 1);
    live.end(writer.packet({ data: Buffer.alloc(64, 8), seconds: 1700000001 }));
    const info = await done;
    assert.equal(info.frames, 2);
    assert.deepEqual(c.warnings, []);
  });

  it('stops on abort and resolves with what was read', async () => {
    const writer = new PcapWriter({ linkType: 1 });
    const live = new PassThrough();
    const controller = new AbortController();
    const c = collect();
    const done = readCapture(live, c.sink, { signal: controller.signal });
    live.write(Buffer.concat([writer.header(), writer.packet({ data: Buffer.alloc(10), seconds: 1 })]));
    await new Promise((r) => setTimeout(r, 20));
    controller.abort();
    const info = await done;
    assert.equal(info.frames, 1);
    assert.deepEqual(c.warnings, []);
  });

  it('rejects when the sink throws, instead of crashing the process', async () => {
    const failing = {
      frame(): void {
        throw new Error('sink bug');
      },
      warning(): void {},
    };
    await assert.rejects(readCapture(capturePath('public/zeek/dhcp.pcap'), failing), /sink bug/);
    const file = readFileSync(capturePath('public/zeek/dhcp.pcap'));
    await assert.rejects(readCapture(streamOf(chunks(file, 100)), failing), /sink bug/);
  });

  it('rejects with the abort reason when aborted before the header', async () => {
    const controller = new AbortController();
    const done = readCapture(new PassThrough(), collect().sink, { signal: controller.signal });
    controller.abort();
    await assert.rejects(done, { name: 'AbortError' });
  });

  it('reads stdin when the path is "-", fed in tiny pieces', async () => {
    const rel = 'public/zeek/dhcp.pcap';
    const module = path.resolve(process.cwd(), 'dist/src/capture/source.js');
    const script =
      `const { readCapture } = await import(${JSON.stringify(module)});` +
      `let n = 0; const info = await readCapture('-', { frame() { n++; }, warning(w) { console.error(w.message); } });` +
      `console.log(JSON.stringify({ n, frames: info.frames, format: info.format }));`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    for (const part of chunks(readFileSync(capturePath(rel)), 5)) {
      child.stdin.write(part);
      await new Promise((r) => setImmediate(r));
    }
    child.stdin.end();
    assert.equal(await exited, 0);
    assert.deepEqual(JSON.parse(out), { n: 9, frames: 9, format: 'pcap' });
  });
});

describe('readCapture input errors', () => {
  async function inputError(input: string | Readable): Promise<CaptureInputError> {
    try {
      await readCapture(input, collect().sink);
    } catch (err) {
      assert.ok(err instanceof CaptureInputError, `got ${String(err)}`);
      return err;
    }
    assert.fail('expected a CaptureInputError');
  }

  it('a missing file', async () => {
    const p = path.join(tmp, 'nope.pcap');
    const err = await inputError(p);
    assert.equal(err.path, p);
    assert.equal(err.code, 'ENOENT');
    assert.equal(err.message, `cannot open ${p}: no such file`);
  });

  it('a directory', async () => {
    const err = await inputError(tmp);
    assert.equal(err.code, 'EISDIR');
    assert.match(err.message, /is a directory/);
  });

  it('an empty file, and an empty stream', async () => {
    const p = path.join(tmp, 'empty.pcap');
    writeFileSync(p, '');
    assert.match((await inputError(p)).message, /^empty file/);
    assert.match((await inputError(streamOf([]))).message, /^empty file/);
    assert.throws(() => readCaptureBuffer(new Uint8Array(0), collect().sink), /empty file/);
  });

  it('text, and a file too short to hold a magic', async () => {
    const p = path.join(tmp, 'notes.txt');
    writeFileSync(p, 'hello, this is text\n');
    const err = await inputError(p);
    assert.equal(err.message, 'not a pcap or pcapng file (first bytes: 68 65 6c 6c 6f 2c 20 74 …)');
    const short = path.join(tmp, 'short');
    writeFileSync(short, Buffer.from([0x0a, 0x0d]));
    assert.equal(
      (await inputError(short)).message,
      'not a pcap or pcapng file (first bytes: 0a 0d, only 2 bytes)',
    );
    assert.throws(() => readCaptureBuffer(Buffer.from('GET / HTTP/1.1'), collect().sink), CaptureInputError);
  });

  it('gzip of text, gzip of nothing, and broken gzip', async () => {
    const text = path.join(tmp, 'text.gz');
    writeFileSync(text, gzipSync(Buffer.from('just some words')));
    assert.match((await inputError(text)).message, /^the gzip-compressed data is not a pcap or pcapng file/);
    const empty = path.join(tmp, 'empty.gz');
    writeFileSync(empty, gzipSync(Buffer.alloc(0)));
    assert.equal((await inputError(empty)).message, `empty file (after gzip decompression): ${empty}`);
    const broken = path.join(tmp, 'broken.gz');
    writeFileSync(broken, Buffer.from([0x1f, 0x8b, 0x00, 0x00, 0x00]));
    assert.match((await inputError(broken)).message, /^not a valid gzip file/);
  });
});
