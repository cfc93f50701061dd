/**
 * TFTP conversation tracking, as Wireshark's TFTP dissector does it: a read or write request to port 69
 * opens a conversation between the client's (address, port) and the server's address, with any server port:
 * every later packet between the client's address+port and the server's address is TFTP, in both directions,
 * whatever the server's port (tshark 4.0 does not pin the server's transfer ID; the analyzer checks TIDs).
 * Bounded: the oldest conversations are dropped past `max`.
 */
export interface TftpConversation {
  clientIp: number;
  clientPort: number;
  serverIp: number;
  /** The server's port of its first answer (its transfer ID); -1 until it answered. */
  serverPort: number;
  /** Block size in force: 512, or what the OACK negotiated. */
  blksize: number;
  /** Block size the request asked for (an OACK may only lower it). */
  requestedBlksize: number;
}

export class TftpConversations {
  private readonly byKey = new Map<string, TftpConversation>();
  /** How many live conversations use each client port: a cheap pre-filter for every UDP packet. */
  private readonly portUse = new Map<number, number>();
  /** The conversation find() returned last (null after it was removed). */
  private last: TftpConversation | null = null;

  constructor(private readonly max = 65536) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Cheap test run for every UDP packet before building any key. */
  mayMatch(srcPort: number, dstPort: number): boolean {
    return this.portUse.has(srcPort) || this.portUse.has(dstPort);
  }

  open(clientIp: number, clientPort: number, serverIp: number, requestedBlksize: number): TftpConversation {
    const key = keyOf(clientIp, clientPort, serverIp);
    const old = this.byKey.get(key);
    if (old !== undefined) this.remove(key, old);
    const conv: TftpConversation = {
      clientIp,
      clientPort,
      serverIp,
      serverPort: -1,
      blksize: 512,
      requestedBlksize,
    };
    this.byKey.set(key, conv);
    this.portUse.set(clientPort, (this.portUse.get(clientPort) ?? 0) + 1);
    if (this.byKey.size > this.max) {
      const oldest = this.byKey.entries().next();
      if (!oldest.done) this.remove(oldest.value[0], oldest.value[1]);
    }
    return conv;
  }

  /** The conversation this packet belongs to; the server's first answer records its port. */
  find(srcIp: number, srcPort: number, dstIp: number, dstPort: number): TftpConversation | null {
    // A transfer's packets come in long runs: the conversation of the previous packet is tried first,
    // which spares building a key string per DATA and ACK.
    const last = this.last;
    if (last !== null && last.clientPort === srcPort && last.clientIp === srcIp && last.serverIp === dstIp)
      return last;
    if (this.portUse.has(srcPort)) {
      // Client → server
      const conv = this.byKey.get(keyOf(srcIp, srcPort, dstIp));
      if (conv !== undefined) return (this.last = conv);
    }
    if (last !== null && last.clientPort === dstPort && last.clientIp === dstIp && last.serverIp === srcIp) {
      if (last.serverPort === -1) last.serverPort = srcPort;
      return last;
    }
    if (this.portUse.has(dstPort)) {
      // Server → client
      const conv = this.byKey.get(keyOf(dstIp, dstPort, srcIp));
      if (conv !== undefined) {
        if (conv.serverPort === -1) conv.serverPort = srcPort;
        return (this.last = conv);
      }
    }
    return null;
  }

  private remove(key: string, conv: TftpConversation): void {
    if (this.last === conv) this.last = null;
    this.byKey.delete(key);
    const n = (this.portUse.get(conv.clientPort) ?? 1) - 1;
    if (n <= 0) this.portUse.delete(conv.clientPort);
    else this.portUse.set(conv.clientPort, n);
  }
}

function keyOf(clientIp: number, clientPort: number, serverIp: number): string {
  return `${clientIp}:${clientPort}>${serverIp}`;
}
