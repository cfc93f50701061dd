/** Interface facts for the server edge, parsed from os.networkInterfaces() entries and sysfs mtu text. */
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, it } from 'node:test';
import { SERVE_EXIT } from '../../../src/server/net/errors.js';
import { parseInterfaceFacts, parseIpAddrJson } from '../../../src/server/net/interface.js';
import { probeAnswerOf, probeDiscover, randomLocalMac } from '../../../src/server/net/probe.js';
import { buildDhcpReply } from '../../../src/protocol/dhcp/index.js';
import { encodeDhcp } from '../../../src/protocol/dhcp/index.js';
import { udpFrames } from '../../../src/net/frames.js';

const V4: NetworkInterfaceInfo = {
  address: '10.99.1.1',
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '02:AB:00:00:00:01',
  internal: false,
  cidr: '10.99.1.1/24',
};
const V6: NetworkInterfaceInfo = {
  address: 'fe80::1',
  netmask: 'ffff:ffff:ffff:ffff::',
  family: 'IPv6',
  mac: '02:ab:00:00:00:01',
  internal: false,
  cidr: 'fe80::1/64',
  scopeid: 2,
};

describe('interface facts', () => {
  it('takes the first IPv4 address, the MAC in lower case, prefix and MTU', () => {
    const f = parseInterfaceFacts('veth0', { veth0: [V6, V4, { ...V4, address: '10.99.1.2' }] }, '9000\n');
    assert.deepEqual(f, {
      name: 'veth0',
      mac: '02:ab:00:00:00:01',
      address: '10.99.1.1',
      prefix: 24,
      netmask: '255.255.255.0',
      mtu: 9000,
    });
  });

  it('falls back to 1500 when sysfs says nothing usable, and derives the prefix from the netmask', () => {
    const f = parseInterfaceFacts('e', { e: [{ ...V4, cidr: null, netmask: '255.255.252.0' }] }, null);
    assert.equal(f.mtu, 1500);
    assert.equal(f.prefix, 22);
    assert.equal(parseInterfaceFacts('e', { e: [V4] }, 'garbage').mtu, 1500);
  });

  it('a missing interface names the ones that exist, with exit code 4', () => {
    assert.throws(
      () => parseInterfaceFacts('eth9', { lo: [], veth0: [V4] }, null),
      (e: Error & { exitCode?: number }) =>
        /no interface eth9/.test(e.message) &&
        /lo, veth0/.test(e.message) &&
        e.exitCode === SERVE_EXIT.interface,
    );
  });

  it('refuses an interface without IPv4 and a loopback', () => {
    assert.throws(() => parseInterfaceFacts('v6', { v6: [V6] }, null), /no IPv4 address/);
    assert.throws(
      () =>
        parseInterfaceFacts(
          'lo',
          { lo: [{ ...V4, address: '127.0.0.1', internal: true, mac: '00:00:00:00:00:00' }] },
          null,
        ),
      /loopback/,
    );
  });

  it('reads `ip -j addr` for an interface os.networkInterfaces() leaves out (no carrier)', () => {
    // As iproute2 prints it for a bridge whose only port is a VM tap that is not open yet.
    const text = JSON.stringify([
      {
        ifindex: 4,
        ifname: 'br0',
        flags: ['NO-CARRIER', 'BROADCAST', 'MULTICAST', 'UP'],
        mtu: 1500,
        operstate: 'DOWN',
        address: '9E:21:0B:7A:10:01',
        addr_info: [
          { family: 'inet', local: '10.99.7.1', prefixlen: 23, scope: 'global', label: 'br0' },
          { family: 'inet', local: '10.99.9.1', prefixlen: 24, scope: 'global', label: 'br0' },
        ],
      },
    ]);
    const entries = parseIpAddrJson(text);
    assert.equal(entries.length, 2);
    const facts = parseInterfaceFacts('br0', { br0: entries }, '1400\n');
    assert.deepEqual(facts, {
      name: 'br0',
      mac: '9e:21:0b:7a:10:01',
      address: '10.99.7.1',
      prefix: 23,
      netmask: '255.255.254.0',
      mtu: 1400,
    });
    assert.deepEqual(parseIpAddrJson('not json'), []);
    assert.deepEqual(parseIpAddrJson('[]'), []);
  });
});

describe('probe DISCOVER', () => {
  it('comes from a locally administered unicast MAC', () => {
    for (let i = 0; i < 50; i++) {
      const first = parseInt(randomLocalMac().slice(0, 2), 16);
      assert.equal(first & 0x03, 0x02);
    }
  });

  it('asks for a broadcast answer, carries no PXEClient class, and recognises the OFFER to it only', () => {
    const mac = '02:11:22:33:44:55';
    const d = probeDiscover(mac, 0xdeadbeef);
    assert.equal(d.broadcast, true);
    assert.equal(d.messageType, 'DISCOVER');
    assert.equal(
      d.options.find((o) => o.code === 60),
      undefined,
    );
    const offer = buildDhcpReply(d, { messageType: 'OFFER', yiaddr: '10.99.1.50', serverId: '10.99.1.254' });
    const frame = (xid: number) =>
      udpFrames({
        srcMac: '02:00:00:00:00:fe',
        dstMac: 'ff:ff:ff:ff:ff:ff',
        srcIp: '10.99.1.254',
        dstIp: '255.255.255.255',
        srcPort: 67,
        dstPort: 68,
        payload: encodeDhcp({ ...offer, xid }),
        ipId: 1,
        mtu: 1500,
      })[0];
    assert.deepEqual(probeAnswerOf(frame(0xdeadbeef), 0xdeadbeef, mac), {
      serverId: '10.99.1.254',
      srcIp: '10.99.1.254',
      srcMac: '02:00:00:00:00:fe',
      offered: '10.99.1.50',
    });
    assert.equal(probeAnswerOf(frame(1), 0xdeadbeef, mac), null);
  });
});
