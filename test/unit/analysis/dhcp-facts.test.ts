import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dhcpEvent, isIpxeEvent } from '../../../src/analysis/dhcp-facts.js';
import { dhcp, opt } from './support/records.js';

describe('dhcpEvent', () => {
  it('extracts the PXE facts of a client DISCOVER', () => {
    const e = dhcpEvent(
      dhcp({
        frame: 1,
        t: 0,
        type: 'DISCOVER',
        secs: 4,
        options: [
          opt.u16(57, 1472),
          opt.u16(93, 0),
          opt.text(60, 'PXEClient:Arch:00000:UNDI:002001'),
          opt.text(77, 'iPXE'),
          opt.bytes(55, 1, 3, 43, 60, 66, 67),
          opt.bytes(175, 0xb1, 0x05, 0x01),
          opt.ip(50, '10.77.0.111'),
        ],
      }),
      0,
    );
    assert.equal(e.role, 'client');
    assert.equal(e.messageType, 'DISCOVER');
    assert.deepEqual(e.arch, [0]);
    assert.equal(e.vendorClass, 'PXEClient:Arch:00000:UNDI:002001');
    assert.equal(e.userClass, 'iPXE');
    assert.equal(e.ipxeOptions, true);
    assert.equal(isIpxeEvent(e), true);
    assert.deepEqual(e.parameterRequestList, [1, 3, 43, 60, 66, 67]);
    assert.equal(e.maxMessageSize, 1472);
    assert.equal(e.requestedIp, '10.77.0.111');
    assert.equal(e.serverId, null, 'a request names a server only through option 54');
    assert.equal(e.secs, 4);
  });

  it('reads boot information from a reply, with the IP source as server id when 54 is missing', () => {
    const e = dhcpEvent(
      dhcp({
        frame: 11,
        t: 3,
        type: 'OFFER',
        src: '10.77.0.1',
        yiaddr: '10.77.0.111',
        siaddr: '10.77.0.1',
        options: [
          opt.u32(51, 3600),
          opt.text(67, 'pxelinux.0\0'),
          opt.text(66, 'tftp.example'),
          opt.ip(150, '10.0.0.5', '10.0.0.6'),
        ],
      }),
      3,
    );
    assert.equal(e.role, 'server');
    assert.equal(e.serverId, '10.77.0.1');
    assert.equal(e.bootfileOption, 'pxelinux.0');
    assert.equal(e.tftpServerName, 'tftp.example');
    assert.deepEqual(e.tftpServerAddresses, ['10.0.0.5', '10.0.0.6']);
    assert.equal(e.leaseTime, 3600);
    assert.equal(e.proxy, false);
  });

  it('joins a split option (RFC 3396) and ignores file/sname that carry options (52)', () => {
    const e = dhcpEvent(
      dhcp({
        frame: 2,
        t: 0,
        type: 'ACK',
        file: 'garbage-from-options',
        sname: 'srv',
        options: [opt.ip(54, '10.0.0.1'), opt.text(67, 'boot/'), opt.text(67, 'x.efi'), opt.bytes(52, 1)],
      }),
      0,
    );
    assert.equal(e.bootfileOption, 'boot/x.efi');
    assert.equal(e.overload, 1);
    assert.equal(e.file, '');
    assert.equal(e.sname, 'srv');
    assert.equal(e.serverId, '10.0.0.1');
  });

  it('marks a proxyDHCP offer and decodes its option 43', () => {
    const e = dhcpEvent(
      dhcp({
        frame: 2,
        t: 0,
        type: 'OFFER',
        dst: '255.255.255.255',
        options: [
          opt.ip(54, '10.77.0.1'),
          opt.text(60, 'PXEClient'),
          opt.bytes(43, 6, 1, 3, 8, 7, 0x80, 0, 1, 10, 77, 0, 1, 255),
        ],
      }),
      0,
    );
    assert.equal(e.proxy, true);
    assert.equal(e.vendorSpecific, true);
    assert.equal(e.pxeDiscoveryControl, 3);
    assert.deepEqual(e.pxeBootServers, ['10.77.0.1']);
  });

  it('flags port 4011 and relay views', () => {
    const on4011 = dhcpEvent(
      dhcp({
        frame: 24,
        t: 17,
        type: 'REQUEST',
        xid: 0,
        src: '10.77.0.111',
        dst: '10.77.0.1',
        dstPort: 4011,
      }),
      17,
    );
    assert.equal(on4011.port4011, true);

    const toRelay = dhcpEvent(
      dhcp({
        frame: 5,
        t: 1,
        type: 'OFFER',
        giaddr: '10.1.0.1',
        dst: '10.1.0.1',
        dstPort: 67,
        yiaddr: '10.1.0.50',
      }),
      1,
    );
    assert.equal(toRelay.role, 'server');
    assert.match(toRelay.notes.join(), /relay agent 10\.1\.0\.1/);

    const forwarded = dhcpEvent(
      dhcp({
        frame: 4,
        t: 1,
        type: 'DISCOVER',
        giaddr: '10.1.0.1',
        src: '10.1.0.1',
        srcPort: 67,
        dst: '10.77.0.1',
      }),
      1,
    );
    assert.equal(forwarded.role, 'relay');
  });
});
