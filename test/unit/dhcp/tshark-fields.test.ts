import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDhcp, type DhcpMessage, type PxeSubValue } from '../../../src/protocol/dhcp/index.js';
import { allFields, allFixtures, tsharkSawDhcp } from './support/fixtures.js';

/**
 * Differential test against tshark 4.0: for every payload whose fields tshark decoded (data/fields), the same
 * values must come out of decodeDhcp. Options are compared on packets we found nothing wrong with (an overload
 * note is information, not damage); on malformed ones the two decoders may legitimately stop at different places.
 */

function malformed(msg: DhcpMessage): boolean {
  return msg.notes.some((n) => !n.startsWith('option overload (52) value'));
}

function hex(n: number, width: number): string {
  return `0x${n.toString(16).padStart(width, '0')}`;
}

function optionStrings(msg: DhcpMessage, code: number): string[] {
  const o = msg.options.find((x) => x.code === code);
  if (o === undefined) return [];
  const v = o.value;
  switch (v.kind) {
    case 'ip':
      return [v.ip];
    case 'ipList':
      return v.ips;
    case 'text':
      return [v.text];
    case 'seconds':
      return [String(v.seconds)];
    case 'u8':
    case 'u16':
    case 'u32':
      return [String(v.value)];
    case 'codes':
      return v.codes.map(String);
    case 'arch':
      return v.archs.map((a) => String(a.code));
    case 'uuid':
      return [v.smbiosUuid];
    case 'userClass':
      return v.format === 'raw' ? [v.text] : [];
    default:
      return [`<${v.kind}>`];
  }
}

function pxeStrings(msg: DhcpMessage, sub: number, pick: (v: PxeSubValue) => string[]): string[] {
  const o = msg.options.find((x) => x.code === 43);
  if (o === undefined || o.value.kind !== 'pxe') return [];
  return o.value.suboptions.filter((s) => s.code === sub).flatMap((s) => pick(s.value));
}

const OPTION_FIELDS: [string, number][] = [
  ['dhcp.option.subnet_mask', 1],
  ['dhcp.option.router', 3],
  ['dhcp.option.domain_name_server', 6],
  ['dhcp.option.hostname', 12],
  ['dhcp.option.domain_name', 15],
  ['dhcp.option.interface_mtu', 26],
  ['dhcp.option.broadcast_address', 28],
  ['dhcp.option.requested_ip_address', 50],
  ['dhcp.option.ip_address_lease_time', 51],
  ['dhcp.option.option_overload', 52],
  ['dhcp.option.dhcp_server_id', 54],
  ['dhcp.option.request_list_item', 55],
  ['dhcp.option.dhcp_max_message_size', 57],
  ['dhcp.option.renewal_time_value', 58],
  ['dhcp.option.rebinding_time_value', 59],
  ['dhcp.option.vendor_class_id', 60],
  ['dhcp.option.tftp_server_name', 66],
  ['dhcp.option.bootfile_name', 67],
  ['dhcp.option.client_system_architecture', 93],
  ['dhcp.client_id.uuid', 97],
  ['dhcp.option.tftp_server_address', 150],
  ['dhcp.option.user_class.text', 77],
];

test('header fields and option values agree with tshark on every captured payload', () => {
  const fields = allFields();
  let compared = 0;
  let optionValues = 0;
  for (const [file, rows] of allFixtures()) {
    const byFrame = fields.get(file);
    assert.ok(byFrame !== undefined, `no tshark fields for ${file}`);
    // tshark 4.0 gives no field at all for a snaplen-cut DHCP packet.
    for (const row of rows.filter((r) => tsharkSawDhcp(r) && !r.info.includes('[Packet size limited'))) {
      const t = byFrame.get(row.frame);
      assert.ok(t !== undefined, `${file} frame ${row.frame}: no tshark fields`);
      const where = `${file} frame ${row.frame}`;
      const msg = decodeDhcp(row.payload);
      const field = (name: string): string[] => t.get(name) ?? [];
      if (row.payload.length >= 236) {
        assert.deepEqual(field('dhcp.id'), [hex(msg.xid, 8)], `${where} xid`);
        assert.deepEqual(field('dhcp.secs'), [String(msg.secs)], `${where} secs`);
        assert.deepEqual(field('dhcp.flags'), [hex(msg.flags, 4)], `${where} flags`);
        assert.deepEqual(field('dhcp.ip.client'), [msg.ciaddr], `${where} ciaddr`);
        assert.deepEqual(field('dhcp.ip.your'), [msg.yiaddr], `${where} yiaddr`);
        assert.deepEqual(field('dhcp.ip.server'), [msg.siaddr], `${where} siaddr`);
        assert.deepEqual(field('dhcp.ip.relay'), [msg.giaddr], `${where} giaddr`);
        if (msg.htype === 1 && msg.hlen === 6)
          assert.equal(field('dhcp.hw.mac_addr')[0], msg.chaddr, `${where} chaddr`);
        if (!malformed(msg)) {
          assert.deepEqual(field('dhcp.server'), msg.sname === '' ? [] : [msg.sname], `${where} sname`);
          assert.deepEqual(field('dhcp.file'), msg.file === '' ? [] : [msg.file], `${where} file`);
        }
      }
      compared++;
      if (malformed(msg)) continue;
      for (const [name, code] of OPTION_FIELDS) {
        const ours = optionStrings(msg, code);
        assert.deepEqual(ours, field(name), `${where} ${name}`);
        optionValues += ours.length;
      }
      assert.deepEqual(
        pxeStrings(msg, 6, (v) => (v.kind === 'discoveryControl' ? [hex(v.bits, 2)] : [])),
        field('dhcp.option.vendor.pxeclient.discovery_control'),
        `${where} PXE discovery control`,
      );
      assert.deepEqual(
        pxeStrings(msg, 8, (v) => (v.kind === 'bootServers' ? v.servers.flatMap((s) => s.ips) : [])),
        field('dhcp.option.vendor.pxeclient.boot_servers.ip'),
        `${where} PXE boot servers`,
      );
      assert.deepEqual(
        pxeStrings(msg, 9, (v) => (v.kind === 'bootMenu' ? v.items.map((i) => i.description) : [])),
        field('dhcp.option.vendor.pxeclient.boot_menu.desc'),
        `${where} PXE boot menu`,
      );
      assert.deepEqual(
        pxeStrings(msg, 10, (v) => (v.kind === 'menuPrompt' ? [v.prompt] : [])),
        field('dhcp.option.vendor.pxeclient.menu_prompt.prompt'),
        `${where} PXE menu prompt`,
      );
    }
  }
  assert.ok(compared >= 10_950, `only ${compared} packets compared`);
  // 6 306 when the fixtures were generated: most of the packets are two floods of bare Discovers.
  assert.ok(optionValues >= 6_300, `only ${optionValues} option values compared`);
});
