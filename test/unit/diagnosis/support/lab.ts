/**
 * The lab boots (fixtures/captures/lab/<scenario>/README.md) rebuilt as analyses: same addresses, files,
 * sizes, option values and packet order, so a rule that fires on a healthy lab boot is caught here.
 */
import type { AnalysisResult } from '../../../../src/analysis/types.js';
import { PXELINUX_CFG_MISSES } from '../../../support/lab-client.js';
import {
  BIOS_IPXE_ROM,
  CaptureBuilder,
  EDK2,
  EFI_IPXE,
  LAB,
  type ClientIdentity,
  type ReplySpec,
  type SessionBuilder,
  type TransferSpec,
} from './builder.js';

/** dnsmasq's proxy OFFER in the proxydhcp lab: no address, PXEClient, option 43 with one boot server. */
export const LAB_PROXY_OFFER: ReplySpec = {
  server: LAB.server,
  proxy: true,
  yiaddr: '0.0.0.0',
  vendorClass: 'PXEClient',
  vendorSpecific: true,
  pxeDiscoveryControl: 3,
  pxeBootServers: [LAB.server],
  pxeMenu: ['PXE-LAB pxelinux via proxyDHCP'],
};

/** One lab client booting (the SeaBIOS + iPXE ROM unless told otherwise); `boot` adds what it does. */
function labBoot(
  boot: (s: SessionBuilder, b: CaptureBuilder) => void,
  identity: Omit<ClientIdentity, 'mac'> = BIOS_IPXE_ROM,
): AnalysisResult {
  const b = new CaptureBuilder();
  boot(b.session({ mac: LAB.mac, ...identity }), b);
  return b.build();
}

/** The iPXE ROM fetching pxelinux.0 (blksize 1432, tsize 0) once its IPv6 wait is over. */
function pxelinux0(s: SessionBuilder, over: Partial<TransferSpec> = {}): void {
  s.transfer({
    file: 'pxelinux.0',
    size: 42430,
    requested: { blksize: '1432', tsize: '0' },
    at: 16.08,
    ...over,
  });
}

/** dnsmasq answers each DISCOVER seen during its ~3 s ping check: two identical OFFERs after two DISCOVERs. */
export function dnsmasqDora(s: SessionBuilder, bootFile: string | null, at = 0): void {
  const ack = bootFile === null ? {} : { bootfileOption: bootFile };
  s.dhcp({
    at,
    discovers: 2,
    offers: [
      { siaddr: LAB.server, delay: 2, ...ack },
      { siaddr: LAB.server, delay: 2, ...ack },
    ],
  });
}

/** pxelinux after pxelinux.0: ldlinux.c32, the config search (ERROR 1 for each miss), default, menu. */
export function pxelinuxSequence(s: SessionBuilder, blksize = '1408', at?: number): void {
  const req = { tsize: '0', blksize };
  s.transfer({ file: 'ldlinux.c32', size: 119524, requested: req, at });
  for (const file of PXELINUX_CFG_MISSES) {
    s.transfer({ file, requested: req, error: { code: 1, message: LAB.notFound(file), from: 'server' } });
  }
  s.transfer({ file: 'pxelinux.cfg/default', size: 407, requested: req });
  s.transfer({ file: 'menu.c32', size: 26228, requested: req });
  s.transfer({ file: 'libutil.c32', size: 23524, requested: req });
  s.transfer({ file: 'pxelinux.cfg/default', size: 407, requested: req });
  s.transfer({ file: 'poweroff.c32', size: 1656, requested: req, at: s.b.time() + 3.2 });
}

/** happy-bios-pxelinux: SeaBIOS + iPXE ROM → pxelinux.0 → config search → menu → poweroff. */
export function happyBiosPxelinux(): AnalysisResult {
  return labBoot((s) => {
    dnsmasqDora(s, 'pxelinux.0');
    pxelinux0(s);
    pxelinuxSequence(s);
  });
}

/** blksize-mtu-clamp: MTU 1000, dnsmasq grants 968 to both loaders; no fragmentation, boot succeeds. */
export function blksizeMtuClamp(): AnalysisResult {
  return labBoot((s) => {
    dnsmasqDora(s, 'pxelinux.0');
    pxelinux0(s, { oack: { blksize: '968', tsize: '42430' } });
    s.transfer({
      file: 'ldlinux.c32',
      size: 119524,
      requested: { tsize: '0', blksize: '1408' },
      oack: { blksize: '968', tsize: '119524' },
    });
  });
}

/** happy-ipxe: the iPXE ROM already sends user class iPXE and gets boot.ipxe straight away. */
export function happyIpxe(): AnalysisResult {
  return labBoot((s) => {
    dnsmasqDora(s, 'boot.ipxe');
    s.transfer({ file: 'boot.ipxe', size: 321, at: 16.076 });
  });
}

