/**
 * Facts about the one interface the server answers on: its MAC, first IPv4 address, prefix and MTU. Read
 * from os.networkInterfaces() and /sys/class/net/IFACE/mtu; the parsing is pure so it can be tested.
 * os.networkInterfaces() leaves out an interface without carrier (a bridge whose only port is a VM's tap
 * before the VM starts), where a DHCP server must still start: Linux's `ip -j addr` fills that gap.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { InterfaceError } from '../../net/errors.js';

export interface InterfaceFacts {
  name: string;
  /** Lower-case colon form. */
  mac: string;
  /** The interface's first IPv4 address: the server's address. */
  address: string;
  /** Prefix length of that address, e.g. 24. */
  prefix: number;
  netmask: string;
  /** Link MTU in bytes (IP packet size). */
  mtu: number;
}

/** Ethernet's MTU: used when /sys does not say (not Linux). */
export const DEFAULT_MTU = 1500;

/** The IPv4 entry of os.networkInterfaces() (Node 18.0–18.3 reported the family as the number 4). */
function isIpv4(info: NetworkInterfaceInfo): boolean {
  const family = info.family as string | number;
  return family === 'IPv4' || family === 4;
}

function prefixOf(netmask: string): number {
  let bits = 0;
  for (const part of netmask.split('.')) bits += Number(part).toString(2).replace(/0/g, '').length;
  return bits;
}

/**
 * The facts for `name` from the entries os.networkInterfaces() gives and the text of its sysfs mtu file
 * (null when unreadable). Throws InterfaceError naming what is wrong and the interfaces that exist.
 */
export function parseInterfaceFacts(
  name: string,
  all: NodeJS.Dict<NetworkInterfaceInfo[]>,
  mtuText: string | null,
): InterfaceFacts {
  const entries = all[name];
  if (entries === undefined) {
    const known = Object.keys(all).join(', ');
    throw new InterfaceError(
      `no interface ${name} with an address (interfaces with addresses: ${known === '' ? 'none' : known})`,
    );
  }
  const v4 = entries.find(isIpv4);
  if (v4 === undefined)
    throw new InterfaceError(
      `interface ${name} has no IPv4 address: the server answers from it (ip addr add …)`,
    );
  const mac = v4.mac.toLowerCase();
  if (v4.internal || mac === '00:00:00:00:00:00')
    throw new InterfaceError(`interface ${name} is a loopback interface: PXE needs an Ethernet interface`);
  const parsed = mtuText === null ? NaN : Number(mtuText.trim());
  const mtu = Number.isInteger(parsed) && parsed >= 576 ? parsed : DEFAULT_MTU;
  const prefix = v4.cidr !== null ? Number(v4.cidr.split('/')[1]) : prefixOf(v4.netmask);
  return { name, mac, address: v4.address, prefix, netmask: v4.netmask, mtu };
}

/** The facts of interface `name` on this machine. */
export function readInterfaceFacts(name: string): InterfaceFacts {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(name)) throw new InterfaceError(`not an interface name: ${name}`);
  let mtuText: string | null = null;
  try {
    mtuText = readFileSync(`/sys/class/net/${name}/mtu`, 'utf8');
  } catch {
    // not Linux, or the interface vanished: parseInterfaceFacts reports what it can
  }
  const all = networkInterfaces();
  if (all[name] === undefined) {
    const entries = iprouteEntries(name);
    if (entries.length > 0) all[name] = entries;
  }
  return parseInterfaceFacts(name, all, mtuText);
}

interface IpAddrJson {
  address?: string;
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/**
 * The IPv4 entries of `ip -j addr show dev NAME` (not `-4`, which leaves out the MAC), shaped like
 * os.networkInterfaces() ones.
 */
export function parseIpAddrJson(text: string): NetworkInterfaceInfo[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const out: NetworkInterfaceInfo[] = [];
  for (const link of parsed as IpAddrJson[]) {
    const mac = typeof link.address === 'string' ? link.address.toLowerCase() : '00:00:00:00:00:00';
    for (const a of link.addr_info ?? []) {
      if (a.family !== 'inet' || typeof a.local !== 'string' || typeof a.prefixlen !== 'number') continue;
      const netmask = prefixToNetmask(a.prefixlen);
      out.push({
        address: a.local,
        netmask,
        family: 'IPv4',
        mac,
        internal: false,
        cidr: `${a.local}/${a.prefixlen}`,
      });
    }
  }
  return out;
}

function prefixToNetmask(prefix: number): string {
  const bits = prefix <= 0 ? 0 : (0xffffffff << (32 - Math.min(prefix, 32))) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 0xff).join('.');
}

function iprouteEntries(name: string): NetworkInterfaceInfo[] {
  try {
    const text = execFileSync('ip', ['-j', 'addr', 'show', 'dev', name], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return parseIpAddrJson(text);
  } catch {
    // no iproute2, or no such interface: the caller reports the interfaces it knows
    return [];
  }
}
