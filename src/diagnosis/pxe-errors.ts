/**
 * What PXE clients print when a boot fails, per firmware family, so findings can quote the line the user saw.
 * Sources, one per family (each constant names its own where it is more precise):
 * - Legacy BIOS: the Intel PXE ROM code list (the number is the PXENV_STATUS code: E32 = 0x32 TFTP open
 *   timeout, E3B = 0x3B file not found …). The ROMs are closed: messageSource says, per code, which texts a
 *   vendor manual or a quoted console confirms and which only the vendor code lists carry.
 * - UEFI: EDK2 NetworkPkg/UefiPxeBcDxe (PxeBcBoot.c PxeBcLoadBootFile / PxeBcImpl.c: "PXE-E16: No valid
 *   offer received.", "PXE-E18: Server response timeout.", "PXE-E99: Unexpected network error." …) and
 *   NetworkPkg/HttpBootDxe/HttpBootImpl.c for HTTP boot.
 * - iPXE: src/hci/strerror.c prints "<text> (" PRODUCT_ERROR_URI ")", the code being
 *   POSIX errno << 24 | errfile (src/include/ipxe/errfile.h) | PXENV status (src/include/errno.h einfo),
 *   e.g. 2d12603b = ENOENT from net/udp/tftp.c, status 0x3B. Builds like the SeaBIOS/qemu ROMs on the lab
 *   consoles print http://ipxe.org/…; current upstream branding.h prints https://ipxe.org/… — same code.
 * - pxelinux (syslinux 6): core/elflink/load_env32.c.
 */

/** Legacy BIOS PXE ROMs (Intel/Broadcom-style base code). */
export const BIOS = {
  arpTimeout: 'PXE-E11: ARP timeout',
  tftpOpenTimeout: 'PXE-E32: TFTP open timeout',
  tftpReadTimeout: 'PXE-E35: TFTP read timeout',
  tftpErrorReceived: 'PXE-E36: Error received from TFTP server',
  tftpFileNotFound: 'PXE-E3B: TFTP Error - File not found',
  tftpAccessViolation: 'PXE-E3C: TFTP Error - Access violation',
  tftpPacketSize: 'PXE-E3F: TFTP packet size is invalid',
  noOffers: 'PXE-E51: No DHCP or proxyDHCP offers were received',
  proxyOnly: 'PXE-E52: proxyDHCP offers were received. No DHCP offers were received',
  noBootFilename: 'PXE-E53: No boot filename received',
  proxy4011: 'PXE-E55: proxyDHCP service did not reply to request on port 4011',
  /** Intel Boot Agent: option 43 has PXE tags but its boot menu and/or prompt are missing or invalid. */
  badMenu: 'PXE-E74: Bad or missing PXE menu and/or prompt information',
  noBootServer: 'PXE-E78: Could not locate boot server',
  nbpTooBig: 'PXE-E79: NBP is too big to fit in free base memory',
  missingTftpServer: 'PXE-E7B: Missing MTFTP server IP address',
} as const;

/**
 * PXE-T0n echoes a TFTP ERROR packet: n is the TFTP error code, the text is the server's message
 * (T01 file not found, T02 access violation, T04 illegal operation).
 */
export function biosTftpEcho(code: number, serverText: string): string {
  const text = serverText.trim() === '' ? '(no message)' : serverText.trim();
  return `PXE-T${String(code).padStart(2, '0')}: ${text}`;
}

/** UEFI firmware PXE (EDK2 UefiPxeBcDxe, as printed by OVMF and most vendor firmware). */
export const UEFI = {
  noValidOffer: 'PXE-E16: No valid offer received.',
  serverTimeout: 'PXE-E18: Server response timeout.',
  bootCancelled: 'PXE-E21: Remote boot cancelled.',
  icmpError: 'PXE-E22: Client received ICMP error from server.',
  tftpError: 'PXE-E23: Client received TFTP error from server.',
  noBootFilename: 'PXE-E53: No boot filename received.',
  /** What OVMF prints when its RRQ is answered by ICMP port unreachable. */
  unexpectedNetworkError: 'PXE-E99: Unexpected network error.',
  /** The download worked; the firmware then cannot start the image (not a PE/COFF for its CPU). */
  loadFailed:
    'NBP file downloaded successfully. / BdsDxe: failed to load Boot#### "UEFI PXEv4 (MAC:…)" … Not Found',
  /** EDK2 stays on this line while it waits for DHCP / boot server replies. */
  startPxe: '>>Start PXE over IPv4.',
} as const;

