/**
 * Which frames come from known DHCP clients, whatever they carry (DNS, HTTP, IPv6, LLDP …), cheaply enough
 * to ask for every frame: a 64 K-entry table indexed by the last two bytes of the source MAC filters out
 * nearly all frames with one array read; only a hit compares the whole address. Clients are the chaddr of
 * the DHCP requests decoded so far, at most MAX_CLIENTS (the oldest is forgotten).
 */
import { macName } from './addr.js';

const MAX_CLIENTS = 10000;
/**
 * After a skimmed frame of a client was reported, this many more of its skimmed frames pass unreported (bounds
 * the cost of a client streaming other traffic). The first skimmed frame after any DHCP/TFTP/ARP/ICMP frame of
 * the client is always reported, so "did it send anything after this" is exact; "when was its last frame" is
 * exact to within that many frames of a stream.
 */
const QUIET_BUDGET = 255;

interface Client {
  /** Skimmed frames still allowed to pass without a report. */
  budget: number;
  /** The frame now on the full path was sent there by wants(). */
  forced: boolean;
}

export class SourceWatch {
  /** Clients per value of the MAC's last two bytes (a count, so forgetting one keeps the others). */
  private readonly filter = new Uint16Array(65536);
  private readonly clients = new Map<string, Client>();

  get size(): number {
    return this.clients.size;
  }

  add(mac: string): void {
    const known = this.clients.get(mac);
    if (known !== undefined) {
      known.budget = 0;
      return;
    }
    this.clients.set(mac, { budget: 0, forced: false });
    this.filter[tailOf(mac)]++;
    if (this.clients.size > MAX_CLIENTS) {
      const oldest = this.clients.keys().next();
      if (oldest.done !== true) {
        this.clients.delete(oldest.value);
        this.filter[tailOf(oldest.value)]--;
      }
    }
  }

  /**
   * The skim path asks whether a frame with this source MAC must be reported (then it takes the full path):
   * a client's first frame after a report always is, then one in QUIET_BUDGET + 1.
   */
  wants(bytes: Uint8Array, macOffset: number): boolean {
    if (this.filter[(bytes[macOffset + 4] << 8) | bytes[macOffset + 5]] === 0) return false;
    const c = this.clients.get(macName(bytes, macOffset));
    if (c === undefined) return false;
    if (c.budget > 0) {
      c.budget--;
      return false;
    }
    c.forced = true;
    return true;
  }

  /** The full path: the client's MAC when the frame comes from a client. */
  seen(bytes: Uint8Array, macOffset: number): string | null {
    if (this.filter[(bytes[macOffset + 4] << 8) | bytes[macOffset + 5]] === 0) return null;
    const mac = macName(bytes, macOffset);
    const c = this.clients.get(mac);
    if (c === undefined) return null;
    // A frame skim sent here starts a quiet stretch; any other (DHCP, TFTP …) makes the next one count.
    c.budget = c.forced ? QUIET_BUDGET : 0;
    c.forced = false;
    return mac;
  }
}

/** The last two bytes of "aa:bb:cc:dd:ee:ff" as one 16-bit number. */
function tailOf(mac: string): number {
  return (parseInt(mac.slice(12, 14), 16) << 8) | parseInt(mac.slice(15, 17), 16);
}
