import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CaptureFile } from '../../../src/capture/live/capture-file.js';
import { tcpdumpStats } from '../../../src/capture/live/child.js';
import { captureHint } from '../../../src/capture/live/errors.js';
import { DEFAULT_CAPTURE_FILTER } from '../../../src/capture/live/filter.js';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { PcapngWriter, PcapWriter } from '../../../src/capture/writer.js';

function tcpdump(): string | null {
  for (const p of ['/usr/bin/tcpdump', '/usr/sbin/tcpdump', '/sbin/tcpdump']) {
    try {
      execFileSync(p, ['--version'], { stdio: 'ignore' });
      return p;
    } catch {
      // not here
    }
  }
  return null;
}

describe('live capture pieces', () => {
  it('the default filter compiles (tcpdump -d) and keeps the TFTP data ports and later fragments', (t) => {
    const bin = tcpdump();
    if (bin === null) {
      t.skip('tcpdump not installed');
      return;
    }
    const code = execFileSync(bin, ['-d', '-y', 'EN10MB', DEFAULT_CAPTURE_FILTER], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    assert.match(code, /ret\s+#\d+/);
    // The opcode test on the UDP payload and the fragment-offset test are there, also after a VLAN tag.
    assert.match(DEFAULT_CAPTURE_FILTER, /udp\[8:2\] >= 1 and udp\[8:2\] <= 6/);
    assert.match(DEFAULT_CAPTURE_FILTER, /ip\[6:2\] & 0x1fff != 0/);
    assert.match(DEFAULT_CAPTURE_FILTER, /or \(vlan and \(/);
  });

  it("reads tcpdump's closing statistics", () => {
    const text =
      'listening on br0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
      '36653 packets captured\n400000 packets received by filter\n363347 packets dropped by kernel\n';
    assert.deepEqual(tcpdumpStats(text), {
      perInterface: [],
      received: 400000,
      ifDropped: 363347,
      dropped: 363347,
    });
    assert.equal(tcpdumpStats('tcpdump: br0: No such device exists\n'), undefined);
    // SIGUSR1 while running prints them again on one line, comma-separated (tcpdump's info()): the newest block counts, a half-written line does not.
    const running =
      '10 packets captured\n12 packets received by filter\n2 packets dropped by kernel\n' +
      '90 packets captured, 130 packets received by filter, 40 packets dropped by kernel\n' +
      '95 packets captured\n140 packets rec';
    assert.deepEqual(tcpdumpStats(running), {
      perInterface: [],
      received: 130,
      ifDropped: 40,
      dropped: 40,
    });
  });

  it('says what to do about a capture program complaint', () => {
    assert.match(
      captureHint('dumpcap', "You don't have permission to capture on that device"),
      /wireshark group/,
    );
    assert.match(captureHint('tcpdump', 'br9: No such device exists'), /interface name/);
    assert.match(captureHint('dumpcap', 'Invalid capture filter "udp and"'), /--filter/);
    assert.equal(captureHint('tcpdump', 'something else'), '');
  });

  for (const format of ['pcap', 'pcapng'] as const) {
    it(`-w: the bytes as they came, and a ring of ${format} files that each read on their own`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'pxd-ring-'));
      try {
        const writer = format === 'pcap' ? new PcapWriter({ linkType: 1 }) : new PcapngWriter();
        const packets = Array.from({ length: 50 }, (_, i) =>
          writer.packet({ data: Buffer.alloc(200, i), seconds: 1000 + i }),
        );
        const bytes = Buffer.concat([writer.header(), ...packets]);
        const plain = new CaptureFile(join(dir, `all.${format}`));
        const ring = new CaptureFile(join(dir, `ring.${format}`), { ring: 3, ringSize: 2000 });
        // Chunks that cut records anywhere, as a pipe does.
        for (let at = 0; at < bytes.length; at += 333) {
          plain.write(bytes.subarray(at, at + 333));
          ring.write(bytes.subarray(at, at + 333));
        }
        plain.close();
        ring.close();
        assert.deepEqual(readFileSync(join(dir, `all.${format}`)), bytes);
        const files = readdirSync(dir)
          .filter((f) => f.startsWith('ring-'))
          .sort();
        assert.equal(files.length, 3, `three files kept: ${files.join(', ')}`);
        assert.deepEqual(
          [...ring.files].map((f) => f.slice(dir.length + 1)),
          files,
        );
        const seconds: number[] = [];
        for (const f of files) {
          readCaptureBuffer(readFileSync(join(dir, f)), {
            frame: (fr) => seconds.push(fr.data[0] ?? -1),
            warning: (w) => assert.fail(`${f}: ${w.message}`),
          });
        }
        // The newest packets, in order, none cut.
        assert.deepEqual(
          seconds,
          Array.from({ length: seconds.length }, (_, i) => 50 - seconds.length + i),
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
