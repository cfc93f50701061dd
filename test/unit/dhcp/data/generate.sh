#!/bin/sh
# Regenerates the DHCP fixtures from captures (needs tshark; run from the project root):
#   sh test/unit/dhcp/data/generate.sh ../shared/captures fixtures/captures/lab-failures=lab-failures \
#     fixtures/captures/crafted=crafted
# Each argument is a directory searched for .pcap/.pcapng, optionally =PREFIX to put before the file names.
# For each capture with UDP port 67/68/4011 traffic, two files named after its path, one line per frame, tab-separated:
#   payloads/<name>.tsv  frame, srcport, dstport, tshark Info column, dhcp.option.type list (comma-separated), UDP payload hex
#   fields/<name>.tsv    frame, then the tshark fields named on its "# fields:" line (several values joined by '|')
# Tunnelled frames (CAPWAP) carry several UDP layers: the last one is the DHCP one. The payload is cut to the UDP
# length field when the datagram is longer (tshark's udp.payload shows the bytes past it too; its DHCP dissector
# does not). Files over 100 kB are gzipped.
set -eu
[ $# -gt 0 ] || { echo "usage: generate.sh <captures dir>[=prefix] ..." >&2; exit 2; }
out=$(dirname "$0")
mkdir -p "$out/payloads" "$out/fields"
rm -f "$out"/payloads/*.tsv* "$out"/fields/*.tsv*
fields='dhcp.id dhcp.secs dhcp.flags dhcp.ip.client dhcp.ip.your dhcp.ip.server dhcp.ip.relay dhcp.hw.mac_addr
dhcp.server dhcp.file dhcp.option.subnet_mask dhcp.option.router dhcp.option.domain_name_server dhcp.option.hostname
dhcp.option.domain_name dhcp.option.interface_mtu dhcp.option.broadcast_address dhcp.option.requested_ip_address
dhcp.option.ip_address_lease_time dhcp.option.option_overload dhcp.option.dhcp_server_id dhcp.option.request_list_item
dhcp.option.dhcp_max_message_size dhcp.option.renewal_time_value dhcp.option.rebinding_time_value
dhcp.option.vendor_class_id dhcp.option.tftp_server_name dhcp.option.bootfile_name
dhcp.option.client_system_architecture dhcp.client_id.uuid dhcp.option.tftp_server_address dhcp.option.user_class.text
dhcp.option.vendor.pxeclient.discovery_control dhcp.option.vendor.pxeclient.boot_servers.ip
dhcp.option.vendor.pxeclient.boot_menu.desc dhcp.option.vendor.pxeclient.menu_prompt.prompt'
fieldargs=$(for f in $fields; do printf ' -e %s' "$f"; done)
version=$(tshark -v 2>/dev/null | head -1 | sed 's/^TShark (Wireshark) //; s/ .*//')
finish() { # $1 file: gzip it when large
  if [ "$(wc -c <"$1")" -gt 100000 ]; then gzip -9nf "$1"; fi
}
for arg in "$@"; do
src=${arg%%=*}
prefix=''
case $arg in *=*) prefix="${arg#*=}/" ;; esac
find "$src" \( -name '*.pcap' -o -name '*.pcapng' \) | sort | while read -r f; do
  rel=$prefix${f#"$src"/}
  name=$(printf '%s' "$rel" | sed 's#/#__#g; s#\.pcapng$##; s#\.pcap$##')
  tmp=$(mktemp)
  tshark -r "$f" -Y 'udp.port in {67,68,4011}' -E occurrence=a -E aggregator=, -T fields \
    -e frame.number -e udp.srcport -e udp.dstport -e udp.length -e _ws.col.Info -e dhcp.option.type -e udp.payload \
    2>/dev/null |
    awk -F'\t' 'BEGIN { OFS = "\t" } { n = split($2, s, ","); m = split($3, d, ","); u = split($4, l, ",");
      k = split($7, p, ","); pay = p[k]; max = 2 * (l[u] - 8); if (max >= 0 && length(pay) > max) pay = substr(pay, 1, max);
      print $1, s[n], d[m], $5, $6, pay }' >"$tmp" || true
  if [ -s "$tmp" ]; then
    { printf '# source: %s (tshark %s)\n' "$rel" "$version"; cat "$tmp"; } >"$out/payloads/$name.tsv"
    finish "$out/payloads/$name.tsv"
    # shellcheck disable=SC2086
    tshark -r "$f" -Y 'udp.port in {67,68,4011}' -E occurrence=a -E 'aggregator=|' -T fields -e frame.number $fieldargs \
      2>/dev/null >"$tmp" || true
    { printf '# source: %s (tshark %s)\n# fields: frame.number %s\n' "$rel" "$version" "$(echo $fields)"; cat "$tmp"; } \
      >"$out/fields/$name.tsv"
    finish "$out/fields/$name.tsv"
  fi
  rm -f "$tmp"
done
done
