import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeDhcp,
  dhcpMessageToJson,
  encodeDhcp,
  summarizeDhcp,
} from '../../../src/protocol/dhcp/index.js';
import { allFixtures, tsharkSawDhcp } from './support/fixtures.js';

const fixtures = allFixtures();

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

test('decode → encode is byte-exact for every port 67/68/4011 payload of every capture', () => {
  let packets = 0;
  for (const [file, rows] of fixtures) {
    for (const row of rows) {
      const msg = decodeDhcp(row.payload);
      const again = encodeDhcp(msg);
      assert.equal(hex(again), hex(row.payload), `${file} frame ${row.frame}`);
      // And the re-encoded bytes decode to the same message.
      assert.deepEqual(
        dhcpMessageToJson(decodeDhcp(again)),
        dhcpMessageToJson(msg),
        `${file} frame ${row.frame}`,
      );
      packets++;
    }
  }
  // 78 captures, 11 019 payloads when the fixtures were generated (see data/README.md).
  assert.ok(fixtures.size >= 78, `only ${fixtures.size} fixture files`);
  assert.ok(packets >= 11_000, `only ${packets} payloads`);
});

test('the summary line matches tshark Info (proxyDHCP relabelled by the caller, OUI names aside)', () => {
  for (const [file, rows] of fixtures) {
    for (const row of rows.filter(tsharkSawDhcp)) {
      const msg = decodeDhcp(row.payload);
      // Option 53 twice with different values: tshark's Info shows the last; we, like dnsmasq, go by the first.
      if (msg.notes.some((n) => n.startsWith('option 53 (DHCP Message Type) appears'))) continue;
      // tshark 4.0 reads no option from a snaplen-cut packet; we read what was captured.
      if (row.info.includes('[Packet size limited') && msg.options.length > 0) continue;
      const expected = row.info
        .replace(/\[(Packet size limited during capture|Malformed Packet)\]$/, '')
        .replace(/^proxyDHCP/, 'DHCP')
        .replace(/ \([^)]*_[0-9a-f:]+\)$/, '');
      assert.equal(summarizeDhcp(msg), expected, `${file} frame ${row.frame}`);
    }
  }
});

test('option codes in wire order match tshark (one entry per code, RFC 3396)', () => {
  for (const [file, rows] of fixtures) {
    // tshark 4.0 lists no option at all from a snaplen-cut packet; we decode what was captured.
    for (const row of rows.filter((r) => tsharkSawDhcp(r) && !r.info.includes('[Packet size limited'))) {
      const msg = decodeDhcp(row.payload);
      const ours = msg.options.map((o) => o.code);
      // tshark lists every instance (and shows the End option as 0): keep the first of each real code.
      const theirs = [...new Set(row.optionTypes.filter((c) => c !== 0 && c !== 255))];
      if (msg.options.some((o) => o.source !== 'options')) {
        // tshark nests overloaded options under option 52; we list them after the options area.
        assert.deepEqual([...ours].sort(), [...theirs].sort(), `${file} frame ${row.frame}`);
      } else {
        assert.deepEqual(ours, theirs, `${file} frame ${row.frame}`);
      }
    }
  }
});

test('JSON never carries the wire layout', () => {
  const row = [...fixtures.values()][0][0];
  const msg = decodeDhcp(row.payload);
  assert.equal(Object.keys(msg).includes('wire'), false);
  assert.equal(JSON.stringify(msg).includes('"wire"'), false);
  assert.equal(msg.wire?.layout, 'captured');
});
