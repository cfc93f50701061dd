/**
 * Fix texts in the three DHCP servers people run PXE with: dnsmasq, ISC dhcpd and Kea. Rules call these
 * with the real file and server names so the hint can be pasted. Every hint is plain text: an intro line,
 * then one block per server, continuation lines indented under the first.
 */
import { basename } from './facts.js';

export const SERVER_PLACEHOLDER = '<tftp-server-ip>';

interface PerServer {
  dnsmasq?: string[];
  isc?: string[];
  kea?: string[];
  other?: [label: string, lines: string[]][];
}

const LABEL_WIDTH = 11;

/** First line of the folded part of a hint whose identified server's block was moved first. */
export const OTHER_SERVERS_PREFIX = '  if it is not ';

/** One block of a laid-out hint: its label ("dnsmasq", "firewall") and its lines as printed. */
export interface HintBlock {
  label: string;
  lines: string[];
}

/**
 * Splits a hint laid out by serverHint back into its intro, blocks and any text after them. A hint that
 * is plain text comes back as intro only.
 */
export function hintBlocks(hint: string): { intro: string[]; blocks: HintBlock[]; tail: string[] } {
  const intro: string[] = [];
  const blocks: HintBlock[] = [];
  const tail: string[] = [];
  for (const line of hint.split('\n')) {
    const start = /^ {2}(\S[^:]*):(?: |$)/.exec(line);
    if (start !== null) blocks.push({ label: start[1], lines: [line] });
    else if (blocks.length > 0 && /^ {3,}\S/.test(line)) blocks[blocks.length - 1].lines.push(line);
    else (blocks.length === 0 ? intro : tail).push(line);
  }
  return { intro, blocks, tail };
}

/** Lays out a hint: the intro, then "dnsmasq:", "ISC dhcpd:", "Kea:" blocks. */
export function serverHint(intro: string, per: PerServer): string {
  const blocks: [string, string[]][] = [];
  if (per.dnsmasq && per.dnsmasq.length > 0) blocks.push(['dnsmasq:', per.dnsmasq]);
  if (per.isc && per.isc.length > 0) blocks.push(['ISC dhcpd:', per.isc]);
  if (per.kea && per.kea.length > 0) blocks.push(['Kea:', per.kea]);
  for (const [label, lines] of per.other ?? []) if (lines.length > 0) blocks.push([`${label}:`, lines]);
  const out = [intro];
  for (const [label, lines] of blocks) {
    lines.forEach((line, i) => {
      out.push(`  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)} ${line}`);
    });
  }
  return out.join('\n');
}

function srv(server: string | null): string {
  return server === null || server.trim() === '' ? SERVER_PLACEHOLDER : server;
}

/** next-server + boot file, the pair every PXE client needs; `other`: further blocks (e.g. tftpRootBlocks). */
export function bootFileHint(
  intro: string,
  file: string,
  server: string | null,
  other: [label: string, lines: string[]][] = [],
): string {
  const s = srv(server);
  return serverHint(intro, {
    dnsmasq: [`dhcp-boot=${file},,${s}`],
    isc: [`next-server ${s};`, `filename "${file}";`],
    kea: [`"next-server": "${s}", "boot-file-name": "${file}"`],
    other,
  });
}

/**
 * Where each TFTP server takes its root from. `root` is the directory the server's own error text showed
 * (dnsmasq writes the path it tried); tftp-hpa and atftpd name no path on the wire, so their lines say where
 * the root is set instead of guessing one. The dnsmasq block starts with tftp-root= so that server-hints.ts
 * reads it as TFTP configuration, apart from a dnsmasq that only serves DHCP on the same host.
 */
export function tftpRootBlocks(root: string | null): [label: string, lines: string[]][] {
  return [
    [
      'dnsmasq',
      [
        root === null
          ? 'tftp-root= names its TFTP root, where dnsmasq serves TFTP (enable-tftp)'
          : `tftp-root=${root}   # where it looked`,
      ],
    ],
    ['tftp-hpa', ['its root is the directory after --secure (-s): TFTP_DIRECTORY in /etc/default/tftpd-hpa']],
    ['atftpd', ['its root is the directory its command line ends with (OPTIONS in /etc/default/atftpd)']],
  ];
}

