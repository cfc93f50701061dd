/**
 * A live capture's retention window (sniff --retain): the records of a client judged and quiet for longer than
 * the window are dropped, the result says what it covers, and the client's next boot goes on with the next
 * session id; without a window (a file, or analyze) nothing is dropped.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from '../../../src/analysis/analyzer.js';
import type { AnalysisEvent } from '../../../src/analysis/events.js';
import type { DecodedPacket } from '../../../src/protocol/packet.js';
import { CLIENT_IP, dhcp, EPOCH, opt, SERVER, TftpScript, ts } from './support/records.js';

const MAC_A = '52:54:00:00:00:0a';
const MAC_B = '52:54:00:00:00:0b';
const IP_B = '10.77.0.112';

/** A client's DORA and one file read, from t0. */
function boot(mac: string, ip: string, xid: number, t0: number, frame: number): DecodedPacket[] {
  const reply = { xid, mac, yiaddr: ip, options: [opt.ip(54, SERVER), opt.text(67, 'pxelinux.0')] };
  const script = new TftpScript(ip, SERVER, { frame: frame + 10, t: t0 + 1 });
  script.read(2000 + frame, 3000 + frame, 'pxelinux.0', 1000);
  for (const p of script.packets) (p as { srcMac?: string }).srcMac = p.src === ip ? mac : undefined;
  return [
    dhcp({ frame, t: t0, type: 'DISCOVER', xid, mac }),
    dhcp({ frame: frame + 1, t: t0 + 0.001, type: 'OFFER', ...reply }),
    dhcp({ frame: frame + 2, t: t0 + 0.002, type: 'REQUEST', xid, mac, options: [opt.ip(54, SERVER)] }),
    dhcp({ frame: frame + 3, t: t0 + 0.003, type: 'ACK', ...reply }),
    ...script.packets,
  ];
}

function live(retainQuiet?: number): { analyzer: Analyzer; sessions: string[] } {
  const sessions: string[] = [];
  const analyzer = new Analyzer({
    origin: ts(0),
    sessionQuiet: 5,
    retainQuiet,
    onEvent: (e: AnalysisEvent) => {
      if (e.kind === 'session') sessions.push(e.session.id);
    },
  });
  return { analyzer, sessions };
}

const capture = (t: number) => ({ file: 'live', format: 'pcapng', frames: 0, lastTs: ts(t) });

describe('retention window', () => {
  it("drops a judged client's records once it was quiet for the window, and says so", () => {
    const { analyzer, sessions } = live(60);
    for (const p of boot(MAC_A, CLIENT_IP, 1, 0, 1)) analyzer.addPacket(p);
    analyzer.tick(ts(30));
    assert.deepEqual(sessions, [`${MAC_A}#1`], 'told once quiet');
    assert.equal(analyzer.view(capture(30)).sessions.length, 1, 'kept within the window');
    for (const p of boot(MAC_B, IP_B, 2, 40, 100)) analyzer.addPacket(p);
    analyzer.tick(ts(70));
    const v = analyzer.view(capture(70));
    assert.deepEqual(
      v.sessions.map((s) => s.clientMac),
      [MAC_B],
      'A dropped (quiet 69 s), B kept (quiet 29 s)',
    );
    assert.equal(v.orphanTransfers.length, 0, "A's transfer went with it, not left as an orphan");
    assert.equal(v.stats.evicted, 0, 'retired on purpose: not an eviction');
    const kept = v.capture.retention;
    assert.ok(kept !== undefined);
    assert.equal(kept.window, 60);
    assert.equal(kept.clients, 1);
    // A's last packet: the final ACK of its read, a second after its DHCP.
    assert.ok(Number(kept.since) > EPOCH + 1 && Number(kept.since) < EPOCH + 2, kept.since);
  });

  it("a retired client's next boot is its next session, not its first again", () => {
    const { analyzer, sessions } = live(60);
    for (const p of boot(MAC_A, CLIENT_IP, 1, 0, 1)) analyzer.addPacket(p);
    analyzer.tick(ts(100));
    for (const p of boot(MAC_A, CLIENT_IP, 3, 400, 200)) analyzer.addPacket(p);
    analyzer.tick(ts(420));
    assert.deepEqual(sessions, [`${MAC_A}#1`, `${MAC_A}#2`]);
    assert.deepEqual(
      analyzer.view(capture(420)).sessions.map((s) => s.id),
      [`${MAC_A}#2`],
    );
  });

  it('keeps a client whose transaction is still open (no answer yet), and everything without a window', () => {
    const waiting = live(60);
    waiting.analyzer.addPacket(dhcp({ frame: 1, t: 0, type: 'DISCOVER', xid: 9, mac: MAC_A }));
    waiting.analyzer.tick(ts(120));
    assert.equal(waiting.analyzer.view(capture(120)).sessions.length, 1, 'its DISCOVER is still open');
    assert.equal(waiting.analyzer.view(capture(120)).capture.retention, undefined);

    const all = live();
    for (const p of boot(MAC_A, CLIENT_IP, 1, 0, 1)) all.analyzer.addPacket(p);
    all.analyzer.tick(ts(1000));
    const v = all.analyzer.view(capture(1000));
    assert.equal(v.sessions.length, 1);
    assert.equal(v.sessions[0].transfers.length, 1);
    assert.equal(v.capture.retention, undefined);
  });
});

describe('boot sessions, live', () => {
  it("a client's DHCP begins a new session when never seen, after the idle timeout, or once retired", () => {
    const { analyzer } = live(60);
    assert.equal(analyzer.startsSession(MAC_A, ts(0)), true, 'never seen');
    for (const p of boot(MAC_A, CLIENT_IP, 1, 0, 1)) analyzer.addPacket(p);
    assert.equal(analyzer.startsSession(MAC_A, ts(20)), false, 'within its boot (iPXE after the firmware)');
    analyzer.tick(ts(100));
    assert.equal(analyzer.startsSession(MAC_A, ts(100)), true, 'retired after 60 s of silence');

    const kept = live();
    for (const p of boot(MAC_A, CLIENT_IP, 1, 0, 1)) kept.analyzer.addPacket(p);
    kept.analyzer.tick(ts(250));
    assert.equal(kept.analyzer.startsSession(MAC_A, ts(250)), false, 'silent 249 s: the same session');
    assert.equal(kept.analyzer.startsSession(MAC_A, ts(302)), true, 'silent for more than the idle timeout');
    for (const p of boot(MAC_A, CLIENT_IP, 2, 302, 100)) kept.analyzer.addPacket(p);
    assert.deepEqual(
      kept.analyzer.view(capture(305)).sessions.map((s) => s.id),
      [`${MAC_A}#1`, `${MAC_A}#2`],
      'the analysis splits them there too',
    );
  });
});
