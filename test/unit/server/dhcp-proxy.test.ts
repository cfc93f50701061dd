/**
 * proxyDHCP mode against the real thing: the lab capture of dnsmasq (dhcp-range=…,proxy, pxe-service,
 * pxe-prompt) booting qemu's iPXE ROM. The captured client requests are fed to the engine, and its replies are
 * compared with dnsmasq's field by field.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openDhcpEngine } from '../../../src/server/dhcp/engine.js';
import {
  MAC,
  capturedDhcp,
  capturedInbound,
  clientMessage,
  inbound,
  onWire,
  optionJson,
  optionRaw,
  proxyConfig,
  serverId,
  type CapturedDhcp,
} from './dhcp-support.js';

const CAPTURE = 'lab/proxydhcp/capture.pcapng';
/** dnsmasq's address in the lab; the engine is configured with it so server identifiers compare equal. */
const LAB_SERVER = '10.77.0.1';

/** The lab's dnsmasq: pxe-service=x86PC,…,pxelinux and nothing for iPXE. */
function labEngine() {
  return openDhcpEngine(proxyConfig({ serverIp: LAB_SERVER, boot: { bios: 'pxelinux.0' } }));
}

function find(packets: CapturedDhcp[], pred: (p: CapturedDhcp) => boolean, what: string): CapturedDhcp {
  const p = packets.find(pred);
  assert.ok(p, `capture has no ${what}`);
  return p;
}

describe('proxyDHCP compared with dnsmasq (lab/proxydhcp)', () => {
  const packets = capturedDhcp(CAPTURE);
  const discover = find(packets, (p) => p.message.messageType === 'DISCOVER', 'DISCOVER');
  const dnsmasqOffer = find(
    packets,
    (p) => p.message.messageType === 'OFFER' && p.srcIp === LAB_SERVER,
    'proxy OFFER from 10.77.0.1',
  );
  const bootRequest = find(packets, (p) => p.dstPort === 4011, 'port 4011 REQUEST');
  const dnsmasqAck = find(packets, (p) => p.srcPort === 4011, 'port 4011 ACK');

  test('the OFFER carries what dnsmasq sends: no address, 54, 60 PXEClient, 97 echo, 43 menu', async () => {
    const engine = await labEngine();
    const r = engine.handle(capturedInbound(discover));
    assert.equal(r.replies.length, 1);
    const ours = onWire(r.replies[0].message);
    const theirs = dnsmasqOffer.message;
    for (const field of [
      'op',
      'xid',
      'flags',
      'broadcast',
      'ciaddr',
      'yiaddr',
      'siaddr',
      'giaddr',
      'chaddr',
      'file',
      'sname',
    ] as const)
      assert.deepEqual(ours[field], theirs[field], `header field ${field}`);
    assert.equal(ours.messageType, 'OFFER');
    assert.deepEqual(
      ours.options.map((o) => o.code).sort((a, b) => a - b),
      theirs.options.map((o) => o.code).sort((a, b) => a - b),
      'same option codes',
    );
    for (const code of [54, 60, 97, 43])
      assert.deepEqual(optionJson(ours, code), optionJson(theirs, code), `option ${code} as dnsmasq's`);
    assert.deepEqual(optionRaw(ours, 43), optionRaw(theirs, 43), 'option 43 byte for byte');
    // Where it goes: dnsmasq broadcast it (the client has no address).
    assert.deepEqual(r.replies[0].to, {
      ip: dnsmasqOffer.dstIp,
      port: 68,
      mac: dnsmasqOffer.dstMac,
      broadcast: true,
    });
    assert.equal(r.replies[0].srcPort, 67);
  });

  test('the port 4011 ACK carries the boot file like dnsmasq, plus 66/67, back to the client', async () => {
    const engine = await labEngine();
    const r = engine.handle(capturedInbound(bootRequest));
    assert.equal(r.replies.length, 1);
    const out = r.replies[0];
    const ours = onWire(out.message);
    const theirs = dnsmasqAck.message;
    for (const field of [
      'op',
      'xid',
      'flags',
      'ciaddr',
      'yiaddr',
      'siaddr',
      'giaddr',
      'chaddr',
      'file',
    ] as const)
      assert.deepEqual(ours[field], theirs[field], `header field ${field}`);
    assert.equal(ours.messageType, 'ACK');
    for (const code of [54, 60, 97])
      assert.deepEqual(optionJson(ours, code), optionJson(theirs, code), `option ${code}`);
    // Boot item (43.71) echoed as dnsmasq does; dnsmasq also repeats its prompt, which the client ignores here.
    const item = (optionJson(ours, 43) as { code: number; value: unknown }[]).find((s) => s.code === 71);
    const theirItem = (optionJson(theirs, 43) as { code: number; value: unknown }[]).find(
      (s) => s.code === 71,
    );
    assert.deepEqual(item, theirItem);
    assert.equal(optionJson(ours, 66), LAB_SERVER);
    assert.equal(optionJson(ours, 67), 'pxelinux.0');
    assert.equal(out.srcPort, 4011);
    assert.deepEqual(out.to, {
      ip: dnsmasqAck.dstIp,
      port: dnsmasqAck.dstPort,
      mac: dnsmasqAck.dstMac,
      broadcast: false,
    });
  });

  test('the captured iPXE ROM chooses the script when the config has one for iPXE', async () => {
    // The lab ROM says user class "iPXE": with boot.ipxe set it gets the script, not pxelinux.0.
    const engine = await openDhcpEngine(
      proxyConfig({ serverIp: LAB_SERVER, boot: { bios: 'pxelinux.0', ipxe: 'boot.ipxe' } }),
    );
    const r = engine.handle(capturedInbound(bootRequest));
    assert.equal(r.replies[0].message.file, 'boot.ipxe');
  });

  test("the address server's packets get nothing from the proxy", async () => {
    const engine = await labEngine();
    for (const p of packets.filter((x) => x.message.op === 2)) {
      const r = engine.handle(capturedInbound({ ...p, dstPort: 67 }));
      assert.equal(r.replies.length, 0, `frame ${p.frame}`);
      assert.ok(r.events.some((e) => e.kind === 'ignored' && e.reason === 'not-a-request'));
    }
  });
});

