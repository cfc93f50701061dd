/**
 * tshark's view of anonymised lab boots: it reads every output without an error, and none of the addresses,
 * MACs and names it decodes in the original is left anywhere in the output (an oracle independent of the
 * anonymiser's own scan). No root, no network: only tshark.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { anonymizeVerified } from '../../src/fixture/anonymize/index.js';
import { analyzeBytes } from '../support/analyze-bytes.js';
import { listCaptureFiles } from '../support/fixtures.js';
import { requireTools } from './support/require.js';

const dir = mkdtempSync(join(tmpdir(), 'pxd-anon-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const FIELDS = [
  'eth.src',
  'eth.dst',
  'arp.src.hw_mac',
  'arp.src.proto_ipv4',
  'ip.src',
  'ip.dst',
  'dhcp.hw.mac_addr',
  'dhcp.ip.your',
  'dhcp.ip.server',
  'dhcp.option.hostname',
  'dhcp.option.domain_name',
  'dhcp.client_id.uuid',
];

/** Identifiers tshark decodes in a capture: unicast MACs, addresses other than 0/broadcast/multicast, names. */
function tsharkIdentifiers(path: string): string[] {
  const args = ['-r', path, '-T', 'fields', '-E', 'occurrence=a', ...FIELDS.flatMap((f) => ['-e', f])];
  const r = spawnSync('tshark', args, { encoding: 'utf8' });
  const out = new Set<string>();
  for (const v of r.stdout.split(/[\t\n,]/)) {
    if (v === '' || /^(ff:ff:ff:ff:ff:ff|00:00:00:00:00:00|0\.0\.0\.0|255\.255\.255\.255)$/.test(v)) continue;
    if (/^(22[4-9]|2[3-5]\d|127)\./.test(v) || /^(01|33):/.test(v)) continue;
    out.add(v);
  }
  return [...out];
}

/** Text, and for MACs, addresses and UUIDs also the binary form. */
function forms(v: string): Buffer[] {
  const out = [Buffer.from(v, 'latin1')];
  if (/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(v)) out.push(Buffer.from(v.replace(/:/g, ''), 'hex'));
  if (/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/.test(v))
    out.push(Buffer.from(v.replace(/-/g, ''), 'hex'));
  const ip = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v);
  if (ip) out.push(Buffer.from(ip.slice(1).map(Number)));
  return out;
}

describe('anonymised lab boots, as tshark reads them', () => {
  const labs = listCaptureFiles({ shared: false }).filter((c) => /^lab(-failures)?\//.test(c.rel));
  for (const c of labs) {
    test(c.rel, async (t) => {
      if (!requireTools(t, ['tshark'])) return;
      const { result } = await anonymizeVerified(readFileSync(c.path), 'e2e-key', analyzeBytes);
      const out = join(dir, c.rel.replace(/\//g, '__'));
      writeFileSync(out, result.bytes);
      const r = spawnSync('tshark', ['-r', out], { encoding: 'utf8' });
      const errors = r.stderr.split('\n').filter((l) => l !== '' && !/Running as user/.test(l));
      assert.equal(r.status, 0, errors.join('\n'));
      assert.deepEqual(errors, [], 'tshark reads the output without an error');
      assert.ok(!/Malformed/.test(r.stdout), 'no malformed packet');
      const ids = tsharkIdentifiers(c.path);
      assert.ok(ids.length >= 2, `tshark found identifiers: ${ids.join(' ')}`);
      const bytes = Buffer.from(result.bytes);
      for (const v of ids)
        for (const f of forms(v)) assert.equal(bytes.indexOf(f), -1, `${v} is still in the output`);
    });
  }
});
