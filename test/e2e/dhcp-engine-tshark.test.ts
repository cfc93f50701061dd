/**
 * tshark reads the engine's replies as meant: every reply kind (full OFFER/ACK/NAK, proxy OFFER, boot service
 * ACK, HTTP boot OFFER) is framed (Ethernet/IPv4/UDP, addressed as the engine routed it), written to a pcap,
 * and every field the engine set is checked in tshark's decode. No packet is sent anywhere.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PcapWriter } from '../../src/capture/writer.js';
import { encodeEthernet } from '../../src/protocol/ethernet.js';
import { encodeIpv4 } from '../../src/protocol/ipv4.js';
import { encodeUdp } from '../../src/protocol/udp.js';
import { encodeDhcp } from '../../src/protocol/dhcp/index.js';
import { openDhcpEngine } from '../../src/server/dhcp/engine.js';
import type { DhcpOutbound } from '../../src/server/dhcp/types.js';
import {
  SERVER_IP,
  clientMessage,
  fullConfig,
  inbound,
  ip,
  proxyConfig,
  serverId,
} from '../unit/server/dhcp-support.js';
import { requireTools } from './support/require.js';
import { run } from './support/run.js';

const SERVER_MAC = '02:99:00:00:00:01';
const FIELDS = [
  'eth.dst',
  'ip.src',
  'ip.dst',
  'udp.srcport',
  'udp.dstport',
  'dhcp.type',
  'dhcp.id',
  'dhcp.flags.bc',
  'dhcp.ip.client',
  'dhcp.ip.your',
  'dhcp.ip.server',
  'dhcp.file',
  'dhcp.option.dhcp',
  'dhcp.option.dhcp_server_id',
  'dhcp.option.ip_address_lease_time',
  'dhcp.option.renewal_time_value',
  'dhcp.option.rebinding_time_value',
  'dhcp.option.subnet_mask',
  'dhcp.option.broadcast_address',
  'dhcp.option.router',
  'dhcp.option.vendor_class_id',
  'dhcp.option.tftp_server_name',
  'dhcp.option.bootfile_name',
  'dhcp.option.vendor.pxeclient.discovery_control',
  'dhcp.option.vendor.pxeclient.boot_servers.type',
  'dhcp.option.vendor.pxeclient.boot_servers.ip',
  'dhcp.option.vendor.pxeclient.boot_menu.desc',
  'dhcp.option.vendor.pxeclient.menu_prompt.timeout',
  'dhcp.option.vendor.pxeclient.menu_prompt.prompt',
  'dhcp.option.vendor.pxeclient.boot_item.type',
  '_ws.malformed',
  '_ws.expert.severity',
] as const;
type Field = (typeof FIELDS)[number];

function frame(out: DhcpOutbound): Uint8Array {
  const udp = encodeUdp(SERVER_IP, out.to.ip, out.srcPort, out.to.port, encodeDhcp(out.message));
  const ipv4 = encodeIpv4({ src: SERVER_IP, dst: out.to.ip, protocol: 17, ttl: 64 }, udp);
  return encodeEthernet({ dst: out.to.mac, src: SERVER_MAC, etherType: 0x0800 }, ipv4);
}

test('tshark decodes every field the DHCP engine sets as meant', { timeout: 60_000 }, async (t) => {
  if (!requireTools(t, ['tshark'])) return;
  const full = await openDhcpEngine(fullConfig());
  const proxy = await openDhcpEngine(proxyConfig());
  const replies: DhcpOutbound[] = [];
  const take = (r: { replies: DhcpOutbound[] }): DhcpOutbound => {
    assert.equal(r.replies.length, 1);
    replies.push(r.replies[0]);
    return r.replies[0];
  };
  const offer = take(full.handle(inbound(clientMessage('DISCOVER', { xid: 1 }))));
  take(
    full.handle(
      inbound(clientMessage('REQUEST', { xid: 2, extra: [serverId(SERVER_IP), ip(offer.message.yiaddr)] })),
    ),
  );
  take(
    full.handle(
      inbound(
        clientMessage('REQUEST', {
          xid: 3,
          extra: [serverId(SERVER_IP), ip('10.99.0.149')],
          chaddr: '02:00:00:00:00:09',
        }),
      ),
    ),
  );
  // 10.99.0.149 is now held by that client: the first client asking for it is refused.
  take(
    full.handle(
      inbound(clientMessage('REQUEST', { xid: 4, extra: [serverId(SERVER_IP), ip('10.99.0.149')] })),
    ),
  );
  take(proxy.handle(inbound(clientMessage('DISCOVER', { xid: 5, arch: 7 }))));
  const bootItem = { code: 43, raw: Uint8Array.of(71, 4, 0x80, 0x00, 0, 0, 255) };
  take(
    proxy.handle(
      inbound(clientMessage('REQUEST', { xid: 6, arch: 7, ciaddr: '10.99.0.120', extra: [bootItem] }), {
        port: 4011,
        srcIp: '10.99.0.120',
      }),
    ),
  );
  take(
    proxy.handle(
      inbound(clientMessage('DISCOVER', { xid: 7, arch: 16, vendor: 'HTTPClient:Arch:00016:UNDI:003001' })),
    ),
  );

  const dir = mkdtempSync(join(tmpdir(), 'pxd-e2e-dhcp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'replies.pcap');
  writeFileSync(
    file,
    PcapWriter.file(
      { linkType: 1 },
      replies.map((r, i) => ({ data: frame(r), seconds: 1_800_000_000 + i })),
    ),
  );
  const args = [
    '-n',
    '-r',
    file,
    '-T',
    'fields',
    '-E',
    'separator=/t',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
  ];
  for (const f of FIELDS) args.push('-e', f);
  const res = await run('tshark', args, { timeoutMs: 30_000 });
  assert.equal(res.code, 0, res.stderr);
  const rows = res.stdout
    .toString('utf8')
    .trimEnd()
    .split('\n')
    .map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(FIELDS.map((f, i) => [f, cells[i] ?? ''])) as Record<Field, string>;
    });
  assert.equal(rows.length, replies.length);
  const want = (n: number, expected: Partial<Record<Field, string>>): void => {
    for (const [k, v] of Object.entries(expected))
      assert.equal(rows[n][k as Field], v, `frame ${n + 1} ${k}`);
    assert.equal(rows[n]['_ws.malformed'], '', `frame ${n + 1} is not malformed`);
    assert.ok(
      !/error|warn/i.test(rows[n]['_ws.expert.severity']),
      `frame ${n + 1} expert: ${rows[n]['_ws.expert.severity']}`,
    );
  };
  const fullOffer = {
    'ip.src': SERVER_IP,
    'udp.srcport': '67',
    'udp.dstport': '68',
    'dhcp.type': '2',
    'dhcp.ip.server': SERVER_IP,
    'dhcp.file': 'pxelinux.0',
    'dhcp.option.dhcp_server_id': SERVER_IP,
    'dhcp.option.ip_address_lease_time': '3600',
    'dhcp.option.renewal_time_value': '1800',
    'dhcp.option.rebinding_time_value': '3150',
    'dhcp.option.subnet_mask': '255.255.255.0',
    'dhcp.option.broadcast_address': '10.99.0.255',
    'dhcp.option.router': SERVER_IP,
    'dhcp.option.tftp_server_name': SERVER_IP,
    'dhcp.option.bootfile_name': 'pxelinux.0',
    'dhcp.option.vendor_class_id': '',
  };
  want(0, {
    ...fullOffer,
    'dhcp.option.dhcp': '2',
    'dhcp.id': '0x00000001',
    'dhcp.ip.your': '10.99.0.100',
    'ip.dst': '10.99.0.100',
    'eth.dst': '52:54:00:12:34:56',
    'dhcp.flags.bc': '0',
  });
  want(1, { ...fullOffer, 'dhcp.option.dhcp': '5', 'dhcp.ip.your': '10.99.0.100' });
  want(2, {
    ...fullOffer,
    'dhcp.option.dhcp': '5',
    'dhcp.ip.your': '10.99.0.149',
    'eth.dst': '02:00:00:00:00:09',
  });
  want(3, {
    'dhcp.option.dhcp': '6',
    'dhcp.ip.your': '0.0.0.0',
    'dhcp.ip.server': '0.0.0.0',
    'dhcp.file': '',
    'dhcp.option.dhcp_server_id': SERVER_IP,
    'ip.dst': '255.255.255.255',
    'eth.dst': 'ff:ff:ff:ff:ff:ff',
    'dhcp.option.ip_address_lease_time': '',
  });
  want(4, {
    'dhcp.option.dhcp': '2',
    'dhcp.ip.your': '0.0.0.0',
    'dhcp.flags.bc': '1',
    'ip.dst': '255.255.255.255',
    'dhcp.option.vendor_class_id': 'PXEClient',
    'dhcp.option.vendor.pxeclient.discovery_control': '0x03',
    'dhcp.option.vendor.pxeclient.boot_servers.type': '32768',
    'dhcp.option.vendor.pxeclient.boot_servers.ip': SERVER_IP,
    'dhcp.option.vendor.pxeclient.boot_menu.desc': 'PXE-LAB pxelinux via proxyDHCP',
    'dhcp.option.vendor.pxeclient.menu_prompt.timeout': '1',
    'dhcp.option.vendor.pxeclient.menu_prompt.prompt': 'PXE-LAB proxyDHCP',
    'dhcp.file': '',
  });
  want(5, {
    'udp.srcport': '4011',
    'udp.dstport': '68',
    'ip.dst': '10.99.0.120',
    'dhcp.option.dhcp': '5',
    'dhcp.ip.your': '10.99.0.120',
    'dhcp.ip.client': '0.0.0.0',
    'dhcp.ip.server': SERVER_IP,
    'dhcp.file': 'ipxe.efi',
    'dhcp.option.bootfile_name': 'ipxe.efi',
    'dhcp.option.tftp_server_name': SERVER_IP,
    'dhcp.option.vendor_class_id': 'PXEClient',
    'dhcp.option.vendor.pxeclient.boot_item.type': '32768',
  });
  want(6, {
    'dhcp.option.dhcp': '2',
    'dhcp.option.vendor_class_id': 'HTTPClient',
    'dhcp.file': 'http://10.99.0.1/ipxe.efi',
    'dhcp.option.bootfile_name': 'http://10.99.0.1/ipxe.efi',
    'dhcp.option.tftp_server_name': '',
  });
});
