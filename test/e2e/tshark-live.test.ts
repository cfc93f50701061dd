/**
 * The stored tshark oracle is real: for every capture in fixtures/captures, tshark is run now, with the same
 * display filter, fields, options and environment as scripts/refresh-tshark.ts, and its answer is compared
 * with fixtures/tshark/<rel>.json(.gz).
 *
 * With the same tshark major.minor as the stored decodes, every field of every packet, the frame count, the
 * exit code and stderr must be identical. With another release, field values legitimately change, so only the
 * skeleton is compared (frame numbers, DHCP transaction id and message type, TFTP opcode and block) and the
 * difference in versions is reported.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import {
  DISPLAY_FILTER,
  tsharkReference,
  tsharkVersion,
  tsharkVersionLine,
} from '../../scripts/lib/tshark.js';
import { listCaptureFiles, projectRoot, type CaptureFile } from '../support/fixtures.js';
import { requireTools } from './support/require.js';

type Layers = Record<string, string[]>;

/** The parts of a stored reference decode (scripts/refresh-tshark.ts writes them) that are compared. */
interface Stored {
  sha256: string;
  tshark: string;
  filter: string;
  frames: number;
  lastFrame: number;
  exitCode: number;
  stderr: string;
  packets: Layers[];
  rawStdout?: string;
}

function readStored(c: CaptureFile): { file: string; data: Stored } | null {
  const base = join(projectRoot(), 'fixtures', 'tshark', c.rel);
  for (const file of [`${base}.json`, `${base}.json.gz`]) {
    if (!existsSync(file)) continue;
    const bytes = readFileSync(file);
    const text = file.endsWith('.gz') ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    return { file, data: JSON.parse(text) as Stored };
  }
  return null;
}

/** What tshark prints now for one capture, in the stored layout. */
async function tsharkNow(c: CaptureFile): Promise<{
  packets: Layers[] | null;
  stdout: string;
  exitCode: number;
  stderr: string;
  frames: number;
  lastFrame: number;
}> {
  const { decoded, packets, frames, lastFrame } = await tsharkReference(c.path);
  return {
    packets,
    stdout: decoded.stdout,
    // refresh-tshark.ts stores stderr with the capture's absolute path replaced by its sub-path
    stderr: decoded.stderr.split(c.path).join(c.rel),
    exitCode: decoded.exitCode,
    frames,
    lastFrame,
  };
}

/** major.minor of "4.0.17". */
function series(version: string): string {
  return version.split('.').slice(0, 2).join('.');
}

/** The fields compared across tshark releases: frame number, DHCP xid + message type, TFTP opcode + block. */
function skeleton(p: Layers): Record<string, string[] | undefined> {
  return {
    frame: p['frame.number'],
    xid: p['dhcp.id'],
    dhcpType: p['dhcp.option.dhcp'],
    tftpOpcode: p['tftp.opcode'],
    tftpBlock: p['tftp.block'],
  };
}

const captures = listCaptureFiles({ shared: false });
/** Captures checked at the same time (each runs two tshark processes). */
const JOBS = Math.max(2, Math.min(8, availableParallelism()));

test(
  `tshark run now agrees with fixtures/tshark for all ${captures.length} captures`,
  { timeout: 10 * 60_000, concurrency: JOBS },
  async (t) => {
    if (!requireTools(t, ['tshark'])) return;
    const versionLine = tsharkVersionLine();
    const version = tsharkVersion(versionLine);
    t.diagnostic(`tshark here: ${versionLine}`);
    assert.ok(captures.length > 0, 'no captures under fixtures/captures');

    const storedVersions = new Set<string>();
    let reduced = 0;

    const check = async (c: CaptureFile): Promise<void> => {
      const stored = readStored(c);
      assert.ok(stored, `fixtures/tshark/${c.rel}.json missing: run npm run tshark:refresh`);
      const s = stored.data;
      const sha = createHash('sha256').update(readFileSync(c.path)).digest('hex');
      assert.equal(s.sha256, sha, `${stored.file} was made from another file: run npm run tshark:refresh`);
      assert.equal(s.filter, DISPLAY_FILTER);
      storedVersions.add(s.tshark);
      const now = await tsharkNow(c);

      assert.equal(now.frames, s.frames, `${c.rel}: frames read by tshark`);
      assert.equal(now.lastFrame, s.lastFrame, `${c.rel}: last frame`);
      assert.equal(now.exitCode, s.exitCode, `${c.rel}: tshark exit code (stderr now: ${now.stderr})`);

      if (now.packets === null) {
        assert.equal(now.stdout, s.rawStdout, `${c.rel}: tshark's unparsable JSON output`);
        return;
      }
      assert.equal(s.rawStdout, undefined, `${c.rel}: stored output was unparsable, now it parses`);
      const nowFrames = now.packets.map((p) => p['frame.number']?.[0]);
      const storedFrames = s.packets.map((p) => p['frame.number']?.[0]);
      assert.deepEqual(nowFrames, storedFrames, `${c.rel}: frames matching '${DISPLAY_FILTER}'`);

      if (series(s.tshark) === series(version)) {
        assert.equal(now.stderr, s.stderr, `${c.rel}: tshark stderr`);
        for (let i = 0; i < s.packets.length; i++) {
          assert.deepEqual(now.packets[i], s.packets[i], `${c.rel}: frame ${storedFrames[i]}, every field`);
        }
      } else {
        reduced++;
        for (let i = 0; i < s.packets.length; i++) {
          const a: Layers = now.packets[i] ?? {};
          const b: Layers = s.packets[i] ?? {};
          assert.deepEqual(
            skeleton(a),
            skeleton(b),
            `${c.rel}: frame ${storedFrames[i]}, xid/type/opcode/block`,
          );
        }
      }
    };

    await Promise.all(captures.map((c) => t.test(c.rel, { timeout: 120_000 }, () => check(c))));

    t.diagnostic(`stored decodes made with tshark ${[...storedVersions].join(', ')}`);
    if (reduced > 0) {
      t.diagnostic(
        `tshark ${version} is not the ${[...storedVersions].map(series).join('/')} series of the stored decodes: ` +
          `${reduced} captures compared on frame numbers, DHCP xid/message type and TFTP opcode/block only`,
      );
    }
  },
);
