/** Path confinement of the TFTP server: what a request may name under the root, and what it may not. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { MAX_TFTP_NAME, checkTftpName, openTftpFile, realRoot } from '../../../src/server/tftp/files.js';

let base = '';
let root = '';

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'pxe-doctor-tftp-files-'));
  const dir = join(base, 'root');
  mkdirSync(join(dir, 'boot', 'grub'), { recursive: true });
  mkdirSync(join(dir, 'boot', 'x64'), { recursive: true });
  writeFileSync(join(dir, 'pxelinux.0'), 'PXELINUX');
  writeFileSync(join(dir, 'boot', 'grub', 'grub.cfg'), 'menuentry');
  writeFileSync(join(dir, 'boot', 'x64', 'wdsnbp.com'), 'WDS');
  writeFileSync(join(dir, '%2e%2e'), 'literal name');
  writeFileSync(join(dir, 'private.bin'), 'owner only');
  chmodSync(join(dir, 'private.bin'), 0o600);
  writeFileSync(join(base, 'secret.txt'), 'SECRET');
  mkdirSync(join(base, 'root-evil'));
  writeFileSync(join(base, 'root-evil', 'x'), 'SECRET');
  symlinkSync('../secret.txt', join(dir, 'link-out'));
  symlinkSync(join(base, 'secret.txt'), join(dir, 'link-abs'));
  symlinkSync('/etc', join(dir, 'etc-link'));
  symlinkSync('..', join(dir, 'up'));
  symlinkSync('../root-evil', join(dir, 'evil-dir'));
  symlinkSync('pxelinux.0', join(dir, 'link-in'));
  symlinkSync('boot/grub', join(dir, 'grub'));
  symlinkSync('loop-b', join(dir, 'loop-a'));
  symlinkSync('loop-a', join(dir, 'loop-b'));
  spawnSync('mkfifo', [join(dir, 'fifo')]);
  root = await realRoot(dir);
});

after(() => rmSync(base, { recursive: true, force: true }));

/** Requests that must never be served. Written as the bytes a client would send. */
const TRAVERSALS: (string | Uint8Array)[] = [
  '..',
  '../secret.txt',
  '../../secret.txt',
  '../../../../../../../../etc/passwd',
  '/../secret.txt',
  '/../../etc/passwd',
  'boot/../../secret.txt',
  'boot/grub/../../../secret.txt',
  './../secret.txt',
  './/../secret.txt',
  'boot/..',
  'a/b/c/../../../../secret.txt',
  '..\\secret.txt',
  '..\\..\\secret.txt',
  'boot\\..\\..\\secret.txt',
  '\\..\\secret.txt',
  '..\\/secret.txt',
  '../root-evil/x',
  'boot/../../root-evil/x',
  '..//secret.txt',
  '..%2fsecret.txt',
  '%2e%2e/secret.txt',
  '%2e%2e%2fsecret.txt',
  '%2e%2e%5csecret.txt',
  '..%5csecret.txt',
  '%252e%252e/secret.txt',
  '..%c0%afsecret.txt',
  '....//secret.txt',
  '.../secret.txt',
  '/etc/passwd',
  '//etc/passwd',
  '\\etc\\passwd',
  'C:\\Windows\\win.ini',
  'file:///etc/passwd',
  '~/.ssh/id_rsa',
  '~root/.bashrc',
  '$HOME/.profile',
  '/proc/self/environ',
  '/dev/zero',
  'link-out',
  'link-abs',
  'etc-link/passwd',
  'etc-link/hostname',
  'up/secret.txt',
  'up/root-evil/x',
  'evil-dir/x',
  'loop-a',
  'fifo',
  'private.bin',
  'boot',
  'boot/',
  '/',
  '.',
  './',
  '',
  'pxelinux.0\u0000../secret.txt',
  Uint8Array.from([0x2e, 0x2e, 0x00, 0x2f]),
  'pxelinux.0\n',
  'pxelinux.0\r',
  'boot\tgrub',
  '\u007fpxelinux.0',
  Uint8Array.from([0xc0, 0xae, 0xc0, 0xae, 0x2f, 0x73]),
  Uint8Array.from([0x2e, 0x2e, 0xff, 0x2f]),
  Uint8Array.from([0xe9, 0x2e, 0x2e]),
  'a'.repeat(MAX_TFTP_NAME + 1),
  'b'.repeat(300),
  `${'d/'.repeat(600)}x`,
  '../'.repeat(200) + 'etc/passwd',
  '\uff0e\uff0e/secret.txt',
  'no-such-file',
  'PXELINUX.0',
];

