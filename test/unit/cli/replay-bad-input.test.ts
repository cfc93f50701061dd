/**
 * `pxe-doctor replay` through the real command line on captures it cannot replay: a server-only capture, a
 * capture filtered down to the servers' answers, a client that never got an offer, an anonymised capture whose
 * file names exist nowhere, a capture filtered to the client's own frames. Each is one line on stderr and exit
 * 2, also with `--interface` and `--tftp-server`: the capture is refused before the interface or socket is
 * opened (the `-w` recording is never created), so nothing is sent.
 * A capture filtered to the request ports replays, its unseen answers told apart; an anonymised capture whose
 * boot files keep their names replays, with the zeroed data's sha256 unknown.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { PcapWriter, writeCapture } from '../../../src/capture/writer.js';
import { parseUdpFrame } from '../../../src/net/frames.js';
import type { ReplayReport } from '../../../src/report/replay-model.js';
import { readClientScripts } from '../../../src/replay/script.js';
import { projectRoot } from '../../support/fixtures.js';

const bin = join(projectRoot(), 'bin', 'pxe-doctor.js');
const LAB = join(projectRoot(), 'fixtures', 'captures', 'lab');
const PXELINUX = join(LAB, 'happy-bios-pxelinux', 'capture.pcapng');
const dir = mkdtempSync(join(tmpdir(), 'pxd-replay-cli-'));

function pxeDoctor(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The frames of the pxelinux boot that `keep` accepts, as a pcap file. */
async function filtered(name: string, keep: (src: string, srcPort: number) => boolean): Promise<string> {
  const frames: { data: Uint8Array; seconds: number }[] = [];
  readCaptureBuffer(readFileSync(PXELINUX), {
    frame: (f) => {
      const p = parseUdpFrame(f.data);
      if (p.ok && keep(p.datagram.srcIp, p.datagram.srcPort))
        frames.push({ data: f.data.slice(), seconds: 1_700_000_000 + frames.length });
    },
    warning: () => undefined,
  });
  assert.ok(frames.length > 0);
  const path = join(dir, name);
  await writeCapture(path, new PcapWriter({ linkType: 1, snapLen: 65535 }), frames);
  return path;
}

/** Exit 2 with one line matching `message`, with and without --interface; no -w file appears. */
function refused(capture: string, message: RegExp): void {
  const reference = pxeDoctor(['replay', capture]);
  assert.equal(reference.code, 2, reference.stderr);
  assert.equal(reference.stdout, '');
  assert.match(reference.stderr, /^pxe-doctor: [^\n]+\n$/);
  assert.match(reference.stderr, message);
  // lo exists and carries no default route: only the capture can stop the replay before libpcap opens it.
  const w = join(dir, 'never.pcapng');
  const live = pxeDoctor(['replay', capture, '--interface', 'lo', '-w', w]);
  assert.equal(live.code, 2, live.stderr);
  assert.match(live.stderr, /^pxe-doctor: [^\n]+\n$/);
  assert.match(live.stderr, message);
  assert.ok(!existsSync(w), 'the interface was never opened');
  // TFTP only, from a UDP socket: refused before the socket is opened (the discard port would drop it anyway).
  const tftp = pxeDoctor(['replay', capture, '--tftp-server', '127.0.0.1:9']);
  assert.equal(tftp.code, 2, tftp.stderr);
  assert.match(tftp.stderr, /^pxe-doctor: [^\n]+\n$/);
  assert.match(tftp.stderr, message);
}

/** A reference config for the lab's server, with its TFTP root at `root`. */
function referenceConfig(name: string, root: string): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(
    path,
    JSON.stringify({
      serverIp: '10.77.0.1',
      tftpRoot: root,
      dhcp: {
        range: { start: '10.77.0.100', end: '10.77.0.150' },
        subnetMask: '255.255.255.0',
        router: '10.77.0.1',
      },
      boot: { bios: 'pxelinux.0' },
    }),
  );
  return path;
}

