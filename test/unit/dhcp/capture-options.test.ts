import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  archFamily,
  clientArchitectures,
  decodeDhcp,
  encodeDhcp,
  optionValueToJson,
  type DhcpMessage,
  type JsonValue,
} from '../../../src/protocol/dhcp/index.js';
import { frame, PXE_DISCOVERY_CONTROL_3_JSON } from './support/fixtures.js';

/**
 * Option values on real packets, each checked against what `tshark -V` (4.0.17) prints for the same frame; the
 * tshark lines are quoted next to the assertions.
 */

function decodeFrame(file: string, n: number): DhcpMessage {
  const msg = decodeDhcp(frame(file, n).payload);
  assert.deepEqual(encodeDhcp(msg), frame(file, n).payload);
  return msg;
}

function json(msg: DhcpMessage, code: number): JsonValue | undefined {
  const o = msg.options.find((x) => x.code === code);
  return o === undefined ? undefined : optionValueToJson(o.value);
}

test('lab proxydhcp: iPXE ROM Discover (93, 94, 60, 77 raw text, 55, 175, 61, 97)', () => {
  const m = decodeFrame('lab__proxydhcp__capture', 1);
  assert.equal(m.messageType, 'DISCOVER');
  // Maximum DHCP Message Size: 1472
  assert.equal(json(m, 57), 1472);
  // Client System Architecture: IA x86 PC (0)
  assert.deepEqual(json(m, 93), [{ code: 0, name: 'x86 BIOS' }]);
  assert.deepEqual(clientArchitectures(m), [0]);
  assert.equal(archFamily(0), 'bios');
  // Major Version: 2 / Minor Version: 1
  assert.deepEqual(json(m, 94), { type: 1, major: 2, minor: 1 });
  // Vendor class identifier: PXEClient:Arch:00000:UNDI:002001
  assert.equal(json(m, 60), 'PXEClient:Arch:00000:UNDI:002001');
  // User Class Data (Text): iPXE  [Expert Info (Note/Protocol): Non standard compliant option data]
  assert.deepEqual(json(m, 77), { format: 'raw', text: 'iPXE' });
  // Parameter Request List Item: (1) Subnet Mask ... (175) Etherboot, (203) Unassigned
  assert.deepEqual(
    json(m, 55),
    [1, 3, 6, 7, 12, 15, 17, 26, 43, 60, 66, 67, 119, 128, 129, 130, 131, 132, 133, 134, 135, 175, 203],
  );
  // Hardware type: Ethernet (0x01) / Client MAC address: RealtekU_12:34:56 (52:54:00:12:34:56)
  assert.deepEqual(json(m, 61), { type: 1, mac: '52:54:00:12:34:56' });
  // Client Identifier (UUID): 8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab. pxelinux asks for
  // pxelinux.cfg/1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab (the lab README): the wire order.
  assert.deepEqual(json(m, 97), {
    type: 0,
    uuid: '1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab',
    smbiosUuid: '8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab',
  });
  // tshark shows 175 as bytes only ("Value: b105018086100eeb0301000017..."); the meaning is iPXE's: e1000 NIC
  // 8086:100e, iPXE 1.0.0, and the console's "Features: DNS HTTP iSCSI NFS TFTP AoE ELF MBOOT PXE bzImage Menu PXEXT".
  const ipxe = m.options.find((o) => o.code === 175);
  assert.equal(ipxe?.name, 'iPXE Encapsulated Options');
  const subs = json(m, 175) as { code: number; name: string; value: JsonValue }[];
  assert.deepEqual(subs[0], {
    code: 0xb1,
    name: 'Bus ID',
    value: { busType: 1, vendor: '8086', device: '100e' },
  });
  assert.deepEqual(subs[1], { code: 0xeb, name: 'Version', value: '1.0.0' });
  assert.deepEqual(
    subs.slice(2).map((s) => s.name.replace('Feature ', '')),
    ['DNS', 'ELF', 'HTTP', 'iSCSI', 'Menu', 'Multiboot', 'NFS', 'PXEXT', 'PXE', 'TFTP', 'bzImage', 'AoE'],
  );
  assert.deepEqual(
    subs.find((s) => s.code === 0x10),
    { code: 0x10, name: 'Feature PXEXT', value: 2 },
  );
  assert.deepEqual(m.notes, []);
});

