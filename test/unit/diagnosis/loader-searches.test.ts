/**
 * A loader searching for names it knows may be missing is normal: one info finding per client, never an
 * error per name. The names are the ones the loaders really ask for: GRUB's net config search
 * (grub-core/net/net.c grub_net_search_config_file: grub.cfg-01-<mac>, grub.cfg-<hex ip> shortened one
 * digit at a time, grub.cfg), normal's module lists (command.lst, fs.lst, crypto.lst, terminal.lst),
 * insmod of modules the image does not embed, fonts and locales; pxelinux's pxelinux.cfg walk; iPXE
 * scripts that try a per-MAC name first. A miss after which nothing more is loaded stays a failure.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { diagnose } from '../../../src/diagnosis/engine.js';
import { verdictsOf } from '../../../src/diagnosis/verdict.js';
import { CaptureBuilder, EDK2, EFI_IPXE, LAB, type SessionBuilder } from './support/builder.js';
import { describe as list, one } from './support/expect.js';
import { happyBiosPxelinux } from './support/lab.js';

const miss = (file: string) => ({
  code: 1,
  message: LAB.notFound(file.replace(/^\//, '')),
  from: 'server' as const,
});
const REQ = { blksize: '1468', tsize: '0' };

const GRUB_LISTS = ['command.lst', 'fs.lst', 'crypto.lst', 'terminal.lst'].map(
  (f) => `/grub/x86_64-efi/${f}`,
);
const GRUB_CFG_SEARCH = [
  '/grub/grub.cfg-01-52-54-00-12-34-56',
  ...['0A4D006F', '0A4D006', '0A4D00', '0A4D0', '0A4D', '0A4', '0A', '0'].map((h) => `/grub/grub.cfg-${h}`),
];
const GRUB_MODULES = ['gzio', 'part_gpt', 'ext2'].map((m) => `/grub/x86_64-efi/${m}.mod`);

/** OVMF → shimx64.efi (tsize probe first) → grubx64.efi → GRUB's searches → grub.cfg → insmod misses. */
function shimGrub(s: SessionBuilder): void {
  s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'shimx64.efi', delay: 0.01 }] });
  s.transfer({
    file: 'shimx64.efi',
    at: 2,
    clientPort: 1332,
    size: 950000,
    requested: REQ,
    oack: { blksize: '1468', tsize: '950000' },
    error: { code: 8, message: 'User aborted the transfer', from: 'client' },
  });
  s.transfer({ file: 'shimx64.efi', clientPort: 1333, size: 950000, requested: { blksize: '1468' } });
  s.transfer({ file: 'grubx64.efi', size: 2300000, requested: { blksize: '1468' } });
  for (const f of [...GRUB_LISTS, ...GRUB_CFG_SEARCH])
    s.transfer({ file: f, requested: REQ, error: miss(f) });
  s.transfer({ file: '/grub/grub.cfg', size: 900, requested: REQ });
  for (const f of [...GRUB_MODULES, '/grub/fonts/unicode.pf2', '/grub/locale/en.mo'])
    s.transfer({ file: f, requested: REQ, error: miss(f) });
}

function build(boot: (s: SessionBuilder) => void, identity = EDK2) {
  const b = new CaptureBuilder();
  boot(b.session({ mac: LAB.mac, ...identity }));
  return b.build();
}

