/** Bounds of the serve settings a flag can also give, read by the config validation and by the CLI's early check. */

/** Lease time in seconds: a minute at least (shorter leases make clients renew mid-boot), below "infinite". */
export const LEASE_TIME_MIN = 60;
export const LEASE_TIME_MAX = 0xfffffffe;
