/**
 * A loader searching for one file under several names: one cause, one finding. pxelinux tries ldlinux.c32 next
 * to itself, then /boot/isolinux/, /isolinux/, /boot/syslinux/, /syslinux/, / (syslinux core/elflink/
 * load_env32.c); dnsmasq's error text names the path it tried inside its root.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { analyze, CLIENT_IP, SERVER, TftpScript } from '../analysis/support/records.js';

const NAMES = [
  'ldlinux.c32',
  '/boot/isolinux/ldlinux.c32',
  '/isolinux/ldlinux.c32',
  '/boot/syslinux/ldlinux.c32',
  '/syslinux/ldlinux.c32',
  '/ldlinux.c32',
];

function search(found: string | null): TftpScript {
  const s = new TftpScript(CLIENT_IP, SERVER, { frame: 50, t: 20 }, 0.01);
  s.read(2000, 40000, 'pxelinux.0', 3000, 1408, { blksize: '1408' });
  let port = 2001;
  for (const name of NAMES) {
    s.rrq(port, name, { tsize: '0', blksize: '1408' });
    if (name === found) {
      s.oack(41000, port, { blksize: '1408' });
      s.ack(port, 41000, 0);
      s.data(41000, port, 1, 100);
      s.ack(port, 41000, 1);
      break;
    }
    const path = `/srv/tftp/${name.replace(/^\/+/, '')}`;
    s.error('server', port, 41000 + port, 1, `file ${path} not found for ${CLIENT_IP}`);
    port++;
  }
  return s;
}

describe('pxelinux searching ldlinux.c32', () => {
  it('missing everywhere: one finding naming every name tried and the same-build rule, no "outside the root"', () => {
    const findings = diagnose(analyze(search(null).packets, {}, 60)).filter(
      (f) => f.ruleId === 'tftp.file-not-found',
    );
    assert.equal(findings.length, 1, findings.map((f) => f.message).join('\n'));
    const [f] = findings;
    for (const name of NAMES) assert.ok(f.message.includes(`"${name}"`), `${name} not listed:\n${f.message}`);
    assert.match(f.message, /6 requests for "ldlinux\.c32"/);
    assert.match(f.message, /must come from the same syslinux build/);
    assert.doesNotMatch(f.message, /outside the TFTP root/);
    assert.match(f.message, /\/srv\/tftp\/boot\/isolinux\/ldlinux\.c32/);
  });

  it('found under one of the names: quiet', () => {
    const findings = diagnose(analyze(search('/syslinux/ldlinux.c32').packets, {}, 60));
    assert.ok(
      !findings.some((f) => f.ruleId === 'tftp.file-not-found'),
      findings.map((f) => f.message).join('\n'),
    );
  });

  it('a single name with a leading "/" that the server resolved outside its root is still pointed out', () => {
    const s = new TftpScript(CLIENT_IP, SERVER, { frame: 50, t: 20 }, 0.01);
    s.rrq(2000, '/pxelinux.0');
    s.error('server', 2000, 40000, 1, 'File not found');
    const [f] = diagnose(analyze(s.packets, {}, 60)).filter((x) => x.ruleId === 'tftp.file-not-found');
    assert.ok(f);
    assert.match(f.message, /outside the TFTP root/);
  });
});