describe('loader searches', () => {
  it('shim → GRUB: config search, module lists and insmod misses are one info finding, the boot is ok', () => {
    const a = build((s) => {
      shimGrub(s);
      s.transfer({ file: '/vmlinuz', size: 12_000_000, requested: REQ });
      s.transfer({ file: '/initrd.img', size: 60_000_000, requested: REQ });
    });
    const found = diagnose(a);
    assert.deepEqual(
      found.map((f) => `${f.severity} ${f.ruleId}`),
      ['info tftp.loader-search'],
      list(found),
    );
    const f = one(a, 'tftp.loader-search');
    assert.match(f.message, /searched for 18 names/);
    assert.match(f.message, /loaded "\/grub\/grub\.cfg" \(frame \d+\) and 2 more files/);
    assert.match(f.message, /3× grub module/);
    assert.match(f.message, /error: file '\/grub\/x86_64-efi\/gzio\.mod' not found/);
    assert.equal(verdictsOf(a, found)[0]?.status, 'ok');
  });

  it('GRUB stopping after a missing module (rescue mode) is a failure, not a search', () => {
    const a = build((s) => {
      s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'grubx64.efi', delay: 0.01 }] });
      s.transfer({ file: 'grubx64.efi', at: 2, size: 2300000, requested: { blksize: '1468' } });
      s.transfer({
        file: '/grub/x86_64-efi/normal.mod',
        requested: REQ,
        error: miss('/grub/x86_64-efi/normal.mod'),
      });
    });
    const found = diagnose(a);
    const errors = found.filter((f) => f.ruleId === 'tftp.file-not-found');
    assert.equal(errors.length, 1, list(found));
    assert.equal(errors[0]?.severity, 'error');
    assert.ok(!found.some((f) => f.ruleId === 'tftp.loader-search'), list(found));
  });

  it("a missing kernel after the search: the kernel is the error, GRUB's search misses one info", () => {
    const a = build((s) => {
      shimGrub(s);
      s.transfer({ file: '/vmlinuz', requested: REQ, error: miss('/vmlinuz') });
    });
    const found = diagnose(a);
    const notFound = found.filter((f) => f.ruleId === 'tftp.file-not-found');
    assert.equal(notFound.length, 1, list(found));
    assert.match(notFound[0]?.message ?? '', /"\/vmlinuz"/);
    const search = found.filter((f) => f.ruleId === 'tftp.loader-search');
    assert.equal(search.length, 1, list(found));
    assert.match(search[0]?.message ?? '', /searched for 18 names/);
    assert.equal(verdictsOf(a, found)[0]?.status, 'fail');
  });

  it('an iPXE script trying a per-MAC name first, then a default one: one info finding', () => {
    const a = build((s) => {
      s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'boot.ipxe', delay: 0.01 }] });
      s.transfer({ file: 'boot.ipxe', at: 2, size: 321 });
      s.transfer({ file: 'hosts/52-54-00-12-34-56.ipxe', error: miss('hosts/52-54-00-12-34-56.ipxe') });
      s.transfer({ file: 'hosts/default.ipxe', size: 200 });
    }, EFI_IPXE);
    const found = diagnose(a);
    assert.deepEqual(
      found.map((f) => `${f.severity} ${f.ruleId}`),
      ['info tftp.loader-search'],
      list(found),
    );
    assert.match(found[0]?.message ?? '', /1× per-client name/);
  });

  it('an unrelated missing file is not a search even when the client goes on', () => {
    const a = build((s) => {
      s.dhcp({ offers: [{ siaddr: LAB.server, bootfileOption: 'boot.ipxe', delay: 0.01 }] });
      s.transfer({ file: 'boot.ipxe', at: 2, size: 321 });
      s.transfer({ file: 'splash.png', error: miss('splash.png') });
      s.transfer({ file: 'menu.ipxe', size: 200 });
    }, EFI_IPXE);
    const found = diagnose(a);
    assert.ok(
      found.some((f) => f.ruleId === 'tftp.file-not-found' && f.severity === 'warn'),
      list(found),
    );
    assert.ok(!found.some((f) => f.ruleId === 'tftp.loader-search'), list(found));
  });

  it("pxelinux's config walk in the lab boot: one info finding naming the ten misses and the default it loaded", () => {
    const found = diagnose(happyBiosPxelinux());
    const search = found.filter((f) => f.ruleId === 'tftp.loader-search');
    assert.equal(search.length, 1, list(found));
    assert.match(search[0]?.message ?? '', /searched for 10 names/);
    assert.match(search[0]?.message ?? '', /loaded "pxelinux\.cfg\/default"/);
    assert.ok(!found.some((f) => f.severity !== 'info'), list(found));
  });
});
