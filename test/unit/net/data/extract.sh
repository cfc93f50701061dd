#!/bin/sh
# Regenerates the link/IPv4/UDP/ARP expectations in this folder from the shared captures with tshark and jq
# (needs ../shared beside the project). One TSV per capture, one row per frame:
#   frame, link type (from the file header), frame.protocols, eth.src, eth.dst, sll.pkttype, sll.src.eth,
#   sll.ifindex, VLAN ids outermost first (802.1Q and 802.1ad tags in frame order), the outermost network
#   layer (ip/ipv6/arp/-) and its byte offset, ip.src, ip.dst, ip.proto, ip.len, ip.id, ip.ttl, ip.flags.df,
#   ip.flags.mf, ip.frag_offset, ip.checksum, udp.srcport, udp.dstport, udp.length, arp.opcode,
#   arp.src.hw_mac, arp.src.proto_ipv4, arp.dst.hw_mac, arp.dst.proto_ipv4 (first occurrence of each),
#   frame.time_relative, and the captured frame as hex.
# Captures named fixtures/... are the project's own; the others are under ../shared/captures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../../.." && pwd)
shared=$(cd "$root/../shared/captures" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# shellcheck disable=SC2016
JQ='
def arr(x): if x == null then [] elif (x | type) == "array" and (x | length) > 0 and (x[0] | type) == "array" then x
  elif (x | type) == "array" and (x | length) > 0 and (x[0] | type) == "object" then x else [x] end;
.[] | ._source.layers as $l
| ([arr($l.vlan_raw) | .[][1]] | to_entries | map({pos: .value, id: (arr($l.vlan)[.key]["vlan.id"])}))
  + ([arr($l.ieee8021ad_raw) | .[][1]] | to_entries | map({pos: .value, id: (arr($l.ieee8021ad)[.key]["ieee8021ad.id"])}))
| sort_by(.pos) | map(.id) | join(",") as $vlans
| ([["ip", arr($l.ip_raw)], ["ipv6", arr($l.ipv6_raw)], ["arp", arr($l.arp_raw)]]
   | map(.[0] as $n | .[1][] | {n: $n, pos: .[1]}) | sort_by(.pos) | first // {n: "-", pos: -1}) as $net
| [$l.frame["frame.number"], $vlans, $net.n, ($net.pos | tostring), (if ($l.frame_raw[0] | type) == "array" then $l.frame_raw[0][0] else $l.frame_raw[0] end)]
| @tsv'

FIELDS='frame.number frame.protocols eth.src eth.dst sll.pkttype sll.src.eth sll.ifindex ip.src ip.dst ip.proto ip.len ip.id ip.ttl ip.flags.df ip.flags.mf ip.frag_offset ip.checksum udp.srcport udp.dstport udp.length arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4 frame.time_relative'

extract() { # <capture relative to shared/captures> <output name> [display filter]
  case "$1" in
    fixtures/*) file="$root/$1" source=$1 ;;
    *) file="$shared/$1" source=shared/captures/$1 ;;
  esac
  case "$1" in
    # pcapng: tshark's frame.encap_type is Wireshark's own numbering, which only matches LINKTYPE for Ethernet.
    *.pcapng)
      linktype=$(tshark -r "$file" -T fields -e frame.encap_type -c 1 2>/dev/null)
      [ "$linktype" = 1 ] || { echo "$1: not Ethernet, add its link type here" >&2; exit 1; }
      ;;
    *) linktype=$(od -An -tu4 -j20 -N4 "$file" | tr -d ' ') ;;
  esac
  set -- "$@" ""
  filter=$3
  args=""
  for f in $FIELDS; do args="$args -e $f"; done
  # shellcheck disable=SC2086
  tshark -r "$file" ${filter:+-Y "$filter"} -T fields -E occurrence=f -E separator=/t $args 2>/dev/null >"$tmp/fields"
  tshark -r "$file" ${filter:+-Y "$filter"} -T json -x --no-duplicate-keys 2>/dev/null | jq -r "$JQ" >"$tmp/json"
  out="$here/$2.tsv"
  {
    echo "# source: $source (link type $linktype; $(tshark -v 2>/dev/null | head -1))"
    echo "# frame	linktype	protocols	eth.src	eth.dst	sll.pkttype	sll.src.eth	sll.ifindex	vlans	net	net_offset	ip.src	ip.dst	ip.proto	ip.len	ip.id	ip.ttl	ip.flags.df	ip.flags.mf	ip.frag_offset	ip.checksum	udp.srcport	udp.dstport	udp.length	arp.opcode	arp.src.hw_mac	arp.src.proto_ipv4	arp.dst.hw_mac	arp.dst.proto_ipv4	time	frame_hex"
    # Both runs list the same frames in the same order; check the frame numbers agree while joining.
    paste "$tmp/fields" "$tmp/json" | awk -F '\t' -v OFS='\t' -v lt="$linktype" -v n="$(echo $FIELDS | wc -w)" '{
      if ($1 != $(n + 1)) { print "frame mismatch " $1 " " $(n + 1) > "/dev/stderr"; exit 1 }
      row = $1 OFS lt; for (i = 2; i <= 7; i++) row = row OFS $i
      row = row OFS $(n + 2) OFS $(n + 3) OFS $(n + 4); for (i = 8; i <= n; i++) row = row OFS $i
      print row OFS $(n + 5) }'
  } >"$out"
  echo "$out: $(($(wc -l <"$out") - 2)) frames"
}

extract public/pcapplusplus/VlanPackets.pcap pcapplusplus-VlanPackets
extract public/zeek/mixed-vlan-mpls.pcap zeek-mixed-vlan-mpls
extract public/tcpdump/802.1ad_QinQ.pcap tcpdump-802.1ad_QinQ
extract public/zeek/vlan-pcp-dei.pcapng zeek-vlan-pcp-dei
extract public/pcapplusplus/sll2.pcap pcapplusplus-sll2
extract public/pcapplusplus/Sll2Packet.pcap pcapplusplus-Sll2Packet
extract public/tcpdump/tcp-handshake-nano.pcap tcpdump-tcp-handshake-nano
extract public/tcpdump/tftp-heapoverflow.pcap tcpdump-tftp-heapoverflow
extract public/spicy-tftp/tftp_oack.pcap spicy-tftp-oack-null
extract public/tcpdump/tftp.pcap tcpdump-tftp
extract public/tcpdump/eapon1.pcap tcpdump-eapon1
extract public/tcpdump/ieee802.11_htc.pcap tcpdump-ieee802.11_htc
extract lab/happy-ipxe/capture.pcapng lab-happy-ipxe
# First fragments whose second halves a router dropped (the project's lab recording): lost fragments.
extract fixtures/captures/lab-failures/mtu-blackhole/capture.pcapng fixtures-mtu-blackhole
