/**
 * The capture filter `sniff` uses unless --filter replaces it (docs/sniff.md explains each part).
 *
 * A plain `port 67 or port 68 or port 69` loses every TFTP DATA and ACK packet: after the request, TFTP runs
 * between two ephemeral ports. It also loses IP fragments after the first (they carry no UDP header, so no
 * port), which large DHCP replies and big-block TFTP produce. So the filter keeps:
 *   - ARP (a client asking for the TFTP server's MAC) and ICMP (port unreachable, fragment reassembly time
 *     exceeded): evidence the analysis uses;
 *   - every IP fragment but the first (`ip[6:2] & 0x1fff != 0`: a non-zero fragment offset);
 *   - UDP to or from 67, 68 (DHCP), 69 (TFTP requests), 4011 (PXE boot server);
 *   - any UDP datagram whose first two payload bytes are a TFTP opcode 1..6 (RRQ, WRQ, DATA, ACK, ERROR,
 *     OACK): the data ports, whatever they are. Some unrelated UDP matches too; the decoder discards it.
 * The same again after `vlan`, for a trunk port that carries the PXE VLAN tagged.
 * `tcpdump -d` compiles it (a unit test checks that when tcpdump is installed).
 */
const UNTAGGED =
  'arp or icmp or (ip[6:2] & 0x1fff != 0) or ' +
  '(udp and (port 67 or 68 or 69 or 4011 or (udp[8:2] >= 1 and udp[8:2] <= 6)))';

export const DEFAULT_CAPTURE_FILTER = `${UNTAGGED} or (vlan and (${UNTAGGED}))`;
