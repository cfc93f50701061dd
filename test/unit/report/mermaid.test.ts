/**
 * Diagrams of the real lab captures: who the participants are and in what order, the message lines of each
 * phase, findings as notes right after their evidence, and how much gets folded (retransmissions, the
 * pxelinux config search, repeated rounds, the line cap) on a 23,000-frame kernel boot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeCapture } from '../../../src/analyze.js';
import { renderMermaid, type MermaidDiagram, type MermaidOptions } from '../../../src/report/mermaid.js';
import { listCaptureFiles, projectRoot } from '../../support/fixtures.js';
import { BIG_BOOT, blocksOf, writeBigBoot } from './support/big-boot.js';
import { checkDiagram, linesOf } from './support/mermaid-grammar.js';

async function diagramsOf(path: string, opts: MermaidOptions = {}): Promise<MermaidDiagram[]> {
  const { result, findings } = await analyzeCapture(path);
  return renderMermaid(result, findings, opts);
}

async function lab(name: string, opts: MermaidOptions = {}): Promise<MermaidDiagram> {
  const ds = await diagramsOf(join(projectRoot(), 'fixtures/captures', name, 'capture.pcapng'), opts);
  assert.equal(ds.length, 1, name);
  assert.deepEqual(checkDiagram(ds[0].text), [], ds[0].text);
  return ds[0];
}

/** Index of the first line matching, -1 when none. */
function at(d: MermaidDiagram, re: RegExp): number {
  return d.text.split('\n').findIndex((l) => re.test(l));
}

