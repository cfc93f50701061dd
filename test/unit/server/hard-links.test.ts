/**
 * --no-hardlinks: a file hard-linked from outside the root is refused, one whose links all lie inside the
 * root is served; without the option both are served (the documented default). Through openTftpFile, which
 * both TFTP engines and HTTP use, and through the HTTP server.
 */
import assert from 'node:assert/strict';
import { linkSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { TftpClientError, tftpGet } from '../../../src/net/tftp-client.js';
import { openTftpFile, realRoot } from '../../../src/server/tftp/files.js';
import { HardLinkGuard } from '../../../src/server/tftp/hard-links.js';
import { loadTftpPump } from '../../../src/server/tftp/native.js';
import { createTftpServer, type TftpEngine } from '../../../src/server/tftp/server.js';
import { createHttpServer } from '../../../src/server/http/server.js';

let base = '';
let root = '';

before(async () => {
  base = mkdtempSync(join(tmpdir(), 'pxe-doctor-hardlinks-'));
  mkdirSync(join(base, 'root', 'boot'), { recursive: true });
  root = await realRoot(join(base, 'root'));
  writeFileSync(join(base, 'secret'), 'SECRET', { mode: 0o644 });
  linkSync(join(base, 'secret'), join(root, 'innocent.bin'));
  writeFileSync(join(root, 'ipxe.efi'), 'IPXE', { mode: 0o644 });
  linkSync(join(root, 'ipxe.efi'), join(root, 'boot', 'ipxe-copy.efi'));
  writeFileSync(join(root, 'single.bin'), 'ONE', { mode: 0o644 });
});

after(() => rmSync(base, { recursive: true, force: true }));

async function opened(name: string, guard: HardLinkGuard | null): Promise<string> {
  const r = await openTftpFile(root, name, guard);
  if (!r.ok) return `refused: ${r.message}: ${r.reason}`;
  await r.handle.close();
  return 'served';
}

describe('--no-hardlinks', () => {
  test('without it, a hard link to a file outside the root is served (the default, documented)', async () => {
    assert.equal(await opened('innocent.bin', null), 'served');
  });

  test('with it: outside link refused, links all inside served, single link served', async () => {
    const guard = new HardLinkGuard(root);
    assert.equal(
      await opened('innocent.bin', guard),
      'refused: Access violation: hard link (2 links) to a file outside the root',
    );
    assert.equal(await opened('ipxe.efi', guard), 'served');
    assert.equal(await opened('boot/ipxe-copy.efi', guard), 'served');
    assert.equal(await opened('single.bin', guard), 'served');
  });

  test('a link made outside after the walk is found on the next walk; until then the answer fails closed', async () => {
    let now = 0;
    const guard = new HardLinkGuard(root, { rescanMs: 1000, now: () => now });
    assert.equal(await opened('single.bin', guard), 'served');
    assert.equal(await opened('ipxe.efi', guard), 'served');
    const outside = join(base, 'stolen');
    linkSync(join(root, 'ipxe.efi'), outside);
    try {
      // 3 links, 2 counted: refused whether or not the walk may run again.
      assert.match(await opened('ipxe.efi', guard), /hard link \(3 links\) to a file outside the root/);
      now += 1000;
      assert.match(await opened('ipxe.efi', guard), /hard link \(3 links\) to a file outside the root/);
    } finally {
      unlinkSync(outside);
    }
    // Back to 2 links, both inside: the remembered count matches again.
    assert.equal(await opened('ipxe.efi', guard), 'served');
  });

  test('a root larger than the walk limit refuses every multi-link file and says why', async () => {
    const guard = new HardLinkGuard(root, { maxEntries: 1 });
    assert.match(await opened('ipxe.efi', guard), /root has over 1 entries to check/);
    assert.equal(await opened('single.bin', guard), 'served');
  });

  test('HTTP with noHardlinks: 403 for the outside link, 200 for the rest', async () => {
    const server = await createHttpServer({ root, host: '127.0.0.1', port: 0, noHardlinks: true });
    const reasons: (string | undefined)[] = [];
    server.on('request', (e) => reasons.push(e.reason));
    try {
      const url = `http://127.0.0.1:${server.address().port}`;
      const refused = await fetch(`${url}/innocent.bin`);
      assert.equal(refused.status, 403);
      assert.equal(await refused.text(), 'Forbidden\n');
      const ok = await fetch(`${url}/boot/ipxe-copy.efi`);
      assert.equal(ok.status, 200);
      assert.equal(await ok.text(), 'IPXE');
      assert.match(reasons[0] ?? '', /outside the root/);
    } finally {
      await server.close();
    }
  });

  for (const engine of ['js', 'native'] as TftpEngine[])
    test(`TFTP server with noHardlinks, ${engine} engine: ERROR 2 for the outside link, the rest served`, async (t) => {
      if (engine === 'native' && loadTftpPump() === null) return t.skip('the native pump is not built');
      const server = await createTftpServer({
        root,
        address: '127.0.0.1',
        port: 0,
        engine,
        noHardlinks: true,
      });
      const reasons: (string | undefined)[] = [];
      server.on('error', (e) => reasons.push(e.reason));
      const engines: string[] = [];
      server.on('complete', (e) => engines.push(e.engine));
      try {
        const port = server.address().port;
        await assert.rejects(
          tftpGet({ host: '127.0.0.1', port, filename: 'innocent.bin', blksize: 1468 }),
          (e: unknown) => e instanceof TftpClientError && /Access violation/.test(e.message),
        );
        assert.match(reasons[0] ?? '', /hard link \(2 links\) to a file outside the root/);
        const ok = await tftpGet({ host: '127.0.0.1', port, filename: 'boot/ipxe-copy.efi', blksize: 1468 });
        assert.equal(ok.bytes, 4);
        // The server tells the end once the last ACK is in, which may be after the client is done.
        for (let i = 0; i < 200 && engines.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
        assert.deepEqual(engines, [engine]);
      } finally {
        await server.close();
      }
    });
});