describe('TFTP path confinement', () => {
  test(`${TRAVERSALS.length} hostile or missing names are refused with a fixed text`, async () => {
    assert.ok(TRAVERSALS.length >= 50);
    for (const name of TRAVERSALS) {
      const label = typeof name === 'string' ? JSON.stringify(name.slice(0, 60)) : `bytes ${[...name]}`;
      const result = await openTftpFile(root, name);
      if (result.ok) {
        await result.handle.close();
        assert.fail(`${label} was served as ${result.relative}`);
      }
      assert.ok(result.code === 1 || result.code === 2, label);
      assert.equal(result.message, result.code === 1 ? 'File not found' : 'Access violation', label);
      assert.ok(!result.message.includes(base), 'no server path in the message');
    }
  });

  test('refusal codes: 2 for traversal, links out, special files and unreadable files; 1 for missing', async () => {
    const code = async (name: string): Promise<number> => {
      const r = await openTftpFile(root, name);
      if (r.ok) await r.handle.close();
      return r.ok ? 0 : r.code;
    };
    assert.equal(await code('../secret.txt'), 2);
    assert.equal(await code('..\\secret.txt'), 2);
    assert.equal(await code('link-out'), 2);
    assert.equal(await code('etc-link/passwd'), 2);
    assert.equal(await code('private.bin'), 2);
    assert.equal(await code('fifo'), 2);
    assert.equal(await code('loop-a'), 2);
    assert.equal(await code('/etc/passwd'), 1, 'a leading slash is the root: <root>/etc/passwd is missing');
    assert.equal(await code('%2e%2e/secret.txt'), 1, 'no URL decoding: a directory literally named %2e%2e');
    assert.equal(await code('boot'), 1, 'a directory');
    assert.equal(await code('pxelinux.0/x'), 1);
  });

  test('legitimate names are served', async () => {
    const cases: [string, string, number][] = [
      ['pxelinux.0', 'pxelinux.0', 8],
      ['/pxelinux.0', 'pxelinux.0', 8],
      ['//pxelinux.0', 'pxelinux.0', 8],
      ['./pxelinux.0', 'pxelinux.0', 8],
      ['boot/grub/grub.cfg', 'boot/grub/grub.cfg', 9],
      ['boot//grub/./grub.cfg', 'boot/grub/grub.cfg', 9],
      ['boot\\x64\\wdsnbp.com', 'boot/x64/wdsnbp.com', 3],
      ['\\boot\\x64\\wdsnbp.com', 'boot/x64/wdsnbp.com', 3],
      ['%2e%2e', '%2e%2e', 12],
      ['link-in', 'link-in', 8],
      ['grub/grub.cfg', 'grub/grub.cfg', 9],
    ];
    for (const [name, relative, size] of cases) {
      const r = await openTftpFile(root, name);
      assert.ok(r.ok, name);
      assert.equal(r.relative, relative);
      assert.equal(r.size, size, name);
      await r.handle.close();
    }
  });

  test('checkTftpName is pure and explains itself', () => {
    assert.deepEqual(checkTftpName('a\\b/./c'), { ok: true, relative: 'a/b/c' });
    const r = checkTftpName('x/../y');
    assert.ok(!r.ok);
    assert.equal(r.reason, '".." in file name');
    assert.ok(!checkTftpName(new Uint8Array(0)).ok);
    assert.ok(checkTftpName('a'.repeat(MAX_TFTP_NAME)).ok);
    assert.ok(checkTftpName('démarrage/noyau').ok, 'UTF-8 is fine');
  });
});