test('every capture in fixtures/ gives diagrams that match the grammar', async () => {
  const files = listCaptureFiles().filter((f) => /\/(lab|lab-failures|public\/netboot)\//.test(f.path));
  assert.ok(files.length >= 20, `only ${files.length} captures found`);
  for (const f of files) {
    for (const d of await diagramsOf(f.path))
      assert.deepEqual(checkDiagram(d.text), [], `${f.path}\n${d.text}`);
  }
});

test('proxyDHCP: broadcasts go to a broadcast lifeline, servers in the order they answer', async () => {
  const d = await lab('lab/proxydhcp');
  assert.deepEqual(linesOf(d.text, 'participant'), [
    '    participant Client as client<br/>52:54:00:12:34:56<br/>10.77.0.111',
    '    participant Bcast as broadcast<br/>255.255.255.255',
    '    participant S1 as proxyDHCP + TFTP<br/>10.77.0.1',
    '    participant S2 as DHCP<br/>10.77.0.2',
  ]);
  const msgs = linesOf(d.text, 'message');
  assert.equal(
    msgs[0],
    '    Client->>Bcast: DISCOVER xid 0xe304ad69 arch x86 BIOS user-class iPXE ×2 over 1.02 s',
  );
  assert.match(msgs[1], /^ {4}S1-->>Client: OFFER proxyDHCP boot servers 10\.77\.0\.1 menu #34;PXE-LAB/);
  assert.match(msgs[2], /^ {4}S2-->>Client: OFFER 10\.77\.0\.111 no boot file next-server 10\.77\.0\.2 ×2$/);
  assert.equal(msgs[3], '    Client->>Bcast: REQUEST 10.77.0.111 server 10.77.0.2');
  assert.equal(msgs[5], '    Client->>S1: REQUEST (port 4011) arch x86 BIOS user-class iPXE');
  assert.equal(msgs[6], '    S1-->>Client: ACK (port 4011) PXEClient file pxelinux.0 next-server 10.77.0.1');
  assert.ok(!msgs.some((m) => /^ {4}Client->>S\d: DISCOVER/.test(m)), 'DISCOVER drawn as unicast');
  // The 14 s the client spent between the DHCP ACK and port 4011.
  assert.ok(at(d, /Note over Client: … 14\.1 s without a packet/) === at(d, /S2-->>Client: ACK/) + 1);
});

test('happy pxelinux boot: one RRQ → OACK → DATA line per file, the config search folded', async () => {
  const d = await lab('lab/happy-bios-pxelinux');
  const msgs = linesOf(d.text, 'message');
  assert.equal(msgs.filter((m) => /: RRQ /.test(m)).length, 7);
  assert.deepEqual(msgs.slice(4, 7), [
    '    Client->>S1: RRQ pxelinux.0 blksize 1432 tsize 0',
    '    S1-->>Client: OACK blksize 1432 tsize 42430',
    '    S1-->>Client: DATA 1..30 / ACK (41.4 KiB, 4.29 ms, 9.9 MB/s) ✔ complete',
  ]);
  assert.ok(msgs.includes('    S1--xClient: 10× File not found: pxelinux.cfg/… (config search)'));
  assert.equal(linesOf(d.text, 'note').filter((n) => /[✖⚠]/.test(n)).length, 0, 'no finding on a good boot');
  // DISCOVER ×2 and OFFER ×2 (one each), 10 misses × (RRQ + ERROR) drawn as one line (19).
  assert.equal(d.folded, 21);
});

test('--times prefixes every message with its offset', async () => {
  const d = await lab('lab/happy-bios-pxelinux', { times: true });
  for (const m of linesOf(d.text, 'message')) assert.match(m, /: \[\d+\.\d{3} s\] /);
  assert.ok(d.text.includes('Client->>S1: [16.081 s] RRQ pxelinux.0'));
});

test('failures: the finding note sits right after its evidence', async () => {
  const missing = await lab('lab/missing-bootfile');
  const ack = at(missing, /S1-->>Client: ACK 10\.77\.0\.111 no boot file/);
  assert.ok(ack > 0);
  assert.equal(at(missing, /^ {4}rect rgb\(255, 226, 226\)$/), ack + 1);
  assert.match(
    missing.text.split('\n')[ack + 2],
    /Note over Client,S1: ✖ Address but no boot file<br\/>client saw: /,
  );

  const notFound = await lab('lab/file-not-found');
  const err = at(
    notFound,
    /S1--xClient: ERROR 1 File not found: file \/srv\/pxe-lab\/run\/tftproot\/pxelinux\.0/,
  );
  assert.ok(err > 0);
  assert.match(notFound.text.split('\n')[err + 2], /✖ TFTP file not found/);

  const mtu = await lab('lab-failures/mtu-blackhole');
  const stuck = at(mtu, /Client->>S2: ACK 0, no DATA seen \(.*fragments lost\) ×6/);
  assert.ok(stuck > 0);
  assert.match(mtu.text.split('\n')[stuck + 2], /✖ TFTP block size too large for the path/);
  assert.ok(at(mtu, /Note over Client: pxelinux\.0: abandoned before any DATA arrived/) > stuck);

  const silent = await lab('lab/no-dhcp-server');
  assert.match(silent.text, /Client-xBcast: DISCOVER xid 0x[0-9a-f]{8} .* ×4 over 7\.12 s/);
  assert.match(silent.text, /✖ No DHCP offer/);
});

test('a chainload loop is drawn once and the repeats summarised', async () => {
  const d = await lab('lab-failures/chainload-loop');
  assert.equal(linesOf(d.text, 'message').filter((m) => /RRQ undionly\.kpxe/.test(m)).length, 1);
  assert.match(d.text, /↻ the same exchange \(DHCP → undionly\.kpxe\) 4 more times<br\/>.*, 28 lines folded/);
  assert.match(d.text, /✖ iPXE chainload loop/);
});

test('a 23,000-frame kernel boot stays short and says what it folded', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pxd-big-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'big.pcapng');
  const frames = await writeBigBoot(projectRoot(), file);
  assert.ok(frames > 23_000, `${frames} frames`);

  const [d] = await diagramsOf(file);
  assert.deepEqual(checkDiagram(d.text), []);
  const lines = d.text.split('\n').length;
  assert.ok(lines < 45, `${lines} lines`);
  const k = blocksOf(BIG_BOOT.kernel.size);
  const kernelLine = new RegExp(
    `S1-->>Client: DATA 1\\.\\.${k} / ACK \\(13\\.4 MiB, [\\d.]+ s, [\\d.]+ MB/s, 3 DATA resent, .*stalled 2\\.50 s\\) ✔ complete`,
  );
  assert.match(d.text, kernelLine);
  assert.match(d.text, new RegExp(`DATA 1\\.\\.${blocksOf(BIG_BOOT.initrd.size)} / ACK \\(2\\.0 MiB`));

  // Capped at 12 lines: the rest is one note that counts what it leaves out.
  const [capped] = await diagramsOf(file, { maxMessages: 12 });
  assert.deepEqual(checkDiagram(capped.text), []);
  const drawn = linesOf(capped.text, 'message').length + linesOf(capped.text, 'note').length;
  assert.ok(drawn <= 12, `${drawn} lines drawn`);
  const m = /… (\d+) more lines not drawn \((?:(\d+) DHCP, )?(\d+) TFTP transfers\)/.exec(capped.text);
  assert.ok(m !== null, capped.text);
  const all = linesOf(d.text, 'message').length + linesOf(d.text, 'note').length;
  assert.equal(Number(m[1]), all - (drawn - 1), 'lines not drawn = full diagram − lines kept');
  assert.equal(capped.folded - d.folded, Number(m[1]));
  const rrqs = (text: string): number => linesOf(text, 'message').filter((l) => /: RRQ /.test(l)).length;
  assert.equal(Number(m[3]), rrqs(d.text) - rrqs(capped.text));
});

test('--client picks one client; an unknown MAC gives no diagram', async () => {
  const path = join(projectRoot(), 'fixtures/captures/lab/proxydhcp/capture.pcapng');
  assert.equal((await diagramsOf(path, { client: '52:54:00:12:34:56' })).length, 1);
  assert.equal((await diagramsOf(path, { client: '52:54:00:AB:CD:EF' })).length, 0);
});
