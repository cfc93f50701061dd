/**
 * Two real recordings read as a person reads them (fixtures/captures/lab-failures, README "Reading of this
 * capture"): a second, authoritative DHCP server that NAKs the REQUEST meant for the other one, and a boot
 * captured while the kernel dropped packets. expect.yaml pins rules and verdicts; this pins what is said.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { analyzeCapture } from '../../../src/analyze.js';
import { verdictsOf } from '../../../src/diagnosis/verdict.js';
import { fixturesCapturesDir } from '../../support/fixtures.js';

const capture = (name: string): string => join(fixturesCapturesDir(), 'lab-failures', name, 'capture.pcapng');

test('two-servers-nak: the NAK from the server the client did not choose is evidence of a second server', async () => {
  const { result, findings } = await analyzeCapture(capture('two-servers-nak'));
  assert.ok(!findings.some((f) => f.ruleId === 'dhcp.nak'), 'no dhcp.nak: the client was ACKed and booted');
  const multi = findings.filter((f) => f.ruleId === 'dhcp.multiple-servers');
  assert.equal(multi.length, 1);
  const [f] = multi;
  assert.ok(f.frames.includes(16), 'the NAK (frame 16) is evidence');
  assert.match(f.message, /10\.77\.2\.2 answered that REQUEST with 1 DHCPNAK \(frame 16/);
  assert.match(f.message, /ACKed by it \(frame 17\)/);
  // The NAKing server is authoritative already: that is why it NAKs.
  for (const x of findings) assert.doesNotMatch(x.hint, /authoritative/i, x.ruleId);
  const [v] = verdictsOf(result, findings);
  assert.equal(v.status, 'warn');
});

test('kernel-drops: the counts as the statistics give them, the stall told as a possible capture loss', async () => {
  const { result, findings } = await analyzeCapture(capture('kernel-drops'));
  const drops = findings.find((f) => f.ruleId === 'capture.kernel-drops');
  assert.ok(drops);
  // isb_ifrecv 83646 does not include isb_ifdrop 51671 here: never "51671 of 83646".
  assert.match(
    drops.message,
    /counted 51671 packets lost and 83646 received on br0: 51671 by the interface\/buffer \(isb_ifdrop\)/,
  );
  const stall = findings.find((f) => f.ruleId === 'tftp.read-timeout');
  assert.ok(stall);
  assert.match(stall.message, /"ldlinux\.c32" .* stopped at block 161/);
  assert.match(
    stall.message,
    /The client went on: it asked 10\.77\.0\.1 for "poweroff\.c32" at t=21\.54 s \(frame 514\)/,
  );
  assert.match(stall.message, /may be a capture loss/);
  assert.match(stall.hint, /^First rule out the capture loss by capturing again/);
  const [v] = verdictsOf(result, findings);
  assert.equal(v.status, 'unknown');
  assert.match(v.reason, /capture counted 51671 packets lost/);
  const phase = result.sessions[0].phases.find((p) => p.frames.includes(191));
  assert.match(phase?.label ?? '', /also ldlinux\.c32 abandoned/);
});

test('server-id-nak: dnsmasq NAKs the REQUEST for ISC dhcpd, and the held ping echo is no check after the ACK', async () => {
  const { result, findings } = await analyzeCapture(capture('server-id-nak'));
  assert.ok(!findings.some((f) => f.ruleId === 'dhcp.nak'));
  const multi = findings.find((f) => f.ruleId === 'dhcp.multiple-servers');
  assert.ok(multi);
  assert.match(
    multi.message,
    /10\.77\.0\.1 answered that REQUEST with 1 DHCPNAK \(frame 13, "wrong server-ID"\)/,
  );
  for (const x of findings) assert.doesNotMatch(x.hint, /authoritative/i, x.ruleId);
  const ping = findings.find((f) => f.ruleId === 'dhcp.ping-check-delay');
  assert.ok(ping);
  assert.match(
    ping.message,
    /10\.77\.0\.2 checked 10\.77\.0\.200 before offering it: its ARP requests for it \(frames 3, 9\)/,
  );
  assert.doesNotMatch(ping.message, /only after/);
  const [v] = verdictsOf(result, findings);
  assert.equal(v.status, 'warn');
});
