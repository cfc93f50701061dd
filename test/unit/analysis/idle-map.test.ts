import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdleMap } from '../../../src/analysis/idle-map.js';

interface Entry {
  name: string;
  lastSeen: number;
}

/** A plain model of the same contract: an array in least-recently-touched order. */
class Model {
  items: { key: string; value: Entry }[] = [];
  touch(key: string, value: Entry): void {
    this.items = this.items.filter((i) => i.key !== key);
    this.items.push({ key, value });
  }
  delete(key: string): void {
    this.items = this.items.filter((i) => i.key !== key);
  }
  expire(now: number, idle: number): Entry[] {
    const out: Entry[] = [];
    while (this.items.length > 0 && now - this.items[0].value.lastSeen > idle)
      out.push(this.items.shift()!.value);
    return out;
  }
  evictOldest(): Entry | undefined {
    return this.items.shift()?.value;
  }
}

describe('IdleMap', () => {
  it('keeps least-recently-touched order through repeated touches, deletes, expiry and eviction', () => {
    // A fixed LCG: 20,000 random operations on 6 keys, compared step by step with the model.
    let state = 7;
    const next = (n: number): number => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0) % n;
    const map = new IdleMap<string, Entry>();
    const model = new Model();
    const entries = new Map<string, Entry>();
    let now = 0;
    for (let step = 0; step < 20000; step++) {
      now += next(3);
      const key = `k${next(6)}`;
      const op = next(10);
      if (op < 6) {
        // Mostly the same entry object again (a transfer's next packet), sometimes a new one for the key.
        let e = entries.get(key);
        if (e === undefined || op === 0) entries.set(key, (e = { name: key, lastSeen: now }));
        e.lastSeen = now;
        map.touch(key, e);
        model.touch(key, e);
      } else if (op === 6) {
        map.delete(key);
        model.delete(key);
      } else if (op === 7) {
        assert.deepEqual(map.expire(now, 4), model.expire(now, 4), `expire at step ${step}`);
      } else if (op === 8) {
        assert.equal(map.evictOldest(), model.evictOldest(), `evict at step ${step}`);
      }
      assert.deepEqual(
        [...map.values()],
        model.items.map((i) => i.value),
        `order after step ${step}`,
      );
    }
    assert.equal(map.drain().length, model.items.length);
    assert.equal(map.size, 0);
  });
});
