/**
 * The full DHCP server: replies compared with dnsmasq's in the lab captures, the RFC 2131 state machine,
 * reply routing, address uniqueness, and an engine that never throws.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  decodeDhcp,
  dhcpMessageFromFields,
  encodeDhcp,
  type DhcpMessage,
} from '../../../src/protocol/dhcp/index.js';
import { openDhcpEngine, type PxeDhcpEngine } from '../../../src/server/dhcp/engine.js';
import type { DhcpHandleResult, DhcpIgnoreReason } from '../../../src/server/dhcp/types.js';
import {
  MAC,
  SERVER_IP,
  T0,
  capturedDhcp,
  capturedInbound,
  clientMessage,
  fullConfig,
  inbound,
  ip,
  onWire,
  optionJson,
  serverId,
} from './dhcp-support.js';

const LAB_SERVER = '10.77.0.1';

function labConfig(boot: { bios?: string; uefi?: string; ipxe?: string }) {
  // dnsmasq in the lab: dhcp-range=10.77.0.100,10.77.0.150,255.255.255.0,1h on 10.77.0.1.
  return fullConfig({
    serverIp: LAB_SERVER,
    dhcp: { range: { start: '10.77.0.100', end: '10.77.0.150' }, router: LAB_SERVER, leaseTime: 3600 },
    boot,
  });
}

function only(r: DhcpHandleResult): DhcpMessage {
  assert.equal(r.replies.length, 1, `one reply expected, events: ${JSON.stringify(r.events)}`);
  return onWire(r.replies[0].message);
}

function ignored(r: DhcpHandleResult, reason: DhcpIgnoreReason): void {
  assert.equal(r.replies.length, 0);
  assert.ok(
    r.events.some((e) => e.kind === 'ignored' && e.reason === reason),
    `expected ignored/${reason}, got ${JSON.stringify(r.events)}`,
  );
}

/** DISCOVER then SELECTING REQUEST; returns the bound address. */
function bind(engine: PxeDhcpEngine, mac: string, now = T0): string {
  const offer = only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: mac }), { now })));
  const ack = only(
    engine.handle(
      inbound(clientMessage('REQUEST', { chaddr: mac, extra: [serverId(SERVER_IP), ip(offer.yiaddr)] }), {
        now,
      }),
    ),
  );
  assert.equal(ack.messageType, 'ACK');
  assert.equal(ack.yiaddr, offer.yiaddr);
  return ack.yiaddr;
}

function macOf(i: number): string {
  return `02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}

describe('full server compared with dnsmasq', () => {
  for (const [rel, boot, expectedFile] of [
    ['lab/happy-bios-pxelinux/capture.pcapng', { bios: 'pxelinux.0' }, 'pxelinux.0'],
    ['lab/uefi-edk2-happy/capture.pcapng', { uefi: 'snponly.efi', ipxe: 'boot-efi.ipxe' }, 'snponly.efi'],
  ] as const) {
    test(`${rel}: OFFER and ACK carry dnsmasq's fields and options, and go where dnsmasq sent them`, async () => {
      const engine = await openDhcpEngine(labConfig(boot));
      const packets = capturedDhcp(rel);
      const discover = packets.find((p) => p.message.messageType === 'DISCOVER');
      const request = packets.find((p) => p.message.messageType === 'REQUEST');
      const theirOffer = packets.find((p) => p.message.messageType === 'OFFER');
      const theirAck = packets.find((p) => p.message.messageType === 'ACK');
      assert.ok(discover && request && theirOffer && theirAck);

      const offerOut = engine.handle(capturedInbound(discover));
      const offer = only(offerOut);
      const ackOut = engine.handle(capturedInbound(request));
      const ack = only(ackOut);
      assert.equal(
        ack.yiaddr,
        theirAck.message.yiaddr,
        'the address the client asked for (dnsmasq picked it)',
      );
      for (const [ours, theirs, out, captured] of [
        [offer, theirOffer.message, offerOut, theirOffer],
        [ack, theirAck.message, ackOut, theirAck],
      ] as const) {
        for (const f of ['op', 'xid', 'flags', 'ciaddr', 'siaddr', 'giaddr', 'chaddr', 'sname'] as const)
          assert.deepEqual(ours[f], theirs[f], `${theirs.messageType} ${f}`);
        for (const code of [54, 51, 58, 59, 1, 28, 3, 67])
          assert.deepEqual(
            optionJson(ours, code),
            optionJson(theirs, code),
            `${theirs.messageType} option ${code}`,
          );
        assert.equal(optionJson(ours, 60), undefined, 'no option 60: dnsmasq sends none to a plain PXE boot');
        assert.equal(optionJson(theirs, 60), undefined);
        // Beyond dnsmasq: the file field and option 66 say the same as option 67 and siaddr.
        assert.equal(ours.file, expectedFile);
        assert.equal(optionJson(ours, 66), LAB_SERVER);
        const to = out.replies[0].to;
        if (theirs.messageType === 'OFFER') assert.equal(ours.yiaddr, '10.77.0.100');
        assert.equal(to.mac, captured.dstMac, `${theirs.messageType} to the MAC dnsmasq used`);
        assert.equal(to.broadcast, captured.dstIp === '255.255.255.255');
        if (!to.broadcast) assert.equal(to.ip, ours.yiaddr);
        assert.equal(to.port, captured.dstPort);
      }
    });
  }
});

