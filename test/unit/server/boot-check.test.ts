/**
 * Start-up warnings about boot configurations that trap clients: the chainload loop (an iPXE image with no
 * iPXE script), a boot file missing under the root, and BIOS or x64 UEFI without a boot file.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootConfigWarnings, isIpxeBinary } from '../../../src/server/config/boot-check.js';
import type { BootConfig } from '../../../src/server/config/types.js';
import { emptyBootConfig } from '../../support/boot-config.js';

const none: BootConfig = emptyBootConfig();

function warnings(
  boot: Partial<BootConfig>,
  mode: 'dhcp' | 'proxy' = 'dhcp',
  files = ['undionly.kpxe', 'ipxe.efi'],
) {
  return bootConfigWarnings({
    boot: { ...none, ...boot },
    mode,
    root: '/srv/tftp',
    underRoot: (f) => files.includes(f),
  });
}

test('iPXE images are told apart from scripts and other loaders', () => {
  for (const f of ['undionly.kpxe', 'ipxe.efi', 'snponly.efi', 'x86_64/ipxe.pxe', 'undionly.kkpxe'])
    assert.ok(isIpxeBinary(f), f);
  for (const f of ['pxelinux.0', 'boot.ipxe', 'grubx64.efi', 'shimx64.efi']) assert.ok(!isIpxeBinary(f), f);
});

test('the chainload loop of the old help example is found, and an iPXE script ends it', () => {
  const loop = warnings({ bios: 'undionly.kpxe', uefi: 'ipxe.efi' });
  assert.equal(loop.length, 2);
  assert.match(loop[0], /BIOS clients get undionly.kpxe.*chainload loop.*--ipxe-script/);
  assert.match(loop[1], /x64 UEFI clients get ipxe.efi/);
  assert.deepEqual(
    warnings({ bios: 'undionly.kpxe', uefi: 'ipxe.efi', ipxe: 'http://10.0.0.1/boot.ipxe' }),
    [],
  );
  assert.deepEqual(
    warnings({ bios: 'pxelinux.0', uefi: 'ipxe.efi', ipxe: 'boot.ipxe' }, 'dhcp', [
      'pxelinux.0',
      'ipxe.efi',
      'boot.ipxe',
    ]),
    [],
  );
});

test('a boot file not under the root, and a missing common architecture, are named', () => {
  const w = warnings({ bios: 'pxelinux.0', ipxe: 'boot.ipxe' }, 'dhcp', ['boot.ipxe']);
  assert.ok(w.some((m) => /boot file pxelinux.0 \(bios\) is not a readable file under \/srv\/tftp/.test(m)));
  assert.ok(
    w.some((m) => /no boot file for x64 UEFI clients: they get an address but no boot file.*PXE-E53/.test(m)),
  );
  const proxy = warnings({ uefi: 'ipxe.efi', ipxe: 'http://x/boot.ipxe' }, 'proxy');
  assert.deepEqual(proxy, ['no boot file for BIOS clients: they get no answer from this proxyDHCP']);
});
