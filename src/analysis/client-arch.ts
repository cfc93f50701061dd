/** Option 93 client architecture codes (IANA registry, RFC 4578 and later) as PXE people name them. */
const ARCH_NAMES: Record<number, string> = {
  0: 'x86 BIOS',
  6: 'x86 UEFI',
  7: 'x64 UEFI',
  // Registered as "EFI BC"; in practice x86-64 UEFI firmware sends it too.
  9: 'EFI BC (x64 UEFI)',
  10: 'ARM32 UEFI',
  11: 'ARM64 UEFI',
  15: 'x86 UEFI HTTP',
  16: 'x64 UEFI HTTP',
  19: 'ARM64 UEFI HTTP',
  41: 'ARM rpiboot',
};

export function archName(code: number): string {
  return ARCH_NAMES[code] ?? `arch ${code}`;
}
