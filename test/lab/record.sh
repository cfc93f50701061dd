#!/bin/bash
# record.sh - record real PXE boots (and PXE failures) as pxe-doctor regression
# fixtures, inside network namespaces that this script creates and deletes.
#
# Nothing is attached to, bridged to or served on the host's own interfaces.
# Only 10.77.0.0/16 addresses are used, and only inside the namespaces
# "pxd-srv" (bridge + servers + client), "pxd-aux" (second server or TFTP
# server behind a router) and "pxd-cli" (scripted Linux DHCP client).
# Servers: dnsmasq, ISC dhcpd, Kea DHCPv4, tftpd-hpa and atftpd, each started
# in the foreground inside a namespace (never as a host service).
#
#   record.sh deps                       install what the lab needs (apt, Debian 12)
#   record.sh assets                     build TFTP payloads under $LAB/assets
#   record.sh list                       list scenarios
#   record.sh record <scenario> <outdir> record one scenario into <outdir>
#   record.sh record-all [basedir]       record every scenario into basedir/<name>
#   record.sh readme <scenario> <dir>    rebuild <dir>/README.md from the recorded files
#   record.sh cleanup                    stop our processes (by PID), delete our namespaces
#
# Environment: LAB (work directory, default /srv/pxe-doctor-lab),
# LAB_ACCEL (tcg|kvm, default tcg), LAB_TIMEOUT (seconds per boot, overrides
# the per-scenario value), LAB_KEEP_RAW=1 (also keep console.log, capture
# summaries and the qemu command line in <outdir>).
#
# The captures contain MAC addresses, IP addresses, the SMBIOS UUID and file
# paths of the machine that recorded them: see test/lab/README.md and
# test/lab/anonymise.ts before sharing a capture of your own network.
set -uo pipefail

LAB=${LAB:-/srv/pxe-doctor-lab}
ASSETS=$LAB/assets
RUN=$LAB/run
WORK=$RUN/work
PIDS=$RUN/pids
NS=pxd-srv           # bridge br0 + tap0 (+ dnsmasq, capture, qemu)
NS2=pxd-aux          # second server: on the bridge (TWO=bridge) or behind pxd-srv as router (TWO=routed)
NS3=pxd-cli          # scripted Linux DHCP client on the bridge (CLIENT=dhclient)
BR=br0
TAP=tap0
SRV_IP=10.77.0.1
AUX_IP=10.77.0.2     # pxd-aux on the bridge
OTHER_NET_IP=10.77.2.2   # pxd-aux on the bridge, as the DHCP server of another network (two-servers-nak)
OTHER_LO=10.77.2.100
OTHER_HI=10.77.2.120
RT_SRV_IP=10.77.1.254  # routed: pxd-srv side of the pxd-srv <-> pxd-aux link
RT_AUX_IP=10.77.1.1    # routed: TFTP server in pxd-aux
VOID_IP=10.77.0.9    # an address nobody has (wrong-next-server)
PREFIX=24
RANGE_LO=10.77.0.100
RANGE_HI=10.77.0.150
ROGUE_LO=10.77.0.200
ROGUE_HI=10.77.0.220
MAC=52:54:00:12:34:56
CLI_MAC=52:54:00:12:34:57
BR_MAC=52:54:00:77:00:01    # br0 in pxd-srv (DHCP/TFTP server, router)
AUX_MAC=52:54:00:77:00:02   # veth-aux in pxd-aux
RT_MAC=52:54:00:77:01:fe    # veth-rt in pxd-srv (routed topology)
UUID=8a5f1b1e-7c1d-4c2e-9b9a-0123456789ab
ACCEL=${LAB_ACCEL:-tcg}
OVMF=/usr/share/ovmf/OVMF.fd
ROM_E1000=/usr/lib/ipxe/qemu/efi-e1000.rom   # iPXE: BIOS (PXE ROM) + EFI driver
APT_PKGS="iproute2 dnsmasq-base tshark wireshark-common qemu-system-x86 ipxe-qemu ipxe pxelinux syslinux-common ovmf psmisc nftables isc-dhcp-client isc-dhcp-server tcpdump kea-dhcp4-server tftpd-hpa"
# atftpd conflicts with tftpd-hpa as a Debian package: it is only unpacked into $LAB/debs (never installed)
ATFTPD_BIN=$LAB/debs/atftpd-root/usr/sbin/atftpd
SELF="test/lab/record.sh"

SCENARIOS="happy-bios-pxelinux happy-bios-pxelinux-linux happy-ipxe missing-bootfile \
file-not-found no-dhcp-server proxydhcp uefi-happy uefi-edk2-happy blksize-mtu-clamp \
tftp-no-blocksize \
arch-mismatch arch-mismatch-edk2 arch-mismatch-bios-efi wrong-next-server mtu-blackhole mtu-blackhole-path \
capture-cut-off \
kea-happy-bios kea-happy-uefi kea-arch-mismatch tftpd-hpa-file-not-found tftpd-hpa-blocksize \
atftpd-happy-bios atftpd-file-not-found isc-pxe-tftpd-hpa \
rogue-dhcp rogue-dhcp-edk2 chainload-loop nak pxeclient-no-proxy filtered-capture proxy-silent-4011 \
two-servers-nak server-id-nak kernel-drops"

