import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bootFile,
  bootValues,
  clientArchitectures,
  clientId,
  clientUuid,
  isIpxe,
  isUrl,
  parameterRequestList,
  pxelinuxUuid,
  pxeVendorOptions,
  requestedAddress,
  requestedBootItem,
  serverId,
  tftpServerCandidates,
  tftpServer,
  userClass,
  userClasses,
  vendorClass,
  vendorClassArch,
} from '../../../src/protocol/dhcp/facts.js';
import { LAB_UUID_97 } from '../analysis/support/records.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

const UUID_97 = Uint8Array.from(LAB_UUID_97);
/** A message with just these options (code → bytes). */
const msg = (...options: [number, Uint8Array][]): { options: { code: number; raw: Uint8Array }[] } => ({
  options: options.map(([code, raw]) => ({ code, raw })),
});
const one = (code: number, raw: Uint8Array): ReturnType<typeof msg> => msg([code, raw]);

describe('DHCP fact accessors', () => {
  it('shows the option 97 UUID as the machine label (Wireshark, qemu -uuid) and in pxelinux wire order', () => {
    assert.equal(clientUuid(one(97, UUID_97)), '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab');
    assert.equal(pxelinuxUuid(one(97, UUID_97)), '1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab');
    assert.equal(clientUuid(one(97, UUID_97.subarray(0, 16))), null);
    assert.equal(clientUuid(msg()), null);
  });

  it('reads option 77 raw as iPXE sends it and RFC 3004 length-prefixed classes', () => {
    assert.equal(userClass(one(77, bytes(...ascii('iPXE')))), 'iPXE');
    assert.deepEqual(userClasses(one(77, bytes(4, ...ascii('iPXE'), 3, ...ascii('foo')))), ['iPXE', 'foo']);
    assert.equal(userClass(one(77, bytes(4, ...ascii('iPXE'), 3, ...ascii('foo')))), 'iPXE,foo');
    // A length prefix that does not tile the option: raw text.
    assert.equal(userClass(one(77, bytes(2, ...ascii('abc')))), '\u0002abc');
    assert.equal(userClass(msg()), null);
  });

  it('cuts text at a trailing NUL', () => {
    assert.equal(vendorClass(one(60, bytes(...ascii('PXEClient'), 0))), 'PXEClient');
  });

  it('decodes PXE option 43: discovery control, boot servers, menu (lab proxydhcp frame 2)', () => {
    const menuText = ascii('PXE-LAB pxelinux via proxyDHCP');
    const raw = bytes(
      6,
      1,
      0x03,
      8,
      7,
      0x80,
      0x00,
      1,
      10,
      77,
      0,
      1,
      9,
      3 + menuText.length,
      0x80,
      0x00,
      menuText.length,
      ...menuText,
      10,
      4,
      1,
      ...ascii('abc'),
      255,
    );
    assert.deepEqual(pxeVendorOptions(one(43, raw)), {
      discoveryControl: 3,
      bootServers: ['10.77.0.1'],
      menu: ['PXE-LAB pxelinux via proxyDHCP'],
    });
  });

  it('refuses an option 43 that is not a sub-option list', () => {
    assert.equal(pxeVendorOptions(one(43, bytes(1, 10, 2))), null);
    assert.equal(pxeVendorOptions(msg()), null);
  });

  it('reads the client architectures of option 93 and of the vendor class', () => {
    assert.deepEqual(clientArchitectures(one(93, bytes(0, 7, 0, 16))), [7, 16]);
    assert.deepEqual(clientArchitectures(one(93, bytes(0, 7, 0))), [7], 'complete entries of an odd length');
    assert.deepEqual(clientArchitectures(msg()), []);
    assert.equal(vendorClassArch('PXEClient:Arch:00007:UNDI:003016'), 7);
    assert.equal(vendorClassArch('HTTPClient:Arch:00016:UNDI:003001'), 16);
    assert.equal(vendorClassArch('MSFT 5.0'), null);
  });

  it('tells iPXE by its user class or its option 175, and nothing else', () => {
    assert.equal(isIpxe(one(77, bytes(...ascii('iPXE')))), true);
    assert.equal(isIpxe(one(175, bytes(0xb1, 0x05, 0x01))), true);
    assert.equal(isIpxe(one(77, bytes(4, ...ascii('iPXE'), 3, ...ascii('foo')))), true);
    assert.equal(isIpxe(one(77, bytes(...ascii('gPXEish')))), false);
    assert.equal(isIpxe(one(60, bytes(...ascii('PXEClient:Arch:00000')))), false);
  });

  it('gPXE (gpxelinux.0: pxelinux with gPXE inside) sends option 175 with user class "gPXE": not iPXE', () => {
    const gpxe = msg([77, bytes(...ascii('gPXE'))], [175, bytes(0xb1, 0x05, 0x01)]);
    assert.equal(isIpxe(gpxe), false);
    assert.equal(isIpxe(msg([77, bytes(...ascii('iPXE'))], [175, bytes(0xb1, 0x05, 0x01)])), true);
  });

  it('reads addresses only from 4-byte values', () => {
    assert.equal(serverId(one(54, bytes(10, 0, 0, 1))), '10.0.0.1');
    assert.equal(serverId(one(54, bytes(10, 0, 0))), null);
    assert.equal(requestedAddress(one(50, bytes(10, 0, 0, 9))), '10.0.0.9');
    assert.equal(requestedAddress(msg()), null);
    assert.deepEqual(parameterRequestList(one(55, bytes(1, 3, 66, 67))), [1, 3, 66, 67]);
    assert.deepEqual(parameterRequestList(msg()), []);
  });

  it('reads option 61 as a hardware address or an opaque identifier', () => {
    assert.deepEqual(clientId(one(61, bytes(1, 0x52, 0x54, 0, 0x12, 0x34, 0x56))), {
      type: 1,
      hex: '525400123456',
      mac: '52:54:00:12:34:56',
    });
    assert.deepEqual(clientId(one(61, bytes(0, 0x61))), { type: 0, hex: '61', mac: null });
    assert.equal(clientId(one(61, bytes(1))), null);
  });

  it('reads the boot item a boot service request asks for (PXE 43 sub-option 71)', () => {
    assert.deepEqual(requestedBootItem(one(43, bytes(71, 4, 0x80, 0x00, 0, 0, 255))), {
      type: 0x8000,
      layer: 0,
    });
    assert.equal(requestedBootItem(one(43, bytes(6, 1, 3, 255))), null);
  });

  it('picks the boot file in the order the client reads it, padding being no name', () => {
    const both = { file: 'undionly.kpxe', bootfileOption: 'ipxe.efi' };
    assert.deepEqual(bootFile(both), { value: 'undionly.kpxe', source: 'file' });
    assert.deepEqual(bootFile(both, 'option-67-first'), { value: 'ipxe.efi', source: 'option-67' });
    assert.deepEqual(bootFile({ file: '   ', bootfileOption: 'pxelinux.0' }), {
      value: 'pxelinux.0',
      source: 'option-67',
    });
    assert.equal(bootFile({ file: '', bootfileOption: null }), null);
  });

  it('lists the TFTP server candidates: siaddr, 66, 150, sname, then option 43 boot servers', () => {
    const m = {
      siaddr: '0.0.0.0',
      sname: 'boot-host',
      file: '',
      options: [
        { code: 66, raw: bytes(...ascii('tftp.example'), 0) },
        { code: 150, raw: bytes(10, 0, 0, 5, 10, 0, 0, 6) },
        { code: 43, raw: bytes(8, 7, 0x80, 0x00, 1, 10, 0, 0, 7, 255) },
      ],
    };
    assert.deepEqual(tftpServerCandidates(bootValues(m)), [
      { server: 'tftp.example', source: 'option-66' },
      { server: '10.0.0.5', source: 'option-150' },
      { server: '10.0.0.6', source: 'option-150' },
      { server: 'boot-host', source: 'sname' },
      { server: '10.0.0.7', source: 'option-43-boot-server' },
    ]);
    assert.deepEqual(tftpServer(bootValues({ ...m, siaddr: '10.0.0.1' })), {
      server: '10.0.0.1',
      source: 'siaddr',
    });
    assert.equal(tftpServer(bootValues({ siaddr: '0.0.0.0', sname: '', file: '', options: [] })), null);
  });

  it('knows a URL boot file', () => {
    assert.equal(isUrl('http://10.0.0.1/boot.ipxe'), true);
    assert.equal(isUrl(' tftp://h/f'), true);
    assert.equal(isUrl('pxelinux.0'), false);
  });
});
