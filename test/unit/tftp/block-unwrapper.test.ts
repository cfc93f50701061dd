import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BlockUnwrapper } from '../../../src/protocol/tftp/index.js';

function run(raw: number[]): number[] {
  const u = new BlockUnwrapper();
  return raw.map((b) => u.data(b));
}

describe('BlockUnwrapper', () => {
  it('counts on past 65535 when the server wraps to 0 (dnsmasq, tftp-hpa)', () => {
    assert.deepEqual(run([65534, 65535, 0, 1, 2]), [65534, 65535, 65536, 65537, 65538]);
  });

  it('counts on past 65535 when the server wraps to 1', () => {
    assert.deepEqual(run([65534, 65535, 1, 2]), [65534, 65535, 65536, 65537]);
  });

  it('places a late duplicate and ACKs near the current block, across the wrap', () => {
    const u = new BlockUnwrapper();
    for (let b = 65530; b <= 65535; b++) u.data(b);
    assert.equal(u.data(0), 65536);
    assert.equal(u.data(65535), 65535, 'late duplicate of the block before the wrap');
    assert.equal(u.ack(65535), 65535);
    assert.equal(u.ack(0), 65536);
    assert.equal(u.data(1), 65537);
  });

  it('starts ACK 0 (of an OACK) at 0', () => {
    assert.equal(new BlockUnwrapper().ack(0), 0);
  });
});
