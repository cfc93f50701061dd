/**
 * The live target's client side, without root: a lab capture's client played over an in-memory Ethernet
 * segment to the reference engine answering frames there (the path a libpcap link takes), with the server's
 * ARP answered by a second posed host. Also the pieces it stands on: the MAC and relay patches, the default-
 * route rule and the routing-table reader.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { readCaptureBuffer } from '../../../src/capture/source.js';
import { parseUdpFrame } from '../../../src/net/frames.js';
import { L2Host } from '../../../src/net/l2-host.js';
import { createMemorySegment } from '../../../src/net/memory-link.js';
import { defaultRouteInterfaces } from '../../../src/net/routes.js';
import { decodeDhcp, dhcpMessageFromFields, encodeDhcp } from '../../../src/protocol/dhcp/index.js';
import { checkReplayInterface } from '../../../src/replay/interface-check.js';
import { replayCapture } from '../../../src/replay/index.js';
import { LiveDhcpTarget, type MacChoice } from '../../../src/replay/live-target.js';
import { patchClientMac, patchRelay, requestMac } from '../../../src/replay/patch.js';
import { openDhcpEngine } from '../../../src/server/dhcp/engine.js';
import { attachDhcpEngine } from '../../../src/server/net/edge.js';
import { projectRoot } from '../../support/fixtures.js';
import { SERVER_IP, fullConfig } from '../server/dhcp-support.js';

const CAPTURED_MAC = '52:54:00:12:34:56';
const HAPPY_IPXE = join(projectRoot(), 'fixtures', 'captures', 'lab', 'happy-ipxe', 'capture.pcapng');

/** The DHCP messages of a pcapng file, in order. */
function dhcpIn(path: string): { type: string | null; chaddr: string; ciaddr: string; src: string }[] {
  const out: { type: string | null; chaddr: string; ciaddr: string; src: string }[] = [];
  readCaptureBuffer(readFileSync(path), {
    frame: (f) => {
      const p = parseUdpFrame(f.data);
      if (!p.ok || (p.datagram.dstPort !== 67 && p.datagram.dstPort !== 68)) return;
      const m = decodeDhcp(p.datagram.payload);
      out.push({ type: m.messageType, chaddr: m.chaddr, ciaddr: m.ciaddr, src: p.datagram.srcIp });
    },
    warning: () => undefined,
  });
  return out;
}

async function segmentWithServers(count: number): Promise<{
  segment: ReturnType<typeof createMemorySegment>;
  close: () => Promise<void>;
}> {
  const segment = createMemorySegment();
  const closers: (() => Promise<void> | void)[] = [];
  for (let i = 0; i < count; i++) {
    const ip = i === 0 ? SERVER_IP : `10.99.0.${2 + i}`;
    const mac = `02:00:00:00:00:0${1 + i}`;
    const link = segment.attach(`server${i}`);
    const engine = await openDhcpEngine({ ...fullConfig(), serverIp: ip });
    const attached = attachDhcpEngine(link, {
      server: { mac, address: ip, mtu: 1500 },
      handle: (inbound) => engine.handle(inbound).replies,
    });
    // The engine answers DHCP only; the server's host answers ARP.
    const arp = new L2Host(segment.attach(`arp${i}`));
    arp.claim(ip, mac);
    closers.push(
      () => arp.close(),
      attached.detach,
      () => engine.close(),
    );
  }
  return {
    segment,
    close: async () => {
      for (const c of closers) await c();
    },
  };
}

function liveOptions(segment: ReturnType<typeof createMemorySegment>, mac: MacChoice, record?: string) {
  return {
    iface: 'memory',
    mac,
    link: segment.attach('replay'),
    waitMs: 1500,
    record: record ?? null,
    tftpTimeoutMs: 100,
    tftpRetries: 0,
  };
}