/** uefi-happy: OVMF + iPXE EFI ROM (arch 7), three DISCOVERs in the ping window, boot-efi.ipxe. */
export function uefiHappy(): AnalysisResult {
  return labBoot((s) => {
    s.dhcp({
      discovers: 3,
      discoverTimes: [0, 0.964, 2.964],
      offers: [0, 1, 2].map(() => ({ siaddr: LAB.server, bootfileOption: 'boot-efi.ipxe', delay: 0.04 })),
    });
    s.transfer({ file: 'boot-efi.ipxe', size: 321, at: 15.786 });
  }, EFI_IPXE);
}

/**
 * uefi-edk2-happy: OVMF's own PXE (EDK2) gets snponly.efi with a tsize probe (client ERROR 8, new RRQ from
 * port+1), then iPXE (snponly) does DHCP again with user class iPXE and gets boot-efi.ipxe.
 */
export function uefiEdk2Happy(): AnalysisResult {
  return labBoot((s) => {
    s.dhcp({
      offers: [{ siaddr: LAB.server, bootfileOption: 'snponly.efi', delay: 3.0068, dst: '255.255.255.255' }],
    });
    s.transfer({
      file: 'snponly.efi',
      at: 3.927,
      clientPort: 1332,
      size: 173792,
      requested: { tsize: '0', blksize: '1468', windowsize: '4' },
      oack: { blksize: '1468', tsize: '173792' },
      error: { code: 8, message: 'User aborted the transfer', from: 'client' },
    });
    s.transfer({
      file: 'snponly.efi',
      clientPort: 1333,
      size: 173792,
      requested: { blksize: '1468', windowsize: '4' },
      oack: { blksize: '1468' },
    });
    s.become(EFI_IPXE);
    s.dhcp({
      at: 6.0148,
      discovers: 2,
      discoverTimes: [6.0148, 6.9995],
      firstSecs: 4,
      offers: [
        { siaddr: LAB.server, bootfileOption: 'boot-efi.ipxe', afterDiscover: 0, delay: 0.0004 },
        { siaddr: LAB.server, bootfileOption: 'boot-efi.ipxe', afterDiscover: 1, delay: 0.0004 },
      ],
    });
    s.transfer({ file: 'boot-efi.ipxe', size: 321, at: 21.786 });
  }, EDK2);
}

/**
 * proxydhcp: proxy offers from 10.77.0.1 (yiaddr 0, 60 PXEClient, 43 menu) right after each DISCOVER,
 * address offers from 10.77.0.2 three seconds later, then boot server discovery on 4011 and pxelinux.
 */
export function proxyDhcp(): AnalysisResult {
  return labBoot((s) => {
    const proxy = { ...LAB_PROXY_OFFER, uuid: LAB.uuid };
    s.dhcp({
      discovers: 2,
      discoverTimes: [0, 1.023],
      offers: [
        { ...proxy, afterDiscover: 0 },
        { ...proxy, afterDiscover: 1 },
        { server: LAB.dhcp2, afterDiscover: 1, delay: 1.98 },
        { server: LAB.dhcp2, afterDiscover: 1, delay: 1.98 },
      ],
    });
    s.bootServer({ server: LAB.server, at: 17.12, reply: { file: 'pxelinux.0', siaddr: LAB.server } });
    pxelinux0(s, { at: 17.129 });
    pxelinuxSequence(s);
  });
}

/** no-dhcp-server: four DISCOVERs at 0, 1, 3, 7 s with secs 4, 8, 12, 16; nothing answers. */
export function noDhcpServer(): AnalysisResult {
  return labBoot((s, b) => {
    s.dhcp({ discovers: 4 });
    b.advanceTo(9.5);
  });
}

/** missing-bootfile: an address and siaddr, no file, no option 67; iPXE prints "Nothing to boot". */
export function missingBootfile(): AnalysisResult {
  return labBoot((s, b) => {
    dnsmasqDora(s, null);
    b.advanceTo(8.12);
  });
}

/** file-not-found: dhcp-boot=pxelinux.0 but no such file: one RRQ, ERROR 1 at once, no retry. */
export function fileNotFound(): AnalysisResult {
  return labBoot((s) => {
    dnsmasqDora(s, 'pxelinux.0');
    pxelinux0(s, { error: { code: 1, message: LAB.notFound('pxelinux.0'), from: 'server' } });
  });
}

/** tftp-no-blocksize: the OACK carries tsize only, 512-byte blocks, boot succeeds. */
export function tftpNoBlocksize(): AnalysisResult {
  return labBoot((s) => {
    dnsmasqDora(s, 'pxelinux.0');
    pxelinux0(s, { oack: { tsize: '42430' } });
  });
}

export const HAPPY_LABS: Record<string, () => AnalysisResult> = {
  'happy-bios-pxelinux': happyBiosPxelinux,
  'blksize-mtu-clamp': blksizeMtuClamp,
  'happy-ipxe': happyIpxe,
  'uefi-happy': uefiHappy,
  'uefi-edk2-happy': uefiEdk2Happy,
  proxydhcp: proxyDhcp,
  'tftp-no-blocksize': tftpNoBlocksize,
};
