/**
 * The real lab captures through the whole pipeline (decode → analysis → diagnosis): each healthy boot
 * stays quiet, each recorded failure gets its rule. Each scenario's README.md (fixtures/captures/lab and
 * fixtures/captures/lab-failures) says what was configured and what the client printed.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { analyzeCapture } from '../../../src/analyze.js';
import { describe as list } from './support/expect.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** Scenario → the rule ids expected at warn or error (in any order); info findings are not checked. */
const EXPECTED: Record<string, string[]> = {
  'lab/happy-bios-pxelinux': [],
  'lab/happy-ipxe': [],
  'lab/uefi-happy': [],
  'lab/uefi-edk2-happy': [],
  'lab/proxydhcp': [],
  'lab/blksize-mtu-clamp': [],
  'lab/tftp-no-blocksize': [],
  'lab/no-dhcp-server': ['dhcp.no-offer'],
  'lab/missing-bootfile': ['dhcp.no-boot-file'],
  'lab/file-not-found': ['tftp.file-not-found'],
  'lab-failures/arch-mismatch': ['boot.arch-mismatch'],
  'lab-failures/arch-mismatch-bios-efi': ['boot.arch-mismatch'],
  'lab-failures/arch-mismatch-edk2': ['boot.arch-mismatch'],
  'lab-failures/chainload-loop': ['ipxe.chainload-loop'],
  'lab-failures/filtered-capture': [],
  'lab-failures/mtu-blackhole': ['tftp.blksize-exceeds-path'],
  'lab-failures/nak': [],
  'lab-failures/proxy-silent-4011': ['proxy.no-reply-4011'],
  'lab-failures/pxeclient-no-proxy': ['dhcp.pxeclient-without-proxy'],
  'lab-failures/rogue-dhcp': ['dhcp.multiple-servers'],
  'lab-failures/rogue-dhcp-edk2': ['dhcp.multiple-servers', 'tftp.no-server'],
  'lab-failures/wrong-next-server': ['tftp.no-server'],
};

/** Info findings that must be there. */
const EXPECTED_INFO: Record<string, string[]> = {
  'lab-failures/filtered-capture': ['capture.tftp-data-missing'],
  'lab-failures/nak': ['dhcp.nak'],
};

describe('lab captures end to end', () => {
  for (const [scenario, expected] of Object.entries(EXPECTED)) {
    const file = join(ROOT, 'fixtures', 'captures', scenario, 'capture.pcapng');
    test(scenario, { skip: existsSync(file) ? false : 'capture not in this checkout' }, async () => {
      const { findings } = await analyzeCapture(file);
      assert.ok(!findings.some((f) => f.ruleId === 'engine.rule-failed'), list(findings));
      const loud = [...new Set(findings.filter((f) => f.severity !== 'info').map((f) => f.ruleId))].sort();
      assert.deepEqual(loud, [...expected].sort(), list(findings));
      const info = new Set(findings.filter((f) => f.severity === 'info').map((f) => f.ruleId));
      for (const id of EXPECTED_INFO[scenario] ?? [])
        assert.ok(info.has(id), `${id} missing:\n${list(findings)}`);
      for (const f of findings) {
        assert.ok(f.frames.length > 0 || f.group === 'capture', `${f.ruleId} cites no frame`);
        assert.deepEqual(
          f.frames,
          [...f.frames].sort((a, b) => a - b),
        );
      }
    });
  }
});