describe('replay against a live server (in-memory segment)', () => {
  test('DISCOVER, REQUEST and RELEASE as frames; the server moved from 10.77.0.1 to 10.99.0.1', async () => {
    const lab = await segmentWithServers(1);
    const record = join(mkdtempSync(join(tmpdir(), 'pxd-replay-')), 'new.pcapng');
    try {
      const report = await replayCapture(HAPPY_IPXE, {
        openTarget: () =>
          Promise.resolve(LiveDhcpTarget.open(liveOptions(lab.segment, { kind: 'captured' }, record))),
      });
      const ex = report.clients[0].exchanges;
      const byLabel = (label: string) => ex.find((e) => e.label.startsWith(label));
      const offer = byLabel('DHCP DISCOVER → OFFER');
      const ack = byLabel('DHCP REQUEST → ACK');
      assert.ok(offer !== undefined && ack !== undefined, ex.map((e) => e.label).join('; '));
      // The reference server's address in 54, siaddr and 3 moved with it: expected, not a difference.
      for (const e of [offer, ack]) {
        const router = e.fields.find((f) => f.field === 'router (3)');
        assert.deepEqual(
          [router?.captured, router?.replayed, router?.status],
          ['["10.77.0.1"]', '["10.99.0.1"]', 'volatile'],
        );
        assert.equal(e.fields.find((f) => f.field === 'TFTP server')?.status, 'volatile');
      }
      const leased = ack.fields.find((f) => f.field === 'leased address (yiaddr)')?.replayed ?? '';
      assert.match(leased, /^10\.99\.0\.\d+$/);
      const sent = dhcpIn(record);
      assert.deepEqual(
        sent.map((m) => m.type),
        ['DISCOVER', 'OFFER', 'REQUEST', 'ACK', 'RELEASE'],
        'recorded: the exchange and the RELEASE at the end',
      );
      assert.ok(
        sent.every((m) => m.chaddr === CAPTURED_MAC),
        'the captured MAC by default',
      );
      const release = sent[4];
      assert.deepEqual(
        [release.ciaddr, release.src],
        [leased, leased],
        'the RELEASE gives the leased address back',
      );
    } finally {
      await lab.close();
    }
  });

  test('--mac random: a locally administered MAC in chaddr and in option 61', async () => {
    const lab = await segmentWithServers(1);
    const record = join(mkdtempSync(join(tmpdir(), 'pxd-replay-')), 'new.pcapng');
    try {
      await replayCapture(HAPPY_IPXE, {
        discoverOnly: true,
        openTarget: () =>
          Promise.resolve(LiveDhcpTarget.open(liveOptions(lab.segment, { kind: 'random' }, record))),
      });
      const [discover] = dhcpIn(record);
      assert.notEqual(discover.chaddr, CAPTURED_MAC);
      assert.equal(parseInt(discover.chaddr.slice(0, 2), 16) & 3, 2, 'unicast, locally administered');
    } finally {
      await lab.close();
    }
  });

  test('two DHCP servers offering: stopped before any REQUEST (exit 5) unless forced', async () => {
    const lab = await segmentWithServers(2);
    try {
      await assert.rejects(
        replayCapture(HAPPY_IPXE, {
          openTarget: () =>
            Promise.resolve(LiveDhcpTarget.open(liveOptions(lab.segment, { kind: 'captured' }))),
        }),
        (e: Error & { exitCode?: number }) =>
          e.exitCode === 5 &&
          /several DHCP servers offer addresses .*10\.99\.0\.1.*10\.99\.0\.3/.test(e.message),
      );
      const forced = await replayCapture(HAPPY_IPXE, {
        discoverOnly: true,
        openTarget: () =>
          Promise.resolve(
            LiveDhcpTarget.open({ ...liveOptions(lab.segment, { kind: 'captured' }), force: true }),
          ),
      });
      assert.equal(forced.clients[0].exchanges.filter((e) => e.label.includes('OFFER')).length, 2);
    } finally {
      await lab.close();
    }
  });
});

describe('live replay pieces', () => {
  const request = encodeDhcp(
    dhcpMessageFromFields({
      xid: 7,
      chaddr: CAPTURED_MAC,
      messageType: 'DISCOVER',
      options: [{ code: 61, raw: Uint8Array.of(1, 0x52, 0x54, 0, 0x12, 0x34, 0x56) }],
    }),
  );

  test('patchClientMac rewrites chaddr and a MAC-type option 61, nothing else', () => {
    const out = patchClientMac(request, CAPTURED_MAC, '02:aa:bb:cc:dd:ee');
    assert.equal(requestMac(out), '02:aa:bb:cc:dd:ee');
    const id = decodeDhcp(out).options.find((o) => o.code === 61)?.raw;
    assert.deepEqual(Array.from(id ?? []), [1, 2, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);
    const diff = out.reduce((n, b, i) => n + (b !== request[i] ? 1 : 0), 0);
    assert.ok(diff <= 12, `only the two MACs changed (${diff} bytes)`);
  });

  test('patchRelay sets giaddr and one hop', () => {
    const m = decodeDhcp(patchRelay(request, '10.99.63.1'));
    assert.deepEqual([m.giaddr, m.hops, m.xid], ['10.99.63.1', 1, 7]);
  });

  test('the default-route interface is refused without --force; a missing one is named', () => {
    const facts = { interfaces: ['lo', 'eth0', 'br0'], defaultRoutes: ['eth0'] };
    assert.throws(
      () => checkReplayInterface('eth0', false, facts),
      (e: Error & { exitCode?: number }) =>
        e.exitCode === 4 && /eth0 carries this host's default route.*--force/.test(e.message),
    );
    checkReplayInterface('eth0', true, facts);
    checkReplayInterface('br0', false, facts);
    assert.throws(
      () => checkReplayInterface('nosuch0', false, facts),
      /no interface nosuch0 \(interfaces here: lo, eth0, br0\)/,
    );
    checkReplayInterface('eth9', false, { interfaces: null, defaultRoutes: null });
  });

  test('/proc/net/route: the interfaces with a default route', () => {
    const text = [
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT',
      'eth0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0',
      'eth0\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0',
      'br0\t0000630A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
      'wg0\t00000000\t00000000\t0001\t0\t0\t0\t00000080\t0\t0\t0',
      '',
    ].join('\n');
    assert.deepEqual(defaultRouteInterfaces(text), ['eth0']);
  });
});
