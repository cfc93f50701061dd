/**
 * What `serve` says when it cannot start, inside a namespace: a damaged or unusable lease file (truncated,
 * garbage, a folder, another version), the TFTP or HTTP port already taken by another program, and a
 * second `serve` on the same interface. Each is one line on stderr naming the file or port and the reason,
 * with the code of docs/exit-codes.md, no stack trace, and comes before the 4 s probe.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { projectRoot } from '../support/fixtures.js';
import { tempDir } from './support/cleanup.js';
import { inNamespace, withNamespaces } from './support/netns.js';
import { pxeDoctorArgs, pxeDoctorEnv, run, start, type RunResult } from './support/run.js';
import { link, requireServeLab, startServe } from './support/serve-lab.js';

const NS = { server: 'pxd-e2e-fault-s', client: 'pxd-e2e-fault-c' };
const SERVER_IP = '10.99.40.1';
/** The probe waits 4 s: a check that comes before it fails sooner than this. */
const BEFORE_PROBE_MS = 3500;

function serveIn(args: readonly string[]): Promise<RunResult> {
  const [node, argv] = pxeDoctorArgs(['serve', ...args]);
  const [cmd, full] = inNamespace(NS.server, node, argv);
  return run(cmd, full, { timeoutMs: 20_000, env: pxeDoctorEnv(), cwd: projectRoot() });
}

function assertOneLine(r: RunResult, code: number, message: RegExp, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, stderr: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `${what}: one line, got ${r.stderr}`);
  assert.match(lines[0], message, what);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, `${what}: no stack trace`);
  assert.ok(r.ms < BEFORE_PROBE_MS, `${what}: took ${r.ms} ms, so it came after the probe`);
}

test('serve start-up faults: one line, a documented exit code, before the probe', async (t) => {
  if (!requireServeLab(t)) return;
  const dir = tempDir('pxd-e2e-fault-');
  try {
    const root = join(dir.path, 'root');
    mkdirSync(root);
    writeFileSync(join(root, 'boot.bin'), 'boot');
    const leases = join(dir.path, 'leases.json');
    const base = ['--interface', 'pxdF1', '--root', root, '--range', '10.99.40.10-10.99.40.50'];
    await withNamespaces([NS.server, NS.client], async () => {
      await link(NS.server, 'pxdF1', `${SERVER_IP}/24`, NS.client, 'pxdF2');

      const damaged: [string, string, RegExp][] = [
        [
          'truncated',
          '{"version": 1, "leases": [{"mac": "52:54:00:12:34:56", "ip": "10.99',
          /ends early at byte \d+ \(line 1, column \d+\): truncated/,
        ],
        ['garbage', '\u0000\u0001garbage', /not valid JSON at byte 0 \(line 1, column 1\)/],
        ['wrong version', '{"version": 7, "leases": []}', /version 7, this pxe-doctor reads version 1/],
      ];
      for (const [what, text, message] of damaged) {
        writeFileSync(leases, text);
        const r = await serveIn([...base, '--leases', leases, '--no-tftp']);
        assertOneLine(r, 2, new RegExp(`lease file ${leases}: .*${message.source}.*--leases-reset`), what);
      }
      const folder = join(dir.path, 'a-folder');
      mkdirSync(folder);
      assertOneLine(
        await serveIn([...base, '--leases', folder, '--no-tftp']),
        2,
        /lease file .*a-folder: cannot be read: is a folder, not a file \(EISDIR\)/,
        'a folder',
      );

      // --leases-reset starts over explicitly on the damaged file.
      writeFileSync(leases, 'garbage');
      const reset = await startServe(NS.server, [...base, '--leases', leases, '--leases-reset', '--no-tftp']);
      await reset.stop('SIGTERM');
      assert.equal((await reset.done).code, 0, reset.stderr());

      // Ports already taken by another program.
      const holder = (code: string) => {
        const [cmd, argv] = inNamespace(NS.server, process.execPath, ['-e', code]);
        return start(cmd, argv, { timeoutMs: 60_000, cwd: projectRoot() });
      };
      const udp = holder(
        `require('dgram').createSocket('udp4').bind(69, '${SERVER_IP}', () => console.log('bound'))`,
      );
      const tcp = holder(
        `require('net').createServer().listen(8080, '${SERVER_IP}', () => console.log('bound'))`,
      );
      try {
        await udp.waitFor(/bound/, 10_000, 'stdout');
        await tcp.waitFor(/bound/, 10_000, 'stdout');
        assertOneLine(
          await serveIn([...base, '--no-dhcp']),
          4,
          new RegExp(
            `TFTP \\(UDP\\) port 69 of ${SERVER_IP}: already in use by another program \\(EADDRINUSE\\)`,
          ),
          'TFTP port taken',
        );
        assertOneLine(
          await serveIn([...base, '--no-dhcp', '--no-tftp', '--http', '8080']),
          4,
          new RegExp(
            `HTTP \\(TCP\\) port 8080 of ${SERVER_IP}: already in use by another program \\(EADDRINUSE\\)`,
          ),
          'HTTP port taken',
        );
      } finally {
        await udp.stop('SIGKILL');
        await tcp.stop('SIGKILL');
      }

      // A second serve on the same interface, whatever its mode.
      const first = await startServe(NS.server, [...base, '--leases', leases, '--no-tftp']);
      try {
        const pid = first.child.pid;
        for (const extra of [['--no-tftp'], ['--proxy', '--no-tftp', '--boot-bios', 'boot.bin']]) {
          assertOneLine(
            await serveIn([...base, ...extra]),
            5,
            new RegExp(`another pxe-doctor serve already runs on pxdF1 \\(pid ${pid}\\)`),
            `second serve ${extra.join(' ')}`,
          );
        }
      } finally {
        await first.stop('SIGTERM');
      }
      assert.equal((await first.done).code, 0, first.stderr());
    });
  } finally {
    dir.remove();
  }
});
