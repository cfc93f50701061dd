/** ARP request and reply frames between two hosts of one segment (Ethernet, optionally VLAN-tagged). */
import { BROADCAST_MAC, ETHERTYPE_ARP, arp, ethernet, mac, type Bytes, type VlanTag } from './packets.js';

export interface ArpHost {
  mac: Bytes;
  ip: Bytes;
}

export interface ArpFrameOptions {
  vlans?: readonly VlanTag[];
  /** Pad to the 60-byte Ethernet minimum, as a NIC does; a host's own stack often sends 42 bytes. */
  pad: boolean;
}

const UNKNOWN_MAC = new Uint8Array(6);

/** `asker` broadcasts who-has `targetIp` (its own address for a gratuitous ARP). */
export function arpRequestFrame(asker: ArpHost, targetIp: Bytes, o: ArpFrameOptions): Buffer {
  return ethernet({
    dst: mac(BROADCAST_MAC),
    src: asker.mac,
    etherType: ETHERTYPE_ARP,
    payload: arp({ op: 1, senderMac: asker.mac, senderIp: asker.ip, targetMac: UNKNOWN_MAC, targetIp }),
    vlans: o.vlans,
    pad: o.pad,
  });
}

/** `owner` answers `asker` that its address is at its MAC. */
export function arpReplyFrame(owner: ArpHost, asker: ArpHost, o: ArpFrameOptions): Buffer {
  return ethernet({
    dst: asker.mac,
    src: owner.mac,
    etherType: ETHERTYPE_ARP,
    payload: arp({
      op: 2,
      senderMac: owner.mac,
      senderIp: owner.ip,
      targetMac: asker.mac,
      targetIp: asker.ip,
    }),
    vlans: o.vlans,
    pad: o.pad,
  });
}
