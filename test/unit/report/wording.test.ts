/** Numbers and words the reports print: human durations, block size without an OACK, uploads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientSubject, ipClientLabel, seconds } from '../../../src/diagnosis/format.js';
import { renderMermaid } from '../../../src/report/mermaid.js';
import { blksizeText, completeText, formatSeconds } from '../../../src/report/format.js';
import { BIOS_ROM, CaptureBuilder, LAB } from '../diagnosis/support/builder.js';

test('durations past an hour are human: hours, days, years (a clock step), never millions of minutes', () => {
  const years = 23.6 * 365.25 * 86400;
  assert.equal(formatSeconds(years), '23.6 years');
  assert.equal(seconds(years), '23.6 years');
  assert.equal(formatSeconds(7200), '2.0 h');
  assert.equal(formatSeconds(3 * 86400), '3.0 days');
  assert.equal(formatSeconds(125), '2 min 5 s');
  assert.equal(seconds(600), '10.0 min');
});

function transfer(spec: Parameters<ReturnType<CaptureBuilder['session']>['transfer']>[0]) {
  const b = new CaptureBuilder();
  const s = b.session({ mac: LAB.mac, ...BIOS_ROM });
  s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'x' }] });
  s.transfer(spec);
  return b.build();
}

test('no OACK in the capture: the block size the client asked for, not 512', () => {
  const a = transfer({ file: 'x', requested: { blksize: '1432', tsize: '0' }, oack: null, size: 4000 });
  const t = a.sessions[0]?.transfers[0];
  assert.ok(t);
  assert.equal(blksizeText(t), '1432 asked, no OACK seen');
  const b = transfer({ file: 'x', requested: { blksize: '1432' }, oack: { blksize: '1432' } });
  assert.equal(blksizeText(b.sessions[0]!.transfers[0]!), '1432');
});

test('a WRQ is an upload from the client: table wording and diagram direction', () => {
  const a = transfer({ file: 'up.bin', size: 2000 });
  const t = a.sessions[0]!.transfers[0]!;
  t.direction = 'write';
  assert.equal(completeText(t), 'complete (upload from the client)');
  const [d] = renderMermaid(a, []);
  assert.ok(d);
  const data = d.text.split('\n').find((l) => l.includes('DATA 1'));
  assert.match(data ?? '', /^\s*Client-->>S\d+: /, 'the client sends the DATA of an upload');
  assert.match(d.text, /Client->>S\d+: WRQ up\.bin/);
});

test('a client known only by its IP is "Client 10.0.0.5", never "Client client 10.0.0.5"', () => {
  assert.equal(clientSubject(ipClientLabel('10.0.0.5')), 'Client 10.0.0.5');
  assert.equal(clientSubject('52:54:00:12:34:56 (x86 BIOS)'), 'Client 52:54:00:12:34:56 (x86 BIOS)');
});
