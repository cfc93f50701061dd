/**
 * `decode -` reads what real tools write into a pipe: tcpdump rewriting a pcapng capture as microsecond
 * pcap (`tcpdump -r F -w -`), and gzip. The packets must be the ones decoded from the file itself; after
 * tcpdump only the timestamps differ (nanoseconds truncated to microseconds, as libpcap does).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { findCapture } from '../support/fixtures.js';
import { requireTools } from './support/require.js';
import { describeRun, ndjson, pxeDoctor, run } from './support/run.js';

const REL = 'lab/happy-bios-pxelinux/capture.pcapng';

interface DecodedPacket {
  frame: number;
  ts: string;
  protocol: 'dhcp' | 'tftp';
  dhcp?: { xid: number; messageType: string | null };
  tftp?: { opcode: string; block?: number; filename?: string };
  [key: string]: unknown;
}

function capturePath(): string {
  const c = findCapture(REL);
  assert.ok(c, `${REL} missing from fixtures/captures`);
  return c.path;
}

/** "1795423053.264507506" -> "1795423053.264507" (libpcap drops the digits below a microsecond). */
function toMicroseconds(ts: string): string {
  const [sec, frac = ''] = ts.split('.');
  return `${sec}.${frac.padEnd(9, '0').slice(0, 6)}`;
}

/** Frame number, xid + message type or opcode + block + file name: what must survive any rewriting. */
function skeleton(p: DecodedPacket): string {
  if (p.dhcp) return `${p.frame} dhcp ${p.dhcp.xid} ${p.dhcp.messageType}`;
  return `${p.frame} tftp ${p.tftp?.opcode} ${p.tftp?.block ?? ''} ${p.tftp?.filename ?? ''}`;
}

/** `tcpdump -r <pcapng> -w -`: the same packets as classic pcap with microsecond timestamps. */
async function tcpdumpPcap(path: string): Promise<Buffer> {
  const r = await run('tcpdump', ['-n', '-r', path, '-w', '-'], { timeoutMs: 30_000 });
  assert.equal(r.code, 0, describeRun('tcpdump -r -w -', r));
  assert.equal(r.stdout.readUInt32LE(0), 0xa1b2c3d4, 'tcpdump writes microsecond pcap');
  return r.stdout;
}

test('tcpdump -r capture.pcapng -w - | pxe-doctor decode - --json gives the packets of the file', async (t) => {
  if (!requireTools(t, ['tcpdump'])) return;
  const path = capturePath();
  const fromFile = await pxeDoctor(['decode', path, '--json']);
  assert.equal(fromFile.code, 0, describeRun('decode FILE --json', fromFile));
  const pcap = await tcpdumpPcap(path);
  const fromPipe = await pxeDoctor(['decode', '-', '--json'], { input: pcap });
  assert.equal(fromPipe.code, 0, describeRun('decode - --json', fromPipe));
  assert.equal(fromPipe.stderr, '', 'no warning for a clean pcap from tcpdump');

  const a = ndjson<DecodedPacket>(fromFile.stdout.toString('utf8'));
  const b = ndjson<DecodedPacket>(fromPipe.stdout.toString('utf8'));
  assert.equal(a.length, 357, 'the file decodes to 357 DHCP/TFTP packets (as tshark -Y "dhcp || tftp")');
  assert.deepEqual(b.map(skeleton), a.map(skeleton), 'frames, xids, message types, opcodes, blocks');
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as DecodedPacket;
    const y = b[i] as DecodedPacket;
    assert.match(x.ts, /^\d+\.\d{9}$/, 'pcapng: nanosecond timestamps');
    assert.match(y.ts, /^\d+\.\d{6}$/, 'pcap from tcpdump: microsecond timestamps');
    assert.equal(y.ts, toMicroseconds(x.ts), `frame ${x.frame}: timestamp at µs precision`);
    // Everything else (addresses, ports, every DHCP option and TFTP field) is the same object.
    assert.deepEqual({ ...y, ts: '' }, { ...x, ts: '' }, `frame ${x.frame}: every other field`);
  }
  t.diagnostic(`${a.length} packets, ${pcap.length} bytes of pcap through the pipe`);
});

test('tcpdump -r capture.pcapng -w - | pxe-doctor decode - prints the summary lines of the file', async (t) => {
  if (!requireTools(t, ['tcpdump'])) return;
  const path = capturePath();
  const fromFile = await pxeDoctor(['decode', path]);
  assert.equal(fromFile.code, 0, describeRun('decode FILE', fromFile));
  const fromPipe = await pxeDoctor(['decode', '-'], { input: await tcpdumpPcap(path) });
  assert.equal(fromPipe.code, 0, describeRun('decode -', fromPipe));
  // "  <frame>  <relative time> <rest>": the relative time loses its nanosecond digits, the rest is identical.
  const split = (text: string): { frame: string; time: string; rest: string }[] =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => {
        const m = /^\s*(\d+)\s+(\d+\.\d+)\s(.*)$/.exec(l);
        assert.ok(m, `summary line shape: ${l}`);
        return { frame: m[1] as string, time: m[2] as string, rest: (m[3] as string).trimStart() };
      });
  const a = split(fromFile.stdout.toString('utf8'));
  const b = split(fromPipe.stdout.toString('utf8'));
  assert.equal(b.length, a.length);
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as { frame: string; time: string; rest: string };
    const y = b[i] as { frame: string; time: string; rest: string };
    assert.equal(y.frame, x.frame);
    assert.equal(y.rest, x.rest, `frame ${x.frame}`);
    assert.ok(Math.abs(Number(y.time) - Number(x.time)) < 2e-6, `frame ${x.frame}: ${y.time} vs ${x.time}`);
  }
});

test('gzip -c capture.pcapng | pxe-doctor decode - gives exactly the output of the file', async (t) => {
  if (!requireTools(t, ['gzip'])) return;
  const path = capturePath();
  const gz = await run('gzip', ['-c', path], { timeoutMs: 30_000 });
  assert.equal(gz.code, 0, describeRun('gzip -c', gz));
  assert.notEqual(gz.stdout.length, readFileSync(path).length);
  for (const json of [false, true]) {
    const args = json ? ['--json'] : [];
    const fromFile = await pxeDoctor(['decode', path, ...args]);
    const fromPipe = await pxeDoctor(['decode', '-', ...args], { input: gz.stdout });
    assert.equal(fromFile.code, 0, describeRun('decode FILE', fromFile));
    assert.equal(fromPipe.code, 0, describeRun('decode - (gzip)', fromPipe));
    assert.equal(
      fromPipe.stdout.toString('utf8'),
      fromFile.stdout.toString('utf8'),
      json ? '--json' : 'text',
    );
  }
});
