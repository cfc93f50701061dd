/**
 * What a person sees in each real capture, written from the capture (tshark's view, the client's console
 * and the recorder's notes in the capture's README), not from pxe-doctor's output. The golden test checks the
 * analysis against it: required findings (rule, severity, evidence frames that must be cited), rules that
 * must stay quiet, the effective boot parameters and transfer outcomes.
 */
export interface ExpectedFinding {
  ruleId: string;
  severity: 'info' | 'warn' | 'error';
  /** Frames the finding must cite (a subset of its evidence). */
  frames: number[];
}

export interface ExpectedTransfer {
  filename: string;
  outcome: 'complete' | 'error' | 'tsize-probe' | 'abandoned' | 'unknown' | 'in-progress';
  /** Frame of the request. */
  request: number;
  bytes?: number;
}

export interface Expected {
  /** Why: what the capture shows. */
  story: string;
  clients: string[];
  /** No finding at all at warn or error beyond those listed. */
  findings: ExpectedFinding[];
  /** Rules that must not fire (the normal-but-scary cases of this capture). */
  quiet: string[];
  bootFile?: string | null;
  tftpServer?: string | null;
  transfers?: ExpectedTransfer[];
  /** Worst severity per client: null for a clean boot. */
  verdict: 'error' | 'warn' | null;
}

const MAC = '52:54:00:12:34:56';

/** pxelinux's config search: UUID, 01-MAC, hex IP prefixes, then default. */
const PXELINUX_QUIET = [
  'tftp.file-not-found',
  'tftp.error',
  'tftp.open-timeout',
  'tftp.read-timeout',
  'dhcp.multiple-servers',
];

