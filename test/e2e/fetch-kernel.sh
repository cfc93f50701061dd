#!/usr/bin/env bash
# A real Linux kernel for the pxelinux → kernel boot of replay-live-kernel.test.ts, on machines whose /boot
# has none (CI runners, containers): Debian's cloud kernel package is downloaded and only its
# /boot/vmlinuz-* unpacked into /var/cache/pxe-doctor/kernel/boot. Nothing is installed (no kernel hooks,
# no initramfs, no modules). Root, Debian. Does nothing when /boot or the cache has a kernel already.
set -euo pipefail
CACHE=/var/cache/pxe-doctor
for k in /boot/vmlinuz-* "$CACHE"/kernel/boot/vmlinuz-*; do [ -f "$k" ] && exit 0; done
kernel_package() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'; }
pkg=$(kernel_package)
[ -n "$pkg" ] || { apt-get update -qq; pkg=$(kernel_package); }
[ -n "$pkg" ] || { echo "fetch-kernel: no linux-image-cloud-amd64 in the package lists (apt-get update?)" >&2; exit 1; }
mkdir -p "$CACHE/debs" "$CACHE/kernel"
cd "$CACHE/debs"
apt-get download -qq "$pkg" 2>&1 | grep -v unsandboxed >&2 || true
deb=$(ls "$pkg"_*.deb | head -1)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$CACHE/kernel" --wildcards './boot/vmlinuz-*'
rm -f "$deb"
ls "$CACHE"/kernel/boot/vmlinuz-*
