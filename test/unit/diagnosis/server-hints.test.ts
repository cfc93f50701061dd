/**
 * Fixes for the server in use: the identified server's block first, the others after "if it is not …";
 * unknown servers keep every block in the rule's order. Fixes tied to what the wire shows.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { orderHint } from '../../../src/diagnosis/server-hints.js';
import { bootFileHint, removeVendorClassHint, serverHint } from '../../../src/diagnosis/hints.js';
import { findCapture } from '../../support/fixtures.js';

async function findingsOf(
  rel: string,
): Promise<Awaited<ReturnType<typeof analyzeCapture>>['findings'] | null> {
  const c = findCapture(rel);
  return c === null ? null : (await analyzeCapture(c.path)).findings;
}

describe('orderHint', () => {
  const hint = bootFileHint('Hand out the file:', 'pxelinux.0', '10.0.0.1');

  test('unknown server: the hint as written (dnsmasq, ISC dhcpd, Kea)', () => {
    assert.equal(orderHint(hint, []), hint);
    assert.equal(orderHint(hint, ['unknown']), hint);
  });

  test('Kea identified: Kea first, the others after "if it is not Kea:"', () => {
    const lines = orderHint(hint, ['kea']).split('\n');
    assert.equal(lines[0], 'Hand out the file:');
    assert.match(lines[1], /^ {2}Kea: +"next-server": "10\.0\.0\.1"/);
    assert.equal(lines[2], '  if it is not Kea:');
    assert.match(lines[3], /^ {2}dnsmasq: +dhcp-boot=pxelinux\.0,,10\.0\.0\.1$/);
    assert.match(lines[4], /^ {2}ISC dhcpd: +next-server/);
    assert.equal(lines.length, 6);
  });

  test('dnsmasq for DHCP and tftp-hpa for TFTP on one host: the TFTP hint puts tftp-hpa first, not dnsmasq', () => {
    const roots = serverHint('TFTP roots:', {
      dnsmasq: ['tftp-root=/srv/tftp'],
      other: [['tftp-hpa', ['TFTP_DIRECTORY="/srv/tftp"']]],
    });
    const both = [
      { software: 'dnsmasq', service: 'dhcp' },
      { software: 'tftpd-hpa', service: 'tftp' },
    ] as const;
    const lines = orderHint(roots, both).split('\n');
    assert.match(lines[1], /^ {2}tftp-hpa: +TFTP_DIRECTORY/);
    assert.equal(lines[2], '  if it is not tftpd-hpa:');
    assert.match(lines[3], /^ {2}dnsmasq: +tftp-root=/);
    // The DHCP side of the same host still puts its dnsmasq block first.
    const dhcpLines = orderHint(hint, both).split('\n');
    assert.match(dhcpLines[1], /^ {2}dnsmasq: +dhcp-boot=/);
    // TFTP server not identified: dnsmasq's DHCP identity says nothing about its TFTP lines.
    assert.equal(orderHint(roots, [{ software: 'dnsmasq', service: 'dhcp' }]), roots);
  });

  test('a hint without a block for the identified server is left alone', () => {
    const plain = 'Capture on the client segment.';
    assert.equal(orderHint(plain, ['dnsmasq']), plain);
  });
});

describe('removeVendorClassHint follows the evidence', () => {
  test('60 without a 43 menu: a plain option line, not pxe-service', () => {
    const h = removeVendorClassHint('x', '10.0.0.1', 'a.efi', false);
    assert.match(h, /dhcp-option-force=60,PXEClient/);
    assert.doesNotMatch(h, /remove the pxe-service= lines/);
  });
  test('60 with the 43 menu: pxe-service lines', () => {
    const h = removeVendorClassHint('x', '10.0.0.1', 'a.efi', true);
    assert.match(h, /remove the pxe-service= lines/);
    assert.doesNotMatch(h, /dhcp-option-force/);
  });
});

describe('lab captures: the fix of the server in use first', () => {
  test('file-not-found: the dnsmasq line first, ISC dhcpd and Kea folded', async (t) => {
    const findings = await findingsOf('lab/file-not-found/capture.pcapng');
    if (findings === null) return t.skip('capture not present');
    const f = findings.find((x) => x.ruleId === 'tftp.file-not-found');
    assert.ok(f);
    assert.deepEqual(f.hintFor, ['dnsmasq']);
    const lines = f.hint.split('\n');
    assert.match(lines[1] ?? '', /^ {2}dnsmasq: +dhcp-boot=pxelinux\.0,,10\.77\.0\.1$/);
    // The root comes from dnsmasq's own error text, not a placeholder; its DHCP and TFTP lines read as one block.
    assert.match(lines[2] ?? '', /^ {14}tftp-root=\/srv\/pxe-lab\/run\/tftproot {3}# where it looked$/);
    assert.equal(lines[3], '  if it is not dnsmasq:');
    assert.match(lines[0] ?? '', /\/srv\/pxe-lab\/run\/tftproot\/pxelinux\.0/);
  });

  for (const name of ['tftpd-hpa-file-not-found', 'atftpd-file-not-found']) {
    test(`${name}: dnsmasq's DHCP line first; the TFTP roots stay in view (TFTP server not told), no path guessed`, async (t) => {
      const findings = await findingsOf(`lab-failures/${name}/capture.pcapng`);
      if (findings === null) return t.skip('capture not present');
      const f = findings.find((x) => x.ruleId === 'tftp.file-not-found');
      assert.ok(f);
      assert.deepEqual(f.hintFor, ['dnsmasq']);
      const lines = f.hint.split('\n');
      const folded = lines.indexOf('  if it is not dnsmasq:');
      assert.match(lines[1] ?? '', /^ {2}dnsmasq: +dhcp-boot=pxelinux\.0,,10\.77\.0\.1$/);
      // tftp-hpa's and atftpd's roots come before the fold: the fold is about the DHCP server only.
      const hpa = lines.findIndex((l) => /^ {2}tftp-hpa: +its root is the directory after --secure/.test(l));
      const atftpd = lines.findIndex((l) =>
        /^ {2}atftpd: +its root is the directory its command line ends with/.test(l),
      );
      assert.ok(hpa > 1 && hpa < folded && atftpd > 1 && atftpd < folded, f.hint);
      assert.ok(lines.slice(folded).some((l) => /^ {2}ISC dhcpd:/.test(l)));
      // Neither server wrote a path: none is invented.
      assert.ok(!/\/srv\/tftp|<[a-z-]+>/.test(f.hint), f.hint);
    });
  }

  test('pxeclient-no-proxy: dnsmasq sent 60 without 43, so the fix names dhcp-option-force, not pxe-service', async (t) => {
    const findings = await findingsOf('lab-failures/pxeclient-no-proxy/capture.pcapng');
    if (findings === null) return t.skip('capture not present');
    const f = findings.find((x) => x.ruleId === 'dhcp.pxeclient-without-proxy');
    assert.ok(f);
    const lines = f.hint.split('\n');
    assert.match(lines[1] ?? '', /dnsmasq: +remove the dhcp-option-force=60,PXEClient/);
    assert.ok(!f.hint.includes('remove the pxe-service= lines'));
  });

  test('kea-arch-mismatch: the Kea client-class fix first, dnsmasq and ISC dhcpd folded', async (t) => {
    const findings = await findingsOf('lab-failures/kea-arch-mismatch/capture.pcapng');
    if (findings === null) return t.skip('capture not present');
    const f = findings.find((x) => x.ruleId === 'boot.arch-mismatch');
    assert.ok(f);
    assert.deepEqual(f.hintFor, ['kea']);
    const lines = f.hint.split('\n');
    assert.match(
      lines[1] ?? '',
      /^ {2}Kea: +"client-classes": \[ \{ "name": "efi64", "test": "option\[93\]\.hex == 0x0007/,
    );
    assert.equal(lines[3], '  if it is not Kea:');
  });

  test('a public capture with no recognised server keeps every fix in the rule order', async (t) => {
    const findings = await findingsOf('public/sv/output-eve-tftp-01/input.pcap');
    if (findings === null) return t.skip('capture not present');
    for (const f of findings) {
      assert.equal(f.hintFor, undefined);
      assert.ok(!f.hint.includes('if it is not'));
    }
  });
});
