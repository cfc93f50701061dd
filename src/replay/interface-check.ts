/**
 * The one rule that decides whether `replay --interface IF` may send there: not on an interface that carries
 * this host's default route, unless --force. That interface is the way to everything else — in an office or a
 * data centre, the production network — where replaying a client takes real leases and may make real
 * servers act (a reservation, a provisioning hook). A lab bridge, a test VLAN interface or a namespace's
 * veth has no default route, and is where a replay belongs. Checked before anything is opened or sent.
 */
import { InterfaceError } from '../net/errors.js';
import { listInterfaces, readDefaultRouteInterfaces } from '../net/routes.js';

export interface InterfaceFactsForReplay {
  /** Interfaces of the host; null when unknown (not Linux): nothing is refused for want of the facts. */
  interfaces: readonly string[] | null;
  defaultRoutes: readonly string[] | null;
}

/** Throws InterfaceError (exit 4) when `iface` is missing or carries the default route without `force`. */
export function checkReplayInterface(
  iface: string,
  force: boolean,
  facts: InterfaceFactsForReplay = {
    interfaces: listInterfaces(),
    defaultRoutes: readDefaultRouteInterfaces(),
  },
): void {
  if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(iface)) throw new InterfaceError(`not an interface name: ${iface}`);
  if (facts.interfaces !== null && !facts.interfaces.includes(iface))
    throw new InterfaceError(
      `no interface ${iface} (interfaces here: ${facts.interfaces.join(', ') || 'none'})`,
    );
  if (!force && facts.defaultRoutes?.includes(iface) === true)
    throw new InterfaceError(
      `${iface} carries this host's default route, so it is likely a production network: a replay sends DHCP as the captured clients and takes leases there. Use a lab or test interface, or --force`,
    );
}