test('lab proxydhcp: proxy Offer carries PXE option 43 (6, 8, 9, 10, end)', () => {
  const m = decodeFrame('lab__proxydhcp__capture', 2);
  assert.equal(m.messageType, 'OFFER');
  assert.equal(m.yiaddr, '0.0.0.0');
  assert.equal(m.broadcast, true); // Bootp flags: 0x8000, Broadcast flag (Broadcast)
  assert.equal(json(m, 54), '10.77.0.1'); // DHCP Server Identifier: 10.77.0.1
  assert.equal(json(m, 60), 'PXEClient');
  assert.equal(m.options.find((o) => o.code === 43)?.name, 'Vendor-Specific Information');
  assert.deepEqual(json(m, 43), [
    // discovery control: 0x03, Disable Broadcast, Disable Multicast (Serverlist only / Bootstrap override: Not set)
    PXE_DISCOVERY_CONTROL_3_JSON,
    // Type: Unknown (32768) / IP count: 1 / IP: 10.77.0.1
    { code: 8, name: 'PXE boot servers', value: [{ type: 32768, ips: ['10.77.0.1'] }] },
    // Type: Unknown (32768) / Length: 30 / Description: PXE-LAB pxelinux via proxyDHCP
    {
      code: 9,
      name: 'PXE boot menu',
      value: [{ type: 32768, description: 'PXE-LAB pxelinux via proxyDHCP' }],
    },
    // Timeout: 1 / Prompt: PXE-LAB proxyDHCP
    { code: 10, name: 'PXE menu prompt', value: { timeout: 1, prompt: 'PXE-LAB proxyDHCP' } },
    // PXE Client End: 255
    { code: 255, name: 'PXE End', value: null },
  ]);
});

test('lab proxydhcp: port-4011 Request and ACK (43.71 boot item, file, siaddr)', () => {
  const req = decodeFrame('lab__proxydhcp__capture', 24);
  assert.equal(req.xid, 0); // Transaction ID 0x0
  // Option 43 Suboption: (71) PXE boot item / Type: 32768 / Layer: 0000 / PXE Client End: 255
  assert.deepEqual(json(req, 43), [
    { code: 71, name: 'PXE boot item', value: { type: 32768, layer: 0 } },
    { code: 255, name: 'PXE End', value: null },
  ]);
  const ack = decodeFrame('lab__proxydhcp__capture', 25);
  assert.equal(ack.messageType, 'ACK');
  assert.equal(ack.siaddr, '10.77.0.1'); // Next server IP address: 10.77.0.1
  assert.equal(ack.file, 'pxelinux.0'); // Boot file name: pxelinux.0
  assert.equal(ack.sname, ''); // Server host name not given
  assert.deepEqual(json(ack, 43), [
    { code: 71, name: 'PXE boot item', value: { type: 32768, layer: 0 } },
    { code: 10, name: 'PXE menu prompt', value: { timeout: 1, prompt: 'PXE-LAB proxyDHCP' } },
    { code: 255, name: 'PXE End', value: null },
  ]);
});

test('lab happy-ipxe: dnsmasq ACK (67 with trailing NUL, times, addresses)', () => {
  const m = decodeFrame('lab__happy-ipxe__capture', 14);
  assert.equal(m.messageType, 'ACK');
  // Option: (67) Bootfile name / Length: 10 / Bootfile name: boot.ipxe   (the 10th byte is a NUL)
  const o67 = m.options.find((o) => o.code === 67);
  assert.deepEqual(o67?.value, { kind: 'text', text: 'boot.ipxe', nulTerminated: true });
  assert.equal(o67?.raw.length, 10);
  assert.equal(json(m, 51), 3600); // IP Address Lease Time: (3600s) 1 hour
  assert.equal(json(m, 58), 1800); // Renewal Time Value: (1800s) 30 minutes
  assert.equal(json(m, 59), 3150); // Rebinding Time Value: (3150s) 52 minutes, 30 seconds
  assert.equal(json(m, 1), '255.255.255.0'); // Subnet Mask: 255.255.255.0
  assert.equal(json(m, 28), '10.77.0.255'); // Broadcast Address: 10.77.0.255
  assert.deepEqual(json(m, 3), ['10.77.0.1']); // Router: 10.77.0.1
  assert.equal(m.siaddr, '10.77.0.1'); // Next server IP address: 10.77.0.1
  assert.equal(m.yiaddr, '10.77.0.111'); // Your (client) IP address: 10.77.0.111
});

