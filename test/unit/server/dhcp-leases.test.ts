/**
 * Leases across restarts and under load: 1 000 simulated clients (built, encoded and decoded with the
 * project's codecs) get 1 000 distinct leases; a new engine on the same lease file gives each the same
 * address again; writes are batched and atomic.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDhcpEngine } from '../../../src/server/dhcp/engine.js';
import { FileLeaseStore, LeaseFileError, parseLeaseFile } from '../../../src/server/dhcp/lease-store.js';
import { runDhcpLoad, simulatedClients } from '../../../src/net/load-generator.js';
import { engineExchange } from '../../../src/server/dhcp/engine-exchange.js';
import { SERVER_IP, T0, clientMessage, fullConfig, inbound } from './dhcp-support.js';

const dir = mkdtempSync(join(tmpdir(), 'pxd-leases-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function bigPool(leaseFile: string) {
  return fullConfig({
    leaseFile,
    dhcp: {
      range: { start: '10.99.0.10', end: '10.99.7.250' },
      subnetMask: '255.255.248.0',
      router: SERVER_IP,
    },
  });
}

describe('1 000 simulated clients', () => {
  test('get 1 000 distinct leases, and the same ones again after a restart', async () => {
    const file = join(dir, 'load.json');
    const clients = simulatedClients(1000);
    let now = T0;
    const engine = await openDhcpEngine(bigPool(file));
    const first = await runDhcpLoad(
      clients,
      engineExchange(engine, () => (now += 5)),
      { concurrency: 50 },
    );
    assert.deepEqual(first.problems, []);
    assert.equal(first.leases.length, 1000);
    assert.equal(new Set(first.leases.map((l) => l.ip)).size, 1000, 'distinct addresses');
    assert.ok(first.leases.every((l) => l.file === 'pxelinux.0' && l.nextServer === SERVER_IP));
    await engine.close();
    const store = new FileLeaseStore(file);
    const saved = await store.load();
    assert.equal(saved.filter((r) => r.state === 'bound').length, 1000, 'every binding on disk');

    // A new engine on the same file, a minute later: every client gets its address back.
    const restarted = await openDhcpEngine(bigPool(file));
    const byMac = new Map(first.leases.map((l) => [l.mac, l.ip]));
    now += 60_000;
    const second = await runDhcpLoad(
      [...clients].reverse(),
      engineExchange(restarted, () => (now += 5)),
      {
        concurrency: 50,
      },
    );
    assert.deepEqual(second.problems, []);
    for (const l of second.leases) assert.equal(l.ip, byMac.get(l.mac), `${l.mac} keeps its address`);
    await restarted.close();
  });

  test('pool exhaustion answers nothing and says no-free-address', async () => {
    const engine = await openDhcpEngine(
      fullConfig({ dhcp: { range: { start: '10.99.0.100', end: '10.99.0.119' }, router: SERVER_IP } }),
    );
    const result = await runDhcpLoad(
      simulatedClients(25),
      engineExchange(engine, () => T0),
    );
    assert.equal(result.leases.length, 20);
    assert.equal(result.problems.length, 5);
    assert.ok(result.problems.every((p) => p.includes('0 replies to the DISCOVER')));
    const r = engine.handle(inbound(clientMessage('DISCOVER', { chaddr: '02:ff:00:00:00:01' })));
    assert.equal(r.replies.length, 0);
    const ignored = r.events.find((e) => e.kind === 'ignored');
    assert.equal(ignored?.kind === 'ignored' && ignored.reason, 'no-free-address');
  });
});

describe('lease file', () => {
  test('writes are batched, flush() writes everything, nothing temporary is left', async () => {
    const file = join(dir, 'batch.json');
    const store = new FileLeaseStore(file, { delayMs: 60_000 });
    const engine = await openDhcpEngine(bigPool(file), { store });
    assert.equal(store.writes, 1, 'written once at start: the file can be written');
    const result = await runDhcpLoad(
      simulatedClients(200),
      engineExchange(engine, () => T0),
    );
    assert.equal(result.leases.length, 200);
    assert.equal(store.writes, 1, 'nothing written per packet');
    await engine.flush();
    assert.equal(store.writes, 2, 'one write for 400 changes');
    await engine.flush();
    assert.equal(store.writes, 2, 'nothing pending, nothing written');
    const records = await new FileLeaseStore(file).load();
    assert.equal(records.filter((r) => r.state === 'bound').length, 200);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.tmp')),
      [],
    );
    await engine.close();
  });

  test('a batched write happens on its own after the delay', async () => {
    const file = join(dir, 'timer.json');
    const store = new FileLeaseStore(file, { delayMs: 20 });
    const engine = await openDhcpEngine(bigPool(file), { store });
    await runDhcpLoad(
      simulatedClients(3),
      engineExchange(engine, () => T0),
    );
    for (let i = 0; i < 100 && store.writes === 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(store.writes, 2, 'the start-up check, then the batch');
    assert.equal(new Set((await new FileLeaseStore(file).load()).map((r) => r.ip)).size, 3);
    await engine.close();
  });

  test('a damaged lease file is refused at start with a clear error', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{"version": 1, "leases": [{"mac": "nope"}]}');
    await assert.rejects(openDhcpEngine(bigPool(file)), (e: Error) => {
      assert.ok(e instanceof LeaseFileError);
      assert.match(e.message, /leases\[0\]/);
      return true;
    });
    writeFileSync(file, '{"version": 1, "leases": [');
    await assert.rejects(
      openDhcpEngine(bigPool(file)),
      /ends early at byte 26 \(line 1, column 27\): truncated/,
    );
  });

  test('between snapshots changes go to the journal; a crash keeps them, a torn last line is left out', async () => {
    const file = join(dir, 'journal.json');
    const store = new FileLeaseStore(file, { delayMs: 60_000 });
    const engine = await openDhcpEngine(bigPool(file), { store });
    await runDhcpLoad(
      simulatedClients(50),
      engineExchange(engine, () => T0),
    );
    await engine.flush();
    // No close: as after kill -9. The snapshot is the empty one of the start, the journal has the rest.
    assert.deepEqual(parseLeaseFile(readFileSync(file, 'utf8'), file), []);
    const journal = readFileSync(store.journalPath, 'utf8');
    assert.match(journal.split('\n')[0], /^\{"journal":1,"generation":\d+\}$/);
    const loaded = await new FileLeaseStore(file).load();
    assert.equal(loaded.filter((r) => r.state === 'bound').length, 50);
    writeFileSync(store.journalPath, journal + '{"mac": "02:00:00:00:00:01", "ip": "10.9');
    assert.equal((await new FileLeaseStore(file).load()).length, loaded.length, 'torn line left out');
    writeFileSync(store.journalPath, journal.replace('\n', '\nnot json\n'));
    await assert.rejects(
      new FileLeaseStore(file).load(),
      /journal: line 2 \(byte \d+\) is not a lease record/,
    );
    writeFileSync(store.journalPath, journal);
    await engine.close();
    // close() folds the journal into a new snapshot of a new generation; the old journal is void.
    assert.equal(
      parseLeaseFile(readFileSync(file, 'utf8'), file).filter((r) => r.state === 'bound').length,
      50,
    );
    writeFileSync(store.journalPath, journal);
    assert.equal((await new FileLeaseStore(file).load()).length, 50, 'a stale journal adds nothing');
  });

  test('damage is named by byte and line; --leases-reset starts over; exit code 2', async () => {
    const file = join(dir, 'damaged.json');
    const cases: [string, RegExp][] = [
      ['{"version": 1,\n "leases": [\n  {"mac": x}\n]}', /not valid JSON at byte 38 \(line 3, column 11\)/],
      ['garbage', /not valid JSON at byte 0 \(line 1, column 1\)/],
      ['', /is empty/],
      ['{"version": 2, "leases": []}', /version 2, this pxe-doctor reads version 1/],
      ['{"leases": []}', /version missing/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(file, text);
      await assert.rejects(openDhcpEngine(bigPool(file)), (e: Error) => {
        assert.ok(e instanceof LeaseFileError);
        assert.equal(e.exitCode, 2);
        assert.match(e.message, message);
        assert.match(e.message, /--leases-reset/);
        return true;
      });
    }
    const engine = await openDhcpEngine(bigPool(file), { resetLeases: true });
    await engine.close();
    assert.deepEqual(parseLeaseFile(readFileSync(file, 'utf8'), file), [], 'written back empty at start');
  });

  test('a lease file that is a folder, or in a folder that cannot be written, is refused at start', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    await assert.rejects(
      openDhcpEngine(bigPool(folder)),
      /cannot be read: is a folder, not a file \(EISDIR\)/,
    );
    await assert.rejects(
      openDhcpEngine(bigPool(join(dir, 'missing', 'leases.json'))),
      /cannot be written: no such file or folder \(ENOENT\)/,
    );
  });
});
