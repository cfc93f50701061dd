import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BIOS_IPXE_ROM, CaptureBuilder, LAB } from './support/builder.js';
import { mentions, none, one } from './support/expect.js';
import { dnsmasqDora, happyBiosPxelinux } from './support/lab.js';

describe('capture.truncated', () => {
  test('a capture that ends mid-record, with the reader warnings', () => {
    const a = happyBiosPxelinux();
    a.capture.truncated = true;
    a.capture.warnings = ['truncated record at byte offset 248000 (frame 372)'];
    const f = one(a, 'capture.truncated');
    assert.equal(f.severity, 'warn');
    assert.equal(f.client, null);
    mentions(f, 'ends in the middle of a record', 'byte offset 248000');
    assert.deepEqual(f.frames, [a.capture.frames]);
  });

  test('quiet for a clean file', () => none(happyBiosPxelinux(), 'capture.truncated'));
});

describe('capture.relay-view', () => {
  test('DHCP through a relay: the capture sees one leg', () => {
    const b = new CaptureBuilder();
    const s = b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM });
    dnsmasqDora(s, 'pxelinux.0');
    const a = b.build();
    const events = a.sessions[0]?.transactions[0]?.events ?? [];
    for (const e of events) {
      e.giaddr = '10.1.0.1';
      if (e.op === 2) e.dst = '10.1.0.1';
    }
    const f = one(a, 'capture.relay-view');
    assert.equal(f.severity, 'info');
    mentions(f, 'relayed through 10.1.0.1', 'server side');
    assert.deepEqual(
      f.frames,
      events.map((e) => e.frame),
    );
  });

  test('taken on the server side: the hint asks for the client segment, not the server side again', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }), 'pxelinux.0');
    const a = b.build();
    for (const e of a.sessions[0]?.transactions[0]?.events ?? []) {
      e.giaddr = '10.1.0.1';
      if (e.op === 2) e.dst = '10.1.0.1';
    }
    const f = one(a, 'capture.relay-view');
    assert.match(f.hint, /taken on the server side of 10\.1\.0\.1: capture on the client's segment/);
    assert.doesNotMatch(f.hint, /capture on the DHCP server/);
  });

  test('taken next to the client: the hint asks for the server side, not the client segment', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }), 'pxelinux.0');
    const a = b.build();
    for (const e of a.sessions[0]?.transactions[0]?.events ?? []) {
      // The relay hands the replies on to the client: giaddr set, from the relay's port 67 to port 68.
      if (e.op === 2) Object.assign(e, { giaddr: '10.1.0.1', role: 'relay', src: '10.1.0.1' });
    }
    const f = one(a, 'capture.relay-view');
    mentions(f, 'client side of the relay');
    assert.match(f.hint, /taken on the client side of 10\.1\.0\.1: capture on the DHCP server/);
    assert.doesNotMatch(f.hint, /client's segment/);
  });

  test('both legs in one file: no other capture point is asked for', () => {
    const b = new CaptureBuilder();
    dnsmasqDora(b.session({ mac: LAB.mac, ...BIOS_IPXE_ROM }), 'pxelinux.0');
    const a = b.build();
    const events = a.sessions[0]?.transactions[0]?.events ?? [];
    for (const e of events) e.giaddr = '10.1.0.1';
    const replies = events.filter((e) => e.op === 2);
    if (replies[0]) replies[0].dst = '10.1.0.1';
    const ack = replies[replies.length - 1];
    if (ack) ack.role = 'relay';
    const f = one(a, 'capture.relay-view');
    assert.match(f.hint, /no other capture point is needed/);
  });

  test('quiet without giaddr', () => none(happyBiosPxelinux(), 'capture.relay-view'));
});

describe('capture.analysis-bounded', () => {
  test('evicted correlation state is reported', () => {
    const a = happyBiosPxelinux();
    a.stats.evicted = 12;
    const f = one(a, 'capture.analysis-bounded');
    assert.equal(f.severity, 'info');
    mentions(f, '12 correlation entries');
  });

  test('quiet within the bound', () => none(happyBiosPxelinux(), 'capture.analysis-bounded'));
});