describe('proxyDHCP rules', () => {
  test('answers only PXEClient (and HTTPClient) DISCOVERs, never with an address', async () => {
    const engine = await openDhcpEngine(proxyConfig());
    const plain = engine.handle(inbound(clientMessage('DISCOVER', { vendor: null })));
    assert.equal(plain.replies.length, 0);
    assert.ok(plain.events.some((e) => e.kind === 'ignored' && e.reason === 'not-pxe-client'));
    const other = engine.handle(inbound(clientMessage('DISCOVER', { vendor: 'MSFT 5.0' })));
    assert.equal(other.replies.length, 0);

    for (const arch of [0, 7, 9, 16]) {
      const vendor = arch === 16 ? 'HTTPClient:Arch:00016:UNDI:003001' : undefined;
      const r = engine.handle(inbound(clientMessage('DISCOVER', { arch, vendor })));
      assert.equal(r.replies.length, 1, `arch ${arch}`);
      const m = onWire(r.replies[0].message);
      assert.equal(m.yiaddr, '0.0.0.0', `arch ${arch}: no address`);
      assert.equal(r.replies[0].to.broadcast, true);
      if (arch === 16) {
        assert.equal(optionJson(m, 60), 'HTTPClient');
        assert.equal(m.file, 'http://10.99.0.1/ipxe.efi');
        assert.equal(optionJson(m, 67), 'http://10.99.0.1/ipxe.efi');
        assert.equal(optionRaw(m, 43), undefined);
      } else {
        assert.equal(optionJson(m, 60), 'PXEClient');
        assert.ok(optionRaw(m, 43));
        assert.equal(m.file, '', 'the file comes from port 4011');
      }
    }
  });

  test('REQUESTs on port 67 are for the DHCP server; a client without a boot file gets nothing', async () => {
    const engine = await openDhcpEngine(proxyConfig());
    const req = engine.handle(inbound(clientMessage('REQUEST', { extra: [serverId('10.99.0.2')] })));
    assert.equal(req.replies.length, 0);
    assert.ok(req.events.some((e) => e.kind === 'ignored' && e.reason === 'other-server-selected'));
    const arm = engine.handle(inbound(clientMessage('DISCOVER', { arch: 11 })));
    assert.equal(arm.replies.length, 0, 'boot.arm64 is not configured');
    assert.ok(arm.events.some((e) => e.kind === 'ignored' && e.reason === 'not-for-us'));
  });

  test('the 4011 exchange: REQUEST with boot item 0x8000 → ACK from 4011 with siaddr/file/66/67', async () => {
    const engine = await openDhcpEngine(proxyConfig());
    const bootItem = { code: 43, raw: Uint8Array.of(71, 4, 0x80, 0x00, 0, 0, 255) };
    const msg = clientMessage('REQUEST', { arch: 7, ciaddr: '10.99.0.77', xid: 0, extra: [bootItem] });
    const r = engine.handle(
      inbound(msg, { port: 4011, srcIp: '10.99.0.77', srcPort: 68, dstIp: '10.99.0.1' }),
    );
    assert.equal(r.replies.length, 1);
    const m = onWire(r.replies[0].message);
    assert.equal(m.messageType, 'ACK');
    assert.equal(m.siaddr, '10.99.0.1');
    assert.equal(m.file, 'ipxe.efi');
    assert.equal(optionJson(m, 66), '10.99.0.1');
    assert.equal(optionJson(m, 67), 'ipxe.efi');
    assert.equal(optionJson(m, 60), 'PXEClient');
    assert.equal(m.yiaddr, '10.99.0.77');
    assert.deepEqual(r.replies[0].to, { ip: '10.99.0.77', port: 68, mac: MAC, broadcast: false });

    const foreign = { code: 43, raw: Uint8Array.of(71, 4, 0x00, 0x05, 0, 0, 255) };
    const other = engine.handle(
      inbound(clientMessage('REQUEST', { ciaddr: '10.99.0.77', extra: [foreign] }), {
        port: 4011,
        srcIp: '10.99.0.77',
      }),
    );
    assert.equal(other.replies.length, 0, 'boot server type 5 is not ours');
    const notPxe = engine.handle(
      inbound(clientMessage('REQUEST', { vendor: null, ciaddr: '10.99.0.77' }), {
        port: 4011,
        srcIp: '10.99.0.77',
      }),
    );
    assert.ok(notPxe.events.some((e) => e.kind === 'ignored' && e.reason === 'not-pxe-client'));
  });
});
