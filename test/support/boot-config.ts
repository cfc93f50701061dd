/** A boot configuration with no file for any architecture, for tests to fill in the parts they check. */
import type { BootConfig } from '../../src/server/config/types.js';

export const emptyBootConfig = (): BootConfig => ({
  bios: null,
  uefi: null,
  ia32: null,
  arm64: null,
  http: null,
  httpArm64: null,
  ipxe: null,
  nextServer: null,
});
