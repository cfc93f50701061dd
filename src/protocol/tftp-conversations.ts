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
  /** By client endpoint (address × 65536 + port, exact in a double), then by server address: no key strings. */
  private readonly byClient = new Map<number, Map<number, TftpConversation>>();
  /** Every conversation, oldest opened first (the one dropped past `max`). */
  private readonly opened = new Set<TftpConversation>();
  /** How many live conversations use each client port: a cheap pre-filter for every UDP packet. */
  private readonly portUse = new Map<number, number>();
  /** The conversation find() returned last (null after it was removed). */
  private last: TftpConversation | null = null;

  constructor(private readonly max = 65536) {}

  get size(): number {
    return this.opened.size;
  }

  /** Cheap test run for every UDP packet before building any key. */
  mayMatch(srcPort: number, dstPort: number): boolean {
    return this.portUse.has(srcPort) || this.portUse.has(dstPort);
  }

  open(clientIp: number, clientPort: number, serverIp: number, requestedBlksize: number): TftpConversation {
    const old = this.get(clientIp, clientPort, serverIp);
    if (old !== undefined) this.remove(old);
    const conv: TftpConversation = {
      clientIp,
      clientPort,
      serverIp,
      serverPort: -1,
      blksize: 512,
      requestedBlksize,
    };
    const endpoint = clientIp * 65536 + clientPort;
    let servers = this.byClient.get(endpoint);
    if (servers === undefined) {
      servers = new Map();
      this.byClient.set(endpoint, servers);
    }
    servers.set(serverIp, conv);
    this.opened.add(conv);
    this.portUse.set(clientPort, (this.portUse.get(clientPort) ?? 0) + 1);
    if (this.opened.size > this.max) {
      const oldest = this.opened.values().next();
      if (oldest.done !== true) this.remove(oldest.value);
    }
    return conv;
  }

  private get(clientIp: number, clientPort: number, serverIp: number): TftpConversation | undefined {
    return this.byClient.get(clientIp * 65536 + clientPort)?.get(serverIp);
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
      const conv = this.get(srcIp, srcPort, dstIp);
      if (conv !== undefined) return (this.last = conv);
    }
    if (last !== null && last.clientPort === dstPort && last.clientIp === dstIp && last.serverIp === srcIp) {
      if (last.serverPort === -1) last.serverPort = srcPort;
      return last;
    }
    if (this.portUse.has(dstPort)) {
      // Server → client
      const conv = this.get(dstIp, dstPort, srcIp);
      if (conv !== undefined) {
        if (conv.serverPort === -1) conv.serverPort = srcPort;
        return (this.last = conv);
      }
    }
    return null;
  }

  private remove(conv: TftpConversation): void {
    if (this.last === conv) this.last = null;
    this.opened.delete(conv);
    const endpoint = conv.clientIp * 65536 + conv.clientPort;
    const servers = this.byClient.get(endpoint);
    servers?.delete(conv.serverIp);
    if (servers !== undefined && servers.size === 0) this.byClient.delete(endpoint);
    const n = (this.portUse.get(conv.clientPort) ?? 1) - 1;
    if (n <= 0) this.portUse.delete(conv.clientPort);
    else this.portUse.set(conv.clientPort, n);
  }
}