describe('RFC 2131 state machine', () => {
  test('DISCOVER → OFFER holds the address; REQUEST for our offer → ACK with lease, T1, T2', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const r = engine.handle(inbound(clientMessage('DISCOVER')));
    const offer = only(r);
    assert.equal(offer.messageType, 'OFFER');
    assert.equal(offer.yiaddr, '10.99.0.100');
    assert.ok(r.events.some((e) => e.kind === 'lease' && e.action === 'offered' && e.ip === '10.99.0.100'));
    const other = only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(1) }))));
    assert.equal(other.yiaddr, '10.99.0.101', 'a held offer is not offered again');
    const ack = only(
      engine.handle(inbound(clientMessage('REQUEST', { extra: [serverId(SERVER_IP), ip('10.99.0.100')] }))),
    );
    assert.equal(ack.messageType, 'ACK');
    assert.equal(optionJson(ack, 51), 3600);
    assert.equal(optionJson(ack, 58), 1800);
    assert.equal(optionJson(ack, 59), 3150);
    assert.equal(optionJson(ack, 54), SERVER_IP);
    assert.equal(optionJson(ack, 1), '255.255.255.0');
    assert.deepEqual(optionJson(ack, 3), [SERVER_IP]);
  });

  test("REQUEST for another server's offer: dropped quietly, our offer withdrawn", async () => {
    const engine = await openDhcpEngine(fullConfig());
    only(engine.handle(inbound(clientMessage('DISCOVER'))));
    ignored(
      engine.handle(inbound(clientMessage('REQUEST', { extra: [serverId('10.99.0.2'), ip('10.99.0.200')] }))),
      'other-server-selected',
    );
    const next = only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(2) }))));
    assert.equal(next.yiaddr, '10.99.0.100', 'the withdrawn offer is free again');
  });

  test('SELECTING REQUEST for an address held by someone else → NAK, broadcast', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const taken = bind(engine, macOf(3));
    const r = engine.handle(inbound(clientMessage('REQUEST', { extra: [serverId(SERVER_IP), ip(taken)] })));
    const nak = only(r);
    assert.equal(nak.messageType, 'NAK');
    assert.equal(nak.yiaddr, '0.0.0.0');
    assert.deepEqual(r.replies[0].to, {
      ip: '255.255.255.255',
      port: 68,
      mac: 'ff:ff:ff:ff:ff:ff',
      broadcast: true,
    });
  });

  test('INIT-REBOOT: own address → ACK; another → NAK; unknown client → silent; other network → NAK', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const mine = bind(engine, MAC);
    assert.equal(
      only(engine.handle(inbound(clientMessage('REQUEST', { extra: [ip(mine)] })))).messageType,
      'ACK',
    );
    assert.equal(
      only(engine.handle(inbound(clientMessage('REQUEST', { extra: [ip('10.99.0.140')] })))).messageType,
      'NAK',
    );
    ignored(
      engine.handle(inbound(clientMessage('REQUEST', { chaddr: macOf(9), extra: [ip('10.99.0.140')] }))),
      'not-for-us',
    );
    assert.equal(
      only(
        engine.handle(inbound(clientMessage('REQUEST', { chaddr: macOf(9), extra: [ip('192.168.1.20')] }))),
      ).messageType,
      'NAK',
    );
  });

  test('RENEWING → ACK unicast to ciaddr; REBINDING with a stolen address → NAK', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const mine = bind(engine, MAC);
    const theirs = bind(engine, macOf(4));
    const renew = engine.handle(
      inbound(clientMessage('REQUEST', { ciaddr: mine }), {
        srcIp: mine,
        dstIp: SERVER_IP,
        now: T0 + 1_800_000,
      }),
    );
    const ack = only(renew);
    assert.equal(ack.messageType, 'ACK');
    assert.equal(ack.ciaddr, mine);
    assert.deepEqual(renew.replies[0].to, { ip: mine, port: 68, mac: MAC, broadcast: false });
    const lease = renew.events.find((e) => e.kind === 'lease');
    assert.equal(lease?.kind === 'lease' ? lease.expires : 0, T0 + 1_800_000 + 3_600_000, 'lease extended');
    const steal = engine.handle(inbound(clientMessage('REQUEST', { ciaddr: theirs }), { srcIp: theirs }));
    assert.equal(only(steal).messageType, 'NAK');
  });

  test('DECLINE keeps the address from everyone for a while, then it is reused', async () => {
    const engine = await openDhcpEngine(
      fullConfig({ dhcp: { range: { start: '10.99.0.100', end: '10.99.0.101' } } }),
      {
        declineHoldSeconds: 600,
      },
    );
    const bad = bind(engine, MAC);
    const r = engine.handle(inbound(clientMessage('DECLINE', { extra: [serverId(SERVER_IP), ip(bad)] })));
    assert.equal(r.replies.length, 0);
    assert.ok(r.events.some((e) => e.kind === 'lease' && e.action === 'declined' && e.ip === bad));
    assert.equal(bind(engine, MAC), '10.99.0.101', 'not the declined one');
    ignored(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(5) }))), 'no-free-address');
    const later = only(
      engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(5) }), { now: T0 + 601_000 })),
    );
    assert.equal(later.yiaddr, bad, 'after the hold the address is free');
  });

  test('DECLINE from a client the address was never offered or leased to is ignored (RFC 2131 4.3.3)', async () => {
    const engine = await openDhcpEngine(
      fullConfig({ dhcp: { range: { start: '10.99.0.100', end: '10.99.0.101' } } }),
    );
    const stranger = macOf(9);
    // A free address, and one bound to another client: neither can be declined by a stranger.
    ignored(
      engine.handle(
        inbound(
          clientMessage('DECLINE', { chaddr: stranger, extra: [serverId(SERVER_IP), ip('10.99.0.101')] }),
        ),
      ),
      'decline-not-owner',
    );
    const mine = bind(engine, MAC);
    const r = engine.handle(
      inbound(clientMessage('DECLINE', { chaddr: stranger, extra: [serverId(SERVER_IP), ip(mine)] })),
    );
    ignored(r, 'decline-not-owner');
    assert.ok(!r.events.some((e) => e.kind === 'lease'));
    assert.equal(bind(engine, MAC), mine, 'the owner keeps its address');
    assert.equal(bind(engine, macOf(10)), '10.99.0.101', 'the free address is still free');
  });

  test('an ACK holds for its lease write; renewals are marked as such', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const offer = engine.handle(inbound(clientMessage('DISCOVER')));
    assert.equal(offer.hold, undefined, 'an OFFER goes out at once');
    const address = only(offer).yiaddr;
    const ack = engine.handle(
      inbound(clientMessage('REQUEST', { extra: [serverId(SERVER_IP), ip(address)] })),
    );
    assert.equal(ack.hold, 'grant');
    const renew = engine.handle(
      inbound(clientMessage('REQUEST', { ciaddr: address }), { srcIp: address, now: T0 + 1000 }),
    );
    assert.equal(renew.hold, 'renewal');
  });

  test('while lease writes fail no new address is granted, known clients renew', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const mine = bind(engine, MAC);
    engine.setLeaseWritesWork(false);
    ignored(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(3) }))), 'leases-unwritable');
    const renew = engine.handle(
      inbound(clientMessage('REQUEST', { ciaddr: mine }), { srcIp: mine, now: T0 + 1000 }),
    );
    assert.equal(only(renew).messageType, 'ACK');
    assert.equal(only(engine.handle(inbound(clientMessage('DISCOVER')))).yiaddr, mine, 'its own address');
    engine.setLeaseWritesWork(true);
    assert.equal(
      only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(3) })))).messageType,
      'OFFER',
    );
  });

  test('RELEASE frees the address, and the client gets it back first', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const mine = bind(engine, MAC);
    const r = engine.handle(
      inbound(clientMessage('RELEASE', { ciaddr: mine, extra: [serverId(SERVER_IP)] }), { srcIp: mine }),
    );
    assert.equal(r.replies.length, 0);
    assert.ok(r.events.some((e) => e.kind === 'lease' && e.action === 'released'));
    assert.equal(
      only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(6) })))).yiaddr,
      '10.99.0.101',
    );
    assert.equal(
      only(engine.handle(inbound(clientMessage('DISCOVER'))))?.yiaddr,
      mine,
      'previous address preferred',
    );
  });

  test('INFORM → ACK without address or lease time, unicast to ciaddr, with the boot file', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const r = engine.handle(
      inbound(clientMessage('INFORM', { ciaddr: '10.99.0.33' }), { srcIp: '10.99.0.33' }),
    );
    const ack = only(r);
    assert.equal(ack.messageType, 'ACK');
    assert.equal(ack.yiaddr, '0.0.0.0');
    assert.equal(optionJson(ack, 51), undefined);
    assert.equal(ack.file, 'pxelinux.0');
    assert.deepEqual(r.replies[0].to, { ip: '10.99.0.33', port: 68, mac: MAC, broadcast: false });
  });

  test('static hosts: their address, never anyone else’s, and their own boot file', async () => {
    const engine = await openDhcpEngine(
      fullConfig({
        dhcp: {
          range: { start: '10.99.0.100', end: '10.99.0.102' },
          hosts: [{ mac: MAC, ip: '10.99.0.101', boot: 'special.0', hostname: 'lab1' }],
        },
      }),
    );
    const a = bind(engine, macOf(7));
    const b = bind(engine, macOf(8));
    assert.deepEqual(
      [a, b],
      ['10.99.0.100', '10.99.0.102'],
      'the static address inside the range is skipped',
    );
    ignored(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(9) }))), 'no-free-address');
    const offer = only(engine.handle(inbound(clientMessage('DISCOVER'))));
    assert.equal(offer.yiaddr, '10.99.0.101');
    assert.equal(offer.file, 'special.0');
    assert.equal(optionJson(offer, 12), 'lab1');
  });

  test('expired leases are reused, oldest first, only when no fresh address is left', async () => {
    const engine = await openDhcpEngine(
      fullConfig({ dhcp: { range: { start: '10.99.0.100', end: '10.99.0.102' }, leaseTime: 60 } }),
    );
    bind(engine, macOf(10), T0);
    bind(engine, macOf(11), T0 + 1000);
    bind(engine, macOf(12), T0 + 2000);
    const full = engine.handle(
      inbound(clientMessage('DISCOVER', { chaddr: macOf(13) }), { now: T0 + 30_000 }),
    );
    ignored(full, 'no-free-address');
    const later = only(
      engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(13) }), { now: T0 + 60_500 })),
    );
    assert.equal(later.yiaddr, '10.99.0.100', 'the one that expired first');
    // The old owner comes back: its address is gone, it gets another (none left now: no-free-address).
    ignored(
      engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(10) }), { now: T0 + 60_500 })),
      'no-free-address',
    );
  });

  test('concurrent DISCOVERs get distinct addresses; REQUESTs afterwards all ACK', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const offers = Array.from({ length: 40 }, (_, i) =>
      only(engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(100 + i), xid: i })))),
    );
    assert.equal(new Set(offers.map((o) => o.yiaddr)).size, 40);
    offers.forEach((o, i) => {
      const ack = only(
        engine.handle(
          inbound(
            clientMessage('REQUEST', {
              chaddr: macOf(100 + i),
              xid: i,
              extra: [serverId(SERVER_IP), ip(o.yiaddr)],
            }),
          ),
        ),
      );
      assert.equal(ack.messageType, 'ACK');
    });
    // Offers expire: an unanswered offer is given to someone else once its hold has passed.
    const e2 = await openDhcpEngine(
      fullConfig({ dhcp: { range: { start: '10.99.0.100', end: '10.99.0.100' } } }),
      { offerHoldSeconds: 10 },
    );
    only(e2.handle(inbound(clientMessage('DISCOVER'))));
    ignored(
      e2.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(1) }), { now: T0 + 5000 })),
      'no-free-address',
    );
    assert.equal(
      only(e2.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(1) }), { now: T0 + 11_000 }))).yiaddr,
      '10.99.0.100',
    );
  });
});