log() { printf '[record %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
nsx() { ip netns exec "$NS" "$@"; }

need_root() { [ "$(id -u)" = 0 ] || die "must run as root"; }

# ---------------------------------------------------------------- safety ---
assert_lab_addr() {     # every address we configure must be inside 10.77/16
    local a
    for a in "$@"; do
        case "$a" in 10.77.*) ;; *) die "refusing non-10.77 address '$a'";; esac
    done
}
assert_lab_addr "$SRV_IP" "$AUX_IP" "$OTHER_NET_IP" "$OTHER_LO" "$OTHER_HI" "$RT_SRV_IP" "$RT_AUX_IP" "$VOID_IP" "$RANGE_LO" "$RANGE_HI" "$ROGUE_LO" "$ROGUE_HI"
case "$LAB" in /|/usr|/usr/*|/etc|/etc/*|/home|/root|"") die "refusing LAB=$LAB";; esac

# ------------------------------------------------------------------ deps ---
wait_apt() {
    local n=0
    while fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/lib/apt/lists/lock \
                /var/cache/apt/archives/lock >/dev/null 2>&1; do
        [ $((n % 6)) = 0 ] && log "apt/dpkg busy (another apt-get is running), waiting..."
        n=$((n + 1)); sleep 10
    done
}

cmd_deps() {
    need_root
    local missing="" p
    for p in $APT_PKGS; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    if [ -n "$missing" ]; then
        log "installing:$missing"
        wait_apt
        # kea-dhcp4-server and tftpd-hpa start host services on installation: a policy-rc.d that denies
        # every start keeps them off (the lab runs them inside its namespaces only), unless one exists.
        local rcd=0
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; rcd=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
        p=$?
        [ "$rcd" = 0 ] || rm -f /usr/sbin/policy-rc.d
        [ "$p" = 0 ] || die "apt-get install failed"
    fi
    # Payload packages are only downloaded + unpacked into $LAB/debs (never
    # installed): a Debian cloud kernel and a static busybox for the initrd.
    # Only happy-bios-pxelinux-linux needs them.
    mkdir -p "$LAB/debs"
    ( cd "$LAB/debs" || exit 1
      kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}')
      if ! ls linux-image-*-cloud-amd64_*.deb >/dev/null 2>&1 && [ -n "$kpkg" ]; then
          wait_apt; apt-get download "$kpkg" || log "WARN: kernel download failed (linux scenario will be skipped)"
      fi
      if ! ls busybox-static_*.deb >/dev/null 2>&1; then
          wait_apt; apt-get download busybox-static || log "WARN: busybox-static download failed"
      fi
      # atftpd scenarios: unpacked only (the package conflicts with tftpd-hpa); run from atftpd-root
      if ! ls atftpd_*.deb >/dev/null 2>&1; then
          wait_apt; apt-get download atftpd || log "WARN: atftpd download failed (atftpd scenarios unavailable)"
      fi
      d=$(ls atftpd_*.deb 2>/dev/null | head -1)
      [ -z "$d" ] || [ -x atftpd-root/usr/sbin/atftpd ] || dpkg-deb -x "$d" atftpd-root
    ) 2>&1 | grep -v 'unsandboxed' >&2
    log "deps ok"
}

# ---------------------------------------------------------------- assets ---
write_pxelinux_cfg() {   # $1=dir $2=default label
    mkdir -p "$1/pxelinux.cfg"
    cat > "$1/pxelinux.cfg/default" <<EOF
# PXE-LAB pxelinux.cfg/default (served from tftp-root/pxelinux.cfg/default)
DEFAULT menu.c32
PROMPT 0
TIMEOUT 30
MENU TITLE PXE-LAB pxelinux menu (default: $2)

LABEL linux
  MENU LABEL ^Linux: Debian cloud kernel + busybox initrd
  $( [ "$2" = linux ] && echo "MENU DEFAULT" )
  KERNEL vmlinuz
  INITRD initrd.gz
  APPEND console=ttyS0,115200 panic=-1 loglevel=4

LABEL off
  MENU LABEL ^Power off (poweroff.c32)
  $( [ "$2" = off ] && echo "MENU DEFAULT" )
  COM32 poweroff.c32
EOF
}

write_ipxe_script() {    # $1=file
    cat > "$1" <<'EOF'
#!ipxe
echo PXE-LAB: iPXE script ${filename} running (platform=${platform} buildarch=${buildarch})
echo PXE-LAB: ip=${ip} netmask=${netmask} gateway=${gateway} next-server=${next-server}
echo PXE-LAB: mac=${mac} uuid=${uuid}
echo PXE-LAB: success - rebooting (qemu -no-reboot turns this into a clean exit)
sleep 1
reboot
EOF
}

cmd_assets() {
    need_root
    local d=$ASSETS
    [ -r /usr/lib/PXELINUX/pxelinux.0 ] || die "pxelinux missing: run '$SELF deps'"
    [ -r /usr/lib/ipxe/undionly.kpxe ] || die "ipxe missing: run '$SELF deps'"
    rm -rf "$d"; mkdir -p "$d"/{syslinux,ipxe,linux,cfg-light,cfg-linux}
    cp /usr/lib/PXELINUX/pxelinux.0 "$d/syslinux/"
    for m in ldlinux menu libutil libcom32 poweroff reboot; do
        cp "/usr/lib/syslinux/modules/bios/$m.c32" "$d/syslinux/"
    done
    cp -L /usr/lib/ipxe/undionly.kpxe /usr/lib/ipxe/snponly.efi /usr/lib/ipxe/ipxe.efi "$d/ipxe/"
    write_ipxe_script "$d/ipxe/boot.ipxe"
    write_ipxe_script "$d/ipxe/boot-efi.ipxe"
    write_pxelinux_cfg "$d/cfg-light" off
    write_pxelinux_cfg "$d/cfg-linux" linux
    # Linux payload: kernel from the Debian cloud kernel .deb, initrd = static busybox.
    local kdeb bdeb x
    kdeb=$(ls "$LAB"/debs/linux-image-*-cloud-amd64_*.deb 2>/dev/null | head -1)
    bdeb=$(ls "$LAB"/debs/busybox-static_*.deb 2>/dev/null | head -1)
    if [ -n "$kdeb" ] && [ -n "$bdeb" ]; then
        x=$(mktemp -d "$LAB/.x.XXXX")
        dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$x" ./boot
        cp "$x"/boot/vmlinuz-* "$d/linux/vmlinuz"
        basename "$kdeb" > "$d/linux/KERNEL_PACKAGE"
        mkdir -p "$x/bb" "$x/root"/{bin,proc,sys,dev}
        dpkg-deb -x "$bdeb" "$x/bb"
        cp "$x/bb/bin/busybox" "$x/root/bin/busybox"
        cat > "$x/root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
echo "PXE-LAB: Linux $(/bin/busybox uname -r) running from PXE-loaded initrd"
echo "PXE-LAB: cmdline: $(/bin/busybox cat /proc/cmdline)"
echo "PXE-LAB: success - powering off"
/bin/busybox poweroff -f
EOF
        chmod 755 "$x/root/init"
        ( cd "$x/root" && find . | "$x/bb/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -9 > "$d/linux/initrd.gz" )
        rm -rf "$x"
    else
        log "WARN: no kernel/busybox debs; happy-bios-pxelinux-linux will not be available"
    fi
    chmod -R a+rX "$d"
    log "assets built in $d"; ( cd "$d" && find . -type f -printf '%s\t%p\n' | sort -k2 ) >&2
}

# TFTP root for a run, assembled from assets.
make_tftproot() {   # $1=set name -> prints path
    local t=$RUN/tftproot
    rm -rf "$t"; mkdir -p "$t"
    case "$1" in
        none) ;;
        bios-light|bios-linux)
            cp "$ASSETS"/syslinux/* "$t/"
            if [ "$1" = bios-linux ]; then
                cp -r "$ASSETS/cfg-linux/pxelinux.cfg" "$t/"
                cp "$ASSETS/linux/vmlinuz" "$ASSETS/linux/initrd.gz" "$t/"
            else
                cp -r "$ASSETS/cfg-light/pxelinux.cfg" "$t/"
            fi ;;
        no-pxelinux)   # everything except the boot file the DHCP server names
            cp "$ASSETS"/syslinux/*.c32 "$t/"; cp -r "$ASSETS/cfg-light/pxelinux.cfg" "$t/" ;;
        ipxe)
            cp "$ASSETS"/ipxe/* "$t/" ;;
        efi)
            cp "$ASSETS"/ipxe/* "$t/"; cp "$ASSETS"/syslinux/* "$t/"
            cp -r "$ASSETS/cfg-light/pxelinux.cfg" "$t/" ;;
        *) die "unknown tftp set $1" ;;
    esac
    chmod -R a+rX "$RUN" "$t"
    echo "$t"
}

# --------------------------------------------------------------- network ---
ns_exists() { ip netns list | awk '{print $1}' | grep -qx "$1"; }

net_down() {
    local n
    for n in "$NS3" "$NS2" "$NS"; do
        if ns_exists "$n"; then
            ip netns del "$n" && log "deleted namespace $n"
        fi
    done
}

ns_base() {   # $1=namespace: create, loopback up, no IPv6 on the namespace's own interfaces
    ip netns add "$1"
    ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$1" ip link set lo up
}

bridge_port() {   # $1=port on $BR, $2=namespace, $3=its end there, $4=that end's MAC [$5=its address/prefix]
    ip -n "$NS" link add "$1" type veth peer name "$3" netns "$2"
    ip -n "$NS" link set "$1" master "$BR"
    ip -n "$NS" link set "$1" up
    ip -n "$2" link set "$3" address "$4"
    [ -z "${5:-}" ] || ip -n "$2" addr add "$5" dev "$3"
    ip -n "$2" link set "$3" up
}

net_up() {   # uses TAPMTU BRMTU TWO (0|bridge|routed) CLI (0|1)
    net_down
    ns_base "$NS"
    nsx ip link add "$BR" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
    nsx ip tuntap add "$TAP" mode tap
    nsx ip link set "$TAP" mtu "$TAPMTU"
    nsx ip link set "$TAP" master "$BR"
    nsx ip link set "$BR" mtu "$BRMTU"
    nsx ip link set "$BR" address "$BR_MAC"       # fixed MACs: byte-stable fixtures
    nsx ip addr add "$SRV_IP/$PREFIX" dev "$BR"
    nsx ip link set "$TAP" up
    nsx ip link set "$BR" up
    case "$TWO" in
    bridge)   # pxd-aux is a second host on the same segment
        ns_base "$NS2"
        bridge_port veth-br "$NS2" veth-aux "$AUX_MAC" "${AUX_ADDR:-$AUX_IP}/$PREFIX" ;;
    routed)   # pxd-aux sits on its own subnet; pxd-srv routes between it and br0
        ns_base "$NS2"
        ip -n "$NS" link add veth-rt type veth peer name veth-aux netns "$NS2"
        ip -n "$NS" link set veth-rt address "$RT_MAC"
        ip -n "$NS2" link set veth-aux address "$AUX_MAC"
        ip -n "$NS" addr add "$RT_SRV_IP/$PREFIX" dev veth-rt
        ip -n "$NS" link set veth-rt up
        ip -n "$NS2" addr add "$RT_AUX_IP/$PREFIX" dev veth-aux
        ip -n "$NS2" link set veth-aux up
        ip -n "$NS2" route add default via "$RT_SRV_IP"
        nsx sysctl -qw net.ipv4.ip_forward=1 ;;
    esac
    if [ "$CLI" = 1 ]; then
        ns_base "$NS3"
        bridge_port veth-brc "$NS3" veth-cli "$CLI_MAC"
    fi
    if [ -n "$NFT_SRV" ]; then
        printf '%s\n' "$NFT_SRV" > "$WORK/nft-srv.nft"
        nsx nft -f "$WORK/nft-srv.nft" || die "nft ruleset failed to load"
    fi
}

# ------------------------------------------------------------- processes ---
# PID files: $PIDS/<name>.pid, second line = expected command-line substring.
track() { mkdir -p "$PIDS"; printf '%s\n%s\n' "$2" "$3" > "$PIDS/$1.pid"; }
stop_tracked() {    # $1=name $2=signal
    local f=$PIDS/$1.pid pid want i
    [ -f "$f" ] || return 0
    pid=$(sed -n 1p "$f"); want=$(sed -n 2p "$f")
    if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$want"; then
        kill -CONT "$pid" 2>/dev/null   # a capture held by FLOOD must be able to take its signal
        kill "-${2:-TERM}" "$pid" 2>/dev/null
        for i in $(seq 1 50); do
            [ -d "/proc/$pid" ] || break
            grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
            sleep 0.1
        done
        if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid" 2>/dev/null
    fi
    rm -f "$f"
}
stop_all() {
    stop_tracked qemu TERM
    stop_tracked flood TERM
    stop_tracked dhclient TERM
    stop_tracked dumpcap INT
    stop_tracked dnsmasq2 TERM
    stop_tracked dhcpd TERM
    stop_tracked kea TERM
    stop_tracked tftpd TERM
    stop_tracked dnsmasq TERM
}

start_dnsmasq() {   # $1=name $2=namespace $3=conf $4=log
    ip netns exec "$2" /usr/sbin/dnsmasq --keep-in-foreground --conf-file="$3" &
    local pid=$!
    track "$1" "$pid" "dnsmasq"
    local i; for i in $(seq 1 30); do
        grep -q 'started, version' "$4" 2>/dev/null && break
        sleep 0.1
    done
    [ -d "/proc/$pid" ] || die "dnsmasq ($1) failed to start; see $3"
}

run_dnsmasq() {   # $1=name $2=namespace $3=iface $4=file stem in $WORK $5=leasefile $6=header line $7=scenario lines
    local conf=$WORK/$4.conf log=$WORK/$4.log
    { dnsmasq_base "$3" "$log" "$5"; echo "$6"; echo "$7"; } > "$conf"
    : > "$log"; chmod 666 "$log"
    start_dnsmasq "$1" "$2" "$conf" "$log"
}

dnsmasq_base() {   # $1=iface $2=logfile $3=leasefile  (common lines)
    cat <<EOF
# --- PXE-LAB common part ---
port=0
interface=$1
bind-interfaces
user=nobody
group=nogroup
log-dhcp
log-facility=$2
dhcp-leasefile=$3
EOF
}

run_dhcpd() {   # ISC dhcpd in $NS2 on veth-aux with $DHCPD_CONF; logs to $WORK/dhcpd.log
    printf '%s\n' "$DHCPD_CONF" > "$WORK/dhcpd.conf"
    : > "$RUN/dhcpd.leases"
    ip netns exec "$NS2" /usr/sbin/dhcpd -4 -f -d -cf "$WORK/dhcpd.conf" -lf "$RUN/dhcpd.leases" \
        -pf "$RUN/dhcpd.pid" veth-aux > "$WORK/dhcpd.log" 2>&1 &
    local pid=$!
    track dhcpd "$pid" dhcpd
    local i; for i in $(seq 1 50); do grep -q 'Sending on' "$WORK/dhcpd.log" 2>/dev/null && break; sleep 0.1; done
    [ -d "/proc/$pid" ] || die "ISC dhcpd failed to start; see $WORK/dhcpd.log"
}

# Kea DHCPv4 in $NS on $BR with $KEA_CONF (JSON); lease file, lock and pid files under $RUN, log in $WORK.
# Kea opens its sockets at start only on interfaces that are running, and br0 has no carrier until qemu
# attaches to tap0: a veth port whose other end stays mute gives it its carrier first. Mute: no address, no
# IPv6, and no ARP (Linux would otherwise answer ARP for br0's address on it, with its own MAC).
run_kea() {
    nsx ip link add kea-carrier type veth peer name kea-mute
    nsx ip link set kea-mute arp off
    nsx ip link set kea-carrier master "$BR"; nsx ip link set kea-mute up; nsx ip link set kea-carrier up
    local i; for i in $(seq 1 30); do nsx ip link show "$BR" | grep -q LOWER_UP && break; sleep 0.1; done
    printf '%s\n' "$KEA_CONF" > "$WORK/kea-dhcp4.conf"
    : > "$WORK/kea.log"
    KEA_LOCKFILE_DIR=$RUN KEA_PIDFILE_DIR=$RUN ip netns exec "$NS" /usr/sbin/kea-dhcp4 -c "$WORK/kea-dhcp4.conf" \
        > "$WORK/kea.stdout" 2>&1 &
    local pid=$!
    track kea "$pid" kea-dhcp4
    for i in $(seq 1 50); do grep -q 'DHCP4_STARTED' "$WORK/kea.log" 2>/dev/null && break; sleep 0.1; done
    [ -d "/proc/$pid" ] || die "kea-dhcp4 failed to start; see $WORK/kea.stdout"
}

# A Kea DHCPv4 configuration for br0: $1 = the client-classes array, $2 = extra subnet parameters (JSON members).
kea_conf() {
    cat <<EOF
{
  "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$BR" ], "dhcp-socket-type": "raw" },
    "lease-database": { "type": "memfile", "persist": false },
    "valid-lifetime": 3600, "renew-timer": 900, "rebind-timer": 1800,
    "client-classes": $1,
    "subnet4": [ {
      "id": 1,
      "subnet": "10.77.0.0/$PREFIX",
      "pools": [ { "pool": "$RANGE_LO - $RANGE_HI" } ],
      "next-server": "$SRV_IP"$2
    } ],
    "loggers": [ { "name": "kea-dhcp4", "severity": "DEBUG", "debuglevel": 15,
                   "output_options": [ { "output": "$WORK/kea.log" } ] } ]
  }
}
EOF
}

# TFTPD = tftpd-hpa | atftpd: the TFTP server in $NS on $SRV_IP:69, root $RUN/tftproot, in the foreground,
# with $TFTPD_ARGS; its command line goes to $WORK/tftpd.cmdline, atftpd's own log to $WORK/tftpd.log.
run_tftpd() {
    local root=$RUN/tftproot cmd
    case "$TFTPD" in
        tftpd-hpa) cmd=(/usr/sbin/in.tftpd -L -v -v -a "$SRV_IP:69" -u nobody $TFTPD_ARGS -s "$root");;
        atftpd) [ -x "$ATFTPD_BIN" ] || die "atftpd not unpacked: run '$SELF deps'"
            cmd=("$ATFTPD_BIN" --daemon --no-fork --bind-address "$SRV_IP" --port 69 --user nobody --group nogroup
                 --logfile - --verbose=6 $TFTPD_ARGS "$root");;
        *) die "unknown TFTPD '$TFTPD'";;
    esac
    echo "ip netns exec $NS ${cmd[*]}" | sed "s#$ATFTPD_BIN#\$LAB/debs/atftpd-root/usr/sbin/atftpd#" > "$WORK/tftpd.cmdline"
    ip netns exec "$NS" "${cmd[@]}" > "$WORK/tftpd.log" 2>&1 &
    local pid=$!
    track tftpd "$pid" "$(basename "${cmd[0]}")"
    local i; for i in $(seq 1 30); do nsx ss -lun 2>/dev/null | grep -q "$SRV_IP:69 " && break; sleep 0.1; done
    nsx ss -lun 2>/dev/null | grep -q "$SRV_IP:69 " || die "$TFTPD does not listen on $SRV_IP:69; see $WORK/tftpd.log"
}

# FLOOD: wait for a packet matching the filter (tcpdump -c 1 on the captured interface), then flood
# UDP from $NS2 to $SRV_IP:9 (bounded in time and count) and hold dumpcap meanwhile, as a capture host
# too busy to read would be: its small kernel buffer overflows and the kernel drops what comes.
start_flood() {
    local bpf secs delay pause
    IFS='|' read -r bpf secs delay pause <<< "$FLOOD"
    (
        # the sender is started first and waits for a line on a fifo, so the flood starts at once
        mkfifo "$WORK/flood.go"
        ip netns exec "$NS2" timeout $((TIMEOUT + 5)) python3 -c '
import socket, sys, time
sys.stdin.readline()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
end, n = time.time() + float(sys.argv[2]), 0
while time.time() < end and n < 1000000:
    for _ in range(100):
        try:
            s.sendto(b"\0" * 1400, (sys.argv[1], 9))
        except OSError:
            pass
    n += 100
print("flood: sent %d datagrams of 1400 bytes" % n)' "$SRV_IP" "$secs" < "$WORK/flood.go" &
        local fp=$! dp
        exec 8> "$WORK/flood.go"
        nsx timeout "$TIMEOUT" tcpdump --immediate-mode -i "$CAPIF" -c 1 -n "$bpf" > /dev/null 2>&1
        echo go >&8; exec 8>&-
        echo "flood: first packet matching '$bpf' at $(date -u +%H:%M:%S.%N)"
        sleep "$delay"
        dp=$(sed -n 1p "$PIDS/dumpcap.pid")
        kill -STOP "$dp"; echo "flood: dumpcap held for ${pause}s"; sleep "$pause"; kill -CONT "$dp"
        wait "$fp"
    ) > "$WORK/flood.log" 2>&1 &
    track flood $! record.sh
}

# Cut the flood (everything to or from $AUX_IP) out of the capture by frame number. editcap and
# tshark -w drop pcapng interface statistics blocks, so the blocks are copied here as they are:
# section header, interface description and statistics blocks stay, packet blocks are kept or left out.
cut_flood() {   # $1 = capture, rewritten in place; the numbers go to $WORK/flood.meta
    local keep=$WORK/keep.txt total
    tshark -r "$1" -Y "!(ip.addr == $AUX_IP) && !(arp.src.proto_ipv4 == $AUX_IP) && !(arp.dst.proto_ipv4 == $AUX_IP)" \
        -T fields -e frame.number > "$keep" 2>/dev/null
    total=$(capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/{gsub(/ /,"",$2); print $2}')
    python3 - "$1" "$keep" "$1.cut" <<'PY' || die "cutting the flood out failed"
import struct, sys
src, keepfile, dst = sys.argv[1:4]
keep = {int(l) for l in open(keepfile) if l.strip()}
data = open(src, "rb").read()
out, pos, frame = bytearray(), 0, 0
while pos < len(data):
    btype, blen = struct.unpack_from("<II", data, pos)
    if btype in (3, 6, 2):        # simple, enhanced, obsolete packet block: one frame each
        frame += 1
        if frame not in keep:
            pos += blen
            continue
    out += data[pos:pos + blen]
    pos += blen
open(dst, "wb").write(out)
PY
    mv "$1.cut" "$1"
    { echo "flood_cut: frames_captured=$total frames_kept=$(wc -l < "$keep") (frames to or from $AUX_IP removed, interface statistics kept)"
      grep '^flood:' "$WORK/flood.log" | tr '\n' ' '; echo; } > "$WORK/flood.meta"
}

# ------------------------------------------------------------- scenarios ---
# Each scenario sets:
#   DESC EXPECT       description, what the client is expected to print
#   FW                bios | uefi-ipxe | uefi-edk2 (qemu client)
#   CLIENT            qemu | dhclient (Linux DHCP client in pxd-cli)
#   TFTPSET           files in the TFTP root (see make_tftproot)
#   TAPMTU BRMTU      MTUs of tap0 and br0
#   TWO               0 | bridge | routed   (namespace pxd-aux, see net_up)
#   CLI               0 | 1                 (namespace pxd-cli, see net_up)
#   NO_DHCP           1 = no server in pxd-srv
#   DHCP_EXTRA        scenario lines for dnsmasq in pxd-srv (on br0)
#   DHCP2_EXTRA       scenario lines for dnsmasq in pxd-aux (empty: none)
#   DHCPD_CONF        ISC dhcpd configuration for pxd-aux (empty: none); AUX_ADDR its address there
#   KEA_CONF          Kea DHCPv4 configuration (JSON, see kea_conf) for pxd-srv on br0 (empty: none)
#   TFTPD TFTPD_ARGS  tftpd-hpa | atftpd as the TFTP server in pxd-srv on $SRV_IP (empty: none), extra options
#   NFT_SRV           nftables ruleset loaded into pxd-srv
#   CAPIF CAPFILTER   capture interface in pxd-srv (br0|tap0), capture filter (BPF)
#   CAPSTOP           stop the capture after this many packets (empty: capture the whole boot)
#   CAPBUF            dumpcap -B (MiB, kernel ring buffer; empty: dumpcap's default)
#   FLOOD             "<BPF filter>|<seconds>|<delay s>|<pause s>": once a packet matching the filter crosses
#                     $CAPIF, pxd-aux floods UDP to $SRV_IP:9 for <seconds>, and <delay s> later dumpcap is
#                     stopped for <pause s>; the flood is then cut out of the capture, keeping the interface
#                     statistics block (see cut_flood)
#   TIMEOUT           seconds before the client is stopped
#   KEYS              "label|display filter" lines: frame numbers go into README.md
scenario() {
    DESC=""; EXPECT=""; FW=bios; CLIENT=qemu; TFTPSET=bios-light; TAPMTU=1500; BRMTU=1500
    TWO=0; CLI=0; NO_DHCP=0; DHCP_EXTRA=""; DHCP2_EXTRA=""; NFT_SRV=""; CAPIF=$BR; CAPFILTER=""
    CAPSTOP=""; CAPBUF=""; FLOOD=""; DHCPD_CONF=""; AUX_ADDR=""; KEA_CONF=""; TFTPD=""; TFTPD_ARGS=""
    TIMEOUT=90; KEYS=""
    local range="dhcp-range=$RANGE_LO,$RANGE_HI,255.255.255.0,1h"
    local tftp="enable-tftp
tftp-root=$RUN/tftproot"
    # dnsmasq in pxd-srv hands out addresses and serves TFTP; the arguments are the scenario's own lines
    dnsmasq_serves() { DHCP_EXTRA=$(printf '%s\n' "$range" "$tftp" "$@"); }
    # dnsmasq in pxd-srv hands out addresses only; $1 = the TFTP server on the same host (tftpd-hpa|atftpd)
    dnsmasq_dhcp_tftpd() { TFTPD=$1; shift; DHCP_EXTRA=$(printf '%s\n' "$range" "# TFTP: $TFTPD on this host, not dnsmasq" "$@"); }
    # Kea client classes on option 93 (client-arch, RFC 4578): x86 BIOS (0) gets pxelinux.0, EFI x86-64 the
    # iPXE script. $1 = the codes the UEFI class tests, $2 = extra subnet members (e.g. a default boot file).
    kea_arch_classes() {
        local test="" c
        for c in $1; do test="${test:+$test or }option[93].hex == 0x000$c"; done
        NO_DHCP=1
        KEA_CONF=$(kea_conf "[
      { \"name\": \"bios-x86\", \"test\": \"option[93].hex == 0x0000\", \"boot-file-name\": \"pxelinux.0\" },
      { \"name\": \"uefi-x64\", \"test\": \"$test\", \"boot-file-name\": \"boot-efi.ipxe\" }
    ]" "${2:-}")
    }
    # plain DHCP in pxd-aux (addresses only) beside a proxyDHCP + pxe-service + TFTP in pxd-srv
    proxy_setup() {
        TWO=bridge
        DHCP2_EXTRA="$range"
        DHCP_EXTRA="dhcp-range=10.77.0.0,proxy,255.255.255.0
$tftp
pxe-prompt=\"PXE-LAB proxyDHCP\",1
pxe-service=x86PC,\"PXE-LAB pxelinux via proxyDHCP\",pxelinux"
    }
    # a rogue dnsmasq in pxd-aux: $1 = its boot file (from next-server $AUX_IP, which serves no TFTP)
    rogue_server() {
        TWO=bridge
        DHCP2_EXTRA="# rogue: answers at once, different range, boot file and next-server, no TFTP
dhcp-range=$ROGUE_LO,$ROGUE_HI,255.255.255.0,1h
no-ping
dhcp-boot=$1,,$AUX_IP"
    }
    local efi64=("dhcp-match=set:efi64,option:client-arch,7" "dhcp-match=set:efi64,option:client-arch,9")
    # (!icmp: ICMP errors quote the UDP packet they answer, tshark dissects the quote)
    local k_dhcp="DHCP DISCOVER|dhcp.option.dhcp == 1 && !icmp
DHCP OFFER|dhcp.option.dhcp == 2 && !icmp
DHCP REQUEST|dhcp.option.dhcp == 3 && !icmp
DHCP ACK|dhcp.option.dhcp == 5 && !icmp
DHCP NAK|dhcp.option.dhcp == 6 && !icmp"
    local k_tftp="TFTP RRQ|tftp.opcode == 1 && !icmp
TFTP OACK|tftp.opcode == 6
TFTP ERROR|tftp.opcode == 5 && !icmp"
    local k_pxe="$k_dhcp
$k_tftp"
    local k_offers="OFFER from $SRV_IP|dhcp.option.dhcp == 2 && dhcp.option.dhcp_server_id == $SRV_IP
OFFER from $AUX_IP (rogue)|dhcp.option.dhcp == 2 && dhcp.option.dhcp_server_id == $AUX_IP"
    # two servers' OFFERs and one's NAK: $1/$2 first server's address/name, $3/$4 the second's, $5 who NAKs
    k_two_servers() {
        printf '%s\n' "$k_dhcp" \
            "OFFER from $1 ($2)|dhcp.option.dhcp == 2 && dhcp.option.dhcp_server_id == $1" \
            "OFFER from $3 ($4)|dhcp.option.dhcp == 2 && dhcp.option.dhcp_server_id == $3" \
            "NAK from $5|dhcp.option.dhcp == 6 && dhcp.option.dhcp_server_id == $5" "$k_tftp"
    }
    local k_4011="to $SRV_IP port 4011|ip.dst == $SRV_IP && udp.dstport == 4011 && !icmp
answer from $SRV_IP port 4011 (absent)|ip.src == $SRV_IP && udp.srcport == 4011 && !icmp"
    case "$1" in
    happy-bios-pxelinux)
        DESC="BIOS (SeaBIOS + iPXE e1000 ROM) -> pxelinux.0 -> ldlinux.c32 -> config search -> menu.c32 -> default label 'off' (poweroff.c32). Light: no kernel transfer."
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="menu shown, timeout, poweroff.c32 powers the VM off (qemu exits by itself)"
        KEYS=$k_pxe;;
    happy-bios-pxelinux-linux)
        [ -f "$ASSETS/linux/vmlinuz" ] || die "no kernel asset (run '$SELF deps' and '$SELF assets')"
        DESC="Same as happy-bios-pxelinux but the default label boots a real Debian cloud kernel + static-busybox initrd over TFTP (large capture)."
        TFTPSET=bios-linux; TIMEOUT=150
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="kernel boots, init prints PXE-LAB lines and powers off"
        KEYS=$k_pxe;;
    happy-ipxe)
        DESC="BIOS iPXE ROM gets an iPXE script (boot.ipxe) via TFTP; user-class 'iPXE' tagging as in real chainload configs."
        TFTPSET=ipxe
        dnsmasq_serves dhcp-userclass=set:ipxe,iPXE dhcp-boot=tag:ipxe,boot.ipxe 'dhcp-boot=tag:!ipxe,undionly.kpxe'
        EXPECT="script prints PXE-LAB lines, then 'reboot' ends qemu"
        KEYS=$k_pxe;;
    missing-bootfile)
        DESC="DHCP server offers an address but no boot file (no dhcp-boot: no file/sname, no option 67)."
        dnsmasq_serves
        EXPECT="iPXE: 'Nothing to boot' / 'No more network devices'; SeaBIOS 'No bootable device'"
        KEYS="$k_dhcp";;
    file-not-found)
        DESC="dhcp-boot=pxelinux.0 but the TFTP root has no pxelinux.0 -> TFTP ERROR code 1."
        TFTPSET=no-pxelinux
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="TFTP error 1 (File not found), iPXE 'No such file or directory'"
        KEYS=$k_pxe;;
    no-dhcp-server)
        DESC="No DHCP server at all on the segment."
        NO_DHCP=1; TFTPSET=none; TIMEOUT=90
        EXPECT="repeated DHCPDISCOVER, no offer, iPXE gives up"
        KEYS="$k_dhcp";;
    proxydhcp)
        DESC="Plain DHCP server (dnsmasq in namespace $NS2, $AUX_IP, addresses only) + proxyDHCP (dnsmasq in $NS on br0, dhcp-range=...,proxy + pxe-service) + TFTP on $SRV_IP."
        proxy_setup
        EXPECT="offer from $AUX_IP + proxy offer (option 60 PXEClient, opt 43) from $SRV_IP, port 4011 boot server discovery, pxelinux loads"
        KEYS="$k_dhcp
port 4011|udp.port == 4011 && !icmp
$k_tftp";;
    uefi-happy)
        DESC="UEFI (OVMF) + efi-e1000 ROM (iPXE EFI driver is the PXE client, option 93 = 7); dnsmasq tags by client-arch and serves an EFI-specific file."
        FW=uefi-ipxe; TFTPSET=efi; TIMEOUT=120
        dnsmasq_serves "${efi64[@]}" dhcp-boot=tag:efi64,boot-efi.ipxe 'dhcp-boot=tag:!efi64,pxelinux.0'
        EXPECT="client-arch 7 in DISCOVER, boot-efi.ipxe fetched, script runs (platform=efi)"
        KEYS=$k_pxe;;
    uefi-edk2-happy)
        DESC="UEFI (OVMF) native EDK2 PXE client (virtio-net, no option ROM) -> snponly.efi (iPXE) -> iPXE DHCP again (user-class iPXE) -> boot-efi.ipxe."
        FW=uefi-edk2; TFTPSET=efi; TIMEOUT=150
        dnsmasq_serves "${efi64[@]}" dhcp-userclass=set:ipxe,iPXE 'dhcp-boot=tag:efi64,tag:!ipxe,snponly.efi' \
            dhcp-boot=tag:ipxe,boot-efi.ipxe 'dhcp-boot=tag:!efi64,tag:!ipxe,pxelinux.0'
        EXPECT="EDK2 PXE: tsize probe then download of snponly.efi, iPXE starts, second DHCP, script runs"
        KEYS=$k_pxe;;
    blksize-mtu-clamp)
        DESC="br0 and tap0 MTU 1000: client asks blksize=1432, dnsmasq clamps to (interface MTU - 32) in its OACK."
        TAPMTU=1000; BRMTU=1000
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="OACK blksize=968, boot succeeds"
        KEYS=$k_pxe;;
    tftp-no-blocksize)
        DESC="dnsmasq tftp-no-blocksize: server ignores the blksize option (OACK carries tsize only) -> 512-byte blocks."
        dnsmasq_serves tftp-no-blocksize dhcp-boot=pxelinux.0
        EXPECT="OACK without blksize, 512-byte DATA, boot succeeds"
        KEYS=$k_pxe;;

    # ------------------------------------------------------ failure modes ---
    arch-mismatch)
        DESC="Architecture mismatch: a UEFI x86-64 client (OVMF + iPXE EFI driver from the efi-e1000 ROM, option 93 = 7) is handed the BIOS boot file pxelinux.0. dnsmasq has no client-arch tags, so every client gets the same file."
        FW=uefi-ipxe; TFTPSET=efi; TIMEOUT=100
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="the transfer of pxelinux.0 completes, then iPXE: 'Could not boot image: Exec format error'; OVMF moves on to its next boot option"
        KEYS="$k_dhcp
client arch 7 (x86-64 UEFI)|dhcp.option.client_system_architecture == 7
$k_tftp
last DATA of pxelinux.0|tftp.opcode == 3 && frame.len < 1478";;
    arch-mismatch-edk2)
        DESC="Architecture mismatch with the firmware's own PXE client: OVMF's EDK2 PxeBc (virtio-net, no option ROM, option 93 = 7) is handed pxelinux.0 (BIOS). dnsmasq has no client-arch tags."
        FW=uefi-edk2; TFTPSET=efi; TIMEOUT=100
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="'NBP file downloaded successfully', then the firmware cannot start it (BdsDxe: failed to load Boot000x ... Unsupported / Load Error) and moves on"
        KEYS="$k_dhcp
client arch 7 (x86-64 UEFI)|dhcp.option.client_system_architecture == 7
$k_tftp";;
    arch-mismatch-bios-efi)
        DESC="Architecture mismatch the other way round: a BIOS client (SeaBIOS + iPXE PXE ROM, option 93 = 0) is handed snponly.efi (an x86-64 EFI application). dnsmasq has no client-arch tags."
        TFTPSET=efi; TIMEOUT=90
        dnsmasq_serves dhcp-boot=snponly.efi
        EXPECT="snponly.efi downloads completely; iPXE labels it '[PXE-NBP (may be EFI?)]' and jumps into it as a BIOS NBP; the client then hangs silently until the timeout"
        KEYS="$k_dhcp
client arch 0 (BIOS)|dhcp.option.client_system_architecture == 0
$k_tftp";;
    wrong-next-server)
        DESC="Wrong next-server: dnsmasq hands out dhcp-boot=pxelinux.0 with next-server $VOID_IP, an on-link address that no host has. The TFTP server ($SRV_IP) is up but never asked."
        dnsmasq_serves "dhcp-boot=pxelinux.0,,$VOID_IP"
        EXPECT="iPXE: 'tftp://$VOID_IP/pxelinux.0...' then a timeout error; ARP who-has $VOID_IP repeated without answer, no RRQ ever leaves"
        KEYS="$k_dhcp
ARP who-has $VOID_IP|arp.opcode == 1 && arp.dst.proto_ipv4 == $VOID_IP
ARP reply from $VOID_IP|arp.opcode == 2 && arp.src.proto_ipv4 == $VOID_IP
any packet to $VOID_IP|ip.dst == $VOID_IP
$k_tftp";;
    mtu-blackhole)
        DESC="TFTP blksize larger than the path: the TFTP server ($RT_AUX_IP, namespace $NS2, interface MTU 1500) is one routed hop away. The router ($NS) forwards onto the client segment br0 with MTU 1000, so each 1432-byte DATA block (1460-byte IP packet, DF clear) is split into two IP fragments, and a fragment filter on the router's bridge (nftables, bridge family, output hook) drops every non-first fragment. DHCP (with router option) comes from dnsmasq on br0; next-server points at the routed TFTP server. Captured on tap0, i.e. what the client's switch port sees."
        TWO=routed; BRMTU=1000; TAPMTU=1500; CAPIF=$TAP; TIMEOUT=120
        DHCP_EXTRA="$range
dhcp-option=option:router,$SRV_IP
dhcp-boot=pxelinux.0,,$RT_AUX_IP"
        DHCP2_EXTRA="# TFTP only (no dhcp-range: DHCP stays off), on a 1500-byte interface
$tftp"
        NFT_SRV="# pxd-srv: drop IP fragments with a non-zero offset on their way out of the bridge to the client
table bridge pxlab_fragfilter {
    chain out {
        type filter hook output priority 0; policy accept;
        ether type ip ip frag-off & 0x1fff != 0 counter drop
    }
}"
        EXPECT="iPXE: 'tftp://$RT_AUX_IP/pxelinux.0...' then a timeout error (Connection timed out); only first fragments of DATA block 1 reach the client"
        KEYS="$k_pxe
TFTP ACK|tftp.opcode == 4
IP first fragment (MF set, offset 0)|ip.flags.mf == 1 && ip.frag_offset == 0
IP non-first fragment (must be absent)|ip.frag_offset > 0
ICMP|icmp";;
    mtu-blackhole-path)
        DESC="Path-MTU black hole below the MTU the client announced: the client's NIC and br0 have MTU 1500 (iPXE announces it: option 57 = 1472), but the switch port to the client (tap0) has MTU 1400, and the bridge silently drops every frame larger than that (no fragmentation, no ICMP: a bridge cannot send one). iPXE asks blksize=1432, dnsmasq accepts it (br0 MTU 1500 - 32 = 1468 >= 1432); the OACK and ACK 0 pass, every 1460-byte DATA packet is dropped. Captured on br0, i.e. what the TFTP server sends and receives."
        TAPMTU=1400; BRMTU=1500; CAPIF=$BR; TIMEOUT=120
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="iPXE: 'tftp://$SRV_IP/pxelinux.0...' then 'Connection timed out'; the capture shows DATA block 1 sent again and again, and ACK 0 repeated, never ACK 1"
        KEYS="$k_pxe
TFTP ACK|tftp.opcode == 4
TFTP DATA|tftp.opcode == 3";;
    capture-cut-off)
        DESC="The happy pxelinux boot (as happy-bios-pxelinux), but the capture stops by itself after 35 packets (dumpcap -c 35), in the middle of the pxelinux.0 transfer, while the boot goes on and succeeds."
        CAPSTOP=35
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="the same as happy-bios-pxelinux: menu, timeout, poweroff.c32; the capture ends mid-transfer"
        KEYS=$k_pxe;;
    # ----------------------------------- other servers: Kea, tftpd-hpa, atftpd, ISC dhcpd ---
    kea-happy-bios)
        DESC="Kea DHCPv4 (in $NS on $BR: next-server $SRV_IP, boot-file-name by client class on option 93: arch 0 -> pxelinux.0, arch 7/9 -> boot-efi.ipxe) and tftpd-hpa (in.tftpd -L -s, in $NS on $SRV_IP) instead of dnsmasq. BIOS client (SeaBIOS + iPXE ROM, arch 0) -> pxelinux.0 -> ldlinux.c32 -> config search -> menu.c32 -> poweroff.c32."
        kea_arch_classes "7 9"; TFTPD=tftpd-hpa
        EXPECT="menu shown, timeout, poweroff.c32 powers the VM off (qemu exits by itself)"
        KEYS="$k_pxe
client arch 0 (BIOS)|dhcp.option.client_system_architecture == 0";;
    kea-happy-uefi)
        DESC="Kea DHCPv4 with the client classes of kea-happy-bios and atftpd (--daemon --no-fork, in $NS on $SRV_IP) as TFTP server; UEFI client (OVMF + iPXE EFI driver, arch 7) gets boot-efi.ipxe by its class."
        FW=uefi-ipxe; TFTPSET=efi; TIMEOUT=120
        kea_arch_classes "7 9"; TFTPD=atftpd
        EXPECT="client-arch 7 in DISCOVER, boot-efi.ipxe fetched from atftpd, script runs (platform=efi)"
        KEYS="$k_pxe
client arch 7 (x86-64 UEFI)|dhcp.option.client_system_architecture == 7";;
    kea-arch-mismatch)
        DESC="Kea DHCPv4 whose UEFI class tests option 93 = 9 only (IANA 'EFI x86-64'), with pxelinux.0 as the subnet's default boot-file-name: a UEFI client announcing arch 7 (OVMF + iPXE EFI driver) matches no class and is handed the BIOS pxelinux.0; TFTP by tftpd-hpa."
        FW=uefi-ipxe; TFTPSET=efi; TIMEOUT=100
        kea_arch_classes "9" ',
      "boot-file-name": "pxelinux.0"'; TFTPD=tftpd-hpa
        EXPECT="pxelinux.0 downloads completely, then iPXE: 'Could not boot image: Exec format error'; OVMF moves on to its next boot option"
        KEYS="$k_dhcp
client arch 7 (x86-64 UEFI)|dhcp.option.client_system_architecture == 7
$k_tftp";;
    tftpd-hpa-file-not-found)
        DESC="dnsmasq hands out addresses and dhcp-boot=pxelinux.0 (no TFTP of its own); tftpd-hpa on the same host ($SRV_IP, in.tftpd -L -s \$LAB/run/tftproot) serves a root without pxelinux.0 -> TFTP ERROR 1 in tftpd-hpa's words."
        TFTPSET=no-pxelinux
        dnsmasq_dhcp_tftpd tftpd-hpa dhcp-boot=pxelinux.0
        EXPECT="TFTP error 1 (File not found), iPXE 'No such file or directory'"
        KEYS=$k_pxe;;
    tftpd-hpa-blocksize)
        DESC="dnsmasq (addresses, dhcp-boot=pxelinux.0) and tftpd-hpa started with --blocksize 1024 (-B 1024: the largest block it will negotiate). iPXE asks blksize=1432, pxelinux 1408; tftpd-hpa answers each OACK with its limit."
        dnsmasq_dhcp_tftpd tftpd-hpa dhcp-boot=pxelinux.0; TFTPD_ARGS="-B 1024"
        EXPECT="OACK blksize=1024, boot succeeds (menu, poweroff)"
        KEYS=$k_pxe;;
    atftpd-happy-bios)
        DESC="dnsmasq (addresses, dhcp-boot=pxelinux.0, no TFTP) and atftpd on the same host ($SRV_IP) as TFTP server; BIOS client -> pxelinux.0 -> ldlinux.c32 -> config search -> menu.c32 -> poweroff.c32."
        dnsmasq_dhcp_tftpd atftpd dhcp-boot=pxelinux.0
        EXPECT="menu shown, timeout, poweroff.c32 powers the VM off (qemu exits by itself)"
        KEYS=$k_pxe;;
    atftpd-file-not-found)
        DESC="dnsmasq (addresses, dhcp-boot=pxelinux.0, no TFTP) and atftpd on the same host ($SRV_IP) whose root has no pxelinux.0 -> TFTP ERROR 1 in atftpd's words."
        TFTPSET=no-pxelinux
        dnsmasq_dhcp_tftpd atftpd dhcp-boot=pxelinux.0
        EXPECT="TFTP error 1 (File not found), iPXE 'No such file or directory'"
        KEYS=$k_pxe;;
    isc-pxe-tftpd-hpa)
        DESC="ISC dhcpd as the whole PXE DHCP server (in $NS2, $AUX_IP: next-server $SRV_IP, filename chosen by an 'option arch' (93) class: 00:07/00:09 -> boot-efi.ipxe, otherwise pxelinux.0) and tftpd-hpa on $SRV_IP. No dnsmasq. BIOS client -> pxelinux.0 -> menu -> poweroff."
        TWO=bridge; NO_DHCP=1; TFTPD=tftpd-hpa
        DHCPD_CONF="# ISC dhcpd in $NS2: the PXE DHCP server of the segment; TFTP is tftpd-hpa on $SRV_IP
authoritative;
ping-check true;
ping-timeout 1;
ddns-update-style none;
default-lease-time 3600;
max-lease-time 3600;
option arch code 93 = unsigned integer 16;
class \"uefi-x64\" {
  match if option arch = 00:07 or option arch = 00:09;
  filename \"boot-efi.ipxe\";
}
subnet 10.77.0.0 netmask 255.255.255.0 {
  range $RANGE_LO $RANGE_HI;
  next-server $SRV_IP;
  if not exists arch or option arch = 00:00 {
    filename \"pxelinux.0\";
  }
}"
        EXPECT="OFFER/ACK from $AUX_IP with file pxelinux.0 and siaddr $SRV_IP; tftpd-hpa serves pxelinux.0, ldlinux.c32, the config search, menu.c32, poweroff.c32"
        KEYS="$k_pxe
client arch 0 (BIOS)|dhcp.option.client_system_architecture == 0";;
    rogue-dhcp)
        DESC="Two DHCP servers on one segment: the intended one (dnsmasq in $NS, $SRV_IP, pings before offering, pxelinux.0 from $SRV_IP) and a rogue (dnsmasq in $NS2, $AUX_IP, no-ping, so it answers first; range $ROGUE_LO-$ROGUE_HI, boot file undionly.kpxe from next-server $AUX_IP, which runs no TFTP server)."
        TIMEOUT=90
        dnsmasq_serves dhcp-boot=pxelinux.0
        rogue_server undionly.kpxe
        EXPECT="OFFERs from two server identifiers; the client takes one of them. If it is the rogue: TFTP to $AUX_IP is refused (ICMP port unreachable), iPXE 'Connection refused'"
        KEYS="$k_dhcp
$k_offers
$k_tftp
ICMP|icmp";;
    rogue-dhcp-edk2)
        DESC="Two DHCP servers on one segment, UEFI client: as rogue-dhcp (intended dnsmasq in $NS pings first and offers snponly.efi from $SRV_IP; rogue dnsmasq in $NS2 with no-ping offers $ROGUE_LO-$ROGUE_HI, boot file bootx64.efi, next-server $AUX_IP, no TFTP server), but the client is OVMF's own EDK2 PXE, which REQUESTs an offer about one second after its DISCOVER."
        FW=uefi-edk2; TFTPSET=efi; TIMEOUT=100
        dnsmasq_serves dhcp-boot=snponly.efi
        rogue_server bootx64.efi
        EXPECT="EDK2 takes the rogue's offer (the only one within its offer window): 'Station IP address is 10.77.0.2xx', 'Server IP address is $AUX_IP', 'NBP filename is bootx64.efi', then a TFTP error (PXE-E18 / PXE-E99 or similar); the RRQ to $AUX_IP:69 is answered by ICMP port unreachable"
        KEYS="$k_dhcp
$k_offers
REQUEST for the rogue's offer|dhcp.option.dhcp == 3 && dhcp.option.dhcp_server_id == $AUX_IP && !icmp
$k_tftp
ICMP port unreachable|icmp.type == 3 && icmp.code == 3";;
    chainload-loop)
        DESC="iPXE chainload loop: dnsmasq hands undionly.kpxe to every client, including iPXE itself (no user-class 77 'iPXE' / option 175 tag). The iPXE ROM loads undionly.kpxe, which DHCPs again (now with user class iPXE), gets undionly.kpxe again, loads it, and so on until the timeout."
        TFTPSET=ipxe; TIMEOUT=110
        dnsmasq_serves dhcp-boot=undionly.kpxe
        EXPECT="'undionly.kpxe : 74213 bytes [PXE-NBP]' followed by a fresh 'iPXE ... -- Open Source Network Boot Firmware' banner, again and again"
        KEYS="$k_dhcp
DISCOVER with option 77 (user class, iPXE)|dhcp.option.dhcp == 1 && dhcp.option.type == 77
RRQ undionly.kpxe|tftp.opcode == 1 && tftp.source_file == \"undionly.kpxe\"
TFTP OACK|tftp.opcode == 6";;
    nak)
        DESC="DHCPNAK: a Linux DHCP client (ISC dhclient in namespace $NS3, MAC $CLI_MAC) holds a stale lease for 10.99.0.5 from another network and starts in INIT-REBOOT: it REQUESTs 10.99.0.5 without server identifier. dnsmasq (dhcp-authoritative, range 10.77.0.100-150) answers DHCPNAK 'wrong network'; the client then falls back to a normal DISCOVER/OFFER/REQUEST/ACK. (The address 10.99.0.5 is only a value inside the client's lease file and DHCP payload; it is never configured on any interface.)"
        CLIENT=dhclient; CLI=1; TFTPSET=none; TIMEOUT=40
        DHCP_EXTRA="$range
dhcp-authoritative"
        EXPECT="dhclient: 'DHCPREQUEST for 10.99.0.5 on veth-cli', 'DHCPNAK from 10.77.0.1', 'DHCPDISCOVER ...', 'DHCPOFFER of 10.77.0.x', 'bound to 10.77.0.x'"
        KEYS="$k_dhcp
INIT-REBOOT REQUEST (no server id)|dhcp.option.dhcp == 3 && !dhcp.option.dhcp_server_id && !icmp";;
    pxeclient-no-proxy)
        DESC="Option 60 'PXEClient' from a plain DHCP server with no proxyDHCP/boot server behind it: dnsmasq forces option 60 = PXEClient into its OFFER/ACK, sends no boot file and no option 43, and nothing listens on port 4011. Client: OVMF's own EDK2 PXE (arch 7)."
        FW=uefi-edk2; TFTPSET=efi; TIMEOUT=120
        dnsmasq_serves dhcp-option-force=60,PXEClient
        EXPECT="EDK2 treats the offer as a BINL offer and asks $SRV_IP:4011 for the boot file; no PXE answer (the host returns ICMP port unreachable); the client gives up (PXE-E18 server response timeout or 'No valid offer received')"
        KEYS="$k_dhcp
option 60 PXEClient from server|dhcp.option.dhcp != 1 && dhcp.option.dhcp != 3 && dhcp.option.vendor_class_id == \"PXEClient\"
$k_4011
ICMP port unreachable|icmp.type == 3 && icmp.code == 3
$k_tftp";;
    filtered-capture)
        DESC="The happy pxelinux boot (as happy-bios-pxelinux) but captured with the BPF filter 'port 67 or port 68 or port 69', as many users do: dnsmasq answers TFTP from an ephemeral port, so OACK/DATA/ACK/ERROR are missing from the capture although the boot succeeds."
        CAPFILTER="port 67 or port 68 or port 69"
        dnsmasq_serves dhcp-boot=pxelinux.0
        EXPECT="the same as happy-bios-pxelinux: menu, timeout, poweroff.c32 (the boot works; only the capture is incomplete)"
        KEYS="$k_pxe
TFTP DATA/ACK (absent)|tftp.opcode == 3 || tftp.opcode == 4";;
    proxy-silent-4011)
        DESC="proxyDHCP whose boot server never answers on 4011: the proxydhcp setup (plain DHCP in $NS2, proxyDHCP + pxe-service in $NS), but an nftables input rule in $NS silently drops UDP to port 4011, so the PXE boot-server discovery REQUEST never gets its ACK."
        proxy_setup; TIMEOUT=100
        NFT_SRV="# pxd-srv: the boot server does not answer on udp/4011 (dropped, no ICMP)
table inet pxlab_silent4011 {
    chain in {
        type filter hook input priority 0; policy accept;
        udp dport 4011 counter drop
    }
}"
        EXPECT="proxy offer with option 43 menu, prompt, then repeated REQUESTs to $SRV_IP:4011 without answer; iPXE gives up (timeout) and no TFTP follows"
        KEYS="$k_dhcp
proxy OFFER (yiaddr 0.0.0.0, option 60)|dhcp.option.dhcp == 2 && dhcp.ip.your == 0.0.0.0
$k_4011
$k_tftp";;
    two-servers-nak)
        DESC="Two DHCP servers on one segment, one of which NAKs the other's client: dnsmasq in $NS ($SRV_IP, pings before offering, pxelinux.0 and TFTP) and ISC dhcpd in $NS2 ($OTHER_NET_IP), 'authoritative' for another network on the same segment (10.77.2.0/24, no ping check, no boot file). The client takes dnsmasq's offer; its REQUEST (requested address 10.77.0.x, server identifier $SRV_IP) is broadcast, and ISC dhcpd NAKs it because the address is not on its network ('wrong network', server/dhcp.c dhcprequest), while dnsmasq ACKs it."
        TIMEOUT=90; TWO=bridge; AUX_ADDR=$OTHER_NET_IP
        dnsmasq_serves dhcp-boot=pxelinux.0
        DHCPD_CONF="# ISC dhcpd in $NS2: the DHCP server of another network on the same segment
authoritative;
ping-check false;
ddns-update-style none;
default-lease-time 3600;
max-lease-time 3600;
subnet 10.77.2.0 netmask 255.255.255.0 {
  range $OTHER_LO $OTHER_HI;
}"
        EXPECT="OFFERs from $OTHER_NET_IP (ISC) and $SRV_IP (dnsmasq); the iPXE ROM REQUESTs dnsmasq's; a DHCPNAK from $OTHER_NET_IP and the DHCPACK from $SRV_IP answer that REQUEST; iPXE ignores the NAK (not from the server it chose) and boots pxelinux -> menu -> poweroff"
        KEYS=$(k_two_servers "$SRV_IP" dnsmasq "$OTHER_NET_IP" "ISC dhcpd" "$OTHER_NET_IP");;
    server-id-nak)
        DESC="Two DHCP servers on one segment, the other way round: ISC dhcpd in $NS2 ($AUX_IP, range $ROGUE_LO-$ROGUE_HI of the same subnet, pxelinux.0 from next-server $SRV_IP, ping check with a 2 s timeout) and dnsmasq in $NS ($SRV_IP, dhcp-authoritative, no-ping, range $RANGE_LO-$RANGE_HI, pxelinux.0 and TFTP). dnsmasq offers at once, ISC dhcpd after its ping check; the client REQUESTs ISC's offer, and dnsmasq, authoritative, NAKs that REQUEST because it names another server ('wrong server-ID', src/rfc2131.c), while ISC dhcpd ACKs it."
        TIMEOUT=90; TWO=bridge
        dnsmasq_serves dhcp-authoritative no-ping dhcp-boot=pxelinux.0
        DHCPD_CONF="# ISC dhcpd in $NS2: a second PXE-capable DHCP server on the same subnet
authoritative;
ping-check true;
ping-timeout 2;
ddns-update-style none;
default-lease-time 3600;
max-lease-time 3600;
subnet 10.77.0.0 netmask 255.255.255.0 {
  range $ROGUE_LO $ROGUE_HI;
  next-server $SRV_IP;
  filename \"pxelinux.0\";
}"
        EXPECT="OFFERs from $SRV_IP (dnsmasq, at once) and $AUX_IP (ISC, after its ping check); the iPXE ROM REQUESTs ISC's; dnsmasq NAKs it ('wrong server-ID'), ISC ACKs it; iPXE ignores the NAK and boots pxelinux from $SRV_IP"
        KEYS=$(k_two_servers "$SRV_IP" dnsmasq "$AUX_IP" "ISC dhcpd" "$SRV_IP");;
    kernel-drops)
        DESC="The happy pxelinux boot (as happy-bios-pxelinux, with tftp-no-blocksize: 512-byte blocks make the transfers last long enough to be cut), captured by dumpcap with a 1 MiB kernel buffer (-B 1) on a busy segment: when the client's TFTP request for ldlinux.c32 crosses br0 (the BPF filter matches the file name), $NS2 ($AUX_IP) floods UDP (1400-byte datagrams) to $SRV_IP:9 for 3 s and the capturing process is held (SIGSTOP) for 1.5 s, as on a loaded capture host, so the kernel drops packets, the boot's among them. The flood is then cut out of the file by frame number, keeping dumpcap's interface statistics block, whose isb_ifdrop counts what the kernel dropped."
        TWO=bridge; CAPBUF=1; TIMEOUT=100
        FLOOD="udp dst port 69 and udp[10:4] = 0x6c646c69|3|0|1.5"
        dnsmasq_serves tftp-no-blocksize dhcp-boot=pxelinux.0
        EXPECT="the same as happy-bios-pxelinux: menu, timeout, poweroff.c32 (the boot works; the capture misses what the kernel dropped)"
        KEYS="$k_pxe
TFTP DATA|tftp.opcode == 3
TFTP ACK|tftp.opcode == 4";;
    *) die "unknown scenario '$1' (see: $SELF list)";;
    esac
    [ -n "${LAB_TIMEOUT:-}" ] && TIMEOUT=$LAB_TIMEOUT
    return 0
}

qemu_cmd() {    # prints the qemu argv (one per line) for $FW
    local a=(qemu-system-x86_64 -accel "$ACCEL" -nographic -m 256 -no-reboot -uuid "$UUID")
    case "$FW" in
        bios) a+=(-boot order=n,reboot-timeout=5000 -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no"
                  -device "e1000,netdev=n0,mac=$MAC,romfile=$ROM_E1000");;
        uefi-ipxe) a+=(-bios "$OVMF" -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no"
                  -device "e1000,netdev=n0,mac=$MAC,romfile=$ROM_E1000,bootindex=1");;
        uefi-edk2) a+=(-bios "$OVMF" -netdev "tap,id=n0,ifname=$TAP,script=no,downscript=no"
                  -device "virtio-net-pci,netdev=n0,mac=$MAC,romfile=,bootindex=1");;
    esac
    a+=(-serial "file:$WORK/console.log" -display none -monitor none)
    printf '%s\n' "${a[@]}"
}

clean_console() {  # strip ANSI/VT escapes and CRs so the console log is readable
    sed -e 's/\x1b\[[0-9;?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\x1bc//g' -e 's/\r//g' \
        -e 's/[\x00-\x08\x0b-\x1f]//g' "$1"
}

DHCLIENT_ARGS=(-4 -d -v -1 -cf "$RUN/dhclient.conf" -lf "$RUN/cli.leases" -pf "$RUN/dhclient.pid"
    -sf "$RUN/dhclient-script" veth-cli)

write_client_cmdline() {   # $WORK/client.cmdline: dhclient's, or qemu's from $QEMU (see qemu_cmd)
    if [ "$CLIENT" = dhclient ]; then
        echo "ip netns exec $NS3 dhclient ${DHCLIENT_ARGS[*]}"
    else
        printf '%q ' ip netns exec "$NS" "${QEMU[@]}"; echo
    fi > "$WORK/client.cmdline"
}

run_dhclient() {   # CLIENT=dhclient: stale lease for another network -> INIT-REBOOT
    cat > "$RUN/cli.leases" <<EOF
lease {
  interface "veth-cli";
  fixed-address 10.99.0.5;
  option subnet-mask 255.255.255.0;
  option dhcp-lease-time 86400;
  option dhcp-server-identifier 10.99.0.1;
  renew 4 2037/12/31 00:00:00;
  rebind 4 2037/12/31 00:00:00;
  expire 4 2037/12/31 00:00:00;
}
EOF
    # Own config: the system one would send this machine's host name.
    cat > "$RUN/dhclient.conf" <<'EOF'
send host-name "pxe-lab-client";
request subnet-mask, broadcast-address, routers, domain-name-servers, host-name, interface-mtu;
EOF
    # The script only reports; it never configures anything (no address, no resolv.conf).
    cat > "$RUN/dhclient-script" <<'EOF'
#!/bin/sh
echo "dhclient-script: reason=$reason new_ip_address=${new_ip_address:-} interface=$interface"
exit 0
EOF
    chmod 755 "$RUN/dhclient-script"
    write_client_cmdline
    timeout "$TIMEOUT" ip netns exec "$NS3" dhclient "${DHCLIENT_ARGS[@]}" < /dev/null > "$WORK/console.log" 2>&1 &
    track dhclient $! dhclient
    local pid i rc=124
    pid=$(sed -n 1p "$PIDS/dhclient.pid")
    for i in $(seq 1 $((TIMEOUT * 2))); do
        if grep -q 'bound to' "$WORK/console.log"; then sleep 1; rc=0; break; fi
        [ -d "/proc/$pid" ] || { wait "$pid"; rc=$?; break; }
        sleep 0.5
    done
    stop_tracked dhclient TERM
    return $rc
}

cmd_record() {
    need_root
    local name=${1:-} out=${2:-}
    [ -n "$name" ] && [ -n "$out" ] || die "usage: $SELF record <scenario> <outdir>"
    scenario "$name"
    [ "$TFTPSET" = none ] || [ -d "$ASSETS/syslinux" ] || die "assets missing: run '$SELF deps && $SELF assets'"
    mkdir -p "$out"; OUT=$(cd "$out" && pwd)
    rm -f "$OUT"/{capture.pcapng,console.txt,dnsmasq*.log,dnsmasq*.conf,dhcpd.conf,dhcpd.log,kea-dhcp4.conf,kea.log,tftpd.log,tftpd.cmdline,flood.log,meta.txt,README.md,nftables.conf}
    trap 'stop_all; net_down' EXIT INT TERM
    stop_all
    mkdir -p "$RUN"; chmod 755 "$LAB" "$RUN"
    rm -rf "$WORK"; mkdir -p "$WORK"; chmod 755 "$WORK"
    make_tftproot "$TFTPSET" > /dev/null
    net_up
    rm -f "$RUN"/*.leases

    # --- DHCP/TFTP server(s)
    [ "$NO_DHCP" = 1 ] || run_dnsmasq dnsmasq "$NS" "$BR" dnsmasq "$RUN/pxd-srv.leases" \
        "# --- scenario $name ---" "$DHCP_EXTRA"
    [ -z "$DHCP2_EXTRA" ] || run_dnsmasq dnsmasq2 "$NS2" veth-aux dnsmasq-aux "$RUN/pxd-aux.leases" \
        "# --- scenario $name: second server in $NS2 ---" "$DHCP2_EXTRA"
    [ -z "$DHCPD_CONF" ] || run_dhcpd
    [ -z "$KEA_CONF" ] || run_kea
    [ -z "$TFTPD" ] || run_tftpd

    # --- capture (promiscuous on an isolated segment). Unfiltered unless the
    #     scenario is about a filtered capture: dnsmasq answers TFTP from an
    #     ephemeral port, so a "port 69" filter keeps only the RRQs.
    local capf=(); [ -n "$CAPFILTER" ] && capf=(-f "$CAPFILTER")
    [ -n "$CAPSTOP" ] && capf+=(-c "$CAPSTOP")
    [ -n "$CAPBUF" ] && capf+=(-B "$CAPBUF")
    ip netns exec "$NS" dumpcap -q -i "$CAPIF" "${capf[@]}" -w "$WORK/capture.pcapng" > "$WORK/dumpcap.log" 2>&1 &
    track dumpcap $! dumpcap
    local i; for i in $(seq 1 50); do grep -q 'Capturing on' "$WORK/dumpcap.log" 2>/dev/null && break; sleep 0.1; done
    sleep 0.5

    # --- the client
    local t0 t1 rc
    t0=$(date +%s.%N)
    if [ "$CLIENT" = dhclient ]; then
        log "$name: starting dhclient (timeout ${TIMEOUT}s)"
        run_dhclient; rc=$?
    else
        mapfile -t QEMU < <(qemu_cmd)
        write_client_cmdline
        log "$name: booting client (timeout ${TIMEOUT}s, accel $ACCEL)"
        [ -z "$FLOOD" ] || start_flood
        timeout "$TIMEOUT" ip netns exec "$NS" "${QEMU[@]}" < /dev/null > "$WORK/qemu.stderr" 2>&1 &
        track qemu $! timeout
        wait "$(sed -n 1p "$PIDS/qemu.pid")"; rc=$?
        rm -f "$PIDS/qemu.pid"
    fi
    t1=$(date +%s.%N)
    sleep 2   # trailing retransmissions
    [ -n "$NFT_SRV" ] && nsx nft list ruleset > "$WORK/nft-counters.txt" 2>&1
    stop_all
    net_down
    trap - EXIT INT TERM

    # --- post-processing
    local ended
    case $rc in 0) if grep -q 'No bootable device' "$WORK/console.log"; then
                       ended="firmware gave up ('No bootable device'), reboot -> qemu exit (-no-reboot)"
                   elif [ "$CLIENT" = dhclient ]; then ended="dhclient bound, stopped by the recorder"
                   else ended="guest ended the run itself (poweroff/reboot with -no-reboot)"; fi;;
                124) ended="stopped by timeout after ${TIMEOUT}s";; *) ended="client exit status $rc";; esac
    local C=$WORK/capture.pcapng
    [ -z "$FLOOD" ] || cut_flood "$C"
    clean_console "$WORK/console.log" > "$WORK/console.txt"
    tshark -r "$C" -t r 2>/dev/null > "$WORK/summary-all.txt"
    local npk ndhcp ntftp narp dur
    npk=$(wc -l < "$WORK/summary-all.txt")
    ndhcp=$(tshark -r "$C" -Y dhcp 2>/dev/null | wc -l)
    ntftp=$(tshark -r "$C" -Y tftp 2>/dev/null | wc -l)
    narp=$(tshark -r "$C" -Y arp 2>/dev/null | wc -l)
    dur=$(capinfos -u -M "$C" 2>/dev/null | awk -F: '/Capture duration/{gsub(/ seconds/,"",$2); gsub(/ /,"",$2); print $2}')
    {
        echo "scenario=$name"
        echo "recorded=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
        echo "host=$(uname -sr); dnsmasq=$(/usr/sbin/dnsmasq --version | head -1 | awk '{print $3}'); qemu=$(qemu-system-x86_64 --version | head -1 | awk '{print $4}'); dumpcap=$(dumpcap --version 2>/dev/null | head -1 | awk '{print $3}')"
        echo "ipxe_rom=$(dpkg-query -W -f='${Version}' ipxe-qemu); ipxe=$(dpkg-query -W -f='${Version}' ipxe 2>/dev/null); pxelinux=$(dpkg-query -W -f='${Version}' pxelinux); ovmf=$(dpkg-query -W -f='${Version}' ovmf)"
        [ "$CLIENT" = dhclient ] && echo "isc_dhcp_client=$(dpkg-query -W -f='${Version}' isc-dhcp-client)"
        [ -n "$NFT_SRV" ] && echo "nftables=$(dpkg-query -W -f='${Version}' nftables)"
        [ -n "$DHCPD_CONF" ] && echo "isc_dhcp_server=$(dpkg-query -W -f='${Version}' isc-dhcp-server)"
        [ -n "$KEA_CONF" ] && echo "kea_dhcp4=$(/usr/sbin/kea-dhcp4 -V | head -1) (kea-dhcp4-server $(dpkg-query -W -f='${Version}' kea-dhcp4-server))"
        [ "$TFTPD" = tftpd-hpa ] && echo "tftpd_hpa=$(/usr/sbin/in.tftpd -V 2>&1 | head -1) (tftpd-hpa $(dpkg-query -W -f='${Version}' tftpd-hpa)) args=${TFTPD_ARGS:-none}"
        [ "$TFTPD" = atftpd ] && echo "atftpd=$("$ATFTPD_BIN" -V 2>&1 | head -1) ($(ls "$LAB"/debs/atftpd_*.deb | xargs -n1 basename), unpacked) args=${TFTPD_ARGS:-none}"
        [ -n "$FLOOD" ] && cat "$WORK/flood.meta"
        echo "client=$CLIENT firmware=$( [ "$CLIENT" = qemu ] && echo "$FW" || echo none) accel=$ACCEL timeout=$TIMEOUT client_rc=$rc ($ended)"
        echo "client_wall_seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}')"
        echo "packets=$npk dhcp=$ndhcp tftp=$ntftp arp=$narp capture_duration_s=$dur"
        echo "capture_interface=$CAPIF capture_filter=${CAPFILTER:-none} capture_buffer_mib=${CAPBUF:-default} tap_mtu=$TAPMTU br_mtu=$BRMTU"
    } > "$WORK/meta.txt"
    write_readme "$name" "$ended" "$npk" "$ndhcp" "$ntftp" "$narp" "$dur"

    # --- copy the fixture set; absolute lab paths become $LAB in text files
    cp "$C" "$OUT/capture.pcapng"; chmod 644 "$OUT/capture.pcapng"
    local f
    for f in README.md console.txt meta.txt dnsmasq.conf dnsmasq.log dnsmasq-aux.conf dnsmasq-aux.log dhcpd.conf dhcpd.log \
             kea-dhcp4.conf kea.log tftpd.log tftpd.cmdline flood.log; do
        [ -f "$WORK/$f" ] && sed "s#$LAB#\$LAB#g" "$WORK/$f" > "$OUT/$f"
    done
    [ -n "$NFT_SRV" ] && cp "$WORK/nft-srv.nft" "$OUT/nftables.conf"
    if [ "${LAB_KEEP_RAW:-0}" = 1 ]; then
        for f in console.log client.cmdline summary-all.txt nft-counters.txt; do [ -f "$WORK/$f" ] && cp "$WORK/$f" "$OUT/"; done
    fi
    chmod 644 "$OUT"/*
    log "$name: done -> $OUT ($npk packets, dhcp=$ndhcp tftp=$ntftp, $ended, $(du -h "$OUT/capture.pcapng" | cut -f1))"
}

# Regenerate README.md of an already recorded fixture directory from its own
# files (capture, console, configs, meta). A section "## Reading of this
# capture" (written by hand after looking at the capture) is kept.
cmd_readme() {
    local name=${1:-} dir=${2:-}
    [ -n "$name" ] && [ -d "$dir" ] || die "usage: $SELF readme <scenario> <fixture dir>"
    scenario "$name"
    local D; D=$(cd "$dir" && pwd)
    local saved_work=$WORK
    WORK=$(mktemp -d /tmp/pxd-readme.XXXXXX)
    local f; for f in capture.pcapng console.txt dnsmasq.conf dnsmasq-aux.conf dhcpd.conf kea-dhcp4.conf tftpd.cmdline; do [ -f "$D/$f" ] && cp "$D/$f" "$WORK/"; done
    [ -f "$WORK/dnsmasq.conf" ] || NO_DHCP=1
    # qemu's serial console path names the recording's work directory, not this temporary one
    local w=$WORK; WORK=$saved_work; mapfile -t QEMU < <(qemu_cmd); WORK=$w
    write_client_cmdline
    local packets dhcp tftp arp capture_duration_s ended
    eval "$(grep -E '^packets=' "$D/meta.txt" | tr ' ' '\n' | grep -E '^[a-z_]+=[0-9.]+$')"
    ended=$(sed -n 's/.*client_rc=[0-9]* (\(.*\))$/\1/p' "$D/meta.txt")
    write_readme "$name" "$ended" "$packets" "$dhcp" "$tftp" "$arp" "$capture_duration_s"
    sed "s#$LAB#\$LAB#g" "$WORK/README.md" > "$WORK/README.new"
    [ -f "$D/README.md" ] && sed -n '/^## Reading of this capture/,$p' "$D/README.md" > "$WORK/reading.md"
    if [ -s "$WORK/reading.md" ]; then { cat "$WORK/README.new"; echo; cat "$WORK/reading.md"; } > "$D/README.md"
    else cp "$WORK/README.new" "$D/README.md"; fi
    rm -rf "$WORK"; WORK=$saved_work
    log "$name: README.md regenerated in $D"
}

key_frames() {   # "label|filter" lines in $KEYS -> markdown table of frame numbers
    local C=$WORK/capture.pcapng label filter frames n
    echo "| what | display filter | count | frames |"
    echo "|---|---|---|---|"
    while IFS='|' read -r label filter; do
        [ -n "$label" ] || continue
        frames=$(tshark -r "$C" -Y "$filter" -T fields -e frame.number 2>/dev/null)
        n=$(printf '%s' "$frames" | grep -c .)
        frames=$(printf '%s\n' "$frames" | grep . | head -n 20 | paste -sd, - | sed 's/,/, /g')
        [ "$n" -gt 20 ] && frames="$frames, ..."
        printf '| %s | `%s` | %s | %s |\n' "$label" "$filter" "$n" "${frames:--}"
    done <<< "$KEYS"
}

write_readme() {
    local name=$1 ended=$2 npk=$3 ndhcp=$4 ntftp=$5 narp=$6 dur=$7
    local C=$WORK/capture.pcapng
    {
        echo "# PXE-LAB scenario: $name"
        echo
        echo "$DESC"
        echo
        echo "Expected on the client: $EXPECT"
        echo
        echo "Regenerate: \`sudo $SELF record $name <outdir>\` (see test/lab/README.md)."
        echo
        echo "## Result"
        echo
        echo "| packets | DHCP | TFTP | ARP | capture duration (s) | client |"
        echo "|---|---|---|---|---|---|"
        echo "| $npk | $ndhcp | $ntftp | $narp | $dur | $ended |"
        echo
        echo "Files: \`capture.pcapng\` (dumpcap on $CAPIF in namespace $NS, $( [ -n "$CAPFILTER" ] && echo "capture filter \`$CAPFILTER\`" || echo "no capture filter")), \`console.txt\` (client output, escape codes stripped), \`dnsmasq*.conf\` / \`dnsmasq*.log\` (log-dhcp), \`meta.txt\`$( [ -n "$NFT_SRV" ] && echo ", \`nftables.conf\`")."
        echo
        echo "## Topology"
        echo
        echo "- namespace \`$NS\`: bridge $BR $SRV_IP/$PREFIX (MTU $BRMTU) + $TAP (MTU $TAPMTU$( [ "$CLIENT" = qemu ] && echo ", qemu NIC $MAC, SMBIOS UUID $UUID"))"
        [ "$TWO" = bridge ] && echo "- namespace \`$NS2\`: veth-aux $AUX_IP/$PREFIX <-> veth-br (port of $BR in $NS)"
        [ "$TWO" = routed ] && echo "- namespace \`$NS2\`: veth-aux $RT_AUX_IP/$PREFIX (MTU 1500, default route via $RT_SRV_IP) <-> veth-rt $RT_SRV_IP/$PREFIX in $NS; $NS forwards (net.ipv4.ip_forward=1) between veth-rt and $BR"
        [ "$CLI" = 1 ] && echo "- namespace \`$NS3\`: veth-cli (MAC $CLI_MAC, no address) <-> veth-brc (port of $BR in $NS)"
        if [ -n "$NFT_SRV" ]; then echo; echo "nftables ruleset in $NS:"; echo; echo '```'; echo "$NFT_SRV"; echo '```'; fi
        echo
        echo "## dnsmasq config"
        echo
        if [ "$NO_DHCP" = 1 ]; then echo "(no dnsmasq in $NS in this scenario)"; else
            echo '```'; cat "$WORK/dnsmasq.conf"; echo '```'; fi
        if [ -n "$KEA_CONF" ]; then echo; echo "Kea DHCPv4 (namespace $NS, on $BR), \`kea-dhcp4.conf\`:"; echo; echo '```'; cat "$WORK/kea-dhcp4.conf"; echo '```'
            echo; echo "Started as: \`KEA_LOCKFILE_DIR=<run> KEA_PIDFILE_DIR=<run> ip netns exec $NS kea-dhcp4 -c kea-dhcp4.conf\`"; fi
        if [ -n "$TFTPD" ]; then echo; echo "TFTP server: $TFTPD (namespace $NS, $SRV_IP:69), started as:"; echo; echo '```'
            cat "$WORK/tftpd.cmdline" 2>/dev/null || echo "($TFTPD $TFTPD_ARGS)"; echo '```'; fi
        if [ -n "$DHCP2_EXTRA" ]; then echo; echo "Second dnsmasq (namespace $NS2):"; echo; echo '```'; cat "$WORK/dnsmasq-aux.conf"; echo '```'; fi
        if [ -n "$DHCPD_CONF" ]; then echo; echo "ISC dhcpd (namespace $NS2), \`dhcpd.conf\`:"; echo; echo '```'; cat "$WORK/dhcpd.conf"; echo '```'
            echo; echo "Started as: \`ip netns exec $NS2 /usr/sbin/dhcpd -4 -f -d -cf dhcpd.conf -lf <leases> -pf <pid> veth-aux\`"; fi
        echo
        echo "Started as: \`ip netns exec <ns> /usr/sbin/dnsmasq --keep-in-foreground --conf-file=<conf>\`"
        echo
        echo "## Client command"
        echo
        echo '```'; cat "$WORK/client.cmdline"; echo '```'
        echo
        echo "## What the client printed (console.txt, last lines)"
        echo
        echo '```'
        grep -v '^[[:space:]]*$' "$WORK/console.txt" | grep -vE '^\s*\[ *[0-9]+\.[0-9]+\] ' | tail -n 45 | cut -c1-160 | iconv -f UTF-8 -t UTF-8 -c
        echo '```'
        echo
        echo "## Key frames (computed by tshark from this capture)"
        echo
        key_frames
        echo
        echo "## Control view (DHCP, TFTP RRQ/WRQ/OACK/ERROR, ARP, ICMP, IP fragments; DATA/ACK omitted; first 80 lines)"
        echo
        echo "\`tshark -r capture.pcapng -Y 'dhcp || tftp.opcode==1 || tftp.opcode==2 || tftp.opcode==5 || tftp.opcode==6 || arp || icmp || udp.port==4011 || ip.flags.mf==1 || ip.frag_offset>0'\`"
        echo
        echo '```'
        tshark -r "$C" -t r -Y 'dhcp || tftp.opcode==1 || tftp.opcode==2 || tftp.opcode==5 || tftp.opcode==6 || arp || icmp || udp.port==4011 || ip.flags.mf==1 || ip.frag_offset>0' 2>/dev/null | head -n 80 | cut -c1-220 | iconv -f UTF-8 -t UTF-8 -c
        echo '```'
        echo
        echo "## Notes"
        echo
        scenario_notes "$name"
    } > "$WORK/README.md"
}

# Observations from the recordings (Debian 12, dnsmasq 2.90, iPXE
# 1.0.0+git-20190125 ROMs, pxelinux 6.04, OVMF 2022.11, qemu 7.2 TCG).
# Timings vary slightly between runs; the packet sequence has been stable.
scenario_notes() {
    local common="- Every iPXE client (BIOS ROM, EFI ROM, snponly.efi, undionly.kpxe) runs IPv6 autoconfiguration in parallel with DHCPv4 (Router Solicitations at ~0, 0.25, 0.8, 1.85, 3.9, 7.9 s); 'Configuring (net0 ...)' only completes when that gives up, so the first TFTP RRQ comes ~13 s after the DHCP ACK.
- dnsmasq pings a new candidate address before the first OFFER (ARP who-has + ICMP echo, ~3 s); DISCOVERs received meanwhile each get their own OFFER. OFFER/ACK go unicast to yiaddr/chaddr when the client did not set the broadcast flag (iPXE), to 255.255.255.255 when it did (EDK2, dhclient without an address).
- dnsmasq puts the boot file into option 67 when the client asked for it; siaddr = next-server, no option 66."
    case "$1" in
    mtu-blackhole-path) cat <<EOF
- tap0 (MTU 1400) is a port of br0 (MTU 1500 set explicitly, so it stays 1500): frames the bridge forwards to tap0 that exceed 1400 bytes of IP are dropped without a trace (is_skb_forwardable). Nothing on the client's side lowers its MTU, so nothing tells either end.
- On br0 the OACK (small) and the client's ACK 0 are seen; then DATA 1 (1460-byte IP packet) again and again, and the client re-ACKs block 0 until one side gives up.
$common
EOF
;;
    two-servers-nak) cat <<EOF
- ISC dhcpd answers at once (ping-check false); dnsmasq ~3 s later after its ping check. iPXE keeps the last offer of equal priority that arrives in its discovery window, so it REQUESTs dnsmasq's.
- The REQUEST (option 50 = dnsmasq's address, option 54 = $SRV_IP, ciaddr 0) is broadcast; ISC dhcpd, authoritative, NAKs it because the address is not on its network ('wrong network' in its log, quoted in the README), dnsmasq ACKs it. iPXE only takes an ACK from the server it chose, so it ignores the NAK and boots.
$common
EOF
;;
    server-id-nak) cat <<EOF
- dnsmasq (no-ping) offers within milliseconds; ISC dhcpd pings the candidate address first and offers ~2 s later, before the iPXE ROM ends its offer window (~3 s). iPXE keeps the last offer of equal priority in that window, so it REQUESTs ISC's.
- dnsmasq with dhcp-authoritative NAKs a SELECTING REQUEST whose server identifier is not its own (option 56 'wrong server-ID'); without dhcp-authoritative it would stay silent. iPXE only takes an ACK from the server it chose and ignores the NAK.
$common
EOF
;;
    kernel-drops) cat <<EOF
- dumpcap -B 1: a 1 MiB kernel ring. The flood (1400-byte UDP datagrams from $AUX_IP to $SRV_IP:9, which answers ICMP port unreachable at its rate limit) fills it while dumpcap is held, and the kernel drops what does not fit, boot packets included. dumpcap writes the kernel's count into the interface statistics block at the end of the file (isb_ifdrop; isb_ifrecv counts the flood too).
- The flood's frames are cut out afterwards by frame number; the statistics block is copied as it was (editcap and tshark -w would drop it). What is missing from the boot is what the kernel dropped, not the cut.
$common
EOF
;;
    capture-cut-off) cat <<EOF
- dumpcap stopped after 35 packets: the capture ends inside the pxelinux.0 transfer although the boot went on (console.txt shows the menu and poweroff). Nothing in the capture can say how the transfer ended: a diagnosis must call it incomplete, not a timeout.
$common
EOF
;;
    happy-bios-pxelinux|happy-bios-pxelinux-linux|filtered-capture) cat <<EOF
- RRQ options differ by loader: the iPXE ROM asks 'blksize=1432, tsize=0' for pxelinux.0; pxelinux/ldlinux ask 'tsize=0, blksize=1408'. The RRQ with tsize=0 is the real transfer (no probe-then-abort).
- Config search: pxelinux.cfg/<uuid>, 01-<mac>, hex-IP prefixes, default -> TFTP ERROR 1 for each miss (normal).
$( [ "$1" = filtered-capture ] && echo "- With the filter 'port 67 or port 68 or port 69' only DHCP and the client's RRQs (to port 69) are kept: every OACK, DATA, ACK and ERROR travels between the client's port and dnsmasq's ephemeral port and is missing. The RRQs for ldlinux.c32, the config files and menu.c32 prove that pxelinux.0 did arrive and run; a diagnosis must not call this 'TFTP server not answering'.")
$common
EOF
;;
    arch-mismatch) cat <<EOF
- The DISCOVERs carry option 93 = 7 (EFI x86-64) and vendor class 'PXEClient:Arch:00007:UNDI:003010'; dnsmasq has no dhcp-match on client-arch and offers pxelinux.0 anyway.
- The whole pxelinux.0 transfer succeeds (RRQ blksize=1432 -> OACK -> DATA ... last short block -> ACK); iPXE then prints 'Could not boot image: Exec format error (http://ipxe.org/2e008081)'. Nothing on the wire says so: only option 93 = 7 against a BIOS NBP name tells it.
- OVMF then works through its boot order, and each step is on the wire too: its own PXE client on the same NIC ('UEFI PXEv4 ... 2', new xid, vendor class 'PXEClient:Arch:00007:UNDI:003001', broadcast flag) gets pxelinux.0 again (tsize probe, ERROR 8, full download) and reports 'failed to load Boot0003 ... Not Found'; then PXE over IPv6 ('PXE-E99'), then HTTP boot: DISCOVERs with option 60 'HTTPClient:Arch:00016' and option 93 = 16, which dnsmasq answers with ordinary OFFERs (no 'HTTPClient' echo, no URL), so the client never REQUESTs and re-DISCOVERs on the same xid (normal-but-scary: it is just the boot order); finally the EFI shell.
$common
EOF
;;
    arch-mismatch-edk2) cat <<EOF
- The firmware's own PXE client (EDK2 PxeBc): option 93 = 7, vendor class 'PXEClient:Arch:00007:UNDI:003000', broadcast flag, no user class. It does the tsize probe (RRQ tsize=0 -> OACK -> client ERROR 8, normal) and then downloads pxelinux.0 completely from a new port.
- The image is rejected by the firmware after the download: 'NBP file downloaded successfully.' then 'BdsDxe: failed to load Boot0002 "UEFI PXEv4 (MAC:525400123456)" ...: Not Found'. On the wire the transfer is complete and clean; the client then goes on to PXE over IPv6 (DHCPv6 Solicits, 'PXE-E16: No valid offer received.') and HTTP boot (DISCOVERs with option 93 = 16 that are never REQUESTed).
$common
EOF
;;
    arch-mismatch-bios-efi) cat <<EOF
- The DISCOVERs carry option 93 = 0 (x86 BIOS) and vendor class 'PXEClient:Arch:00000:UNDI:002001'; dnsmasq offers snponly.efi anyway.
- snponly.efi (173792 bytes) downloads completely (RRQ blksize=1432 -> OACK tsize=173792 -> 122 DATA blocks, the last one short -> final ACK). The BIOS iPXE ROM does not reject it: it prints 'snponly.efi : 173792 bytes [PXE-NBP (may be EFI?)]' and executes it as a real-mode PXE NBP; the machine hangs without another byte on the console or the wire until the timeout. On the wire the only hint is option 93 = 0 against an '.efi' boot file.
$common
EOF
;;
    wrong-next-server) cat <<EOF
- OFFER/ACK: siaddr (next-server) = $VOID_IP, option 67 pxelinux.0; no option 66. $VOID_IP is on the client's own subnet, so the client ARPs for it directly; nobody answers.
- No UDP packet ever goes to $VOID_IP (the client cannot resolve its MAC): the failure is visible only as unanswered ARP requests after the DHCP ACK, followed by silence. A capture filtered on 'port 69' would show nothing at all after the ACK.
$common
EOF
;;
    mtu-blackhole) cat <<EOF
- dnsmasq (TFTP server in $NS2) caps blksize at its own interface MTU - 32 = 1468, so iPXE's blksize=1432 is accepted. It sends DATA without DF, the router ($NS) fragments each 1460-byte IP packet for the 1000-byte br0, and the nftables fragment filter drops the second fragment.
- On the client port the OACK (small) arrives, the client ACKs block 0, then only first fragments (MF=1, offset 0, 996 bytes of IP payload) of DATA block 1 arrive, each retransmission again without its second fragment. The client repeats ACK 0; it never ACKs block 1; dnsmasq gives up after its retransmissions; iPXE reports a timeout.
- Route: the client's gateway (option 3) is $SRV_IP; the TFTP server $RT_AUX_IP is off-link, so its packets reach the client with the router's MAC as source and TTL 63.
$common
EOF
;;
    rogue-dhcp|rogue-dhcp-edk2) cat <<EOF
- Two server identifiers (option 54) offer addresses from different ranges with different boot files and next-servers. The rogue does not ping first and answers within milliseconds; the intended server answers ~3 s later after its ping check.
- Which offer wins depends on the client: the BIOS iPXE ROM (rogue-dhcp) keeps collecting offers for a few seconds and REQUESTed the intended server's offer, so the boot works and only the extra OFFERs show the rogue. OVMF's EDK2 PXE (rogue-dhcp-edk2) REQUESTed the rogue's offer although the intended one had arrived before its REQUEST, got bootx64.efi from $AUX_IP, whose RRQ is answered by ICMP port unreachable ('PXE-E99: Unexpected network error.').
$common
EOF
;;
    chainload-loop) cat <<EOF
- Round 1 is the ROM's DHCP (user class 'iPXE' already, because the qemu ROM is iPXE); every following round is undionly.kpxe's DHCP with user class 'iPXE'. dnsmasq has no user-class tag, so each round gets undionly.kpxe again: DISCOVER -> OFFER -> REQUEST -> ACK -> RRQ undionly.kpxe -> 52 DATA blocks -> a new iPXE banner -> DISCOVER ...
- Each round is one DHCP exchange plus one 74213-byte transfer (~19 s per round under TCG, most of it iPXE's IPv6 wait); every round has a new transaction ID and the identical file name, which distinguishes the loop from the single normal re-DHCP of a chainload. From round 2 on, undionly.kpxe's DISCOVERs carry the broadcast flag (the ROM's do not), so OFFER/ACK go to 255.255.255.255.
$common
EOF
;;
    nak) cat <<EOF
- The client is ISC dhclient (not a PXE ROM): it REQUESTs its old address 10.99.0.5 in INIT-REBOOT state (option 50 = 10.99.0.5, no option 54, ciaddr 0.0.0.0). dnsmasq, authoritative for 10.77.0.0/24, answers DHCPNAK with option 56 'wrong network' (broadcast). The client then restarts with a DISCOVER and completes a normal DORA.
- A single NAK to an INIT-REBOOT REQUEST for an old address, followed by a normal DORA, is normal; a diagnosis should report the NAK and its message ('wrong network'), and say that the client recovered.
- dhclient runs with its own configuration (host name 'pxe-lab-client'), so the capture does not carry the recording machine's host name.
EOF
;;
    pxeclient-no-proxy) cat <<EOF
- dnsmasq forces option 60 'PXEClient' into OFFER and ACK, with no option 43 and no boot file. EDK2 takes this for a BINL offer (PXE boot server, no proxy) and, right after the DHCP ACK, sends a DHCPREQUEST from its port 4011 to $SRV_IP:4011 (Wireshark: 'proxyDHCP Request'), four times at 1, 2 and 3 s intervals, then prints 'PXE-E16: No valid offer received.' and moves on in the boot order.
- Nothing on $SRV_IP listens on 4011 (no pxe-service/proxy range in dnsmasq), so the server host's kernel answers ICMP port unreachable; no PXE reply ever comes and no TFTP follows.
$common
EOF
;;
    proxy-silent-4011) cat <<EOF
- Same DHCP picture as proxydhcp (address OFFER/ACK from $AUX_IP, proxy OFFER from $SRV_IP with option 60 PXEClient and option 43 menu), but the PXE boot-server discovery REQUESTs to $SRV_IP:4011 are silently dropped by nftables on the server host: they appear in the capture (taken before the host's netfilter input) and nothing answers, no ICMP either.
- iPXE shows the proxy's prompt, then 'PXEBS (net0 type 128)..... Connection timed out (http://ipxe.org/4c106035)': two unicast REQUESTs (xid 0, from port 68) one second apart, no broadcast/multicast discovery (option 43 discovery control 3 forbids it), then 'No more network devices' and SeaBIOS 'No bootable device'.
$common
EOF
;;
    proxydhcp) cat <<EOF
- The proxyDHCP OFFER ($SRV_IP) goes out immediately with yiaddr 0.0.0.0, option 60 'PXEClient' and option 43; the address OFFER from $AUX_IP comes ~3 s later. iPXE then does boot server discovery on port 4011 and gets a 'proxyDHCP ACK' with file=pxelinux.0.
$common
EOF
;;
    *) echo "$common";;
    esac
}

cmd_list() { local s; for s in $SCENARIOS; do ( scenario "$s" 2>/dev/null && printf '%-26s %s\n' "$s" "$DESC" ) || printf '%-26s %s\n' "$s" "(unavailable: assets missing)"; done; }

cmd_record_all() {
    local base=${1:-$LAB/captures} s
    for s in $SCENARIOS; do
        if [ "$s" = happy-bios-pxelinux-linux ] && [ ! -f "$ASSETS/linux/vmlinuz" ]; then log "skip $s (no kernel)"; continue; fi
        cmd_record "$s" "$base/$s"
    done
}

cmd_cleanup() {
    need_root
    stop_all
    local f; for f in "$PIDS"/*.pid; do [ -f "$f" ] && stop_tracked "$(basename "$f" .pid)" TERM; done
    net_down
    rm -rf "$RUN/tftproot" "$RUN"/*.leases "$RUN"/dhclient* "$WORK"
    log "cleanup done (namespaces left: $(ip netns list | tr '\n' ' '))"
}

case "${1:-}" in record|record-all|cleanup|assets|deps|setup)
    need_root; mkdir -p "$LAB"; exec 9>"$LAB/.lock"
    flock -n 9 || die "another record.sh is already running (lock $LAB/.lock)";; esac
case "${1:-}" in
    deps) cmd_deps;;
    assets) cmd_assets;;
    list) cmd_list;;
    record) shift; cmd_record "$@";;
    record-all) shift; cmd_record_all "$@";;
    readme) shift; cmd_readme "$@";;
    cleanup) cmd_cleanup;;
    setup) cmd_deps && cmd_assets;;
    *) sed -n '2,25p' "$0"; exit 1;;
esac
