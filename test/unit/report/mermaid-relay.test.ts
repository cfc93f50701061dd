/**
 * A relayed exchange is drawn as it went on the wire: the server answers the relay agent (giaddr, port 67,
 * RFC 2131 4.1), the relay hands the answer on to the client. Two captures, compared with reviewed diagrams
 * in test/unit/golden/mermaid/ (written with PXE_DOCTOR_WRITE_GOLDEN=1, then read before committing):
 * - a crafted PXE DORA seen on a relay host (both segments): client broadcast, relay ↔ server, relay → client;
 * - tcpdump's dhcp-mud.pcap, a renewal seen on the server's side only (relay → server, server → relay).
 * The HTML report embeds the same diagram text.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { PcapngWriter, writeCapture, type WritePacket } from '../../../src/capture/writer.js';
import { udpFrames } from '../../../src/net/frames.js';
import { dhcpMessageFromFields, encodeDhcp } from '../../../src/protocol/dhcp/index.js';
import type { DhcpMessageTypeName } from '../../../src/protocol/dhcp/index.js';
import { LINKTYPE_ETHERNET } from '../../../src/protocol/link.js';
import { escapeHtml, renderHtmlReport } from '../../../src/report/html.js';
import { renderMermaid } from '../../../src/report/mermaid.js';
import { findCapture, projectRoot } from '../../support/fixtures.js';

const GOLDEN = join(projectRoot(), 'test', 'unit', 'golden', 'mermaid');

const CLIENT = { mac: '52:54:00:aa:bb:01', ip: '0.0.0.0' };
const RELAY = { mac: '02:00:00:00:0a:01', ip: '10.20.0.1' };
const RELAY_UP = { mac: '02:00:00:00:0a:02' };
const SERVER = { mac: '02:00:00:00:0b:05', ip: '10.10.0.5' };
const LEASE = '10.20.0.50';
const XID = 0x5a5a0001;
const PXE = new TextEncoder().encode('PXEClient:Arch:00000:UNDI:002001');

function dhcp(type: DhcpMessageTypeName, op: 1 | 2, giaddr: string, hops: number): Uint8Array {
  const reply = op === 2;
  return encodeDhcp(
    dhcpMessageFromFields({
      op,
      xid: XID,
      chaddr: CLIENT.mac,
      messageType: type,
      giaddr,
      hops,
      broadcast: true,
      yiaddr: reply ? LEASE : undefined,
      siaddr: reply ? SERVER.ip : undefined,
      file: reply ? 'pxelinux.0' : undefined,
      options: reply
        ? [{ code: 54, value: { kind: 'ip', ip: SERVER.ip } }]
        : [
            { code: 60, raw: PXE },
            ...(type === 'REQUEST'
              ? [
                  { code: 50, value: { kind: 'ip' as const, ip: LEASE } },
                  { code: 54, value: { kind: 'ip' as const, ip: SERVER.ip } },
                ]
              : []),
          ],
    }),
  );
}

/** One DORA through a relay, as a capture on the relay host (both its interfaces) shows it. */
function relayedDora(): WritePacket[] {
  const out: WritePacket[] = [];
  let t = 1_765_000_000;
  const send = (
    src: { mac: string; ip: string },
    dst: { mac: string; ip: string },
    ports: [number, number],
    payload: Uint8Array,
  ): void => {
    t += 0.002;
    for (const data of udpFrames({
      srcMac: src.mac,
      dstMac: dst.mac,
      srcIp: src.ip,
      dstIp: dst.ip,
      srcPort: ports[0],
      dstPort: ports[1],
      payload,
      ipId: out.length + 1,
      mtu: 1500,
    }))
      out.push({
        data,
        seconds: Math.floor(t),
        nanos: Math.round((t % 1) * 1e9),
        linkType: LINKTYPE_ETHERNET,
      });
  };
  const bcast = { mac: 'ff:ff:ff:ff:ff:ff', ip: '255.255.255.255' };
  const up = { mac: RELAY_UP.mac, ip: RELAY.ip };
  for (const [ask, answer] of [
    ['DISCOVER', 'OFFER'],
    ['REQUEST', 'ACK'],
  ] as const) {
    send(CLIENT, bcast, [68, 67], dhcp(ask, 1, '0.0.0.0', 0));
    send(up, SERVER, [67, 67], dhcp(ask, 1, RELAY.ip, 1));
    send(SERVER, up, [67, 67], dhcp(answer, 2, RELAY.ip, 0));
    send(RELAY, bcast, [67, 68], dhcp(answer, 2, RELAY.ip, 0));
  }
  return out;
}

async function diagramOf(path: string): Promise<{ text: string; html: string }> {
  const { result, findings } = await analyzeCapture(path);
  const diagrams = renderMermaid(result, findings);
  assert.equal(diagrams.length, 1);
  const html = renderHtmlReport(result, findings, { diagrams, mode: 'text' }, { version: '0' });
  return { text: diagrams[0].text, html };
}

function golden(name: string, text: string): void {
  const file = join(GOLDEN, `${name}.mmd`);
  if (process.env['PXE_DOCTOR_WRITE_GOLDEN'] === '1') {
    mkdirSync(GOLDEN, { recursive: true });
    writeFileSync(file, text);
  }
  assert.ok(existsSync(file), `${file} missing: run with PXE_DOCTOR_WRITE_GOLDEN=1 and review it`);
  assert.equal(text, readFileSync(file, 'utf8'), name);
}

/** The mermaid arrows as "from -> to: first word", participants by their label's first line and address. */
function arrows(text: string): string[] {
  const names = new Map<string, string>();
  for (const m of text.matchAll(/participant (\S+) as (\S+?)<br\/>(?:\S+?<br\/>)?([\d.:a-f]+)/g))
    names.set(m[1], `${m[2]} ${m[3]}`);
  return [...text.matchAll(/^\s*(\S+?)(-->>|->>|--x|-x)(\S+?): (\S+)/gm)].map(
    (m) => `${names.get(m[1]) ?? m[1]} -> ${names.get(m[3]) ?? m[3]}: ${m[4]}`,
  );
}

test('a relayed PXE DORA: the server answers the relay, the relay answers the client', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pxd-relay-'));
  try {
    const path = join(dir, 'relayed.pcapng');
    await writeCapture(path, new PcapngWriter(), relayedDora());
    const { text, html } = await diagramOf(path);
    golden('relayed-dora', text);
    const lines = arrows(text);
    for (const reply of ['OFFER', 'ACK']) {
      assert.ok(lines.includes(`DHCP ${SERVER.ip} -> relay ${RELAY.ip}: ${reply}`), lines.join('\n'));
      assert.ok(lines.includes(`relay ${RELAY.ip} -> client ${LEASE}: ${reply}`), lines.join('\n'));
      assert.ok(!lines.includes(`DHCP ${SERVER.ip} -> client ${LEASE}: ${reply}`), 'never server → client');
    }
    assert.ok(html.includes(escapeHtml(text.trimEnd())), 'the HTML report embeds the same diagram');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a renewal seen on the server's side of a relay (tcpdump dhcp-mud.pcap): the ACK goes to the relay", async () => {
  const capture = findCapture('public/tcpdump/dhcp-mud.pcap');
  assert.ok(capture);
  const { text, html } = await diagramOf(capture.path);
  golden('relayed-renewal-server-side', text);
  assert.deepEqual(arrows(text), [
    'relay 62.12.173.121 -> DHCP 62.12.173.114: REQUEST',
    'DHCP 62.12.173.114 -> relay 62.12.173.121: ACK',
  ]);
  assert.ok(html.includes(escapeHtml(text.trimEnd())));
});