describe('reply routing and options', () => {
  test('relay (giaddr) → relay port 67 at its MAC; broadcast flag → broadcast; else unicast to yiaddr at chaddr', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const relayed = engine.handle(
      inbound(
        clientMessage('DISCOVER', {
          giaddr: '10.99.0.254',
          hops: 1,
          extra: [{ code: 82, raw: Uint8Array.of(1, 3, 65, 66, 67) }],
        }),
        {
          srcMac: '02:aa:bb:cc:dd:ee',
          srcIp: '10.99.0.254',
          srcPort: 67,
        },
      ),
    );
    assert.deepEqual(relayed.replies[0].to, {
      ip: '10.99.0.254',
      port: 67,
      mac: '02:aa:bb:cc:dd:ee',
      broadcast: false,
    });
    const m = onWire(relayed.replies[0].message);
    assert.equal(m.giaddr, '10.99.0.254');
    assert.deepEqual(
      [...(m.options.find((o) => o.code === 82)?.raw ?? [])],
      [1, 3, 65, 66, 67],
      'option 82 echoed',
    );
    assert.equal(m.options[m.options.length - 1].code, 82, 'option 82 last');
    ignored(engine.handle(inbound(clientMessage('DISCOVER', { giaddr: '172.16.0.1' }))), 'not-for-us');

    const bcast = engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(1), broadcast: true })));
    assert.deepEqual(bcast.replies[0].to, {
      ip: '255.255.255.255',
      port: 68,
      mac: 'ff:ff:ff:ff:ff:ff',
      broadcast: true,
    });
    const uni = engine.handle(inbound(clientMessage('DISCOVER', { chaddr: macOf(2) })));
    assert.deepEqual(uni.replies[0].to, {
      ip: onWire(uni.replies[0].message).yiaddr,
      port: 68,
      mac: macOf(2),
      broadcast: false,
    });
  });

  test('options follow the parameter request list order; option 57 bounds the reply size', async () => {
    const engine = await openDhcpEngine(
      fullConfig({
        dhcp: {
          range: { start: '10.99.0.100', end: '10.99.0.110' },
          router: SERVER_IP,
          dns: ['10.99.0.53'],
          domain: 'lab.test',
        },
      }),
    );
    const prl = { code: 55, value: { kind: 'codes' as const, codes: [67, 15, 6, 3, 1] } };
    const msg = decodeDhcp(
      new Uint8Array(
        encodeDhcp(dhcpMessageFromFields({ xid: 1, chaddr: MAC, messageType: 'DISCOVER', options: [prl] })),
      ),
    );
    const offer = only(engine.handle(inbound(msg)));
    const codes = offer.options.map((o) => o.code);
    assert.deepEqual(codes.slice(0, 7), [53, 54, 67, 15, 6, 3, 1]);
    assert.ok(encodedLength(offer) <= 576 - 28, 'fits 576 bytes without option 57');
  });
});

