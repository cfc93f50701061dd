/**
 * A request pxelinux sends is pxelinux's, even when an iPXE ROM loaded pxelinux: on the lab pxelinux boots
 * (qemu's iPXE ROM fetches pxelinux.0, pxelinux fetches the rest) only pxelinux.0 is labelled iPXE, every
 * later file names pxelinux. A finding about ldlinux.c32 missing names pxelinux too (crafted).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { requestLabel } from '../../../src/diagnosis/format.js';
import { findCapture } from '../../support/fixtures.js';
import { BIOS_IPXE_ROM, CaptureBuilder, LAB } from './support/builder.js';
import { one } from './support/expect.js';

for (const rel of ['lab/happy-bios-pxelinux/capture.pcapng', 'lab/proxydhcp/capture.pcapng']) {
  test(`pxelinux's requests are not labelled iPXE: ${rel}`, async () => {
    const capture = findCapture(rel);
    assert.ok(capture);
    const { result } = await analyzeCapture(capture.path);
    const [s] = result.sessions;
    assert.ok(s?.isIpxe, 'the firmware is the iPXE ROM');
    const labels = s.transfers.map((t) => [t.filename, requestLabel(s, t)] as const);
    assert.ok(labels.length > 5);
    for (const [file, label] of labels) {
      if (file === 'pxelinux.0') assert.match(label, /\(x86 BIOS, iPXE\)$/, file);
      else assert.equal(label, `${s.clientMac} (x86 BIOS, pxelinux)`, file);
    }
  });
}

test('ldlinux.c32 missing after an iPXE ROM loaded pxelinux.0: the finding names pxelinux, not iPXE', () => {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
  s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'pxelinux.0' }] });
  s.transfer({ file: 'pxelinux.0', size: 42430 });
  s.transfer({
    file: 'ldlinux.c32',
    error: { code: 1, message: LAB.notFound('ldlinux.c32'), from: 'server' },
  });
  const f = one(b.build(), 'tftp.file-not-found');
  assert.match(f.message, /\(x86 BIOS, pxelinux\)'s request/);
  assert.doesNotMatch(f.message, /iPXE/);
});

test("pxelinux's config search, told as normal, names pxelinux: happy-bios-pxelinux", async () => {
  const capture = findCapture('lab/happy-bios-pxelinux/capture.pcapng');
  assert.ok(capture);
  const { findings } = await analyzeCapture(capture.path);
  const f = findings.find((x) => x.ruleId === 'tftp.loader-search');
  assert.ok(f, 'the config search is one info finding');
  assert.match(f.message, /\(x86 BIOS, pxelinux\) searched/);
  assert.doesNotMatch(f.message, /iPXE\) searched/);
});
