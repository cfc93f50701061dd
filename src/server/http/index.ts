/** Static HTTP for the iPXE stage: the TFTP root, read-only, with the same path confinement. */
export * from './server.js';
export * from './request-path.js';
export * from './connections.js';
