/** The serve config: YAML and JSON files, flags laid over them, and errors that name the bad key. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadServeConfig, parseServeConfigText } from '../../../src/server/config/load.js';
import { parseServeConfig, ServeConfigError } from '../../../src/server/config/validate.js';

const dir = mkdtempSync(join(tmpdir(), 'pxd-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function problems(raw: unknown): string[] {
  try {
    parseServeConfig(raw);
  } catch (e) {
    assert.ok(e instanceof ServeConfigError);
    return e.issues.map((i) => `${i.path}: ${i.message}`);
  }
  assert.fail('expected a ServeConfigError');
}

const YAML = `
mode: dhcp
serverIp: 10.99.0.1
leaseFile: /var/lib/pxe-doctor/leases.json
dhcp:
  range: { start: 10.99.0.100, end: 10.99.0.200 }
  subnetMask: 255.255.255.0
  router: 10.99.0.1
  dns: [10.99.0.1]
  domain: lab.test
  leaseTime: 7200
  hosts:
    - mac: 52-54-00-12-34-56
      ip: 10.99.0.50
      boot: special.kpxe
boot:
  bios: undionly.kpxe
  uefi: ipxe.efi
  ipxe: http://10.99.0.1/boot.ipxe
`;

describe('serve config', () => {
  test('a YAML file and the same as JSON give the same config', async () => {
    writeFileSync(join(dir, 'a.yaml'), YAML);
    const y = await loadServeConfig(join(dir, 'a.yaml'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(parseServeConfigText(YAML, 'a.yaml')));
    const j = await loadServeConfig(join(dir, 'a.json'));
    assert.deepEqual(y, j);
    assert.equal(y.dhcp?.leaseTime, 7200);
    assert.deepEqual(y.dhcp?.hosts[0], {
      mac: '52:54:00:12:34:56',
      ip: '10.99.0.50',
      boot: 'special.kpxe',
      ipxe: null,
      hostname: null,
    });
    assert.equal(y.boot.arm64, null);
    assert.equal(y.proxy.timeout, 0);
  });

  test('flags override the file key by key', async () => {
    writeFileSync(join(dir, 'b.yaml'), YAML);
    const c = await loadServeConfig(join(dir, 'b.yaml'), {
      boot: { uefi: 'snponly.efi' },
      dhcp: { leaseTime: 600 },
    });
    assert.equal(c.boot.uefi, 'snponly.efi');
    assert.equal(c.boot.bios, 'undionly.kpxe', 'untouched');
    assert.equal(c.dhcp?.leaseTime, 600);
    assert.equal(c.dhcp?.rangeStart, '10.99.0.100');
    const flagsOnly = await loadServeConfig(null, {
      mode: 'proxy',
      serverIp: '10.99.0.1',
      boot: { bios: 'pxelinux.0' },
    });
    assert.equal(flagsOnly.mode, 'proxy');
    assert.equal(flagsOnly.dhcp, null);
  });

  test('errors name the path of the bad key', () => {
    assert.deepEqual(problems({ mode: 'proxy', serverIp: '10.99.0.1', boot: { uefi: 7 } }), [
      'boot.uefi: expected a string, got number 7',
      'boot: proxy mode has nothing to offer without a boot file: set boot.bios, boot.uefi …',
    ]);
    const p = problems({
      mode: 'dhcp',
      serverIp: '10.99.0.1',
      dhcp: {
        range: { start: '10.99.0.300', end: '10.99.0.10' },
        leaseTime: 'long',
        hosts: [{ mac: 'zz', ip: '10.98.0.5' }, { mac: 'zz' }],
        dnss: [],
      },
      boot: { bios: 'x', http: 'tftp://nope' },
      extra: 1,
    });
    for (const expected of [
      'extra: unknown key',
      'dhcp.dnss: unknown key',
      'dhcp.range.start: expected an IPv4 address like 10.99.0.1, got "10.99.0.300"',
      'dhcp.leaseTime: expected a whole number, got the string "long"',
      'dhcp.hosts[0].mac: expected a MAC address',
      "dhcp.hosts[0].ip: 10.98.0.5 is not in the server's subnet 10.99.0.0/255.255.255.0",
      'dhcp.hosts[1].mac: expected a MAC address',
      'boot.http: expected an http:// or https:// URL',
    ])
      assert.ok(
        p.some((x) => x.startsWith(expected)),
        `missing "${expected}" in:\n${p.join('\n')}`,
      );
    assert.deepEqual(problems({ mode: 'dhcp' }).sort(), [
      'dhcp: required in dhcp mode: the address pool (range, subnetMask …)',
      "serverIp: required: the server's own address on the served interface",
    ]);
    assert.equal(
      problems({ mode: 'bootp', serverIp: '10.99.0.1', boot: { bios: 'a' } })[0],
      'mode: expected "dhcp" or "proxy", got "bootp"',
    );
    assert.ok(
      problems({ serverIp: '10.99.0.1', dhcp: { range: { start: '10.99.0.9', end: '10.99.0.1' } } }).includes(
        'dhcp.range: start 10.99.0.9 is after end 10.99.0.1',
      ),
    );
  });

  test('unparsable files say so, with the file name', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'boot:\n  bios: [unclosed\n');
    await assert.rejects(loadServeConfig(join(dir, 'bad.yaml')), (e: Error) => {
      assert.ok(e instanceof ServeConfigError);
      assert.match(e.message, /bad\.yaml/);
      assert.match(e.message, /not valid YAML/);
      return true;
    });
    writeFileSync(join(dir, 'bad.json'), '{"mode": ');
    await assert.rejects(loadServeConfig(join(dir, 'bad.json')), /not valid JSON/);
    await assert.rejects(loadServeConfig(join(dir, 'missing.yaml')), /cannot read/);
    writeFileSync(join(dir, 'dup.yaml'), 'mode: dhcp\nmode: proxy\n');
    await assert.rejects(loadServeConfig(join(dir, 'dup.yaml')), /not valid YAML/);
  });
});
