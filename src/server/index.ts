/** The reference PXE server's parts. */
export * from './tftp/index.js';
export * from './dhcp/index.js';
export * from './config/index.js';
export * from './http/index.js';