/**
 * iPXE (ROMs, undionly.kpxe, ipxe.efi, snponly.efi). The codes are the ones the lab consoles printed; the
 * middle digits name the source file, so the same POSIX error differs between TFTP (…1260…) and PXE boot
 * server discovery (…1060…).
 */
export const IPXE = {
  /** usr/ifmgmt.c EADDRNOTAVAIL_CONFIG: DHCP got no usable reply (autoboot then moves to the next NIC). */
  noConfiguration: 'No configuration methods succeeded (http://ipxe.org/040ee119)',
  /**
   * usr/autoboot.c: no boot file, or a bare file name with siaddr 0.0.0.0 (iPXE builds tftp:// from the
   * next-server only, never from option 66), so there is no URI to fetch: ENOENT from autoboot (0x03e1).
   */
  nothingToBoot: 'Nothing to boot: No such file or directory (http://ipxe.org/2d03e13b)',
  /** net/udp/tftp.c tftp_errcode_to_rc: TFTP error 1 → ENOENT, status 0x3B (TFTP file not found). */
  fileNotFound: 'No such file or directory (http://ipxe.org/2d12603b)',
  /**
   * net/udp/tftp.c: a download that never gets (or stops getting) answers, ARP for the server included.
   * iPXE's UDP layer does not report ICMP port unreachable to TFTP, so a refused RRQ ends this way too.
   */
  tftpTimedOut: 'Connection timed out (http://ipxe.org/4c126035)',
  /** net/udp/dhcp.c PXE boot server discovery (udp/4011) without an answer (errfile 0x0106 = dhcp). */
  pxebsTimedOut: 'PXEBS (net0 type 128)… Connection timed out (http://ipxe.org/4c106035)',
  /** core/image.c image_probe(): iPXE EFI handed a BIOS program, no image type accepts it (ENOEXEC). */
  execFormat: 'Could not boot image: Exec format error (http://ipxe.org/2e008081)',
  /** iPXE BIOS handed an EFI program: arch/x86/image/pxe_image.c runs it as a BIOS NBP and it hangs. */
  efiAsNbp: '<file> : <size> bytes [PXE-NBP (may be EFI?)], then the machine hangs',
  /** net/udp/tftp.c tftp_errcode_to_rc: TFTP error 2 → EACCES, status 0x3C (TFTP access violation). */
  permissionDenied: 'Permission denied (http://ipxe.org/0212603c)',
} as const;

/** EDK2 NetworkPkg/HttpBootDxe/HttpBootImpl.c HttpBootLoadFile (GetBootFileError), then BdsDxe's line. */
export const UEFI_HTTP = {
  noFileSize: 'Error: Could not retrieve NBP file size from HTTP server.',
} as const;

/**
 * pxelinux (syslinux 6) messages. core/elflink/load_env32.c load_env32(): after every name in its search
 * list failed ("ldlinux.c32" under the config path, /boot/isolinux/, /isolinux/, /boot/syslinux/, /syslinux/,
 * /) it writes this and stops.
 */
export const PXELINUX = {
  noLdlinux: 'Failed to load ldlinux.c32',
} as const;

/** The boot file is pxelinux (BIOS pxelinux.0/lpxelinux.0, or syslinux.efi), whose messages are its own. */
export function isPxelinuxBootFile(file: string | null): boolean {
  if (file === null) return false;
  const name = file.split(/[/\\]/).pop() ?? file;
  return /^l?pxelinux\.0$|^syslinux\.efi$/i.test(name);
}

/** What pxelinux prints when the file it asked for is missing, or null when it only searches on. */
export function pxelinuxMessage(requested: string): string | null {
  const name = requested.split(/[/\\]/).pop() ?? requested;
  return /^ldlinux\.(c32|e64|e32)$/i.test(name) ? PXELINUX.noLdlinux : null;
}

/**
 * Who is talking on the client side: the firmware's PXE stack (BIOS ROM or UEFI), iPXE, or a loaded
 * boot program ('loader': pxelinux, grub …) whose messages are its own; 'none' when nothing in the capture
 * shows a network-boot client at all (plain TFTP between two hosts), so no firmware message applies.
 */
export type ClientFamily = 'bios' | 'uefi' | 'ipxe' | 'loader' | 'unknown' | 'none';

export interface ClientTexts {
  bios?: readonly string[];
  uefi?: readonly string[];
  ipxe?: readonly string[];
}