function encodedLength(m: DhcpMessage): number {
  return encodeDhcp(m).length;
}

describe('never throws', () => {
  test('random bytes, replies, BOOTP and odd hardware types are ignored with a reason', async () => {
    const engine = await openDhcpEngine(fullConfig());
    const reasons = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const bytes = randomBytes(i % 3 === 0 ? 300 + (i % 300) : i % 300);
      // Every third one looks like an Ethernet BOOTREQUEST with the DHCP cookie, so the options get parsed.
      if (i % 3 === 0) {
        bytes.set([1, 1, 6, 0], 0);
        bytes.set([99, 130, 83, 99], 236);
      }
      const r = engine.handle(inbound(decodeDhcp(bytes), { port: i % 2 === 0 ? 67 : 4011 }));
      for (const e of r.events) if (e.kind === 'ignored') reasons.add(e.reason);
      for (const out of r.replies) decodeDhcp(encodeDhcp(out.message));
    }
    assert.ok(reasons.has('malformed') || reasons.has('not-a-request'));
    const bootp = dhcpMessageFromFields({ xid: 1, chaddr: MAC });
    ignored(engine.handle(inbound(bootp)), 'unknown-message-type');
    const tokenRing = dhcpMessageFromFields({
      xid: 1,
      htype: 6,
      chaddr: '01:02:03:04:05:06:07:08',
      messageType: 'DISCOVER',
    });
    ignored(engine.handle(inbound(tokenRing)), 'malformed');
    const reply = dhcpMessageFromFields({ op: 2, xid: 1, chaddr: MAC, messageType: 'OFFER' });
    ignored(engine.handle(inbound(reply)), 'not-a-request');
    const broken = { ...clientMessage('DISCOVER'), options: null } as unknown as DhcpMessage;
    ignored(engine.handle(inbound(broken)), 'malformed');
  });
});
