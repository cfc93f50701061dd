import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  pxelinuxUuid,
  readPxeVendorOptions,
  readText,
  readUserClass,
  readUuid,
} from '../../../src/analysis/option-bytes.js';
import { LAB_UUID_97 } from './support/records.js';

const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];

const UUID_97 = Uint8Array.from(LAB_UUID_97);

describe('option bytes', () => {
  it('shows the option 97 UUID as the machine label (Wireshark, qemu -uuid) and in pxelinux wire order', () => {
    assert.equal(readUuid(UUID_97), '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab');
    assert.equal(pxelinuxUuid(UUID_97), '1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab');
    assert.equal(readUuid(UUID_97.subarray(0, 16)), null);
  });

  it('reads option 77 raw as iPXE sends it and RFC 3004 length-prefixed classes', () => {
    assert.equal(readUserClass(bytes(...ascii('iPXE'))), 'iPXE');
    assert.equal(readUserClass(bytes(4, ...ascii('iPXE'), 3, ...ascii('foo'))), 'iPXE,foo');
    // A length prefix that does not tile the option: raw text.
    assert.equal(readUserClass(bytes(2, ...ascii('abc'))), '\u0002abc');
  });

  it('cuts text at a trailing NUL', () => {
    assert.equal(readText(bytes(...ascii('pxelinux.0'), 0)), 'pxelinux.0');
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
    assert.deepEqual(readPxeVendorOptions(raw), {
      discoveryControl: 3,
      bootServers: ['10.77.0.1'],
      menu: ['PXE-LAB pxelinux via proxyDHCP'],
    });
  });

  it('refuses an option 43 that is not a sub-option list', () => {
    assert.equal(readPxeVendorOptions(bytes(1, 10, 2)), null);
  });
});
