/**
 * Capture-wide facts a live capture keeps as records arrive, so that judging one client's session never walks
 * every other session to learn them (CaptureFacts): the DHCP relays and which servers gave addresses to which
 * clients (dhcp.no-offer), and what tells a capture filter that dropped the TFTP data ports from real silence
 * (tftpOutcomeUnknown). Each is kept since the capture began, also past the retained records; every table
 * is bounded.
 */
import { BoundedSet } from './bounded-set.js';
import { isAddressReply, serverOf } from './dhcp-facts.js';
import type { DhcpEvent } from './types.js';

/** Servers, relays, client addresses and address pairs remembered (the oldest go first). */
const MAX_KEYS = 10000;

export class DhcpLiveFacts {
  private readonly relaySet = new BoundedSet<string>(MAX_KEYS);
  /** Per server, the last two client MACs it gave an address to: enough to tell "another client than X". */
  private readonly served = new Map<string, string[]>();

  event(e: DhcpEvent, mac: string): void {
    if (e.giaddr !== '0.0.0.0' && e.giaddr !== '') this.relaySet.add(e.giaddr);
    if (!isAddressReply(e)) return;
    const server = serverOf(e);
    const macs = this.served.get(server);
    if (macs === undefined) {
      if (this.served.size >= MAX_KEYS) this.served.delete(this.served.keys().next().value as string);
      this.served.set(server, [mac]);
    } else if (macs[macs.length - 1] !== mac) {
      const kept = macs.filter((m) => m !== mac);
      this.served.set(server, [...kept.slice(-1), mac]);
    }
  }

  /** Relay addresses (giaddr) seen in any DHCP message. */
  relays(): string[] {
    return [...this.relaySet.values()];
  }

  /** Servers that gave an address to some client other than `mac`. */
  servedOthers(mac: string): string[] {
    const out: string[] = [];
    for (const [server, macs] of this.served) if (macs.some((m) => m !== mac)) out.push(server);
    return out;
  }
}

/** What tftpOutcomeUnknown weighs when the capture has no TFTP packet off port 69 (see tftp-facts.ts). */
export interface TftpFilterSigns {
  /** Some RRQ/WRQ was seen. */
  requests: boolean;
  /** Some ICMP unreachable quotes a datagram between a TFTP client and its server. */
  icmpAboutTftp: boolean;
  /** Some request was sent again from the same client port. */
  retried: boolean;
  /** Some client address asked for two different files. */
  movedOn: boolean;
}

/**
 * The TFTP filter signs, kept from the requests and ICMP errors as they arrive (only while no data port was
 * seen: after that the capture shows TFTP outcomes and nobody asks).
 */
export class TftpFilterFacts {
  private readonly firstFile = new Map<string, string>();
  private readonly requestKeys = new BoundedSet<string>(MAX_KEYS);
  private readonly pairs = new BoundedSet<string>(MAX_KEYS);
  private readonly icmpPairs = new BoundedSet<string>(MAX_KEYS);
  readonly signs: TftpFilterSigns = { requests: false, icmpAboutTftp: false, retried: false, movedOn: false };

  request(client: string, clientPort: number, server: string, filename: string): void {
    this.signs.requests = true;
    const key = `${client}:${clientPort}>${server} ${filename}`;
    if (!this.requestKeys.add(key)) this.signs.retried = true;
    const first = this.firstFile.get(client);
    if (first === undefined) {
      if (this.firstFile.size >= MAX_KEYS)
        this.firstFile.delete(this.firstFile.keys().next().value as string);
      this.firstFile.set(client, filename);
    } else if (first !== filename) this.signs.movedOn = true;
    for (const pair of [`${client}>${server}`, `${server}>${client}`]) {
      this.pairs.add(pair);
      if (this.icmpPairs.has(pair)) this.signs.icmpAboutTftp = true;
    }
  }

  /** An ICMP unreachable quoting a datagram from `src` to `dst`. */
  icmp(src: string, dst: string): void {
    const pair = `${src}>${dst}`;
    this.icmpPairs.add(pair);
    if (this.pairs.has(pair)) this.signs.icmpAboutTftp = true;
  }
}
