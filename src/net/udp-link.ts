/**
 * The kernel's UDP socket as a DatagramLink (link.ts), bound to an ephemeral port: what the TFTP client
 * talks through on a real network.
 */
import { createSocket } from 'node:dgram';
import { lookup, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { DatagramLink, DatagramListener } from './link.js';

export interface UdpLinkOptions {
  /** udp6 instead of udp4. */
  ipv6?: boolean;
  /** SO_RCVBUF wanted, bytes (raised only; the kernel caps it at net.core.rmem_max). */
  recvBufferSize?: number;
}

/** dns.lookup, except that an IP literal (every send after the first) is answered at once, not a tick later. */
function fastLookup(
  hostname: string,
  options: LookupOptions,
  callback: (err: NodeJS.ErrnoException | null, address: string, family: number) => void,
): void {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else lookup(hostname, { family: options.family ?? 0, all: false }, callback);
}

/** Binds a UDP socket on an ephemeral port of every address. */
export function openUdpLink(options: UdpLinkOptions = {}): Promise<DatagramLink> {
  const socket = createSocket({ type: options.ipv6 === true ? 'udp6' : 'udp4', lookup: fastLookup });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.removeListener('error', reject);
      const want = options.recvBufferSize ?? 0;
      if (want > socket.getRecvBufferSize()) socket.setRecvBufferSize(want);
      resolve({
        port: socket.address().port,
        send(payload, to, sent): void {
          socket.send(payload, to.port, to.address, sent === undefined ? undefined : () => sent());
        },
        listen(listener: DatagramListener): void {
          socket.on('message', (msg, rinfo) => listener(msg, { address: rinfo.address, port: rinfo.port }));
        },
        onError(listener: (error: Error) => void): void {
          socket.on('error', listener);
        },
        close(): void {
          socket.close();
        },
      });
    });
  });
}
