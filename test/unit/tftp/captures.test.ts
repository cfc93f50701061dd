/**
 * Every TFTP payload of the shared captures (extracted by data/extract.sh) decodes to what tshark says,
 * summarizes like tshark's Info column, and encodes back to the same bytes.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  decodeTftp,
  encodeTftp,
  summarizeTftp,
  tftpNumericOption,
  tftpOpcodeName,
} from '../../../src/protocol/tftp/index.js';
import { cell, dataPath, hexToBytes, readTsv } from '../net/helpers.js';

/** The payload as captured; DATA rows were cut to keep the data small: pad them back to their length. */
function payloadOf(row: Map<string, string>): Uint8Array {
  const hex = hexToBytes(cell(row, 'payload_hex'));
  const length = Number(cell(row, 'payload_len'));
  if (hex.length === length) return hex;
  assert.equal(cell(row, 'opcode'), '3', 'only DATA payloads are cut');
  const full = new Uint8Array(length);
  full.set(hex);
  return full;
}

function list(value: string): string[] {
  return value === '' ? [] : value.split('|');
}

describe('TFTP payloads of the shared captures', () => {
  const dir = dataPath('tftp', 'data');
  const files = readdirSync(dir).filter((f) => f.endsWith('.tsv'));
  assert.ok(files.length >= 13);
  let total = 0;
  for (const file of files) {
    test(file, () => {
      let blksize = 512;
      for (const row of readTsv(`${dir}/${file}`).rows) {
        total++;
        const where = `${file} frame ${cell(row, 'frame')}`;
        const payload = payloadOf(row);
        const pkt = decodeTftp(payload);
        assert.deepEqual(encodeTftp(pkt), payload, `${where}: byte-exact round trip`);

        assert.equal(pkt.opcode, tftpOpcodeName(Number(cell(row, 'opcode'))), where);
        const info = cell(row, 'info');
        // "[Packet size limited during capture]" and friends: tshark gave up mid-packet, its fields stop there.
        const gaveUp = info.includes('[');
        if (gaveUp) continue;
        if (cell(row, 'block') !== '') assert.equal(pkt.block, Number(cell(row, 'block')), where);
        if (pkt.opcode === 'RRQ') assert.equal(pkt.filename ?? '', cell(row, 'source_file'), where);
        if (pkt.opcode === 'WRQ') assert.equal(pkt.filename ?? '', cell(row, 'destination_file'), where);
        if (cell(row, 'type') !== '') assert.equal(pkt.mode, cell(row, 'type'), where);
        assert.deepEqual(
          (pkt.optionList ?? []).map((o) => o.name),
          list(cell(row, 'option_names')),
          where,
        );
        assert.deepEqual(
          (pkt.optionList ?? []).map((o) => o.value),
          list(cell(row, 'option_values')),
          where,
        );
        if (cell(row, 'error_code') !== '') {
          assert.equal(pkt.errorCode, Number(cell(row, 'error_code')), where);
          assert.equal(pkt.errorMessage, cell(row, 'error_message'), where);
        }

        // The block size in force, as tshark's conversation tracks it: 512 per request, an OACK may change it.
        if (pkt.opcode === 'RRQ' || pkt.opcode === 'WRQ') blksize = 512;
        if (pkt.opcode === 'OACK') blksize = tftpNumericOption(pkt, 'blksize') ?? blksize;
        assert.equal(summarizeTftp(pkt, blksize), info, where);
        assert.deepEqual(pkt.notes, [], `${where}: ${pkt.notes.join('; ')}`);
      }
    });
  }
  test('covered every packet', () => {
    assert.ok(total > 2400, `${total} packets`);
  });
});

test('the snaplen-cut RRQ of tcpdump tftp-heapoverflow keeps its bytes and says what is wrong', () => {
  const pkt = decodeTftp(Uint8Array.of(0, 1, 0x30, 0x30));
  assert.equal(pkt.filename, '00');
  assert.deepEqual(pkt.notes, ['missing transfer mode', 'missing NUL after filename']);
  assert.deepEqual(encodeTftp(pkt), Uint8Array.of(0, 1, 0x30, 0x30));
});
