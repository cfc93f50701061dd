/** Which boot file each kind of client gets, directly and through the engine's replies. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DhcpOptionInput } from '../../../src/protocol/dhcp/index.js';
import { chooseBoot } from '../../../src/server/dhcp/boot-choice.js';
import { classifyClient } from '../../../src/server/dhcp/client.js';
import { openDhcpEngine } from '../../../src/server/dhcp/engine.js';
import { SERVER_IP, clientMessage, fullConfig, inbound, onWire, optionJson } from './dhcp-support.js';

const IPXE_77: DhcpOptionInput = { code: 77, raw: new Uint8Array(Buffer.from('iPXE', 'latin1')) };
const IPXE_175: DhcpOptionInput = { code: 175, raw: Uint8Array.of(19, 1, 1) };

describe('boot file matrix', () => {
  const cases: {
    name: string;
    arch: number | null;
    vendor?: string;
    extra?: (typeof IPXE_77)[];
    file: string;
    http?: boolean;
  }[] = [
    { name: 'arch 0 (BIOS)', arch: 0, file: 'pxelinux.0' },
    { name: 'no option 93', arch: null, vendor: 'PXEClient', file: 'pxelinux.0' },
    { name: 'arch 7 (x64 UEFI)', arch: 7, file: 'ipxe.efi' },
    { name: 'arch 9 (EBC, x64 firmware)', arch: 9, file: 'ipxe.efi' },
    { name: 'arch 11 (ARM64 UEFI)', arch: 11, file: 'ipxe-arm64.efi' },
    {
      name: 'arch 16 (x64 UEFI HTTP)',
      arch: 16,
      vendor: 'HTTPClient:Arch:00016:UNDI:003001',
      file: 'http://10.99.0.1/ipxe.efi',
      http: true,
    },
    { name: 'iPXE by user class 77', arch: 0, extra: [IPXE_77], file: 'boot.ipxe' },
    { name: 'iPXE by option 175', arch: 7, extra: [IPXE_175], file: 'boot.ipxe' },
  ];
  for (const c of cases) {
    test(`${c.name} → ${c.file}`, async () => {
      const engine = await openDhcpEngine(fullConfig());
      const msg = clientMessage('DISCOVER', { arch: c.arch, vendor: c.vendor, extra: c.extra ?? [] });
      const r = engine.handle(inbound(msg));
      assert.equal(r.replies.length, 1);
      const offer = onWire(r.replies[0].message);
      assert.equal(offer.file, c.file);
      assert.equal(optionJson(offer, 67), c.file);
      assert.equal(offer.siaddr, SERVER_IP);
      if (c.http) {
        assert.equal(optionJson(offer, 60), 'HTTPClient');
        assert.equal(optionJson(offer, 66), undefined, 'no TFTP server for a URL');
      } else {
        assert.equal(optionJson(offer, 60), undefined);
        assert.equal(optionJson(offer, 66), SERVER_IP);
      }
      const boot = r.events.find((e) => e.kind === 'boot');
      assert.equal(boot?.kind === 'boot' && boot.file, c.file);
    });
  }

  test('static host file, nextServer, unknown architectures, missing files', () => {
    const cfg = fullConfig({
      boot: { bios: 'undionly.kpxe', ipxe: 'http://10.99.0.1/s.ipxe', nextServer: '10.99.0.9' },
    });
    const client = classifyClient(clientMessage('DISCOVER', { arch: 0 }));
    const host = { mac: client.mac, ip: null, boot: 'host.kpxe', ipxe: null, hostname: null };
    assert.equal(chooseBoot(client, cfg.boot, host, SERVER_IP).choice?.file, 'host.kpxe');
    const plain = chooseBoot(client, cfg.boot, null, SERVER_IP).choice;
    assert.equal(plain?.nextServer, '10.99.0.9');
    const ipxe = chooseBoot({ ...client, ipxe: true }, cfg.boot, host, SERVER_IP).choice;
    assert.deepEqual(
      [ipxe?.file, ipxe?.url],
      ['http://10.99.0.1/s.ipxe', true],
      'iPXE gets the script, not the host file',
    );
    const risc = chooseBoot({ ...client, archCode: 27, arch: 'uefi' }, cfg.boot, null, SERVER_IP);
    assert.equal(risc.choice, null);
    assert.match(risc.reason, /architecture 27/);
    const uefi = chooseBoot({ ...client, archCode: 7, arch: 'uefi' }, cfg.boot, null, SERVER_IP);
    assert.equal(uefi.choice, null);
    assert.match(uefi.reason, /not configured/);
  });

  test('a client with no boot file still gets its address from the full server', async () => {
    const engine = await openDhcpEngine(fullConfig({ boot: { bios: 'pxelinux.0' } }));
    const r = engine.handle(inbound(clientMessage('DISCOVER', { arch: 7 })));
    const offer = onWire(r.replies[0].message);
    assert.equal(offer.file, '');
    assert.equal(offer.siaddr, '0.0.0.0');
    assert.equal(optionJson(offer, 67), undefined);
    assert.notEqual(offer.yiaddr, '0.0.0.0');
  });
});
