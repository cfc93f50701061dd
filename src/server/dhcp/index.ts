/** The DHCP / proxyDHCP engine of the reference server, its lease store, and its in-process exchange. */
export * from './types.js';
export { openDhcpEngine, PxeDhcpEngine, type DhcpEngineOptions } from './engine.js';
export { chooseBoot, type BootDecision } from './boot-choice.js';
export { classifyClient } from './client.js';
export { AddressPool, type Allocation } from './pool.js';
export { replyDestination, orderOptions, PXE_BOOT_SERVER_TYPE } from './reply.js';
export {
  FileLeaseStore,
  MemoryLeaseStore,
  LeaseFileError,
  parseLeaseFile,
  type LeaseRecord,
  type LeaseState,
  type LeaseStore,
  type FileLeaseStoreOptions,
} from './lease-store.js';
export { engineExchange } from './engine-exchange.js';