export const EXPECTED: Record<string, Expected> = {
  'lab/happy-bios-pxelinux/capture.pcapng': {
    story:
      'SeaBIOS + iPXE ROM: DORA 1-14 (two identical OFFERs from dnsmasq 11/12), pxelinux.0 (RRQ 22, 42430 B), ldlinux.c32, the config search with ten "file not found" before pxelinux.cfg/default, menu, poweroff. Client powered off cleanly.',
    clients: [MAC],
    findings: [],
    quiet: PXELINUX_QUIET,
    bootFile: 'pxelinux.0',
    tftpServer: '10.77.0.1',
    transfers: [{ filename: 'pxelinux.0', outcome: 'complete', request: 22, bytes: 42430 }],
    verdict: null,
  },
  'lab/happy-ipxe/capture.pcapng': {
    story:
      'iPXE ROM asks with user class iPXE and gets boot.ipxe straight away (RRQ 22, 321 B, one block); the script reboots.',
    clients: [MAC],
    findings: [],
    quiet: ['ipxe.chainload-loop', 'tftp.file-not-found'],
    bootFile: 'boot.ipxe',
    tftpServer: '10.77.0.1',
    transfers: [{ filename: 'boot.ipxe', outcome: 'complete', request: 22, bytes: 321 }],
    verdict: null,
  },
  'lab/proxydhcp/capture.pcapng': {
    story:
      'Address server 10.77.0.2 (OFFERs 13/14, ACK 16) beside proxyDHCP 10.77.0.1 (proxy OFFERs 2/9 with option 43); iPXE asks the boot server on 4011 with xid 0 (24) and gets pxelinux.0 from 10.77.0.1 (25); pxelinux boots.',
    clients: [MAC],
    findings: [],
    quiet: [
      'dhcp.multiple-servers',
      'dhcp.proxy-only',
      'proxy.no-reply-4011',
      'dhcp.no-boot-file',
      ...PXELINUX_QUIET,
    ],
    bootFile: 'pxelinux.0',
    tftpServer: '10.77.0.1',
    transfers: [{ filename: 'pxelinux.0', outcome: 'complete', request: 26, bytes: 42430 }],
    verdict: null,
  },
  'lab/uefi-happy/capture.pcapng': {
    story: 'OVMF + iPXE EFI ROM (arch 7) gets an EFI boot file via the efi64 tag and boots it.',
    clients: [MAC],
    findings: [],
    quiet: ['boot.arch-mismatch', 'tftp.file-not-found'],
    verdict: null,
  },
  'lab/uefi-edk2-happy/capture.pcapng': {
    story:
      'EDK2 PXE (arch 7): tsize probe (RRQ 12, OACK 13, client ERROR 8 at 14), then the real snponly.efi transfer from a new port (15); snponly.efi DHCPs again as iPXE and loads boot-efi.ipxe — the chainload loop-breaker.',
    clients: [MAC],
    findings: [],
    quiet: ['tftp.error', 'ipxe.chainload-loop', 'boot.arch-mismatch', 'tftp.file-not-found'],
    transfers: [
      { filename: 'snponly.efi', outcome: 'tsize-probe', request: 12 },
      { filename: 'snponly.efi', outcome: 'complete', request: 15, bytes: 173792 },
    ],
    verdict: null,
  },
  'lab/tftp-no-blocksize/capture.pcapng': {
    story:
      'The server leaves blksize out of the OACK (23); clients fall back to 512-byte blocks and the boot completes.',
    clients: [MAC],
    findings: [],
    quiet: ['tftp.blksize-exceeds-path', 'tftp.blksize-invalid', ...PXELINUX_QUIET],
    transfers: [{ filename: 'pxelinux.0', outcome: 'complete', request: 22, bytes: 42430 }],
    verdict: null,
  },
  'lab/blksize-mtu-clamp/capture.pcapng': {
    story:
      'Link MTU 1000: dnsmasq answers blksize 968 (OACK 23) to requests for 1432/1408 and the boot completes: the server did the right thing.',
    clients: [MAC],
    findings: [],
    quiet: ['tftp.blksize-exceeds-path', 'tftp.blksize-invalid', ...PXELINUX_QUIET],
    transfers: [{ filename: 'pxelinux.0', outcome: 'complete', request: 22, bytes: 42430 }],
    verdict: null,
  },
  'lab/file-not-found/capture.pcapng': {
    story:
      'DORA fine; the one RRQ for pxelinux.0 (22) gets ERROR 1 "file … not found" (23): the boot file itself is missing.',
    clients: [MAC],
    findings: [{ ruleId: 'tftp.file-not-found', severity: 'error', frames: [22, 23] }],
    quiet: ['tftp.no-server', 'tftp.open-timeout'],
    bootFile: 'pxelinux.0',
    transfers: [{ filename: 'pxelinux.0', outcome: 'error', request: 22 }],
    verdict: 'error',
  },
  'lab/missing-bootfile/capture.pcapng': {
    story:
      'OFFER 11/12 and ACK 14 give an address and siaddr 10.77.0.1 but no option 67 and an empty file field; no proxy. iPXE: "Nothing to boot".',
    clients: [MAC],
    findings: [{ ruleId: 'dhcp.no-boot-file', severity: 'error', frames: [14] }],
    quiet: ['tftp.no-server'],
    bootFile: null,
    verdict: 'error',
  },
  'lab/no-dhcp-server/capture.pcapng': {
    story:
      'Four DISCOVERs (1, 5, 7, 9; secs 4/8/12/16), nothing answers. iPXE: "No configuration methods succeeded".',
    clients: [MAC],
    findings: [{ ruleId: 'dhcp.no-offer', severity: 'error', frames: [1, 5, 7, 9] }],
    quiet: ['capture.relay-view'],
    verdict: 'error',
  },
  'lab-failures/arch-mismatch/capture.pcapng': {
    story:
      'iPXE EFI client (option 93 = 7 in DISCOVERs 1/6/10) is offered pxelinux.0, a BIOS file (OFFERs 12-14); it loads it (RRQ 24) and fails with "Exec format error".',
    clients: [MAC],
    findings: [{ ruleId: 'boot.arch-mismatch', severity: 'error', frames: [24] }],
    quiet: [],
    verdict: 'error',
  },
  'lab-failures/arch-mismatch-edk2/capture.pcapng': {
    story:
      'EDK2\'s own PXE (arch 7) is given pxelinux.0: normal tsize probe 12-14, download from 15, then "failed to load Boot0002".',
    clients: [MAC],
    findings: [{ ruleId: 'boot.arch-mismatch', severity: 'error', frames: [15] }],
    quiet: ['tftp.error'],
    verdict: 'error',
  },
  'lab-failures/arch-mismatch-bios-efi/capture.pcapng': {
    story:
      'BIOS client (option 93 = 0) is given snponly.efi (RRQ 22, complete at 267/268) and hangs silently.',
    clients: [MAC],
    findings: [{ ruleId: 'boot.arch-mismatch', severity: 'error', frames: [22] }],
    quiet: [],
    verdict: 'error',
  },
  'lab-failures/wrong-next-server/capture.pcapng': {
    story:
      'ACK 14 names siaddr 10.77.0.9, a host that does not exist: ten unanswered ARP requests for it (20-29), no RRQ ever leaves. iPXE: "Connection timed out".',
    clients: [MAC],
    findings: [{ ruleId: 'tftp.no-server', severity: 'error', frames: [14, 20] }],
    quiet: ['capture.tftp-data-missing'],
    tftpServer: '10.77.0.9',
    verdict: 'error',
  },
  'lab-failures/mtu-blackhole/capture.pcapng': {
    story:
      'RRQ 22 asks blksize 1432, OACK 23 accepts; DATA 1 arrives only as first fragments (25, 28, …), the second halves are dropped on the path; the client keeps re-sending ACK 0 and times out.',
    clients: [MAC],
    findings: [{ ruleId: 'tftp.blksize-exceeds-path', severity: 'error', frames: [22, 25] }],
    quiet: ['tftp.no-server', 'capture.tftp-data-missing'],
    transfers: [{ filename: 'pxelinux.0', outcome: 'abandoned', request: 22 }],
    verdict: 'error',
  },
  'lab-failures/chainload-loop/capture.pcapng': {
    story:
      'undionly.kpxe is handed to iPXE itself: five rounds of DHCP + undionly.kpxe (RRQs 22, 144, 266, 390, 512).',
    clients: [MAC],
    findings: [{ ruleId: 'ipxe.chainload-loop', severity: 'error', frames: [22, 144] }],
    quiet: [],
    bootFile: 'undionly.kpxe',
    verdict: 'error',
  },
  'lab-failures/nak/capture.pcapng': {
    story:
      'A Linux client INIT-REBOOTs for a stale 10.99.0.5 (REQUEST 1), dnsmasq NAKs "wrong network" (2), then a normal DORA binds 10.77.0.112 (3-10): the normal recovery.',
    clients: ['52:54:00:12:34:57'],
    findings: [],
    quiet: [],
    verdict: null,
  },
  'lab-failures/rogue-dhcp/capture.pcapng': {
    story:
      'A second server (rogue) offers 10.77.0.202 + undionly.kpxe (4/9) besides the intended one (13/14); the iPXE client happens to take the intended one and boots.',
    clients: [MAC],
    findings: [{ ruleId: 'dhcp.multiple-servers', severity: 'warn', frames: [4, 13] }],
    quiet: [],
    verdict: 'warn',
  },
  'lab-failures/rogue-dhcp-edk2/capture.pcapng': {
    story:
      'EDK2 takes the rogue offer (2) over the intended one (8): REQUEST 9 names the rogue, RRQ 13 to it is refused with ICMP port unreachable (14); PXE-E99.',
    clients: [MAC],
    findings: [
      { ruleId: 'dhcp.multiple-servers', severity: 'warn', frames: [2, 8] },
      { ruleId: 'tftp.no-server', severity: 'error', frames: [13] },
    ],
    quiet: [],
    verdict: 'error',
  },
  'lab-failures/pxeclient-no-proxy/capture.pcapng': {
    story:
      'The address server sets option 60 "PXEClient" (OFFER 7, ACK 9) but no proxy exists; EDK2 asks 4011 (12/14/16/21) and gets ICMP port unreachable. PXE-E16.',
    clients: [MAC],
    findings: [{ ruleId: 'dhcp.pxeclient-without-proxy', severity: 'error', frames: [7, 12] }],
    quiet: [],
    verdict: 'error',
  },
  'lab-failures/filtered-capture/capture.pcapng': {
    story:
      'A happy pxelinux boot captured with "port 67 or port 68 or port 69": DHCP 1-6 and 17 RRQs, no OACK/DATA/ACK at all. Outcome unknown, never a timeout.',
    clients: [MAC],
    findings: [{ ruleId: 'capture.tftp-data-missing', severity: 'info', frames: [7] }],
    quiet: ['tftp.open-timeout', 'tftp.no-server', 'tftp.read-timeout', 'tftp.file-not-found'],
    verdict: null,
  },
  'lab-failures/proxy-silent-4011/capture.pcapng': {
    story:
      'Proxy OFFERs 2/9/13 and the address ACK 18; the two 4011 REQUESTs (26, 27) get no answer at all. iPXE: "PXEBS … Connection timed out".',
    clients: [MAC],
    findings: [{ ruleId: 'proxy.no-reply-4011', severity: 'error', frames: [26, 27] }],
    quiet: ['dhcp.proxy-only', 'dhcp.multiple-servers'],
    verdict: 'error',
  },
};