test('lab uefi-edk2-happy: EDK2 Discover is x64 UEFI, UNDI 3.0', () => {
  const m = decodeFrame('lab__uefi-edk2-happy__capture', 1);
  // Client System Architecture: EFI x64 (7)
  assert.deepEqual(json(m, 93), [{ code: 7, name: 'x64 UEFI' }]);
  assert.deepEqual(clientArchitectures(m), [7]);
  assert.equal(archFamily(7), 'uefi');
  // Major Version: 3 / Minor Version: 0
  assert.deepEqual(json(m, 94), { type: 1, major: 3, minor: 0 });
  assert.equal(json(m, 60), 'PXEClient:Arch:00007:UNDI:003000');
});

test('tcpdump dhcp-rfc3004: user class as RFC 3004 instances', () => {
  const m = decodeFrame('public__tcpdump__dhcp-rfc3004', 1);
  // Instance of User Class: [0] Length 7 7375626f707431 / [1] Length 17 7375626f7074322d313233343536373839 /
  // [2] Length 10 7375626f7074332d3132
  assert.deepEqual(json(m, 77), {
    format: 'rfc3004',
    classes: ['subopt1', 'subopt2-123456789', 'subopt3-12'],
  });
});

test('tcpdump dhcp-rfc5859: TFTP server address list (150)', () => {
  const m = decodeFrame('public__tcpdump__dhcp-rfc5859', 2);
  const o = m.options.find((x) => x.code === 150);
  assert.equal(o?.name, 'TFTP Server Address');
  // TFTP Server Address: 192.168.1.10 / TFTP Server Address: 192.168.1.11
  assert.deepEqual(json(m, 150), ['192.168.1.10', '192.168.1.11']);
});

test('suricata dhcp-option-52-overload: options in sname merged, sname empty', () => {
  // Frame 4: Option Overload: Server host name holds options (2); Server host name option overload:
  // (6) Domain Name Server: 10.100.0.2, (3) Router: 10.100.0.2, (15) Domain Name (length 9)
  for (const n of [4, 7]) {
    const m = decodeFrame('public__sv__dhcp-option-52-overload__input', n);
    assert.equal(m.sname, '');
    assert.equal(json(m, 52), 2);
    assert.deepEqual(json(m, 6), ['10.100.0.2']);
    assert.deepEqual(json(m, 3), ['10.100.0.2']);
    assert.equal(json(m, 15), 'evil.corp');
    assert.deepEqual(
      m.options.map((o) => `${o.code}:${o.source}`),
      ['53:options', '54:options', '51:options', '1:options', '52:options', '6:sname', '3:sname', '15:sname'],
    );
    assert.deepEqual(m.notes, ['option overload (52) value 2: options continue in the sname field']);
    assert.equal(m.wire?.layout === 'captured' && m.wire.sname !== null, true);
  }
  // Frames 3 and 8, not overloaded: Server host name: evil-pxe.attacker.local, Router/DNS 10.100.0.1.
  for (const n of [3, 8]) {
    const m = decodeFrame('public__sv__dhcp-option-52-overload__input', n);
    assert.equal(m.sname, 'evil-pxe.attacker.local');
    assert.deepEqual(json(m, 6), ['10.100.0.1']);
    assert.deepEqual(json(m, 3), ['10.100.0.1']);
    assert.equal(json(m, 15), 'legit.local');
  }
});

test('zeek dhcp_ack_subscriber_id_and_agent_remote_id: relay agent information (82)', () => {
  const m = decodeFrame('public__zeek__dhcp_ack_subscriber_id_and_agent_remote_id', 1);
  assert.equal(m.options.find((o) => o.code === 82)?.name, 'Relay Agent Information');
  assert.deepEqual(json(m, 82), [
    // Option 82 Suboption: (1) Agent Circuit ID / Length: 22 / Agent Circuit ID: 7468697320...2e2e2e
    { code: 1, name: 'Agent Circuit ID', value: '74686973206973206f6e6c79206120746573742e2e2e' },
    // (2) Agent Remote ID / Length: 1 / Agent Remote ID: 13
    { code: 2, name: 'Agent Remote ID', value: '13' },
    // (6) Subscriber ID / Length: 7 / Subscriber ID: -subID-
    { code: 6, name: 'Subscriber-ID', value: '-subID-' },
  ]);
});

test('zeek dhcp_bad_cookie_option_retention: a bad cookie means no options', () => {
  // Frames 2-4: tshark stops after "Boot file name not given" ([Malformed Packet]); Info "Boot Request from ...".
  for (const n of [2, 3, 4]) {
    const m = decodeFrame('public__zeek__dhcp_bad_cookie_option_retention', n);
    assert.equal(m.messageType, null);
    assert.deepEqual(m.options, []);
    assert.deepEqual(m.notes, ['bad magic cookie 0x00000000: vendor area not decoded as options']);
  }
  // Frames 1 and 5 are normal Discovers (Magic cookie: DHCP, Option: (53) DHCP Message Type (Discover)).
  for (const n of [1, 5])
    assert.equal(decodeFrame('public__zeek__dhcp_bad_cookie_option_retention', n).messageType, 'DISCOVER');
});