describe('replay on the command line: captures with nothing to replay, nothing sent', () => {
  test('a server-only capture (every frame from the server)', async () => {
    const path = await filtered('server-only.pcap', (src) => src === '10.77.0.1');
    refused(path, /no client side to replay: .*server-only or filtered capture/);
  });

  test("a capture filtered to the DHCP servers' answers (src port 67)", async () => {
    const path = await filtered('src-port-67.pcap', (_, port) => port === 67);
    refused(path, /no client side to replay/);
  });

  test("a capture filtered to the client's own frames (no answer in it)", async () => {
    const path = await filtered('client-only.pcap', (src) => src !== '10.77.0.1');
    refused(path, /client 52:54:00:12:34:56 never got an offer .*nothing sent/);
  });

  test('a client that never got an offer', () => {
    refused(join(LAB, 'no-dhcp-server', 'capture.pcapng'), /never got an offer.*nothing sent/);
  });
});

describe('replay on the command line: a capture filtered to ports 67, 68 and 69', () => {
  test('the reads whose answers it does not show are not compared, and the result says so', () => {
    const path = join(
      projectRoot(),
      'fixtures',
      'captures',
      'lab-failures',
      'filtered-capture',
      'capture.pcapng',
    );
    const r = pxeDoctor(['replay', path]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((r.stdout.match(/^ {2}\? TFTP RRQ /gm) ?? []).length, 17);
    assert.match(
      r.stdout,
      /Result: the same answers \(apart from the expected differences\); 17 captured answers the capture does not show, not compared\n/,
    );
  });
});

describe('replay on the command line: an anonymised capture', () => {
  const anonymised = join(dir, 'anonymised.pcapng');
  const anonymise = (): void => {
    if (existsSync(anonymised)) return;
    const r = pxeDoctor(['fixture', 'anonymize', PXELINUX, anonymised, '--key', 'replay-test']);
    assert.equal(r.code, 0, r.stderr);
  };

  test('whose file names exist nowhere on the given root: refused, nothing sent', () => {
    anonymise();
    const root = join(dir, 'unrelated-root');
    mkdirSync(root);
    writeFileSync(join(root, 'other.0'), 'x');
    const r = pxeDoctor(['replay', anonymised, '--config', referenceConfig('unrelated', root)]);
    assert.equal(r.code, 2, r.stdout);
    assert.match(
      r.stderr,
      /^pxe-doctor: .*none of the 6 files the capture's clients read .* exists on the configured TFTP root — an anonymised capture\? Nothing sent\n$/,
    );
  });

  test('whose boot files kept their names: replayed, the zeroed data is no sha256 to compare', async () => {
    anonymise();
    // The root holds the real files (the original capture's bytes).
    const root = join(dir, 'lab-root');
    const scripts = await readClientScripts(PXELINUX, { keepData: true });
    for (const s of scripts.clients[0].steps)
      if (s.kind === 'tftp' && s.data !== null) {
        mkdirSync(dirname(join(root, s.filename)), { recursive: true });
        writeFileSync(join(root, s.filename), s.data);
      }
    const r = pxeDoctor(['replay', anonymised, '--config', referenceConfig('lab', root), '--json']);
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout) as ReplayReport;
    const reads = report.clients[0].exchanges.filter((e) => e.label.startsWith('TFTP'));
    assert.equal(reads.length, 17);
    const sums = reads.flatMap((e) => e.fields.filter((f) => f.field === 'sha256'));
    assert.ok(sums.length > 0);
    for (const f of sums) {
      assert.equal(f.captured, null, 'zeroed data: the capture does not hold the file');
      assert.notEqual(f.status, 'differs');
    }
    // The sizes still compare: the anonymiser keeps the lengths.
    const sizes = reads.flatMap((e) => e.fields.filter((f) => f.field === 'file size'));
    assert.ok(sizes.length === 7 && sizes.every((f) => f.status === 'same' && f.captured !== null));
  });
});
