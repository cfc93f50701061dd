/**
 * What PXE clients print when a boot fails, per firmware family, so findings can quote the line the user saw.
 * Sources, one per family (each constant names its own where it is more precise):
 * - Legacy BIOS: the Intel PXE ROM code list (the number is the PXENV_STATUS code: E32 = 0x32 TFTP open
 *   timeout, E3B = 0x3B file not found …). The ROMs are closed: messageSource says, per code, which texts a
 *   vendor manual or a quoted console confirms and which only the vendor code lists carry.
 * - UEFI: EDK2 NetworkPkg/UefiPxeBcDxe (PxeBcBoot.c PxeBcLoadBootFile / PxeBcImpl.c: "PXE-E16: No valid
 *   offer received.", "PXE-E18: Server response timeout.", "PXE-E99: Unexpected network error." …) and
 *   NetworkPkg/HttpBootDxe/HttpBootImpl.c for HTTP boot.
 * - iPXE: src/hci/strerror.c prints "<text> (" PRODUCT_ERROR_URI ")", the code being (src/include/errno.h
 *   __einfo_errno) POSIX code << 24 | errfile (src/include/ipxe/errfile.h) | disambiguator << 8 | the
 *   platform's status in the low byte: a PXENV status on a PC BIOS build (e.g. 2d12603b = ENOENT from
 *   net/udp/tftp.c, PXENV_STATUS_TFTP_FILE_NOT_FOUND 0x3B), the EFI_STATUS with bit 7 for "error" on an EFI
 *   build (src/include/ipxe/errno/efi.h PLATFORM_TO_ERRNO: ENOENT → EFI_NOT_FOUND 14 → 0x8e). Builds like
 *   the SeaBIOS/qemu ROMs on the lab consoles print http://ipxe.org/…; current upstream branding.h prints
 *   https://ipxe.org/… — same code.
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
 * iPXE, as a PC BIOS build prints it (the ROMs SeaBIOS runs, undionly.kpxe, ipxe.pxe); an EFI build
 * (ipxe.efi, snponly.efi) prints the same text with the EFI status in the last byte (`ipxeOnEfi`). The
 * middle digits name the source file, so the same POSIX error differs between TFTP (…1260…) and PXE boot
 * server discovery (…1060…). Each code is checked against iPXE's errno.h / errfile.h by a unit test.
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

/**
 * The low byte of an iPXE error on an EFI build, per POSIX code (src/include/ipxe/errno/efi.h): the
 * EFI_STATUS the error maps to, with bit 7 set as for every EFI error.
 */
const IPXE_EFI_STATUS: ReadonlyMap<number, number> = new Map([
  [0x02, 0x80 | 15], // EACCES → EFI_ACCESS_DENIED
  [0x04, 0x80 | 6], // EADDRNOTAVAIL → EFI_NOT_READY
  [0x2d, 0x80 | 14], // ENOENT → EFI_NOT_FOUND
  [0x2e, 0x80 | 1], // ENOEXEC → EFI_LOAD_ERROR
  [0x4c, 0x80 | 18], // ETIMEDOUT → EFI_TIMEOUT
]);

/**
 * The message as an EFI build of iPXE prints it: each ipxe.org code gets the EFI status in its last byte.
 * A code whose POSIX error has no known EFI status is left out (the text alone is what can be vouched for).
 */
export function ipxeOnEfi(text: string): string {
  return text.replace(/ \(https?:\/\/ipxe\.org\/([0-9a-f]{8})\)/g, (whole, code: string) => {
    const n = Number.parseInt(code, 16);
    const status = IPXE_EFI_STATUS.get(n >>> 24);
    if (status === undefined) return '';
    const efi = ((n & ~0xff) | status) >>> 0;
    return whole.replace(code, efi.toString(16).padStart(8, '0'));
  });
}

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
 * both given, since those are the two a user is likely to be looking at; none when there is no BIOS text.
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
      // A UEFI line alone would tell an unknown client it is UEFI: without a BIOS line there is nothing to show.
      if (join(texts.bios) === null) return null;
      const parts = [join(texts.bios), join(texts.uefi) === null ? null : `UEFI: ${join(texts.uefi)}`];
      const present = parts.filter((p): p is string => p !== null);
      return present.length > 0 ? present.join(' (') + (present.length > 1 ? ')' : '') : null;
    }
  }
}

/**
 * Legacy BIOS PXE ROMs are closed source: the primary source of their texts would be the ROM vendor's manual.
 * Only PXE-E74 was found in one (the Intel Boot Agent User Guide). What there is besides, per code: the
 * number's meaning, which is the PXENV status of the PXE 2.1 specification (transcribed in iPXE
 * src/arch/x86/include/pxe_error.h); consoles quoted by vendors (the line as a ROM printed it); and the
 * vendor code list every deployment product reproduces (Broadcom KB 152549, "Complete list of PXE error
 * codes and their meaning"). A code whose meaning none of these confirms is not shown (PXE-E7B).
 */
const BIOS_LIST = 'as in the vendor code lists, e.g. Broadcom KB 152549 (a copy of the Intel PXE ROM list)';
const NO_MANUAL = 'no ROM vendor manual with this text found';

/** The code's meaning from the PXE 2.1 status list; the text from the vendor lists. */
function pxenv(code: string, status: string): string {
  return (
    `code: PXE 2.1 spec status 0x${code} ${status} (iPXE src/arch/x86/include/pxe_error.h "#define ${status} ` +
    `0x00${code.toLowerCase()}"); text ${BIOS_LIST}; ${NO_MANUAL}`
  );
}

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
  [/^PXE-E11: /, pxenv('11', 'PXENV_STATUS_ARP_TIMEOUT')],
  [/^PXE-E35: /, pxenv('35', 'PXENV_STATUS_TFTP_READ_TIMEOUT')],
  [/^PXE-E3B: /, pxenv('3B', 'PXENV_STATUS_TFTP_FILE_NOT_FOUND')],
  [/^PXE-E3F: /, pxenv('3F', 'PXENV_STATUS_TFTP_INVALID_PACKET_SIZE')],
  [/^PXE-E51: /, pxenv('51', 'PXENV_STATUS_DHCP_TIMEOUT')],
  [/^PXE-E52: /, pxenv('52', 'PXENV_STATUS_DHCP_NO_IP_ADDRESS')],
  [/^PXE-E53: [^.]*$/, pxenv('53', 'PXENV_STATUS_DHCP_NO_BOOTFILE_NAME')],
  [/^PXE-E78: /, pxenv('78', 'PXENV_STATUS_BSTRAP_NO_RESPONSE')],
  [
    /^PXE-E55: /,
    'ROM console quoted in Microsoft KB 259670 ("PXE-E55 Proxy DHCP Service did not reply to request on port ' +
      `4011"); 0x55 is not in the PXE 2.1 status list; ${BIOS_LIST}`,
  ],
  [/^PXE-E\w\w: .*\.$/, 'EDK2 NetworkPkg/UefiPxeBcDxe/PxeBcImpl.c EfiPxeLoadFile'],
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
  const source = SOURCES.find(([re]) => re.test(text))?.[1] ?? null;
  const efi = /ipxe\.org\/([0-9a-f]{8})/.exec(ipxeOnEfi(text))?.[1];
  return source !== null && efi !== undefined && !text.includes(efi)
    ? `${source}; an EFI build prints …/${efi} (src/include/ipxe/errno/efi.h)`
    : source;
}
