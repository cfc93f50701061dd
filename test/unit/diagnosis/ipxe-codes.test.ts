/**
 * Every iPXE message the rules show carries an ipxe.org code that must be the one iPXE prints for that text.
 * The tables below are transcribed from iPXE's source, independently of src/diagnosis/pxe-errors.ts:
 * src/include/errno.h (POSIX code, text, PXENV status per error), src/include/ipxe/errfile.h (the file
 * that raised it), src/include/ipxe/errno/efi.h (the EFI status an EFI build puts in the last byte), and
 * the __einfo_uniqify disambiguators of usr/autoboot.c and usr/ifmgmt.c. A wrong code fails here.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientMessage, IPXE, ipxeOnEfi, messageSource } from '../../../src/diagnosis/pxe-errors.js';

/** errno.h: POSIX code → text, PXENV status (PC BIOS build), EFI_STATUS (EFI build). */
const ERRORS = new Map<number, { text: string; pxenv: number; efi: number }>([
  [0x02, { text: 'Permission denied', pxenv: 0x3c, efi: 15 }], // PXENV_STATUS_TFTP_ACCESS_VIOLATION, EFI_ACCESS_DENIED
  [0x04, { text: 'Address not available', pxenv: 0x19, efi: 6 }], // PXENV_STATUS_UDP_OPEN, EFI_NOT_READY
  [0x2d, { text: 'No such file or directory', pxenv: 0x3b, efi: 14 }], // PXENV_STATUS_TFTP_FILE_NOT_FOUND, EFI_NOT_FOUND
  [0x2e, { text: 'Exec format error', pxenv: 0x01, efi: 1 }], // PXENV_STATUS_FAILURE, EFI_LOAD_ERROR
  [0x4c, { text: 'Connection timed out', pxenv: 0x35, efi: 18 }], // PXENV_STATUS_TFTP_READ_TIMEOUT, EFI_TIMEOUT
]);

/** errfile.h: ERRFILE_NET 0x6000, ERRFILE_IMAGE 0x8000, ERRFILE_OTHER 0xe000, plus the file's number. */
const FILES = new Map<number, string>([
  [0x6000 | 0x120000, 'net/udp/tftp.c'],
  [0x6000 | 0x100000, 'net/udp/dhcp.c'],
  [0x8000 | 0x000000, 'core/image.c'],
  [0xe000 | 0x030000, 'usr/autoboot.c'],
  [0xe000 | 0x0e0000, 'usr/ifmgmt.c'],
]);

/** Disambiguated errors: file, POSIX code, disambiguator → the description iPXE prints instead. */
const UNIQ: readonly { file: number; posix: number; uniq: number; text: string }[] = [
  { file: 0xe000 | 0x030000, posix: 0x2d, uniq: 1, text: 'Nothing to boot' },
  { file: 0xe000 | 0x0e0000, posix: 0x04, uniq: 1, text: 'No configuration methods succeeded' },
];

/** Messages only an EFI build prints (a BIOS build runs the program instead of refusing it). */
const EFI_ONLY = new Set<string>([IPXE.execFormat]);

interface Decoded {
  code: number;
  posix: number;
  file: number;
  uniq: number;
  platform: number;
}

function decode(message: string): Decoded | null {
  const m = / \(https?:\/\/ipxe\.org\/([0-9a-f]{8})\)/.exec(message);
  if (m === null) return null;
  const code = Number.parseInt(m[1], 16);
  return {
    code,
    posix: code >>> 24,
    file: code & 0x00ffe000,
    uniq: (code >>> 8) & 0x1f,
    platform: code & 0xff,
  };
}

function check(message: string, efi: boolean): void {
  const d = decode(message);
  assert.ok(d, `no ipxe.org code in ${message}`);
  const error = ERRORS.get(d.posix);
  assert.ok(error, `${message}: POSIX code 0x${d.posix.toString(16)} not in iPXE's errno.h table here`);
  const file = FILES.get(d.file);
  assert.ok(file, `${message}: errfile 0x${d.file.toString(16)} unknown`);
  const uniq = UNIQ.find((u) => u.file === d.file && u.posix === d.posix && u.uniq === d.uniq);
  // The text iPXE prints: the disambiguated description when there is one, else the POSIX text.
  const expected = uniq?.text ?? error.text;
  assert.ok(d.uniq === 0 || uniq !== undefined, `${message}: disambiguator ${d.uniq} unknown`);
  assert.ok(message.includes(expected), `${message}: code says "${expected}"`);
  const platform = efi ? 0x80 | error.efi : error.pxenv;
  assert.equal(
    d.platform,
    platform,
    `${message}: last byte 0x${d.platform.toString(16)}, ${efi ? 'EFI' : 'PXENV'} status 0x${platform.toString(16)}`,
  );
  assert.match(messageSource(message) ?? '', new RegExp(file.split('/').pop()?.replace('.', '\\.') ?? ''));
}

describe('iPXE error codes (ipxe.org URLs) against iPXE source', () => {
  const withCode = Object.values(IPXE).filter((m) => decode(m) !== null);

  it('every message with a code: text, file and PXENV status of a PC BIOS build match the code', () => {
    assert.ok(withCode.length >= 7, `only ${withCode.length} coded messages`);
    for (const m of withCode) if (!EFI_ONLY.has(m)) check(m, false);
  });

  it('the same messages on an EFI build carry the EFI status in the last byte', () => {
    for (const m of withCode) check(ipxeOnEfi(m), true);
  });

  it('the codes the lab consoles printed decode as shown', () => {
    assert.match(IPXE.nothingToBoot, /2d03e13b/);
    assert.match(IPXE.tftpTimedOut, /4c126035/);
    assert.match(IPXE.pxebsTimedOut, /4c106035/);
    assert.match(IPXE.execFormat, /2e008081/);
    assert.match(ipxeOnEfi(IPXE.tftpTimedOut), /Connection timed out \(http:\/\/ipxe\.org\/4c126092\)/);
    assert.match(ipxeOnEfi(IPXE.fileNotFound), /\/2d12608e\)/);
  });

  it('a wrong code is caught', () => {
    assert.throws(() => check('Operation not supported (http://ipxe.org/2d03e13b)', false));
    assert.throws(() => check('Connection timed out (http://ipxe.org/4c12603b)', false));
    assert.throws(() => check('Connection timed out (http://ipxe.org/4c106035)', true));
  });
});

describe('a client whose firmware family is unknown', () => {
  it('is shown the BIOS and UEFI lines together, never a UEFI line alone', () => {
    assert.equal(clientMessage('unknown', { uefi: ['PXE-E18: Server response timeout.'] }), null);
    assert.equal(
      clientMessage('unknown', {
        bios: ['PXE-E32: TFTP open timeout'],
        uefi: ['PXE-E18: Server response timeout.'],
      }),
      'PXE-E32: TFTP open timeout (UEFI: PXE-E18: Server response timeout.)',
    );
  });
});
