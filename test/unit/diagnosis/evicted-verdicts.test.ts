import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verdictsOf } from '../../../src/diagnosis/verdict.js';
import type { DhcpPacketRecord } from '../../../src/protocol/packet.js';
import { analyze, dhcp, opt, SERVER } from '../analysis/support/records.js';

/** `n` clients, one a second, each with a clean DORA (no boot file asked for: nothing to load). */
function cleanBoots(n: number): DhcpPacketRecord[] {
  const out: DhcpPacketRecord[] = [];
  for (let i = 0; i < n; i++) {
    const mac = `02:00:00:00:01:${i.toString(16).padStart(2, '0')}`;
    const ip = `10.77.1.${i + 10}`;
    const t = i;
    const frame = i * 4 + 1;
    const server = [opt.ip(54, SERVER)];
    out.push(
      dhcp({ frame, t, type: 'DISCOVER', xid: 1000 + i, mac }),
      dhcp({ frame: frame + 1, t: t + 0.01, type: 'OFFER', xid: 1000 + i, mac, yiaddr: ip, options: server }),
      dhcp({
        frame: frame + 2,
        t: t + 0.02,
        type: 'REQUEST',
        xid: 1000 + i,
        mac,
        options: [...server, opt.ip(50, ip)],
      }),
      dhcp({ frame: frame + 3, t: t + 0.03, type: 'ACK', xid: 1000 + i, mac, yiaddr: ip, options: server }),
    );
  }
  return out;
}

describe('verdicts after a state limit was reached', () => {
  it('an open transaction evicted makes its own client "unknown", not the clean boots that follow', () => {
    const r = analyze(cleanBoots(50), { maxTransactions: 10 });
    assert.equal(r.stats.evicted, 40, 'each new client evicted the stalest open transaction');
    const verdicts = verdictsOf(r, []);
    assert.equal(verdicts.length, 50);
    assert.deepEqual(
      verdicts.slice(0, 40).map((v) => v.status),
      new Array<string>(40).fill('unknown'),
    );
    assert.match(verdicts[0].reason, /state limit/);
    assert.deepEqual(
      verdicts.slice(40).map((v) => v.status),
      new Array<string>(10).fill('ok'),
      'the later clients lost nothing',
    );
  });

  it('finished records dropped past the retention bound make only their clients "unknown"', () => {
    const r = analyze(cleanBoots(50), { maxRetained: 20 });
    assert.ok(r.stats.evicted > 0);
    const verdicts = verdictsOf(r, []);
    assert.ok(verdicts.length > 0 && verdicts.length <= 20, 'only the retained clients have sessions');
    for (const v of verdicts) assert.equal(v.status, 'ok', `${v.mac}: ${v.reason}`);
  });

  it('an eviction nobody can be named for still makes every verdict "unknown"', () => {
    const r = analyze(cleanBoots(3));
    const wide = { ...r, sessions: r.sessions, stats: { ...r.stats, evicted: 1 } };
    for (const v of verdictsOf(wide, [])) assert.equal(v.status, 'unknown');
  });
});
