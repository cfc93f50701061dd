/**
 * Decoding conformance: for every capture in fixtures/ (and in ../shared/captures when present) every DHCP
 * and TFTP packet we decode is compared, field by field, with tshark's own decoding of the same file
 * (stored in fixtures/tshark/ by `npm run tshark:refresh`, so this test needs no tshark).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCapture } from '../../../src/protocol/decode-stream.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import type { WireItem } from '../../../src/protocol/dhcp/index.js';
import { tftpOpcodeNumber } from '../../../src/protocol/tftp/types.js';
import { listCaptureFiles } from '../../support/fixtures.js';
import { loadTsharkExpectation, type TsharkPacket } from '../../support/tshark-fields.js';
import { expectedDifferences } from './known-differences.js';

interface Ours {
  packets: Map<number, DecodedPacket>;
}

async function decodeAll(path: string): Promise<Ours> {
  const packets = new Map<number, DecodedPacket>();
  try {
    await decodeCapture(path, { packet: (p) => packets.set(p.frame, p) });
  } catch {
    // Unreadable input: tshark's expectation says whether it could read it; compared below.
  }
  return { packets };
}

function epoch9(p: DecodedPacket): string {
  const scale = 10 ** (9 - p.ts.digits);
  return `${p.ts.seconds}.${String(p.ts.fraction * scale).padStart(9, '0')}`;
}

function optionText(p: DecodedPacket, code: number): string | undefined {
  if (p.protocol !== 'dhcp') return undefined;
  const o = p.dhcp.options.find((x) => x.code === code);
  if (o === undefined) return undefined;
  return Buffer.from(o.raw).toString('latin1').replace(/\0+$/, '');
}

function optionIp(p: DecodedPacket, code: number): string | undefined {
  if (p.protocol !== 'dhcp') return undefined;
  const o = p.dhcp.options.find((x) => x.code === code);
  if (o === undefined || o.raw.length < 4) return undefined;
  return Array.from(o.raw.subarray(0, 4)).join('.');
}

/** tshark prints text fields with non-printable bytes escaped as \xNN; compare printable text exactly. */
function printable(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  return /^[\x20-\x7e]*$/.test(s) ? s : undefined;
}

function compare(rel: string, ours: DecodedPacket, t: TsharkPacket, diffs: string[]): void {
  const at = `${rel} frame ${t.frame}`;
  const eq = (what: string, a: unknown, b: unknown): void => {
    if (JSON.stringify(a) !== JSON.stringify(b))
      diffs.push(`${at}: ${what}: ours ${JSON.stringify(a)} tshark ${JSON.stringify(b)}`);
  };
  // Simple packet blocks carry no timestamp: tshark prints none.
  if (t.epoch !== '') eq('epoch', epoch9(ours), t.epoch);
  // With IP-in-IP tshark lists the outer addresses first; DHCP/TFTP live in the innermost datagram.
  eq('ip.src', ours.src, t.ipSrcAll[t.ipSrcAll.length - 1]);
  eq('ip.dst', ours.dst, t.ipDstAll[t.ipDstAll.length - 1]);
  eq('udp.srcport', ours.srcPort, t.srcPort);
  eq('udp.dstport', ours.dstPort, t.dstPort);
  if (t.fragments !== undefined)
    eq(
      'fragments',
      [...(ours.fragmentFrames ?? [])].sort((a, b) => a - b),
      [...t.fragments.frames].sort((a, b) => a - b),
    );
  if (t.dhcp !== undefined) {
    if (ours.protocol !== 'dhcp') {
      diffs.push(`${at}: tshark says DHCP, ours ${ours.protocol}`);
      return;
    }
    const m = ours.dhcp;
    const d = t.dhcp;
    // tshark shows a DHCP message cut by the snaplen as bare "BOOTP" with no dhcp.* field at all.
    if (d.xid === undefined && d.op === undefined && ours.notes.some((n) => n.startsWith('packet truncated')))
      return;
    eq('dhcp.type', m.op, d.op);
    eq('dhcp.id', m.xid, d.xid);
    eq('dhcp.secs', m.secs, d.secs);
    eq('dhcp.flags', m.flags, d.flags);
    eq('dhcp.ip.client', m.ciaddr, d.ciaddr);
    eq('dhcp.ip.your', m.yiaddr, d.yiaddr);
    eq('dhcp.ip.server', m.siaddr, d.siaddr);
    eq('dhcp.ip.relay', m.giaddr, d.giaddr);
    if (m.hlen === 6 && m.htype === 1) eq('dhcp.hw.mac_addr', m.chaddr, d.chaddr);
    if (d.file !== undefined && printable(d.file) !== undefined) eq('dhcp.file', m.file, d.file);
    if (d.sname !== undefined && printable(d.sname) !== undefined) eq('dhcp.server', m.sname, d.sname);
    const type = m.options.find((o) => o.code === 53);
    eq('option 53', type !== undefined && type.raw.length > 0 ? type.raw[0] : undefined, d.messageType);
    eq('option 54', optionIp(ours, 54), d.serverId);
    if (printable(d.vendorClassId) !== undefined) eq('option 60', optionText(ours, 60), d.vendorClassId);
    if (printable(d.tftpServerName) !== undefined) eq('option 66', optionText(ours, 66), d.tftpServerName);
    if (printable(d.bootfileName) !== undefined) eq('option 67', optionText(ours, 67), d.bootfileName);
    const arch = m.options.find((o) => o.code === 93);
    const archCodes: number[] = [];
    if (arch !== undefined)
      for (let i = 0; i + 1 < arch.raw.length; i += 2) archCodes.push((arch.raw[i] << 8) | arch.raw[i + 1]);
    eq('option 93', archCodes, d.clientArch);
    if (d.clientUuid !== undefined) {
      const u = m.options.find((o) => o.code === 97);
      const v = u?.value as { kind?: string; value?: { smbiosUuid?: string } } | undefined;
      const json = u === undefined ? undefined : (JSON.parse(JSON.stringify(u.value)) as unknown);
      const smbios = findString(json, 'smbiosUuid') ?? findString(v, 'smbiosUuid');
      eq('option 97 uuid', smbios, d.clientUuid);
    }
    eq('option codes', ourOptionCodes(ours), d.optionTypes);
    return;
  }
  if (t.tftp !== undefined) {
    if (ours.protocol !== 'tftp') {
      diffs.push(`${at}: tshark says TFTP, ours ${ours.protocol}`);
      return;
    }
    const p = ours.tftp;
    const x = t.tftp;
    eq('tftp.opcode', tftpOpcodeNumber(p.opcode), x.opcode);
    if (x.block !== undefined) eq('tftp.block', p.block, x.block);
    if (p.opcode === 'RRQ' && printable(x.sourceFile) !== undefined)
      eq('tftp.source_file', p.filename, x.sourceFile);
    if (p.opcode === 'WRQ' && printable(x.destinationFile) !== undefined)
      eq('tftp.destination_file', p.filename, x.destinationFile);
    if (x.mode !== undefined && printable(x.mode) !== undefined) eq('tftp.type', p.mode, x.mode);
    if (x.options.length > 0)
      eq(
        'tftp.options',
        (p.optionList ?? []).map((o) => [o.name, o.value]),
        x.options.map((o) => [o.name, o.value]),
      );
    if (x.errorCode !== undefined) eq('tftp.error.code', p.errorCode, x.errorCode);
    if (x.errorMessage !== undefined && printable(x.errorMessage) !== undefined)
      eq('tftp.error.message', p.errorMessage, x.errorMessage);
  }
}

