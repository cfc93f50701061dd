import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AnalysisResult, BootSession } from '../../../src/analysis/types.js';
import { RULE_FAILED_ID, diagnose, sortFindings } from '../../../src/diagnosis/engine.js';
import { MAX_FRAMES } from '../../../src/diagnosis/format.js';
import { selectRules } from '../../../src/diagnosis/registry.js';
import type { Finding } from '../../../src/diagnosis/types.js';
import { BIOS_IPXE_ROM, CaptureBuilder, LAB } from './support/builder.js';
import { dnsmasqDora, fileNotFound, happyBiosPxelinux, noDhcpServer } from './support/lab.js';

function finding(over: Partial<Finding>): Finding {
  return {
    ruleId: 'dhcp.no-offer',
    severity: 'info',
    group: 'dhcp',
    title: 't',
    message: 'm',
    frames: [],
    client: null,
    pxeError: null,
    hint: '',
    t: null,
    ...over,
  };
}

describe('diagnose', () => {
  test('a healthy boot gives no problem findings; its pxelinux config search is one info', () => {
    assert.deepEqual(
      diagnose(happyBiosPxelinux()).map((f) => `${f.severity} ${f.ruleId}`),
      ['info tftp.loader-search'],
    );
  });

  test('findings are sorted by severity, then time', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    dnsmasqDora(s, 'pxelinux.0');
    s.transfer({ file: 'pxelinux.0', at: 16, duplicateData: 10, size: 400_000 });
    s.transfer({ file: 'ldlinux.c32', error: { code: 1, message: 'File not found', from: 'server' } });
    const a = b.build();
    a.capture.truncated = true;
    const found = diagnose(a);
    const ranks = found.map((f) => ({ error: 0, warn: 1, info: 2 })[f.severity]);
    assert.deepEqual(
      ranks,
      [...ranks].sort((x, y) => x - y),
    );
    assert.equal(found[0]?.ruleId, 'tftp.file-not-found');
    const sorted = sortFindings([
      finding({ severity: 'warn', t: 5 }),
      finding({ severity: 'error', t: null }),
      finding({ severity: 'error', t: 3 }),
      finding({ severity: 'warn', t: 1 }),
    ]);
    assert.deepEqual(
      sorted.map((f) => [f.severity, f.t]),
      [
        ['error', 3],
        ['error', null],
        ['warn', 1],
        ['warn', 5],
      ],
    );
  });

  test('evidence frames are sorted, unique and capped', () => {
    const b = new CaptureBuilder();
    b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }).dhcp({
      discovers: 30,
      discoverTimes: Array.from({ length: 30 }, (_, i) => i * 2),
    });
    const [f] = diagnose(b.build());
    assert.ok(f);
    assert.equal(f.frames.length, MAX_FRAMES);
    assert.deepEqual(
      f.frames,
      [...f.frames].sort((x, y) => x - y),
    );
  });

  test('a rule that throws becomes an engine.rule-failed info finding; the others still run', () => {
    const a = noDhcpServer();
    const broken = a.sessions[0] as BootSession;
    const bad: BootSession = {
      ...broken,
      id: 's-bad',
      clientMac: '52:54:00:ff:ff:ff',
      transfers: null as unknown as BootSession['transfers'],
    };
    a.sessions.push(bad);
    const found = diagnose(a);
    const failures = found.filter((f) => f.ruleId === RULE_FAILED_ID);
    assert.ok(failures.length > 0);
    for (const f of failures) {
      assert.equal(f.severity, 'info');
      assert.match(
        f.message,
        /^Rule [a-z]+\.[a-z0-9-]+ failed( on session s-bad \(52:54:00:ff:ff:ff\))?: TypeError/,
      );
    }
    const perSession = failures.filter((f) => f.sessionId === 's-bad');
    assert.ok(perSession.length > 0);
    assert.ok(perSession.every((f) => f.client === '52:54:00:ff:ff:ff'));
    assert.ok(found.some((f) => f.ruleId === 'dhcp.no-offer' && f.client === LAB.mac));
  });

  test('never throws, even on a malformed analysis', () => {
    const junk = {
      capture: {},
      sessions: [{}],
      orphanTransfers: null,
      arp: [],
      stats: {},
    } as unknown as AnalysisResult;
    const found = diagnose(junk);
    assert.ok(found.every((f) => f.ruleId === RULE_FAILED_ID));
  });

  test('opts.rules selects rules by id or by group', () => {
    const a = fileNotFound();
    assert.deepEqual(diagnose(a, { rules: ['dhcp.no-offer'] }), []);
    assert.deepEqual(
      diagnose(a, { rules: ['tftp'] }).map((f) => f.ruleId),
      ['tftp.file-not-found'],
    );
    assert.deepEqual(
      diagnose(a, { rules: ['tftp.file-not-found', 'nope'] }).map((f) => f.ruleId),
      ['tftp.file-not-found'],
    );
    const sel = selectRules(['tftp.', 'capture.truncated', 'nope']);
    assert.deepEqual(sel.unknown, ['nope']);
    assert.ok(sel.rules.every((r) => r.id.startsWith('tftp.') || r.id === 'capture.truncated'));
  });
});
