#!/bin/sh
# Regenerates the TFTP expectations in this folder from the shared captures with tshark (run from anywhere;
# needs tshark and ../shared beside the project). One TSV per capture, one row per TFTP packet:
#   frame, tshark's tftp.opcode, tftp.block, tftp.source_file, tftp.destination_file, tftp.type,
#   tftp.option.name, tftp.option.value (each '|'-joined), tftp.error.code, tftp.error.message,
#   the Info column, the UDP payload length, and the UDP payload as hex.
# DATA payloads are cut to their first 36 bytes (header + 32 bytes of file) to keep this folder small
# (the full set is 2.2 MB of hex, mostly the same pxelinux files); every other payload is complete.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../../../../shared/captures" && pwd)
CUT=72

extract() { # <capture relative to shared/captures> <output name>
  out="$here/$2.tsv"
  {
    echo "# source: shared/captures/$1 ($(tshark -v 2>/dev/null | head -1))"
    echo "# frame	opcode	block	source_file	destination_file	type	option_names	option_values	error_code	error_message	info	payload_len	payload_hex"
    tshark -r "$shared/$1" -Y tftp -T fields -E occurrence=a -E aggregator='|' -E separator=/t \
      -e frame.number -e tftp.opcode -e tftp.block -e tftp.source_file -e tftp.destination_file -e tftp.type \
      -e tftp.option.name -e tftp.option.value -e tftp.error.code -e tftp.error.message -e _ws.col.Info \
      -e udp.payload 2>/dev/null |
      awk -F '\t' -v OFS='\t' -v cut=$CUT '{
        hex = $12; len = length(hex) / 2;
        if ($2 == "3" && length(hex) > cut) hex = substr(hex, 1, cut);
        $12 = len; $13 = hex; print }'
  } >"$out"
  echo "$out: $(($(wc -l <"$out") - 2)) packets"
}

for d in blksize-mtu-clamp file-not-found happy-bios-pxelinux happy-ipxe proxydhcp tftp-no-blocksize uefi-edk2-happy uefi-happy; do
  extract "lab/$d/capture.pcapng" "lab-$d"
done
extract public/tcpdump/tftp.pcap public-tcpdump-tftp
extract public/tcpdump/tftp-heapoverflow.pcap public-tcpdump-tftp-heapoverflow
extract public/spicy-tftp/tftp_oack.pcap public-spicy-tftp-oack
extract public/sv/output-eve-tftp-01/input.pcap public-sv-output-eve-tftp-01
extract public/sv/tftp-tx-handling-wrq/input.pcap public-sv-tftp-tx-handling-wrq