function findString(v: unknown, key: string): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const rec = v as Record<string, unknown>;
  if (typeof rec[key] === 'string') return rec[key];
  for (const inner of Object.values(rec)) {
    const found = findString(inner, key);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Option codes in tshark's listing order: every option instance as on the wire (tshark lists repeated
 * instances separately), a run of pads once as 0, no End; overloaded file/sname options after option 52.
 */
function ourOptionCodes(p: DecodedPacket): number[] | undefined {
  if (p.protocol !== 'dhcp') return undefined;
  const wire = p.dhcp.wire;
  if (wire === undefined || wire.layout !== 'captured' || wire.options === null) return [];
  const codes: number[] = [];
  const walk = (items: WireItem[], overloadHere: boolean): void => {
    for (const item of items) {
      // tshark 4.0's dhcp.option.type lists a run of pads once as 0, and the End option as 0 too.
      if (item.kind === 'pad' || item.kind === 'end') codes.push(0);
      else if (item.kind === 'option') {
        codes.push(item.code);
        if (overloadHere && item.code === 52) {
          // tshark lists the sname field's options before the file field's.
          if (wire.sname !== null) walk(wire.sname, false);
          if (wire.file !== null) walk(wire.file, false);
        }
      }
    }
  };
  walk(wire.options, true);
  return codes;
}

const files = listCaptureFiles();

test('conformance fixtures exist', () => {
  assert.ok(files.length >= 20, `expected at least 20 captures, found ${files.length}`);
});

let compared = 0;
let packetsCompared = 0;
for (const file of files) {
  const expectation = loadTsharkExpectation(file.rel);
  if (expectation === null) continue;
  test(`agrees with tshark: ${file.rel}`, async () => {
    const ours = await decodeAll(file.path);
    const diffs: string[] = [];
    const theirs = expectation.packets.filter(
      (t) =>
        (t.dhcp !== undefined || t.tftp !== undefined) && !t.protocols.includes('icmp') && t.ipVersion !== 6,
    );
    const theirFrames = new Set(theirs.map((t) => t.frame));
    for (const t of theirs) {
      const mine = ours.packets.get(t.frame);
      if (mine === undefined) {
        diffs.push(
          `${file.rel} frame ${t.frame}: tshark decodes ${t.dhcp !== undefined ? 'DHCP' : 'TFTP'}, we found nothing`,
        );
        continue;
      }
      compare(file.rel, mine, t, diffs);
      packetsCompared++;
    }
    for (const frame of ours.packets.keys()) {
      if (!theirFrames.has(frame))
        diffs.push(
          `${file.rel} frame ${frame}: we decode ${ours.packets.get(frame)?.protocol}, tshark does not`,
        );
    }
    const allowed = expectedDifferences(file.rel);
    const unexpected = diffs.filter((d) => !allowed.some((re) => re.test(d)));
    compared++;
    assert.deepEqual(unexpected.slice(0, 40), [], `${unexpected.length} difference(s) with tshark`);
  });
}

test('conformance covered the captures', () => {
  // Runs last (node:test runs tests of a file in order): guards against silently comparing nothing.
  assert.ok(compared >= 20, `compared ${compared} captures`);
  assert.ok(packetsCompared >= 1500, `compared ${packetsCompared} packets`);
});
