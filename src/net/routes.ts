/**
 * Facts about the host's interfaces that decide whether sending as a client is safe: which interfaces carry a
 * default route, and which interfaces exist. Read from Linux's /proc/net/route and /sys/class/net (of the
 * network namespace the process runs in); the parsing is pure so it can be tested.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The interfaces of /proc/net/route's text that carry a default route (destination and mask 0). */
export function defaultRouteInterfaces(routeText: string): string[] {
  const out = new Set<string>();
  for (const line of routeText.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    // Iface Destination Gateway Flags RefCnt Use Metric Mask …
    if (cols.length < 8) continue;
    if (cols[1] === '00000000' && cols[7] === '00000000') out.add(cols[0]);
  }
  return [...out];
}

/** The interfaces with a default route on this host; null when the routing table cannot be read (not Linux). */
export function readDefaultRouteInterfaces(): string[] | null {
  try {
    return defaultRouteInterfaces(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return null;
  }
}

/** The interface names of this host; null when they cannot be listed (not Linux). */
export function listInterfaces(): string[] | null {
  try {
    return readdirSync('/sys/class/net').sort();
  } catch {
    return null;
  }
}
