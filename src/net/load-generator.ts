/**
 * Load for a DHCP server: many simulated clients (dhcp-client.ts) at once over one DhcpExchange, and the
 * check that every one got a lease and no address went to two clients.
 */
import {
  runSimulatedClient,
  type DhcpExchange,
  type SimulatedClientSpec,
  type SimulatedLease,
} from './dhcp-client.js';

/** A locally administered, unique MAC per index (02:xx…). */
export function simulatedMac(index: number): string {
  const b = [0x02, 0x50, (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255];
  return b.map((x) => x.toString(16).padStart(2, '0')).join(':');
}

export function simulatedClients(
  count: number,
  options: Omit<SimulatedClientSpec, 'mac' | 'xid'> = {},
): SimulatedClientSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    ...options,
    mac: simulatedMac(i),
    xid: (0x5d000000 + i) >>> 0,
  }));
}

export interface LoadResult {
  leases: SimulatedLease[];
  /** Everything that was not as a client expects, one line each; empty when all went well. */
  problems: string[];
}

/**
 * Runs many clients, `concurrency` at a time, and checks that every one got a lease and no address went to
 * two clients.
 */
export async function runDhcpLoad(
  clients: readonly SimulatedClientSpec[],
  exchange: DhcpExchange,
  options: { concurrency?: number } = {},
): Promise<LoadResult> {
  const leases: SimulatedLease[] = [];
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < clients.length) {
      const result = await runSimulatedClient(clients[next++], exchange);
      if (typeof result === 'string') problems.push(result);
      else leases.push(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 32) }, worker));
  const owner = new Map<string, string>();
  for (const l of leases) {
    const other = owner.get(l.ip);
    if (other !== undefined) problems.push(`${l.ip} given to both ${other} and ${l.mac}`);
    owner.set(l.ip, l.mac);
  }
  return { leases, problems };
}
