/**
 * The lab's proxyDHCP client played against a scripted proxy setup on another network: the 4011 request goes
 * to the boot server the new proxy offer names (option 43, sub-option 8), not to the captured address; when
 * that boot server is silent the client learns no boot file and reads nothing. Also the diff of a proxy offer
 * whose boot server list only moved with the server.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  decodeDhcp,
  dhcpMessageFromFields,
  discoveryControl,
  pxeVendorValue,
  type DhcpMessage,
} from '../../../src/protocol/dhcp/index.js';
import { compareDhcpAnswer, type TftpAnswer } from '../../../src/report/replay-model.js';
import { playClient } from '../../../src/replay/play.js';
import { readClientScripts } from '../../../src/replay/script.js';
import type { DhcpSend, ReceivedDhcp, ReplayTarget, TftpRead } from '../../../src/replay/target.js';
import { projectRoot } from '../../support/fixtures.js';

const PROXY = join(projectRoot(), 'fixtures', 'captures', 'lab', 'proxydhcp', 'capture.pcapng');
const MAC = '52:54:00:12:34:56';
const PROXY_IP = '10.99.0.1';
const DHCP_IP = '10.99.0.2';
const BOOT_IP = '10.99.0.9';
const LEASE = '10.99.0.111';

function proxyVendor(bootServer: string): { code: number; value: ReturnType<typeof pxeVendorValue> } {
  return {
    code: 43,
    value: pxeVendorValue([
      { code: 6, value: discoveryControl(3) },
      { code: 8, value: { kind: 'bootServers', servers: [{ type: 0x8000, ips: [bootServer] }] } },
    ]),
  };
}

function answer(xid: number, from: string, f: Parameters<typeof dhcpMessageFromFields>[0]): ReceivedDhcp {
  const message: DhcpMessage = dhcpMessageFromFields({
    op: 2,
    xid,
    chaddr: MAC,
    ...f,
    options: [{ code: 54, value: { kind: 'ip', ip: from } }, ...(f.options ?? [])],
  });
  return { message, src: from, srcPort: 67 };
}

/** A plain DHCP server, a proxy naming BOOT_IP as its boot server, and BOOT_IP answering 4011 or not. */
class ProxySetup implements ReplayTarget {
  readonly description = 'scripted proxy setup';
  readonly sent: { type: string | null; port: number; dst: string }[] = [];
  readonly reads: string[] = [];
  constructor(
    private readonly bootServerAnswers: boolean,
    private readonly tftpAnswers = true,
  ) {}

  dhcp(send: DhcpSend): Promise<ReceivedDhcp[]> {
    const { xid, messageType: type } = decodeDhcp(send.bytes);
    this.sent.push({ type, port: send.port, dst: send.dst });
    if (send.port === 4011) {
      if (!this.bootServerAnswers || send.dst !== BOOT_IP) return Promise.resolve([]);
      const ack = answer(xid, BOOT_IP, { messageType: 'ACK', siaddr: BOOT_IP, file: 'pxelinux.0' });
      return Promise.resolve([{ ...ack, srcPort: 4011 }]);
    }
    if (type === 'DISCOVER')
      return Promise.resolve([
        answer(xid, PROXY_IP, {
          messageType: 'OFFER',
          options: [{ code: 60, value: { kind: 'text', text: 'PXEClient' } }, proxyVendor(BOOT_IP)],
        }),
        answer(xid, DHCP_IP, { messageType: 'OFFER', yiaddr: LEASE }),
      ]);
    return Promise.resolve([answer(xid, DHCP_IP, { messageType: 'ACK', yiaddr: LEASE })]);
  }

  tftp(read: TftpRead): Promise<TftpAnswer> {
    this.reads.push(`${read.server} ${read.filename}`);
    return Promise.resolve({ answered: this.tftpAnswers, oack: null, error: null, size: null, sha256: null });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

async function play(target: ProxySetup) {
  const scripts = await readClientScripts(PROXY, { keepData: false });
  return playClient(scripts.clients[0], { target, findings: [], newXid: () => 0x1234 });
}

describe('replay of a proxyDHCP client: following the new boot server', () => {
  test('the 4011 request goes to the boot server the new proxy offer names, and the reads follow', async () => {
    const target = new ProxySetup(true);
    const r = await play(target);
    assert.deepEqual(
      target.sent.filter((s) => s.port === 4011).map((s) => s.dst),
      [BOOT_IP],
    );
    const ack = r.exchanges.find((e) => e.label.startsWith('4011'));
    assert.equal(ack?.fields.find((f) => f.field === 'answer')?.status, 'same');
    assert.equal(target.reads.length, 17);
    assert.ok(target.reads.every((x) => x.startsWith(`${BOOT_IP} `)));
    assert.equal(target.reads[0], `${BOOT_IP} pxelinux.0`);
  });

  test('a silent boot server: the missing 4011 ACK is the difference and nothing is read', async () => {
    const target = new ProxySetup(false);
    const r = await play(target);
    const ack = r.exchanges.find((e) => e.label.startsWith('4011'));
    assert.equal(ack?.status, 'differs');
    assert.deepEqual(
      ack?.fields.filter((f) => f.status === 'differs').map((f) => [f.field, f.captured, f.replayed]),
      [['answer', 'ACK', 'none']],
    );
    assert.deepEqual(target.reads, []);
    const reads = r.exchanges.filter((e) => e.label.startsWith('TFTP'));
    assert.equal(reads.length, 17);
    assert.ok(reads.every((e) => e.status === 'skipped' && /not sent/.test(e.note ?? '')));
  });
});

describe('replay of reads a TFTP server never answers', () => {
  test('the first read waits out its timeouts; the later reads from that server are not sent', async () => {
    const target = new ProxySetup(true, false);
    const r = await play(target);
    assert.deepEqual(target.reads, [`${BOOT_IP} pxelinux.0`]);
    const reads = r.exchanges.filter((e) => e.label.startsWith('TFTP'));
    assert.equal(reads[0].status, 'differs');
    assert.deepEqual(
      reads[0].fields.find((f) => f.field === 'answer'),
      { field: 'answer', captured: 'OACK', replayed: 'none', status: 'differs' },
    );
    for (const e of reads.slice(1)) {
      assert.equal(e.status, 'skipped');
      assert.equal(e.note, `not sent: ${BOOT_IP} did not answer the read of pxelinux.0`);
    }
  });
});

describe('a proxy offer from a moved server', () => {
  const offer = (server: string, bootServer: string): DhcpMessage =>
    answer(1, server, { messageType: 'OFFER', options: [proxyVendor(bootServer)] }).message;

  test('its own address in the boot server list moves with it: differs as expected', () => {
    const fields = compareDhcpAnswer(offer('10.77.0.1', '10.77.0.1'), offer(PROXY_IP, PROXY_IP), false, {
      from: '10.77.0.1',
      to: PROXY_IP,
    });
    assert.equal(fields.find((f) => f.field === 'vendor options (43)')?.status, 'volatile');
  });

  test('another boot server than itself is a difference', () => {
    const fields = compareDhcpAnswer(offer('10.77.0.1', '10.77.0.1'), offer(PROXY_IP, BOOT_IP), false, {
      from: '10.77.0.1',
      to: PROXY_IP,
    });
    assert.equal(fields.find((f) => f.field === 'vendor options (43)')?.status, 'differs');
  });
});
