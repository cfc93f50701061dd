/** The lab client of fixtures/captures/lab (qemu NIC 52:54:00:12:34:56, leased 10.77.0.111). */

/** The configuration files its pxelinux asks for and does not get, in order: UUID, MAC, hex-IP prefixes. */
export const PXELINUX_CFG_MISSES: readonly string[] = [
  'pxelinux.cfg/1e1b5f8a-1d7c-2e4c-9b9a-0123456789ab',
  'pxelinux.cfg/01-52-54-00-12-34-56',
  'pxelinux.cfg/0A4D006F',
  'pxelinux.cfg/0A4D006',
  'pxelinux.cfg/0A4D00',
  'pxelinux.cfg/0A4D0',
  'pxelinux.cfg/0A4D',
  'pxelinux.cfg/0A4',
  'pxelinux.cfg/0A',
  'pxelinux.cfg/0',
];
