/**
 * One `serve` per interface: a second one would answer every DHCP message a second time. The lock is a
 * Linux abstract Unix socket named after the interface: it lives in the network namespace, exactly where
 * the interface name means one interface, and the kernel drops it when the process ends however it ends
 * (kill -9 included), so a stale lock cannot exist. The holder answers a connection with its pid, for the
 * message.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { OtherDhcpServerError } from './errors.js';

export interface InstanceLock {
  /** Gives the lock up. */
  close(): Promise<void>;
}

function lockName(iface: string): string {
  return `\0pxe-doctor-serve:${iface}`;
}

/** The pid the holder of the lock reports, or null when it does not answer within `waitMs`. */
function holderPid(name: string, waitMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = createConnection({ path: name });
    const done = (pid: number | null): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(null), waitMs);
    socket.on('data', (b) => (text += b.toString('utf8')));
    socket.on('end', () => done(/^\d+$/.test(text.trim()) ? Number(text.trim()) : null));
    socket.on('error', () => done(null));
  });
}

/** Takes the interface's lock; rejects with OtherDhcpServerError (exit 5) when another serve holds it. */
export async function lockInterface(iface: string): Promise<InstanceLock> {
  const name = lockName(iface);
  const server: Server = createServer((socket) => socket.end(`${process.pid}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: name }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    const pid = await holderPid(name, 500);
    throw new OtherDhcpServerError(
      `another pxe-doctor serve already runs on ${iface}${pid !== null ? ` (pid ${pid})` : ''}: ` +
        'one server per interface',
    );
  }
  server.unref();
  return {
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