test('pcapplusplus Dhcp1: type-0 client id, TFTP server name, circuit id', () => {
  const m = decodeFrame('public__pcapplusplus__Dhcp1', 1);
  // Type: 0 / Client Identifier: nathan1clientid
  assert.deepEqual(json(m, 61), {
    type: 0,
    value: '6e617468616e31636c69656e746964',
    text: 'nathan1clientid',
  });
  assert.equal(json(m, 66), '172.22.178.234'); // TFTP Server Name: 172.22.178.234
  assert.deepEqual(json(m, 6), ['143.209.4.1', '143.209.5.1']);
  assert.deepEqual(json(m, 82), [
    { code: 1, name: 'Agent Circuit ID', value: '20504f4e20312f312f30372f30313a312e302e31' },
  ]);
  assert.equal(m.giaddr, '10.10.8.240'); // Relay agent IP address
});

test('zeek dhcp_time_and_nameserver: signed time offset, servers, WPAD text, BOOTP file', () => {
  const m = decodeFrame('public__zeek__dhcp_time_and_nameserver', 2);
  assert.equal(json(m, 2), -18000); // Time Offset: (-18000s) -5 hours
  assert.deepEqual(json(m, 4), ['192.168.15.101']); // Time Server
  assert.deepEqual(json(m, 5), ['192.168.15.101']); // Name Server
  assert.deepEqual(json(m, 42), ['192.168.15.101']); // Network Time Protocol Server
  assert.equal(json(m, 252), 'http://delays.powerpuff/proxy.pac'); // Private/Proxy autodiscovery
  assert.equal(m.options.find((o) => o.code === 252)?.name, 'Private');
  assert.equal(m.file, 'pxelinux.0'); // Boot file name: pxelinux.0
});

test('tcpdump dhcp-option-33: static routes, and lengths that are not pairs', () => {
  // Destination IP Address: 10.0.0.1 / Destination Router: 10.0.0.2
  assert.deepEqual(json(decodeFrame('public__tcpdump__dhcp-option-33', 1), 33), [['10.0.0.1', '10.0.0.2']]);
  assert.deepEqual(json(decodeFrame('public__tcpdump__dhcp-option-33', 3), 33), [
    ['10.0.0.1', '10.0.0.2'],
    ['10.0.0.3', '10.0.0.4'],
    ['10.0.0.5', '10.0.0.6'],
  ]);
  // Length: 3 [Expert Info (Error/Protocol): Option length isn't a multiple of 8] → kept as hex with a note.
  const odd = decodeFrame('public__tcpdump__dhcp-option-33', 4);
  assert.equal(odd.options.find((o) => o.code === 33)?.value.kind, 'hex');
  assert.match(odd.notes[0], /^option 33 \(Static Route\): length 3 is not a multiple of 8/);
});

test('zeek dhcp: option 43 of a non-PXE vendor stays hex; NAK message', () => {
  const offer = decodeFrame('public__zeek__dhcp', 2);
  assert.equal(json(offer, 60), 'ArubaAP');
  // Vendor-Specific Information (Aruba AP): Aruba Controller IP: 172.18.6.37 (a vendor format we do not read)
  assert.equal(offer.options.find((o) => o.code === 43)?.value.kind, 'hex');
  assert.deepEqual(json(offer, 44), ['128.2.104.29', '128.2.104.30']);
  assert.equal(json(offer, 46), 2); // NetBIOS over TCP/IP Node Type: P-node (2)
  assert.equal(decodeFrame('public__zeek__dhcp', 4).messageType, 'NAK');
});

test('ndpi dhcp-fuzz: unknown message type and a short option are reported, not fatal', () => {
  // Info: DHCP Unknown Message Type (0x6a) - Transaction ID 0xc979b960[Malformed Packet]
  const m = decodeFrame('public__ndpi__dhcp-fuzz', 1);
  assert.equal(m.messageType, 'UNKNOWN(106)');
  assert.deepEqual(m.notes, [
    'option 60 (Vendor class identifier) at offset 261: length 49 exceeds the 37 remaining bytes',
    'missing end option in the options area',
  ]);
});
