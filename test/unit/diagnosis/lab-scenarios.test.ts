import assert from 'node:assert/strict';
import { describe as suite, test } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { describe, healthy, one } from './support/expect.js';
import { HAPPY_LABS, fileNotFound, missingBootfile, noDhcpServer } from './support/lab.js';
import { LAB } from './support/builder.js';

suite('lab boots', () => {
  for (const [name, build] of Object.entries(HAPPY_LABS)) {
    test(`${name}: no warning or error`, () => {
      const found = healthy(build());
      assert.ok(!found.some((f) => f.ruleId === 'engine.rule-failed'), describe(found));
    });
  }

  test('no-dhcp-server: dhcp.no-offer only', () => {
    const a = noDhcpServer();
    const found = diagnose(a);
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['dhcp.no-offer'],
      describe(found),
    );
    one(a, 'dhcp.no-offer');
  });

  test('missing-bootfile: dhcp.no-boot-file only', () => {
    const found = diagnose(missingBootfile());
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['dhcp.no-boot-file'],
      describe(found),
    );
  });

  test('file-not-found: tftp.file-not-found only', () => {
    const found = diagnose(fileNotFound());
    assert.deepEqual(
      found.map((f) => f.ruleId),
      ['tftp.file-not-found'],
      describe(found),
    );
    assert.equal(found[0]?.client, LAB.mac);
  });
});