export type ArchClass = 'bios' | 'efi-ia32' | 'efi-x64' | 'efi-arm32' | 'efi-arm64' | 'efi-riscv';

/** Option 93 codes that mean the same boot-file architecture (7 and 9 are both x86-64 UEFI in practice). */
export const ARCH_CODES: Record<ArchClass, number[]> = {
  bios: [0],
  'efi-ia32': [6],
  'efi-x64': [7, 9],
  'efi-arm32': [10],
  'efi-arm64': [11],
  'efi-riscv': [25, 27],
};

const TAGS: Record<ArchClass, string> = {
  bios: 'bios',
  'efi-ia32': 'efi32',
  'efi-x64': 'efi64',
  'efi-arm32': 'efiarm32',
  'efi-arm64': 'efiarm64',
  'efi-riscv': 'efiriscv',
};

function hex16(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/**
 * Serve each architecture its own boot file. `match` is the client's class, `matchFile` what it should
 * get; `otherFile` stays the default for everyone else.
 */
export function archSplitHint(
  intro: string,
  match: ArchClass,
  matchFile: string,
  otherFile: string,
  server: string | null,
): string {
  const s = srv(server);
  const tag = TAGS[match];
  const codes = ARCH_CODES[match];
  const iscTest = codes.map((c) => `option arch = ${hex16(c).slice(0, 2)}:${hex16(c).slice(2)}`).join(' or ');
  const keaTest = codes.map((c) => `option[93].hex == 0x${hex16(c)}`).join(' or ');
  return serverHint(intro, {
    dnsmasq: [
      ...codes.map((c) => `dhcp-match=set:${tag},option:client-arch,${c}`),
      `dhcp-boot=tag:${tag},${matchFile},,${s}`,
      `dhcp-boot=tag:!${tag},${otherFile},,${s}`,
    ],
    isc: [
      'option arch code 93 = unsigned integer 16;   # once, at top level',
      `next-server ${s};`,
      `if ${iscTest} { filename "${matchFile}"; } else { filename "${otherFile}"; }`,
    ],
    kea: [
      `"client-classes": [ { "name": "${tag}", "test": "${keaTest}", "boot-file-name": "${matchFile}" } ]`,
      `and in the subnet: "next-server": "${s}", "boot-file-name": "${otherFile}"`,
    ],
  });
}

/**
 * Break an iPXE chainload loop: plain PXE firmware gets the iPXE binary, iPXE (user class "iPXE") gets
 * the script. The script is given as a URL; an http:// one needs a web server, a tftp:// one does not.
 */
export function ipxeChainHint(
  intro: string,
  firstStage: string,
  script: string,
  server: string | null,
): string {
  const s = srv(server);
  return serverHint(intro, {
    dnsmasq: [
      'dhcp-userclass=set:ipxe,iPXE',
      `dhcp-boot=tag:!ipxe,${firstStage},,${s}`,
      `dhcp-boot=tag:ipxe,${script}`,
    ],
    isc: [
      `next-server ${s};`,
      `if exists user-class and option user-class = "iPXE" { filename "${script}"; } else { filename "${firstStage}"; }`,
    ],
    kea: [
      `"client-classes": [ { "name": "ipxe", "test": "substring(option[77].hex,0,4) == 'iPXE'", "boot-file-name": "${script}" } ]`,
      `and in the subnet: "next-server": "${s}", "boot-file-name": "${firstStage}"`,
    ],
  });
}

/**
 * A plain DHCP server must not send option 60 "PXEClient" unless a boot server answers on 4011. Where the 60
 * comes from shows on the wire: dnsmasq's pxe-service= lines add option 43 (the PXE menu) along with it, a
 * plain option line (dnsmasq dhcp-option-force=60,PXEClient, a Windows/ISC/Kea option 60) adds 60 alone.
 */
export function removeVendorClassHint(
  intro: string,
  server: string,
  file: string | null,
  withMenu: boolean,
): string {
  const f = file ?? '<boot file>';
  const dnsmasq = withMenu
    ? [
        'remove the pxe-service= lines (the reply carries their option 43 menu with 60 "PXEClient"),',
        `use dhcp-boot=${f},,${server}`,
      ]
    : [
        'remove the dhcp-option-force=60,PXEClient (or dhcp-option=60,…) line: the reply has 60 without the option 43',
        `menu that pxe-service= lines would add; use dhcp-boot=${f},,${server}`,
      ];
  return serverHint(intro, {
    dnsmasq,
    isc: ['delete option vendor-class-identifier "PXEClient";', `next-server ${server};`, `filename "${f}";`],
    kea: [
      'remove { "name": "vendor-class-identifier", "data": "PXEClient" } from "option-data"',
      `"next-server": "${server}", "boot-file-name": "${f}"`,
    ],
    other: [['Windows DHCP', ['remove option 60 (PXEClient) unless WDS runs on the same host']]],
  });
}

/** A proxyDHCP / boot server that must answer on udp/4011. */
export function proxyServiceHint(intro: string, server: string, subnet: string | null): string {
  const net = subnet ?? '<subnet address>';
  return serverHint(intro, {
    dnsmasq: [
      `dhcp-range=${net},proxy`,
      'pxe-service=x86PC,"Network boot",pxelinux   # one line per client architecture',
      `and open udp/4011 (and 67, 69) in the firewall of ${server}`,
    ],
    other: [['firewall', [`nft add rule inet filter input udp dport 4011 accept   # on ${server}`]]],
  });
}

/** Largest blksize a path carries: MTU - 20 (IP) - 8 (UDP) - 4 (TFTP header). */
export function maxBlksizeForMtu(mtu: number): number {
  return mtu - 32;
}

export function blksizeHint(intro: string, max: number | string): string {
  return serverHint(intro, {
    other: [
      // dnsmasq has no block-size cap of its own: tftp-mtu caps the blksize it accepts at MTU − 32.
      [
        'dnsmasq',
        [
          `tftp-mtu=${typeof max === 'number' ? max + 32 : '<path MTU>'}   (or tftp-no-blocksize: 512-byte blocks)`,
        ],
      ],
      ['tftp-hpa', [`in.tftpd --blocksize ${max} …   (TFTP_OPTIONS in /etc/default/tftpd-hpa)`]],
      ['client', ['or make the client ask for less (iPXE asks 1432, pxelinux 1408), or fix the path MTU']],
    ],
  });
}

export function authoritativeHint(intro: string): string {
  return serverHint(intro, {
    dnsmasq: ['dhcp-authoritative'],
    isc: ['authoritative;   # in the subnet or global scope'],
    kea: ['"authoritative": true'],
  });
}

export function noOverloadHint(intro: string): string {
  return serverHint(intro, {
    dnsmasq: ['dhcp-no-override   # keeps file/sname for their own purpose'],
    other: [
      ['any server', ['send fewer options (drop ones the client did not ask for) so they fit without 52']],
    ],
  });
}

/** A boot file of the other architecture that plays the same role, keeping the directory. */
export function counterpartFile(file: string, target: ArchClass): string {
  const dir = file.slice(0, file.length - basename(file).length);
  const name = basename(file).toLowerCase();
  const pick = (bios: string, efiX64: string): string => dir + (target === 'bios' ? bios : efiX64);
  if (target !== 'bios' && target !== 'efi-x64') {
    const examples: Record<Exclude<ArchClass, 'bios' | 'efi-x64'>, string> = {
      'efi-ia32': '<IA32 UEFI boot file, e.g. ipxe.efi built for i386>',
      'efi-arm32': '<ARM32 UEFI boot file, e.g. grubarm.efi>',
      'efi-arm64': '<ARM64 UEFI boot file, e.g. grubaa64.efi>',
      'efi-riscv': '<RISC-V UEFI boot file, e.g. grubriscv64.efi>',
    };
    return examples[target];
  }
  if (/pxelinux\.0$|^syslinux\.efi$/.test(name)) return pick('pxelinux.0', 'syslinux.efi');
  if (/^(undionly\.kpxe|ipxe\.pxe|undionly\.kkpxe|ipxe\.kpxe|snponly\.efi|ipxe\.efi|snp\.efi)$/.test(name)) {
    return pick('undionly.kpxe', 'ipxe.efi');
  }
  if (/^(grub|shim|boot)(x64|aa64|ia32)?\.efi$|^core\.0$/.test(name)) return pick('core.0', 'grubx64.efi');
  return target === 'bios' ? '<BIOS boot file, e.g. undionly.kpxe>' : '<x64 UEFI boot file, e.g. ipxe.efi>';
}
