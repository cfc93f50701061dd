/**
 * The TFTP server against independent clients on 127.0.0.1: curl, atftp and the tftp-hpa client, once per
 * engine (TypeScript, and the native data pump when it is built). Each download must hash like the file,
 * and each transfer must have run on the engine under test. A client that is not installed skips its
 * tests, saying so (Debian/Ubuntu: apt-get install curl atftp tftp-hpa).
 */
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createTftpServer, type TftpServer, type TftpServerEvents } from '../../src/server/tftp/server.js';
import { tftpEngines } from './support/tftp-engines.js';

const HOST = '127.0.0.1';
let dir = '';
let want = '';
const SIZE = 3_000_000 + 77;
/** Past 65535 blocks of 512 bytes: the block number wraps to 0. */
const WRAP_SIZE = 65536 * 512 + 4321;
let wantWrap = '';
const MENU = 'default linux\nlabel x\r\nend\n';

function has(tool: string, versionArg: string): boolean {
  return spawnSync(tool, [versionArg], { stdio: 'ignore' }).error === undefined;
}

function skipReason(tool: string, pkg: string, versionArg = '--version'): string | false {
  return has(tool, versionArg) ? false : `${tool} is not installed (apt-get install ${pkg})`;
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, _stdout, stderr) =>
      err === null ? resolve() : reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)),
    );
  });
}

/** Runs a client without blocking the event loop (the server under test shares it): exit status and output. */
function runCapture(cmd: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const status = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
      resolve({ status, output: `${stdout}${stderr}` });
    });
  });
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pxe-doctor-tftp-e2e-'));
  const data = randomBytes(SIZE);
  writeFileSync(join(dir, 'boot.img'), data, { mode: 0o644 });
  want = createHash('sha256').update(data).digest('hex');
  const wrap = randomBytes(WRAP_SIZE);
  writeFileSync(join(dir, 'wrap.img'), wrap, { mode: 0o644 });
  wantWrap = createHash('sha256').update(wrap).digest('hex');
  writeFileSync(join(dir, 'menu.cfg'), MENU, { mode: 0o644 });
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

for (const { engine, skip } of tftpEngines())
  describe(`TFTP server (${engine} engine) with independent clients`, { skip }, () => {
    let server: TftpServer;
    let port = 0;
    const completed: TftpServerEvents['complete'][] = [];
    let n = 0;
    const out = (): string => join(dir, `out-${engine}-${++n}.bin`);

    before(async () => {
      server = await createTftpServer({ root: dir, address: HOST, port: 0, maxBlksize: 65464, engine });
      port = server.address().port;
      server.on('complete', (e) => completed.push(e));
    });

    after(async () => {
      await server.close();
    });

    const curlSkip = skipReason('curl', 'curl');
    for (const blksize of [512, 1468, 8192]) {
      test(`curl --tftp-blksize ${blksize}`, { skip: curlSkip }, async () => {
        const file = out();
        await run('curl', [
          '-sS',
          '--tftp-blksize',
          String(blksize),
          '-o',
          file,
          `tftp://${HOST}:${port}/boot.img`,
        ]);
        assert.equal(sha256File(file), want);
      });
    }

    test(
      'curl, lockstep blksize 512 past block 65535 (the block number wraps)',
      { skip: curlSkip },
      async () => {
        const file = out();
        await run('curl', ['-sS', '--tftp-blksize', '512', '-o', file, `tftp://${HOST}:${port}/wrap.img`]);
        assert.equal(sha256File(file), wantWrap);
      },
    );

    const atftpSkip = skipReason('atftp', 'atftp', '--help');
    for (const [blksize, windowsize] of [
      [512, 1],
      [1468, 16],
      [8192, 16],
    ]) {
      test(`atftp blksize ${blksize} windowsize ${windowsize}`, { skip: atftpSkip }, async () => {
        const file = out();
        const options = [
          '--option',
          `blksize ${blksize}`,
          '--option',
          `windowsize ${windowsize}`,
          '--option',
          'tsize',
        ];
        await run('atftp', [...options, '-g', '-r', 'boot.img', '-l', file, HOST, String(port)]);
        assert.equal(sha256File(file), want);
      });
    }

    const hpaSkip = skipReason('tftp', 'tftp-hpa', '-V');
    test('tftp-hpa, binary mode', { skip: hpaSkip }, async () => {
      const file = out();
      await run('tftp', [HOST, String(port), '-m', 'binary', '-c', 'get', 'boot.img', file]);
      assert.equal(sha256File(file), want);
    });

    test(
      'tftp-hpa, ascii mode (netascii): the text comes back as it is on disk',
      { skip: hpaSkip },
      async () => {
        const file = out();
        await run('tftp', [HOST, String(port), '-m', 'ascii', '-c', 'get', 'menu.cfg', file]);
        assert.equal(readFileSync(file, 'utf8'), MENU);
      },
    );

    test('atftp, tsize probe options and windowsize past block 65535', { skip: atftpSkip }, async () => {
      const file = out();
      const options = ['--option', 'blksize 512', '--option', 'windowsize 16', '--option', 'tsize'];
      await run('atftp', [...options, '-g', '-r', 'wrap.img', '-l', file, HOST, String(port)]);
      assert.equal(sha256File(file), wantWrap);
    });

    test('tftp-hpa, a missing file', { skip: hpaSkip }, async () => {
      const file = out();
      const r = await runCapture('tftp', [
        HOST,
        String(port),
        '-m',
        'binary',
        '-c',
        'get',
        'missing.img',
        file,
      ]);
      assert.match(r.output, /File not found/);
    });

    test('curl, a path outside the root', { skip: curlSkip }, async () => {
      // curl decodes the URL's %2F, so the request on the wire is "../../etc/passwd".
      const r = await runCapture('curl', [
        '-sS',
        '-o',
        out(),
        `tftp://${HOST}:${port}/..%2F..%2Fetc%2Fpasswd`,
      ]);
      // Exit 69 is curl's CURLE_TFTP_PERM: the server answered ERROR 2, Access violation.
      assert.equal(r.status, 69, r.output);
    });

    test(`every completed transfer ran on the ${engine} engine`, () => {
      assert.ok(completed.length >= 5, `${completed.length} transfers completed`);
      assert.deepEqual(
        completed.filter((e) => e.engine !== engine).map((e) => `${e.filename} ran on ${e.engine}`),
        [],
      );
    });
  });