/**
 * The line(s) the client prints, for its family. When the family is unknown, the BIOS and UEFI texts are
 * both given, since those are the two a user is likely to be looking at.
 */
export function clientMessage(family: ClientFamily, texts: ClientTexts): string | null {
  const join = (t: readonly string[] | undefined): string | null =>
    t && t.length > 0 ? t.join(' / ') : null;
  switch (family) {
    case 'bios':
      return join(texts.bios);
    case 'uefi':
      return join(texts.uefi);
    case 'ipxe':
      return join(texts.ipxe);
    case 'loader':
    case 'none':
      return null;
    case 'unknown': {
      const parts = [join(texts.bios), join(texts.uefi) === null ? null : `UEFI: ${join(texts.uefi)}`];
      const present = parts.filter((p): p is string => p !== null);
      return present.length > 0 ? present.join(' (') + (present.length > 1 ? ')' : '') : null;
    }
  }
}

/**
 * Legacy BIOS PXE ROMs are closed source: the primary source of their texts would be the ROM vendor's manual.
 * Only PXE-E74 was found in one (the Intel Boot Agent User Guide). For the others the doc says so and names
 * what there is: consoles quoted by vendors (the line as a ROM printed it) and the vendor code list every
 * deployment product reproduces (Broadcom KB 152549, "Complete list of PXE error codes and their meaning").
 */
const BIOS_LIST = 'as in the vendor code lists, e.g. Broadcom KB 152549 (a copy of the Intel PXE ROM list)';
const NO_PRIMARY = `no primary source found (closed ROM, no vendor manual with this text), ${BIOS_LIST}`;

const SOURCES: readonly (readonly [RegExp, string])[] = [
  [
    /^PXE-T0/,
    'PXE 2.1 spec: the ROM echoes the TFTP ERROR code and text (Intel Boot Agent console "PXE-T02: Access ' +
      'Violation" in Oracle Solaris 11.4 "TFTP Error or System Hangs After GATEWAY Message")',
  ],
  [/^PXE-E74: /, 'Intel Boot Agent User Guide, "Boot Agent Messages" table (PXE-E74); Broadcom KB 152549'],
  [
    /^PXE-E3C: /,
    'Intel Boot Agent console (PXE-2.1 build 0.86) quoted in Oracle Solaris 11.4 Automated Install, "TFTP ' +
      `Error or System Hangs After GATEWAY Message"; ${BIOS_LIST}`,
  ],
  [
    /^PXE-E32: /,
    `bootix (BootManage PXE ROM vendor) support note "PXE-E32: TFTP open timeout"; ${BIOS_LIST}`,
  ],
  [
    /^PXE-E36: /,
    `ROM console quoted in Microsoft KB 2024414 ("PXE-T04: Access Violation / PXE-E36"); ${BIOS_LIST}`,
  ],
  [
    /^PXE-E79: /,
    `BootManage PXE-2.0 ROM console on soekris-tech, October 2004 ("PXE-E79: NBP is too big …"); ${BIOS_LIST}`,
  ],
  [/^PXE-E\w\w: .*\.$/, 'EDK2 NetworkPkg/UefiPxeBcDxe/PxeBcImpl.c EfiPxeLoadFile'],
  [/^PXE-E\w\w: /, NO_PRIMARY],
  [/^NBP file downloaded/, 'EDK2 UefiPxeBcDxe + MdeModulePkg BdsDxe'],
  [/^Error: Could not retrieve NBP/, 'EDK2 NetworkPkg/HttpBootDxe/HttpBootImpl.c HttpBootLoadFile'],
  [/^No configuration methods/, 'iPXE src/usr/ifmgmt.c'],
  [/^Nothing to boot/, 'iPXE src/usr/autoboot.c'],
  [/^PXEBS/, 'iPXE src/net/udp/dhcp.c'],
  [/^Could not boot image/, 'iPXE src/usr/imgmgmt.c, src/core/image.c'],
  [/PXE-NBP/, 'iPXE src/arch/x86/image/pxe_image.c'],
  [/ipxe\.org\/..126/, 'iPXE src/net/udp/tftp.c'],
  [/ldlinux\.c32$/, 'syslinux core/elflink/load_env32.c'],
];

/** Where a client message comes from (firmware source file or code list), for the rule docs. */
export function messageSource(text: string): string | null {
  return SOURCES.find(([re]) => re.test(text))?.[1] ?? null;
}
